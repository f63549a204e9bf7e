r"""Small text helpers for reading values out of plan fields (no decisions here).

Patterns applied to plan text must run in time linear in the text (docs/decisions.md, "Reading in linear
time"): a repeated class is bounded or guarded so that no match attempt restarts inside a run it has already
scanned (`(?<!\d)\d+`, `\s*+`), and no search runs again over a growing prefix."""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from planforge.plan.limits import drop_parenthesized
from planforge.plan.model import Field, plain

_NEGATION_WORDS = r"\b(no|not|never|without|excluding|except|none|avoid|n/a)\b|\bmust not\b|\bout of scope\b"
_NEGATION = re.compile(_NEGATION_WORDS, re.I)
_NEGATION_AT_END = re.compile(r"(?:" + _NEGATION_WORDS + r")$", re.I)
_NEGATION_SPAN = 16  # longer than the longest negation ("out of scope") plus the character before it
# a separator, or a blank run that is not one (consumed whole, so no search restarts inside it)
_CLAUSE_SPLIT = re.compile(r"[,;()\[\]]|\s+(?:[-—]\s+)?|\.\s")
# Separators end in a non-word character other than `-`, so a pattern matched between a clause's bounds
# (pos/endpos) sees `\b` and `(?<![\w-])` there as it would in the clause cut out.
# Put before a pattern that starts with `\s*`: no attempt starts inside a run of blanks (it would fail as the
# attempt at the run's start did), which makes splitting on `\s*sep\s*` linear.
# a word naming the plan's relational database, for sentences about who reaches it
DATABASE_WORDS = r"(?:PostgreSQL|Postgres|MySQL|MariaDB|database|DB|RDS|Aurora|Cloud\s++SQL)\b"
# the port stated right after what listens on it (`orders-api:8080`, `ledger-api on TCP 8080`, `on port 5432`,
# `PostgreSQL (5432)`, `Cloud SQL (private IP, TCP 5432)`): group `port`
PORT_AFTER = re.compile(r"(?::|\s++on\s++(?:(?:TCP|port)\s++)?|\s*+\((?:[^()]{0,60}?,\s*+)?(?:(?:TCP|port)\s++)?)"
                        r"(?P<port>\d{2,5})(?!\d)\)?", re.I)
NOT_INSIDE_BLANKS = r"(?:(?<!\s)|(?!\s))"
LIST_SPLIT = re.compile(NOT_INSIDE_BLANKS + r"\s*(?:,|/|;|\+|&|\band\b|\bor\b)\s*")


@dataclass
class Hit:
    """Where a keyword was found: the field, the matched text and its position."""

    field: Field
    match: str
    pos: int


@lru_cache(maxsize=16)
def _clause_bounds(text: str) -> tuple[list[int], list[int]]:
    """Starts and ends of the clauses of text (split at commas, semicolons, parentheses, ` - `, `. `)."""
    starts, ends = [0], []
    for m in _CLAUSE_SPLIT.finditer(text):
        if m.group(0).isspace():
            continue  # blanks without a dash between them
        ends.append(m.start())
        starts.append(m.end())
    ends.append(len(text))
    return starts, ends


_SENTENCE_END = re.compile(r"[.;!?](?:\s|$)")  # a period inside a version, URL or image name ends no sentence


def names_in(names: Iterable[str], text: str) -> list[str]:
    """The names (applications, services) `text` writes as whole names, any case: `orders-api` in `orders-api calls`,
    not in `orders-api-v2`."""
    return [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text, re.I)]


_ITEM_NUMBER = re.compile(r"\s*+\d{1,3}\.\s")  # a numbered item's number (`1. **parcels-api** — ...`): no sentence


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of every sentence of a text."""
    out, pos = [], 0
    item = _ITEM_NUMBER.match(text)
    for m in _SENTENCE_END.finditer(text, item.end() - 1 if item else 0):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return out


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence of `text` holding text[start:end]."""
    begin = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    after = _SENTENCE_END.search(text, end)
    return text[begin:after.start() if after else len(text)]


def clause_at(text: str, pos: int) -> tuple[int, int]:
    """(start, end) of the clause holding position pos (the clause before it when pos is in a separator)."""
    starts, ends = _clause_bounds(text)
    i = max(0, bisect_right(starts, pos) - 1)
    return starts[i], ends[i]


def find(pattern: str | re.Pattern[str], text: str, *, negatable: bool = True) -> tuple[int, re.Match[str]] | None:
    """The first match of pattern in a clause of text that does not negate it ("no Prometheus"), and its position.

    Only the clauses a match of the whole text overlaps are searched: a match inside a clause is a match of the
    whole text or lies inside one, so no clause with a match is skipped, and text without a match costs one
    search."""
    rx = re.compile(pattern, re.I) if isinstance(pattern, str) else pattern
    done = -1
    for whole in rx.finditer(text):
        starts, ends = _clause_bounds(text)
        first = bisect_right(starts, whole.start()) - 1
        last = bisect_right(starts, max(whole.start(), whole.end() - 1)) - 1
        for i in range(max(first, done + 1), last + 1):
            done = i
            hit = _first_in_clause(rx, text, starts[i], ends[i], negatable)
            if hit is not None:
                return hit
    return None


def not_negated_at(text: str, pos: int) -> bool:
    """Whether the clause holding `pos` says no/not/without/excluding before it."""
    start, end = clause_at(text, pos)
    if not start <= pos <= end:
        return True  # in a separator
    return not re.search(r"\b(no|not|without|excluding)\b", text[start:pos], re.I)


def _first_in_clause(rx: re.Pattern[str], text: str, start: int, end: int,
                     negatable: bool) -> tuple[int, re.Match[str]] | None:
    negation = _NEGATION.search(text, start, end) if negatable else None
    for m in rx.finditer(text, start, end):
        if negatable and _negated_before(text, start, m.start(), negation):
            continue
        return m.start(), m
    return None


def _negated_before(text: str, start: int, pos: int, first: re.Match[str] | None) -> bool:
    r"""`_NEGATION.search(text[start:pos])` without searching the clause again for every match: the clause's
    first negation ends by pos, or one ends exactly at pos in the cut text (where `\b` holds at its end)."""
    if first is not None and first.end() <= pos:
        return True
    return bool(_NEGATION_AT_END.search(text, max(start, pos - _NEGATION_SPAN), pos))


def first_hit(pattern: str, fields: Iterable[Field | None], *, negatable: bool = True) -> Hit | None:
    """First non-negated match over fields in order."""
    for f in fields:
        if f is None or f.unresolved:
            continue
        hit = find(pattern, f.plain, negatable=negatable)
        if hit:
            pos, m = hit
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


def in_parentheses(prefix: str | re.Pattern[str], text: str) -> str | None:
    r"""The text between the first match of prefix (ending in `\(`) and the next `)`, as
    `re.search(prefix + r"([^)]*)\)", text).group(1)` but without rescanning the text from every match."""
    m = re.search(prefix, text, re.I) if isinstance(prefix, str) else prefix.search(text)
    if m is None:
        return None
    close = text.find(")", m.end())
    return text[m.end() : close] if close >= 0 else None  # no `)` after the first match: none after the others


def split_list(text: str) -> list[str]:
    """`dev, staging and production` -> [dev, staging, production]; parentheses dropped."""
    text = drop_parenthesized(plain(text))
    parts = LIST_SPLIT.split(text)
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
