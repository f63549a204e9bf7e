"""Nothing dropped silently: after every rule has run, each statement of the plan that names infrastructure
or states a figure is applied or listed as not applied (data/coverage.yaml holds the vocabulary and the
reasons).

Statements checked: every Technical Context field, every Deployment Components row that is not
`Required: No`, every line of a Constraints section or field, every line naming a numbered requirement
(FR-xxx, NFR-xxx), the Summary and the comments of the structure trees. A line that continues the line
above it (a wrapped list item or paragraph) is part of the same statement, reported at its first line.

A statement is split into clauses (commas, semicolons, `and`, `+`, table cells, sentence ends). A clause
that names infrastructure is covered by a phrase a rule applied (`Context.applied`) that overlaps it, or by
an answer the plan stated whose value the clause states (its words, or data/coverage.yaml `stated_by`);
otherwise it is listed with the reason data/coverage.yaml gives for what it names. On Technical Context
lines each number is checked on its own: it is carried by an applied phrase overlapping its clause, by an
answer citing a line of the statement that holds it (unless an applied phrase elsewhere in the statement
holds it: then that phrase is what the answer read), or, for a version (`1.28`), by any answer holding it.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from planforge.decide import text as tx
from planforge.decide.answers import Answers, NotApplied
from planforge.decide.context import Context
from planforge.decide.data import load, named_by, negated_before
from planforge.plan.model import plain
from planforge.catalog import load_catalog

# A number as a figure: digits not glued to a word on the left (`t3`, `S3`, `us-east-1`, `FR-018`, `k8s` are
# names), a range's second end (`2-20`) included.
NUMBER = re.compile(r"(?<![\w.])(?<![A-Za-z]-)(?<![A-Za-z]/)\d+(?:\.\d+)*")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_HARD_BREAK = re.compile(r"<br\s*/?>|\\$", re.I)
# A line that starts something of its own (not the continuation of the line above it).
_STARTS_STATEMENT = re.compile(r"^\s*(?:$|[-*+]\s|\d{1,3}[.)]\s|#|\||```|\*\*|[│├└]|<!--|>)")
# Clause separators: commas, semicolons, parentheses, table cells, `and`, `+`, a dash between blanks, a
# sentence end.
# a comma between digits with three after it separates thousands (`$1,800`), not clauses
_CLAUSE_SPLIT = re.compile(tx.NOT_INSIDE_BLANKS + r"(?:\s+and\s+|\s*\+\s*|(?<!\d),|,(?!\d{3}(?!\d))|[;|()\[\]]"
                           r"|(?<!\S)[—–-](?!\S)|\.(?=\s|$))")
# A field's label before its value (`Storage: EKS persistent volumes`): it names the topic, the value states it.
_LABEL = re.compile(r"^[\w/ &-]{1,40}:\s+(?=\S)")
_MAX_TEXT = 160


@dataclass(frozen=True)
class _Vocabulary:
    infrastructure: re.Pattern[str]
    requirement: re.Pattern[str]
    reasons: tuple[tuple[re.Pattern[str], str], ...]
    clause_reasons: tuple[tuple[re.Pattern[str], str, frozenset[str] | None], ...]  # (words, why, computes)
    not_cataloged: re.Pattern[str]
    not_cataloged_why: str
    deferred: re.Pattern[str]
    number_default: str
    line_why: str
    minutes_per_unit: dict[str, int]
    not_infrastructure_fields: frozenset[str]
    stated_by: dict[str, re.Pattern[str]]
    not_stating_answers: frozenset[str]


@lru_cache(maxsize=1)
def vocabulary() -> _Vocabulary:
    data = load("coverage.yaml")
    terms = "|".join(data["infrastructure"])
    catalog = load_catalog()
    known = {n.lower() for n, spec in catalog["charts"].items() for n in [n, *spec.get("aliases", [])]}
    tools = "|".join(t for t in data["not_cataloged"] if t.replace(r"\ ", " ").lower() not in known)
    return _Vocabulary(
        infrastructure=re.compile(rf"(?<![\w-])(?:{terms})(?![\w-]|\.\w)", re.I),
        requirement=re.compile(data["requirement"], re.I),
        reasons=tuple((re.compile(r["pattern"], re.I), r["why"]) for r in data["number_reasons"]),
        clause_reasons=tuple((re.compile(r["pattern"], re.I), r["why"], frozenset(r["compute"]) if "compute" in r else None)
                             for r in data["clause_reasons"]),
        not_cataloged=re.compile(rf"(?<![\w-])(?:{tools})(?![\w-])", re.I),
        not_cataloged_why=data["not_cataloged_why"],
        deferred=re.compile(data["deferred"], re.I),
        number_default=data["number_default"],
        line_why=data["line_why"],
        minutes_per_unit={k.lower(): int(v) for k, v in data["minutes_per_unit"].items()},
        not_infrastructure_fields=frozenset(data["not_infrastructure_fields"]),
        stated_by=_stated_by(data["stated_by"]),
        not_stating_answers=frozenset(data["not_stating_answers"]),
    )


def _stated_by(extra: dict[str, str]) -> dict[str, re.Pattern[str]]:
    """Answer -> the words that state it: data/decisions.yaml `named_by` and data/coverage.yaml `stated_by`."""
    words = {name: p.pattern for name, p in named_by().items()}
    for name, pattern in extra.items():
        words[name] = f"{words[name]}|{pattern}" if name in words else pattern
    return {name: re.compile(pattern, re.I) for name, pattern in words.items()}


def line_text(raw: str) -> str:
    """A plan line as words: Markdown and hard breaks removed, a leading list marker dropped."""
    return _LIST_MARKER.sub("", plain(_HARD_BREAK.sub("", raw.rstrip())), count=1)


def numbers(text: str) -> list[re.Match[str]]:
    return list(NUMBER.finditer(text))


@dataclass(frozen=True)
class _Statement:
    """Plan lines read as one statement: their words joined, where each line starts in them, what is checked."""

    lines: tuple[int, ...]
    starts: tuple[int, ...]
    text: str
    figures: bool  # numbers are checked (Technical Context)
    names: bool  # clauses naming infrastructure are checked

    def line_at(self, pos: int) -> int:
        return self.lines[max(0, bisect_right(self.starts, pos) - 1)]

    def span_of(self, line: int) -> tuple[int, int]:
        i = self.lines.index(line)
        return self.starts[i], self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)


def not_applied(c: Context, answers: Answers) -> list[NotApplied]:
    """The rules' own not-applied records and every uncovered clause or number, deduplicated, sorted by line.
    A clause a rule already reported (its words overlap a reported phrase) is not reported again."""
    vocab = vocabulary()
    own = [NotApplied(line=i.line, text=_short(i.text), why=tx.safe_text(i.why)) for i in c.not_applied]
    stated = _stated_answers(c, answers, vocab)
    phrases: dict[int, list[str]] = {}
    for ln, phrase in c.applied_phrases:
        phrases.setdefault(ln, []).append(phrase)
    citing = _citing_numbers(c, answers)
    found: list[NotApplied] = []
    for st in _statements(c, vocab):
        found += _check(vocab, st, stated, phrases, citing, answers.compute)
    reported = {(i.line, i.text.lower()) for i in own}
    found = [i for i in found if not _overlaps_reported(i, reported)]
    return _dedupe(own + found)


def _overlaps_reported(item: NotApplied, reported: set[tuple[int, str]]) -> bool:
    """A rule reported these words of the line already (`4 CPU` for `4 CPU cores`, `scales between 2` for
    `between 2 and 6 replicas`), numbers and all."""
    text = item.text.lower()
    nums = {m.group(0) for m in NUMBER.finditer(text)}
    return any(ln == item.line and (text in t or (t in text or _runs_into(text, t))
                                    and nums <= {m.group(0) for m in NUMBER.finditer(t)})
               for ln, t in reported)


def _runs_into(text: str, reported: str) -> bool:
    """The clause ends with the words the reported phrase starts with (a clause cut inside the phrase)."""
    return any(text.endswith(reported[:k]) for k in range(len(reported) - 1, 2, -1)
               if reported[k] == " " and reported[k - 1] != " ")


def _scoped_lines(c: Context, vocab: _Vocabulary) -> dict[int, tuple[bool, bool]]:
    """Plan line -> (figures checked, names checked)."""
    out: dict[int, tuple[bool, bool]] = {}
    for f in c.plan.fields:
        if not f.unresolved:
            for ln in f.lines:
                out[ln] = (True, f.key not in vocab.not_infrastructure_fields)
    named = {r.line for r in c.plan.components if r.required is not False} | c.plan.section_lines("constraints")
    named |= {ln for f in c.plan.other_fields if f.key == "constraints" and not f.unresolved for ln in f.lines}
    named |= {i + 1 for i, raw in enumerate(c.plan.lines) if vocab.requirement.search(raw)}
    named |= c.plan.section_lines("summary")
    named -= {p.line for t in c.plan.trees for p in t.paths}  # a tree line is read by its comment only
    for ln in named:
        out.setdefault(ln, (False, True))
    # the Technical Context's own bullets and tables (`### Compute`: `egress 5432 to 10.20.0.0/16`): their figures
    tree_lines = {p.line for t in c.plan.trees for p in t.paths}
    for ln in c.plan.section_lines("technical context") - tree_lines:
        out.setdefault(ln, (True, False))
    return out


def _statements(c: Context, vocab: _Vocabulary) -> Iterator[_Statement]:
    scoped = _scoped_lines(c, vocab)
    lines = c.plan.lines
    group: list[int] = []
    for ln in sorted(scoped):
        raw = lines[ln - 1] if 0 < ln <= len(lines) else ""
        if group and group[-1] == ln - 1 and scoped[group[-1]] == scoped[ln] and not _STARTS_STATEMENT.match(raw):
            group.append(ln)
            continue
        if group:
            yield _joined(c, group, *scoped[group[0]])
        group = [ln]
    if group:
        yield _joined(c, group, *scoped[group[0]])
    for tree in c.plan.trees:
        if tree.is_documentation:
            continue
        for p in tree.paths:
            if p.comment:
                yield _Statement((p.line,), (0,), plain(p.comment), figures=False, names=True)


def _joined(c: Context, group: list[int], figures: bool, names: bool) -> _Statement:
    starts, parts, pos = [], [], 0
    for ln in group:
        words = line_text(c.plan.lines[ln - 1]).strip()
        starts.append(pos)
        parts.append(words)
        pos += len(words) + 1
    return _Statement(tuple(group), tuple(starts), " ".join(parts), figures, names)


def _clauses(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in _CLAUSE_SPLIT.finditer(text):
        yield start, m.start()
        start = m.end()
    yield start, len(text)


@dataclass(frozen=True)
class _Stated:
    """What the answers the plan states read like: each one's `stated_by` words, and all their values as words."""

    patterns: tuple[re.Pattern[str], ...]
    values: re.Pattern[str] | None
    numbers: tuple[tuple[re.Pattern[str], frozenset[str]], ...]  # `stated_by` words -> the answer's numbers
    versions: frozenset[str]  # the versions (`1.28`) their values hold


