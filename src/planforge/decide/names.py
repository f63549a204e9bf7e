"""Names read from a plan list (tenants, environments, applications, charts): what a valid one is, and the items
of a list as written.

A name becomes a directory, a Kubernetes name and a value written unquoted into YAML and HCL, so it must be a
DNS-1123 label (lowercase letters, digits and inner '-', at most 63 characters) that YAML reads as text (not `on`,
`null`, `010`, `1e3`, `2024-01-01`: includes/answer_rules.yaml `yaml_non_strings`). An item that is not one is refused
at its line with the reason; it is never dropped, split, lowercased or otherwise rewritten. Only Markdown
decoration is taken off an item: code ticks and emphasis (`Field.plain`), and a note in parentheses after it
(`acme (EU)`; `$(id)` is not a note: its parenthesis is attached to the text before it).
"""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answer_rules import YAML_TEXT_FIX, patterns, yaml_reading
from planforge.plan.model import Field, SourceLine, plain

# `(...)` groups and paths (`/etc/passwd`, `~/x`) are set aside while a list is split, so neither is cut apart
_GROUP = re.compile(r"\([^()]*+\)")
_PATH = re.compile(r"(?<![^\s,;])(?:~|\.{1,2})?/[^\s,;()]++")
_SET_ASIDE = re.compile("\x00([0-9]+)\x01")
_NOTE = re.compile(r"\s\x00[0-9]+\x01$")  # a group after a blank, ending the item: `acme (EU)`
_EMPHASIS = re.compile(r"([*_])(.+)\1", re.S)  # `*acme*`, `_acme_`
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def name_problem(name: str) -> tuple[str, str] | None:
    """(why `name` is not a valid name, the fix), or None when it is one."""
    label = patterns()["label"]
    limit = label.max or 63
    if not name:
        return "is empty", "give a name of lowercase letters, digits and '-'"
    bad = next((ch for ch in name if ch not in _ALLOWED), None)
    if bad is not None:
        fix = f"write it {name.lower()}" if name.lower() != name and set(name.lower()) <= _ALLOWED else \
            "use lowercase letters, digits and '-'"
        return f"is not a DNS-1123 label: {_character(bad)} is not a lowercase letter, digit or '-'", fix
    if name[0] == "-" or name[-1] == "-":
        return "is not a DNS-1123 label: it starts or ends with '-'", "start and end it with a letter or digit"
    if len(name) > limit:
        return f"is not a DNS-1123 label: {len(name)} characters, at most {limit}", f"shorten it to {limit} characters"
    reading = yaml_reading(name)
    if reading is not None:
        return f"cannot be a name: YAML reads `{name}` as {reading}", YAML_TEXT_FIX
    return None


def _character(ch: str) -> str:
    if ch.isspace():
        return "a blank"
    if ch.isupper():
        return f"uppercase {ch!r}"
    return repr(ch) if ch.isascii() else f"{ch!r} (U+{ord(ch):04X})"


def list_items(text: str) -> list[str]:
    """The items of a name list (`acme, globex and initech`) as written: split where tx.split_list splits (`,` `;`
    `/` `+` `&` `and` `or`), without code ticks, bold or italics or a note in parentheses after an item
    (`acme (EU)` -> `acme`). A path (`/etc/passwd`) or a parenthesis attached to a word (`$(id)`) stays whole
    within its item."""
    aside: list[str] = []

    def set_aside(m: re.Match[str]) -> str:
        aside.append(m.group(0))
        return f"\x00{len(aside) - 1}\x01"

    protected = _PATH.sub(set_aside, _GROUP.sub(set_aside, plain(text)))
    items = []
    for part in tx.LIST_SPLIT.split(protected):
        part = _NOTE.sub("", part.strip()).strip().rstrip(".")
        for _ in range(2):  # a path may hold a group set aside before it
            part = _SET_ASIDE.sub(lambda m: aside[int(m.group(1))], part)
        item = part.strip()
        emphasis = _EMPHASIS.fullmatch(item)
        if item:
            items.append(emphasis.group(2) if emphasis else item)
    return items


def line_of(f: Field, item: str) -> int:
    """The line of field f that holds item as a whole word (its label line first, then its continuation lines and
    nested items), else the label line."""
    word = re.compile(rf"(?<![\w-]){re.escape(item)}(?![\w-])")
    return next((src.line for src in (SourceLine(f.line, f.text), *f.extra_lines) if word.search(src.text)), f.line)
