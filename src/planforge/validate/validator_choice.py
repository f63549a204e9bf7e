"""Which registered validators a run uses (`--only`), and the rule descriptions of the loaded ones."""
from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from planforge.errors import UsageError
from planforge.validate.registry import DEFAULT_VALIDATORS, VALIDATOR_NAMES, VALIDATORS


def parse_only(values: Iterable[str] | None) -> list[str] | None:
    """`["terraform,helm", "policy"]` -> the selected names in canonical order (None = all)."""
    if values is None:
        return None
    names: set[str] = set()
    for value in values:
        for item in str(value).split(","):
            item = item.strip()
            if not item:
                continue
            if item not in VALIDATOR_NAMES:
                raise UsageError(
                    f"unknown validator '{item}' in --only; choose from {', '.join(sorted(VALIDATOR_NAMES))}."
                )
            names.add(item)
    if not names:
        raise UsageError("--only needs at least one validator name.")
    return [n for n in VALIDATOR_NAMES if n in names]


def selected_validators(only: Iterable[str] | str | None) -> list[str]:
    """The validators a run uses: the default ones (registry `default`) when `only` is None."""
    if only is None:
        return list(DEFAULT_VALIDATORS)
    return parse_only([only] if isinstance(only, str) else only)


def loaded_module(name: str) -> Any | None:
    """The module of a registered validator, if it has been imported."""
    return sys.modules.get(VALIDATORS[name].module)



def rule_descriptions() -> dict[str, str]:
    """Rule id -> one-line description, from every loaded validator module's `RULES`."""
    from planforge.validate import conflicts, inputs

    rules: dict[str, str] = dict(inputs.RULES)
    rules.update(conflicts.RULES)
    for name in VALIDATOR_NAMES:
        table = getattr(loaded_module(name), "RULES", None)
        if isinstance(table, dict):
            rules.update({str(k): str(v) for k, v in table.items()})
    return rules