def _stated_answers(c: Context, answers: Answers, vocab: _Vocabulary) -> _Stated:
    """The answers the plan states (and the components, by their catalog names and aliases)."""
    values: dict[str, list[str]] = {}
    for name, prov in c.provenance.items():
        if prov.source == "plan" and name not in vocab.not_stating_answers and hasattr(answers, name):
            values[name] = _leaves(getattr(answers, name))
    aliases = load_catalog()["charts"]  # a component is stated by its name, not by the row's notes
    values["components"] = [n for comp in answers.components
                            for n in [comp.name, *aliases.get(comp.name, {}).get("aliases", [])]]
    named = [(vocab.stated_by[n], v) for n, v in values.items() if n in vocab.stated_by]
    words = {f for v in values.values() for w in v if len(w) >= 2 and not w.isdigit()
             for f in (w.lower(), w.lower().replace("-", " "))}
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return _Stated(
        patterns=tuple(p for p, _ in named),
        values=re.compile(rf"(?<![\w-])(?:{alternation})s?(?![\w-])", re.I) if words else None,
        numbers=tuple((p, frozenset(m.group(0) for w in v for m in NUMBER.finditer(w))) for p, v in named),
        versions=frozenset(m.group(0) for v in values.values() for w in v for m in NUMBER.finditer(w)
                           if "." in m.group(0)),
    )


