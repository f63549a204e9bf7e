"""Conditions on answers, written as data and evaluated here and by includes/conditions.jinja.

The flags of layout.yml and the answer rules that tie answers together (includes/answer_rules.yaml
`together`) are such conditions, so each is written once and both planforge and plain Copier read it.
A condition maps answer names to tests that must all hold; `any: [..]` adds alternatives one of which
must hold, `none: [..]` alternatives none of which may. A test checks the answer's value:
`is`/`not` (equal / different), `in` (an item of a list, or of the table's list KEY; of a mapping: one
of its values), `row: [KEY, NAME]` (the table's mapping KEY at the answer NAME), `in_row: [KEY, NAME]`
(an item of the list the table's mapping KEY holds at the answer NAME), `has` (a list holds it;
`{FIELD: V}`: an item whose FIELD is V), `set` (not empty, or empty when false).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def field_of(item: Any, name: str) -> Any:
    """A field of a list item, given as a mapping (answers files) or a model (a Component)."""
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _listed(test: Any, table: Mapping[str, Any]) -> Any:
    listed = table[test] if isinstance(test, str) else test
    return listed.values() if isinstance(listed, Mapping) else listed


def passes(value: Any, test: Mapping[str, Any], answers: Mapping[str, Any], table: Mapping[str, Any]) -> bool:
    """Whether an answer's value passes a test."""
    checks = {
        "is": lambda arg: value == arg,
        "not": lambda arg: value != arg,
        "in": lambda arg: value in _listed(arg, table),
        "row": lambda arg: (row := table[arg[0]].get(answers.get(arg[1]))) is not None and value == row,
        "in_row": lambda arg: value in (table[arg[0]].get(answers.get(arg[1])) or []),
        "has": lambda arg: (next(iter(arg.values())) in [field_of(v, next(iter(arg))) for v in value or []]
                            if isinstance(arg, Mapping) else arg in (value or [])),
        "set": lambda arg: bool(value) == arg,
    }
    return all(checks[op](arg) for op, arg in test.items())


def holds(condition: Mapping[str, Any], answers: Mapping[str, Any], table: Mapping[str, Any]) -> bool:
    """Whether the answers pass a condition."""
    alternatives, excluded = condition.get("any"), condition.get("none") or []
    if alternatives is not None and not any(holds(c, answers, table) for c in alternatives):
        return False
    if any(holds(c, answers, table) for c in excluded):
        return False
    return all(passes(answers.get(name), test, answers, table) for name, test in condition.items()
               if name not in ("any", "none"))
