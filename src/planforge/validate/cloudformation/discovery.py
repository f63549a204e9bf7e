"""Which files are CloudFormation templates (docs/discovery.md, "CloudFormation"): one target per template.

Candidates are the `.yaml`, `.yml`, `.json` and `.template` files outside hidden directories, `node_modules/`,
`__pycache__/` and Helm charts (whose templates are not YAML until rendered), except kustomizations, the files
whose name starts with `.` and the paths `--ignore-filename-pattern` matches. Each is read within the bounds of the
run and recognised by content (`template`). A candidate the run may not read (a symlink leading outside, a FIFO,
a file over the size limit) or that is too complex to load is a target too: its check reports why, and nothing
of it is read or handed to cfn-lint.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from planforge.validate.base import Context, Finding, Severity, Target
from planforge.validate.cloudformation.rules import NAME, TEMPLATE
from planforge.validate.cloudformation.template import (
    TEMPLATE_SUFFIXES,
    NotATemplate,
    Parsed,
    declares_template,
    is_template,
    may_be_template,
    parse,
)
from planforge.validate.inputs import TOO_COMPLEX, InputError, default_hint, walk
from planforge.validate.manifests.discovery import (
    CHART_FILE,
    KUSTOMIZATION_NAMES,
    SKIPPED_DIRS,
    compile_patterns,
)
from planforge.validate.manifests.limits import TooComplex


@dataclass
class Candidate:
    """A template found by discovery: its parsed content, or the finding that says why it is not read."""

    path: Path
    parsed: Parsed | None = None  # None: it does not parse (cfn-lint reports the syntax error) or is refused
    refusal: Finding | None = None  # why the file itself is not read
    refusals: list[Finding] = field(default_factory=list)  # what cfn-lint would read and must not (`screen`)

    @property
    def linted(self) -> bool:
        """Whether cfn-lint may run on it."""
        return self.refusal is None and not self.refusals


def discover_templates(ctx: Context) -> list[Candidate]:
    """The templates below `ctx.root`, sorted by path."""
    patterns = compile_patterns(ctx.settings)
    found: list[Candidate] = []
    for path in sorted(_candidate_paths(ctx.root)):
        shown = ctx.display_as_written(path)
        if any(p.search(shown) or p.search(str(path)) for p in patterns):
            continue
        candidate = read_candidate(path, shown, ctx)
        if candidate is not None:
            found.append(candidate)
    return found


def targets_of(candidates: list[Candidate], ctx: Context) -> list[Target]:
    return [Target(NAME, TEMPLATE, c.path, ctx.display_as_written(c.path)) for c in candidates]


def _candidate_paths(root: Path) -> list[Path]:
    paths: list[Path] = []
    for dirpath, dirnames, filenames in walk(root):
        if CHART_FILE in filenames:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
        paths.extend(Path(dirpath, name) for name in filenames
                     if name.endswith(TEMPLATE_SUFFIXES) and not name.startswith(".")
                     and name not in KUSTOMIZATION_NAMES)
    return paths


def read_candidate(path: Path, shown: str, ctx: Context) -> Candidate | None:
    """`path` as a template, a refused candidate, or None when it is no template."""
    try:
        raw = ctx.bounds.read_bytes(path, shown)
    except InputError as exc:
        return Candidate(path, refusal=exc.finding(shown))
    except OSError:
        return None
    text = raw.decode("utf-8-sig", errors="replace")
    if not may_be_template(text):
        return None
    try:
        parsed = parse(text, os.path.splitext(path)[1])
    except TooComplex as exc:
        return Candidate(path, refusal=Finding("input", TOO_COMPLEX, Severity.ERROR,
                                               f"{shown} is too complex to load: {exc}", shown, exc.line,
                                               hint=default_hint(TOO_COMPLEX)))
    except NotATemplate:
        return Candidate(path) if declares_template(text) else None
    return Candidate(path, parsed) if is_template(parsed.data) else None

