"""The Argo CD objects the argocd validator checks: as written in a manifest file, rendered by an app-of-apps
chart (lines: the chart template's), or expanded from an ApplicationSet (lines: its template's)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planforge.validate.manifests import join_path, line_of_path
from planforge.validate.manifests.objects import ManifestObject


@dataclass(eq=False)
class ArgoObject(ManifestObject):
    """One Application / ApplicationSet / AppProject found in the repository."""

    @property
    def label(self) -> str:
        """How findings name the object."""
        return f"{self.kind} {self.name}"

    def where(self, path: list[str | int]) -> list[str | int]:
        """The path of one of its fields in its file."""
        return path

    def line_of(self, path: list[str | int]) -> int | None:
        """Line of a field of this object in its file (or of its nearest parent that exists)."""
        prefix = getattr(self.doc, "item_path", "")
        return line_of_path(self.doc, f"{prefix}.{join_path(path)}" if prefix else join_path(path))


@dataclass(eq=False)
class RenderedArgoObject(ArgoObject):
    """An Argo CD object an app-of-apps chart renders (`path` / `display`: its chart template) or a kustomization
    builds (its kustomization file, no lines)."""

    built_by: Path = Path()  # the chart or kustomization directory
    origin: str = ""  # `helm template apps -f ...`, `kustomize build argocd/prod`
    template_text: str = ""  # where lines are looked up ("": none)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name} (rendered by `{self.origin}`)"

    def line_of(self, path: list[str | int]) -> int | None:
        """The template's line that writes the field (its key), when one does; else None."""
        keys = [p for p in path if isinstance(p, str)]
        for key in reversed(keys):
            written = re.compile(rf"^\s*(- )?{re.escape(key)}:")
            line = next((n for n, text in enumerate(self.template_text.splitlines(), 1) if written.match(text)), None)
            if line is not None:
                return line
        return None


@dataclass(eq=False)
class ExpandedApplication(ArgoObject):
    """An Application an ApplicationSet's template expands to with one parameter set (lines: its template's)."""

    appset: ArgoObject | None = None
    application: dict[str, Any] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)

    @property
    def obj(self) -> dict[str, Any]:
        return self.application

    @property
    def label(self) -> str:
        assert self.appset is not None
        return f"{self.appset.label}, Application {self.name}"

    def where(self, path: list[str | int]) -> list[str | int]:
        return ["spec", "template", *path]

    def line_of(self, path: list[str | int]) -> int | None:
        assert self.appset is not None
        return self.appset.line_of(self.where(path))


__all__ = ["ArgoObject", "ExpandedApplication", "RenderedArgoObject"]