def _leaves(value: Any) -> list[str]:
    if isinstance(value, BaseModel):
        return _leaves(value.model_dump(exclude={"decisions", "not_applied"}))
    if isinstance(value, dict):
        return [s for v in value.values() for s in _leaves(v)]
    if isinstance(value, list):
        return [s for v in value for s in _leaves(v)]
    return [] if isinstance(value, bool) or value is None else [str(value)]


def _phrase_spans(st: _Statement, phrases: dict[int, list[str]]) -> list[tuple[int, int, str]]:
    """Where the phrases applied from the statement's lines stand in its words, as whole words (`port 80` is not
    the start of `port 8080`); the whole line when not found."""
    out = []
    for ln in st.lines:
        lo, hi = st.span_of(ln)
        for phrase in phrases.get(ln, []):
            words = plain(phrase).strip()
            at = _whole_words(words).search(st.text, lo) if words else None
            out.append((at.start(), at.end(), phrase) if at else (lo, hi, phrase))
    return out


@lru_cache(maxsize=4096)
def _whole_words(words: str) -> re.Pattern[str]:
    """words, not glued to a word character at an end that is one."""
    before = r"(?<!\w)" if re.match(r"\w", words) else ""
    after = r"(?!\w)" if re.search(r"\w$", words) else ""
    return re.compile(before + re.escape(words) + after, re.I)


