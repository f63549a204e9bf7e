"""The component catalog (the template's `includes/components.yaml`) read in Python.

The questionnaire of plain `copier copy` reads the same file (`includes/components.jinja`), so the charts, their
pinned versions, namespaces and aliases are written once, for planforge's decisions, the wiring validator and the
template alike.
"""
from __future__ import annotations

from functools import cache
from typing import Any

import yaml

CATALOG_FILE = "includes/components.yaml"


@cache
def load_catalog() -> dict[str, Any]:
    """The parsed catalog of the shipped template."""
    from planforge.render.template import shipped_template_dir

    return yaml.safe_load((shipped_template_dir() / CATALOG_FILE).read_text(encoding="utf-8")) or {}
