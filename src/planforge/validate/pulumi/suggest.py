"""Did-you-mean: the name closest to a misspelt one."""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice `word` most likely meant: its snake_case spelling when that is a choice (`cidrBlock` for
    `cidr_block`), else the closest by difflib (None when nothing is close)."""
    names = sorted(set(choices))
    snake = _CAMEL.sub("_", word).lower()
    if snake != word and snake in names:
        return snake
    found = difflib.get_close_matches(word, names, n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """"; did you mean `x`?" or ""."""
    match = closest(word, choices, cutoff)
    return f"; did you mean `{match}`?" if match is not None else ""