def _check(vocab: _Vocabulary, st: _Statement, stated: _Stated, phrases: dict[int, list[str]],
           citing: dict[int, set[str]], compute: str) -> list[NotApplied]:
    spans = _phrase_spans(st, phrases)
    in_phrases = {m.group(0) for _, _, p in spans for m in NUMBER.finditer(p)}
    by_answers = {n for ln in st.lines for n in citing.get(ln, ())} - in_phrases
    out = []
    before = ""  # the last clause's words: what a parenthesised clause (`kubernetes (~> 2.x)`) is about
    for start, end in _clauses(st.text):
        clause = st.text[start:end].strip(" .:=")
        if not clause:
            continue
        about, before = (f"{before} ({clause}" if st.text[start - 1:start] == "(" else clause), clause
        overlapping = [p for s, e, p in spans if s < end and e > start]
        held = {m.group(0) for p in overlapping for m in NUMBER.finditer(p)} | stated.versions | by_answers
        line = st.line_at(start + len(st.text[start:end]) - len(st.text[start:end].lstrip()))
        missing = [m for m in numbers(clause) if not _carried(vocab, m, clause, held)] if st.figures else []
        if missing:
            held |= _stated_numbers(clause, stated)
            missing = [m for m in missing if not _carried(vocab, m, clause, held)]
        if missing:
            named = _named_positions(clause, stated)
            missing = [m for m in missing if not all(named[m.start():m.end()])]
        if missing:
            at = st.line_at(start + st.text[start:end].find(clause) + missing[0].start())  # the figure's line
            out.append(NotApplied(line=at, text=_short(clause), why=_reason(vocab, about)))
        elif st.names and not overlapping and not vocab.deferred.search(clause):
            term = _uncovered_term(clause, stated, vocab)
            if term is not None:
                out.append(NotApplied(line=line, text=_short(clause), why=_clause_why(vocab, clause, term, compute)))
    return out


def _citing_numbers(c: Context, answers: Answers) -> dict[int, set[str]]:
    """Plan line -> the numbers (and values) held by the answers citing it."""
    out: dict[int, set[str]] = {}
    for name, prov in c.provenance.items():
        if prov.source == "plan" and prov.line and hasattr(answers, name):
            leaves = _leaves(getattr(answers, name))
            out.setdefault(prov.line, set()).update({m.group(0) for s in leaves for m in NUMBER.finditer(s)}, leaves)
    return out


def _named_positions(clause: str, stated: _Stated) -> bytearray:
    """1 at each character of the words naming an answer the plan states (`SOC 2`, `ISO 27001`): a number there is
    part of a name, no figure. One pass of each pattern, whatever the number of figures."""
    named = bytearray(len(clause))
    for pattern in stated.patterns:
        for n in pattern.finditer(clause):
            named[n.start():n.end()] = b"\x01" * (n.end() - n.start())
    return named


