"""The component catalog (the template's `includes/components.yaml`) read in Python.

The questionnaire of plain `copier copy` reads the same file (`includes/components.jinja`), so the charts, their
pinned versions, namespaces and aliases are written once, for planforge's decisions, the wiring validator and the
template alike.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from planforge.yamlio import template_data

CATALOG_FILE = "includes/components.yaml"


@cache
def load_catalog() -> dict[str, Any]:
    """The parsed catalog of the shipped template."""
    return template_data(CATALOG_FILE) or {}
