"""The plan templates planforge reads, shipped so that `planforge plan init` can start a plan from one.

Each template is a spec-kit flavour's plan template (data/plan_templates/<name>-plan-template.md). In the plan
written from it, the placeholder of every field planforge reads a fixed set of values from lists those values
(data/blocking.yaml `accepted`); it stays a placeholder, so `planforge plan check` still asks for it.
"""
from __future__ import annotations

import re
from importlib import resources

from planforge.errors import UsageError

SUFFIX = "-plan-template.md"
# The template a flavour starts from when none is named.
FLAVOUR_DEFAULTS = {"specops": "specops-infra", "speckit": "speckit-helm-chart", "sp": "sp-event-driven-cloud"}
# A field whose value is still the template's bracket placeholder (which may span lines).
_PLACEHOLDER_FIELD = re.compile(r"^\*\*(?P<label>[^*\n]+)\*\*:[ \t]*\[[^\]]*\]", re.M)


def template_names() -> list[str]:
    """Every shipped template, e.g. `specops-infra`."""
    folder = resources.files("planforge").joinpath("data", "plan_templates")
    return sorted(entry.name[: -len(SUFFIX)] for entry in folder.iterdir() if entry.name.endswith(SUFFIX))


def choose(flavour: str | None, name: str | None) -> str:
    """The template to write: `name` when given (it must be of `flavour` when both are), else the flavour's."""
    names = template_names()
    if name is None:
        return FLAVOUR_DEFAULTS[flavour or "specops"]
    if name not in names:
        raise UsageError(f"no plan template {name!r} (fix: use one of: {', '.join(names)})")
    if flavour is not None and not name.startswith(f"{flavour}-"):
        of_flavour = ", ".join(n for n in names if n.startswith(f"{flavour}-"))
        raise UsageError(f"plan template {name!r} is not of flavour {flavour!r} (fix: use one of: {of_flavour})")
    return name


def skeleton(name: str) -> str:
    """The template's text, each placeholder of a field with a fixed set of values naming those values."""
    text = resources.files("planforge").joinpath("data", "plan_templates", name + SUFFIX).read_text(encoding="utf-8")
    return _PLACEHOLDER_FIELD.sub(_accepted_placeholder, text)


def _accepted_placeholder(match: re.Match[str]) -> str:
    # not at import: the CLI imports this module for every command
    from planforge.decide.data import accepted_values
    from planforge.plan.model import normalize_label

    accepted = accepted_values(normalize_label(match.group("label")))
    return f"**{match.group('label')}**: [one of: {accepted}]" if accepted else match.group(0)
