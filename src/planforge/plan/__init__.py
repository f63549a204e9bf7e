"""planforge.plan: read a spec-kit plan.md into a typed Plan (see `model`).

The names below are loaded on first use, so that a command reading no plan (`planforge validate`) does not import
the Markdown reader with the package's lighter modules (`templates`, the flavours `plan init` offers)."""
from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["Field", "Plan", "is_unresolved", "parse_plan", "parse_text"]
_HOME = {"Field": "model", "Plan": "model", "is_unresolved": "model", "parse_plan": "reader", "parse_text": "reader"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
