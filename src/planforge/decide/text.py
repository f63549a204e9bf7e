"""Small text helpers for reading values out of plan fields (no decisions here)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from planforge.plan.model import Field, plain

_NEGATION = re.compile(r"\b(no|not|never|without|excluding|except|none|avoid|n/a)\b|\bmust not\b|\bout of scope\b", re.I)
_CLAUSE_SPLIT = re.compile(r"[,;()\[\]]|\s+-\s+|\s+—\s+|\.\s")


@dataclass
class Hit:
    """Where a keyword was found: the field, the matched text and its position."""

    field: Field
    match: str
    pos: int


def clauses(text: str) -> list[tuple[int, str]]:
    """Split text into clauses (commas, semicolons, parentheses) keeping offsets."""
    out, start = [], 0
    for m in _CLAUSE_SPLIT.finditer(text):
        out.append((start, text[start : m.start()]))
        start = m.end()
    out.append((start, text[start:]))
    return out


def find(pattern: str | re.Pattern[str], text: str, *, negatable: bool = True) -> list[tuple[int, re.Match[str]]]:
    """Matches of pattern in text, skipping those in a clause that negates them ("no Prometheus")."""
    rx = re.compile(pattern, re.I) if isinstance(pattern, str) else pattern
    hits = []
    for offset, clause in clauses(text):
        for m in rx.finditer(clause):
            before = clause[: m.start()]
            if negatable and _NEGATION.search(before):
                continue
            hits.append((offset + m.start(), m))
    return hits


def first_hit(pattern: str, fields: Iterable[Field | None], *, negatable: bool = True) -> Hit | None:
    """First non-negated match over fields in order."""
    for f in fields:
        if f is None or f.unresolved:
            continue
        hits = find(pattern, f.plain, negatable=negatable)
        if hits:
            pos, m = hits[0]
            return Hit(f, m.group(0), pos)
    return None


def first_match(pattern: str, fields: Iterable[Field | None]) -> tuple[re.Match[str], Field] | None:
    """First case-insensitive match over the resolved fields in order, with its field. Unlike first_hit the
    whole text is searched (a pattern may span clauses) and negation is not considered."""
    for f in fields:
        if f is None or f.unresolved:
            continue
        m = re.search(pattern, f.plain, re.I)
        if m:
            return m, f
    return None


def split_list(text: str) -> list[str]:
    """`dev, staging and production` -> [dev, staging, production]; parentheses dropped."""
    text = re.sub(r"\([^)]*\)", " ", plain(text))
    parts = re.split(r"\s*(?:,|/|;|\+|&|\band\b|\bor\b)\s*", text)
    return [p.strip().strip(".") for p in parts if p.strip().strip(".")]


def is_placeholder(text: str) -> bool:
    """A template placeholder such as `[PROJECT_NAME]` or `[e.g. Yes/No]`, left unfilled."""
    return bool(re.fullmatch(r"\[[^\]]*\]", text.strip()))


def is_dns_label(name: str) -> bool:
    """Lowercase letters, digits and inner '-' (the length limit is the caller's)."""
    return bool(re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name))


def slugify(text: str, max_len: int = 40) -> str:
    """Title or branch -> DNS-1123 label, cut at a hyphen to at most max_len characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_len:
        cut = slug[:max_len]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug.strip("-")


def safe_text(text: str) -> str:
    """Descriptive plan text made safe to quote: no backticks, backslashes, quotes or control chars."""
    text = plain(text).replace("\\", "/").replace('"', "'")
    return re.sub(r"[\x00-\x1f\x7f]", " ", text).strip()


_TEMPLATE_PAIRS = re.compile(r"([{][{%#])|([}%#][}])|([$%][{])")


def quote(text: str) -> str:
    """A plan line quoted as provenance: safe_text with template delimiters broken apart
    (`{{` -> `{ {`), since a quote is evidence, not a value Copier or Terraform evaluates."""
    return _TEMPLATE_PAIRS.sub(lambda m: f"{m.group(0)[0]} {m.group(0)[1]}", safe_text(text))
