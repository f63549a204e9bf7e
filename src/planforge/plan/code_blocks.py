"""The code blocks of a plan (between ``` or ~~~ fences) and the YAML documents one holds: the manifests and values
plans show (an Ingress, Dapr Components, a chart's values), read with Helm's `{{ ... }}` templating as a placeholder."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

_FENCE = re.compile(r"^\s*(?:```|~~~)")
_TEMPLATING = re.compile(r"\{\{.*?\}\}")


@dataclass(frozen=True)
class CodeBlock:
    """The lines between two fences, and the plan line of the first of them."""

    line: int
    lines: tuple[str, ...]

    def line_of(self, words: str) -> int:
        """The plan line of the block's first line holding `words` (the block's first line when none does)."""
        return next((self.line + i for i, raw in enumerate(self.lines) if words in raw), self.line)

    def documents(self) -> list[Any]:
        """The block's YAML documents ([] when it is no YAML)."""
        try:
            return list(yaml.safe_load_all(_TEMPLATING.sub("x", "\n".join(self.lines))))
        except yaml.YAMLError:
            return []


def code_blocks(lines: list[str]) -> list[CodeBlock]:
    """Every fenced code block of the plan's lines, in order."""
    fences = [i for i, raw in enumerate(lines) if _FENCE.match(raw)]
    return [CodeBlock(start + 2, tuple(lines[start + 1:end])) for start, end in zip(fences[::2], fences[1::2])]
