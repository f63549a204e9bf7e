"""Nothing dropped silently: after every rule has run, each plan line that names infrastructure is applied
or listed as not applied (data/coverage.yaml holds the vocabulary and the reasons).

Lines checked: every line of every Technical Context field (continuation lines included), every Deployment
Components row that is not `Required: No`, every line of a Constraints section or field and every line
naming a numbered requirement (FR-xxx, NFR-xxx). A line is applied when an answer cites it (its provenance
line) or a rule recorded a phrase of it (`Context.applied`). On Technical Context lines each number is
checked on its own: it is applied when an applied phrase of the line holds it, or an answer citing the line
holds it in its value (`Terraform 1.7`, `EKS 1.29`); otherwise it is listed with the words around it and a
reason classified by data/coverage.yaml.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from planforge.decide import text as tx
from planforge.decide.answers import Answers, NotApplied
from planforge.decide.context import Context
from planforge.decide.data import load
from planforge.plan.model import plain

# A number as a figure: digits not glued to a word on the left (`t3`, `S3`, `us-east-1`, `FR-018`, `k8s` are
# names), a range's second end (`2-20`) included.
NUMBER = re.compile(r"(?<![\w.])(?<![A-Za-z]-)(?<![A-Za-z]/)\d+(?:\.\d+)*")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_HARD_BREAK = re.compile(r"<br\s*/?>|\\$", re.I)
_MAX_TEXT = 160


@dataclass(frozen=True)
class _Vocabulary:
    infrastructure: re.Pattern[str]
    requirement: re.Pattern[str]
    reasons: tuple[tuple[re.Pattern[str], str], ...]
    number_default: str
    line_why: str
    minutes_per_unit: dict[str, int]
    not_infrastructure_fields: frozenset[str]


@lru_cache(maxsize=1)
def vocabulary() -> _Vocabulary:
    data = load("coverage.yaml")
    terms = "|".join(data["infrastructure"])
    return _Vocabulary(
        infrastructure=re.compile(rf"(?<![\w-])(?:{terms})(?![\w-]|\.\w)", re.I),
        requirement=re.compile(data["requirement"], re.I),
        reasons=tuple((re.compile(r["pattern"], re.I), r["why"]) for r in data["number_reasons"]),
        number_default=data["number_default"],
        line_why=data["line_why"],
        minutes_per_unit={k.lower(): int(v) for k, v in data["minutes_per_unit"].items()},
        not_infrastructure_fields=frozenset(data["not_infrastructure_fields"]),
    )


def line_text(raw: str) -> str:
    """A plan line as words: Markdown and hard breaks removed, a leading list marker dropped."""
    return _LIST_MARKER.sub("", plain(_HARD_BREAK.sub("", raw.rstrip())), count=1)


def numbers(text: str) -> list[re.Match[str]]:
    return list(NUMBER.finditer(text))


def not_applied(c: Context, answers: Answers) -> list[NotApplied]:
    """The rules' own not-applied records and every uncovered line or number, deduplicated, sorted by line.
    A line a rule already reported is not reported again as a whole (its numbers still are)."""
    vocab = vocabulary()
    cited = _cited_lines(c) | {i.line for i in c.not_applied}
    values = _values_by_line(c, answers)
    found = [NotApplied(line=i.line, text=_short(i.text), why=tx.safe_text(i.why)) for i in c.not_applied]
    fields = [f for f in c.plan.fields if not f.unresolved]
    context_lines = {ln for f in c.plan.fields for ln in f.lines}
    for f in fields:
        infrastructure = f.key not in vocab.not_infrastructure_fields
        for ln in f.lines:
            found += _check_context_line(c, vocab, ln, ln in cited or not infrastructure, values.get(ln, []))
    others = {r.line for r in c.plan.components if r.required is not False} | _constraints_lines(c)
    others |= {ln for f in c.plan.other_fields if f.key == "constraints" and not f.unresolved for ln in f.lines}
    others |= {i + 1 for i, raw in enumerate(c.plan.lines) if vocab.requirement.search(raw)}
    for ln in sorted(others - context_lines - cited):
        found += _uncited_line(c, vocab, ln)
    return _dedupe(found)


def _constraints_lines(c: Context) -> set[int]:
    """The lines of a Constraints section (plans that keep constraints outside the Technical Context)."""
    s = c.plan.section("constraints")
    return set(range(s.line + 1, s.end_line + 1)) if s else set()


def _cited_lines(c: Context) -> set[int]:
    lines = {p.line for p in c.provenance.values() if p.source == "plan" and p.line}
    lines |= {p.line for p in c.component_rows.values() if p.line}
    lines |= {row.line for _, row in c.modules}
    return lines | {ln for ln, _ in c.applied_phrases}


def _values_by_line(c: Context, answers: Answers) -> dict[int, list[str]]:
    """Plan line -> the numbers held by the values of the answers citing it, and by the phrases applied from it."""
    out: dict[int, list[str]] = {}
    for name, prov in c.provenance.items():
        if prov.source == "plan" and prov.line and hasattr(answers, name):
            out.setdefault(prov.line, []).extend(_leaves(getattr(answers, name)))
    for ln, phrase in c.applied_phrases:
        out.setdefault(ln, []).append(phrase)
    return out


def _leaves(value: Any) -> list[str]:
    if isinstance(value, BaseModel):
        return _leaves(value.model_dump(exclude={"decisions", "not_applied"}))
    if isinstance(value, dict):
        return [s for v in value.values() for s in _leaves(v)]
    if isinstance(value, list):
        return [s for v in value for s in _leaves(v)]
    return [] if isinstance(value, bool) or value is None else [str(value)]


def _check_context_line(c: Context, vocab: _Vocabulary, ln: int, cited: bool, held: list[str]) -> list[NotApplied]:
    words = line_text(c.plan.lines[ln - 1]) if 0 < ln <= len(c.plan.lines) else ""
    if not cited and vocab.infrastructure.search(words):
        return _uncited_line(c, vocab, ln)
    carried = {m.group(0) for h in held for m in NUMBER.finditer(h)} | set(held)
    out: dict[str, NotApplied] = {}
    for m in numbers(words):
        if _carried(vocab, m, words, carried):
            continue
        start, end = tx.clause_at(words, m.start())
        clause = words[start:end].strip() or m.group(0)
        if clause not in out:
            out[clause] = NotApplied(line=ln, text=_short(clause), why=_reason(vocab, clause))
    return list(out.values())


_UNIT = re.compile(r"\s*([a-z]+)", re.I)


def _carried(vocab: _Vocabulary, m: re.Match[str], words: str, carried: set[str]) -> bool:
    """The number, or its value in minutes when a time unit follows it (`1h` -> 60), is held by an answer."""
    if m.group(0) in carried:
        return True
    unit = _UNIT.match(words, m.end())
    per = vocab.minutes_per_unit.get(unit.group(1).lower()) if unit else None
    digits = m.group(0)
    return per is not None and digits.isdigit() and len(digits) <= 9 and str(int(digits) * per) in carried


def _uncited_line(c: Context, vocab: _Vocabulary, ln: int) -> list[NotApplied]:
    words = line_text(c.plan.lines[ln - 1]) if 0 < ln <= len(c.plan.lines) else ""
    m = vocab.infrastructure.search(words)
    if m is None:
        return []
    return [NotApplied(line=ln, text=_short(words), why=vocab.line_why.format(term=m.group(0)))]


def _reason(vocab: _Vocabulary, clause: str) -> str:
    for pattern, why in vocab.reasons:
        if pattern.search(clause):
            return why
    return vocab.number_default


def _short(text: str) -> str:
    text = tx.quote(text)
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3].rstrip() + "..."


def _dedupe(items: list[NotApplied]) -> list[NotApplied]:
    seen: dict[tuple[int, str], NotApplied] = {}
    for item in items:
        seen.setdefault((item.line, item.text), item)
    return sorted(seen.values(), key=lambda i: (i.line, i.text))