def _stated_numbers(clause: str, stated: _Stated) -> set[str]:
    """The numbers of the answers the clause names by their `stated_by` words (`postgres:18`, `Kubernetes 1.28+`)."""
    return {n for pattern, nums in stated.numbers if nums and pattern.search(clause) for n in nums}


def _uncovered_term(clause: str, stated: _Stated, vocab: _Vocabulary) -> re.Match[str] | None:
    """The first infrastructure word of the clause (not negated, as in `no Ingress controller`) that no answer the
    plan states covers: an answer covers the words its value or its `stated_by` words take in the clause."""
    label = _LABEL.match(clause)
    terms = list(vocab.infrastructure.finditer(clause, label.end() if label else 0))
    if not terms:
        return None
    spans = [m.span() for p in stated.patterns for m in p.finditer(clause)]
    spans += [m.span() for m in stated.values.finditer(clause)] if stated.values else []
    covered = _merged(spans)
    starts = [s for s, _ in covered]
    negation = negated_before()
    negated_end = -1  # the end of the last negated word: a list it opens is negated too
    for m in terms:
        if negation.search(clause, max(0, m.start() - 40), m.start()) or (
                negated_end >= 0 and _continues_list(clause[negated_end:m.start()])):
            negated_end = m.end()
            continue
        negated_end = -1
        i = bisect_right(starts, m.end() - 1) - 1  # the last covered run starting inside or before the word
        if i < 0 or covered[i][1] <= m.start():
            return m
    return None


_LIST_WORD = re.compile(r"[\w'-]+|,")
_LIST_JOINERS = frozenset({",", "or", "nor", "and"})
_LIST_BREAKS = frozenset({"but", "except", "while", "yet", "only", "instead", "use", "uses", "using", "with", "via",
                          "a", "an", "the", "one", "is", "are", "be"})


def _continues_list(gap: str) -> bool:
    """Whether the words between a negated word and the next one go on with the same list (`no custom domains or
    GKE`, `no NAT gateway, load balancer`): a joiner, at most five words, nothing that starts a new statement."""
    words = [w.lower() for w in _LIST_WORD.findall(gap)]
    return len(words) <= 5 and bool(_LIST_JOINERS.intersection(words)) and not _LIST_BREAKS.intersection(words)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans merged into disjoint runs, in order."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def known_reason(clause: str, compute: str) -> str | None:
    """The reason data/coverage.yaml gives for words the output does not carry (a certificate, DNS), if any."""
    return next((why for pattern, why, computes in vocabulary().clause_reasons
                 if (computes is None or compute in computes) and pattern.search(clause)), None)


def compute_builds(words: str) -> bool:
    """Whether the words name what serverless compute builds besides the services (load balancer, registry, HTTPS)."""
    return vocabulary().stated_by["compute"].search(words) is not None


def _clause_why(vocab: _Vocabulary, clause: str, term: re.Match[str], compute: str) -> str:
    """The reason for the clause's uncovered word, read from that word on: what the words before it name is
    either covered or negated (`must not provision custom domains or GKE` is not about a domain)."""
    rest = clause[term.start():]
    known = known_reason(rest, compute)
    if known is not None:
        return known
    tool = next((t for t in vocab.not_cataloged.finditer(clause) if t.end() > term.start()), None)
    if tool:
        return vocab.not_cataloged_why.format(term=tool.group(0))
    return vocab.line_why.format(term=term.group(0))


_UNIT = re.compile(r"\s*([a-z]+)", re.I)


def _carried(vocab: _Vocabulary, m: re.Match[str], words: str, carried: set[str]) -> bool:
    """The number, or its value in minutes when a time unit follows it (`1h` -> 60), is held by an answer."""
    if m.group(0) in carried:
        return True
    unit = _UNIT.match(words, m.end())
    per = vocab.minutes_per_unit.get(unit.group(1).lower()) if unit else None
    digits = m.group(0)
    return per is not None and digits.isdigit() and len(digits) <= 9 and str(int(digits) * per) in carried


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
