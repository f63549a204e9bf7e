"""Credential-like text in a plan (data/credentials.yaml): found per line, replaced by `<redacted>` before
the plan is parsed, so no answer, provenance quote or README line can carry it; each hit is a warning
with its line."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

REDACTED = "<redacted>"


@dataclass(frozen=True)
class _Patterns:
    tokens: dict[str, re.Pattern[str]]
    assignment: re.Pattern[str]
    placeholder_starts: str
    begin: re.Pattern[str]
    end: re.Pattern[str]
    any: re.Pattern[str]  # all of the above in one pattern: one pass over a line without credentials


@lru_cache(maxsize=None)
def _patterns() -> _Patterns:
    data = yaml.safe_load(resources.files("planforge").joinpath("data", "credentials.yaml").read_text(encoding="utf-8"))
    assignment = r"(?P<name>" + data["assignment_names"] + r")[\"'`]?\s*+(?P<op>[:=])\s*+[\"'`]?(?P<value>[^\s\"'`,;|]+)"
    tokens = list(data["tokens"].values())
    return _Patterns(tokens={k: re.compile(v) for k, v in data["tokens"].items()}, assignment=re.compile(assignment, re.I),
                     placeholder_starts=data["placeholder_starts"], begin=re.compile(data["private_key_begin"]),
                     end=re.compile(data["private_key_end"]),
                     any=re.compile("|".join(f"(?:{rx})" for rx in [*tokens, data["private_key_begin"]])
                                    + "|(?i:" + data["assignment_names"] + ")"))


def _generated(value: str) -> bool:
    """A value that looks machine-generated: long, letters and digits, high character entropy."""
    if len(value) < 16 or not re.search(r"[A-Za-z]", value) or not re.search(r"\d", value):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.0


def _redact_line(line: str, p: _Patterns) -> tuple[str, list[str]]:
    """The line with its credentials replaced, and the kind of each."""
    kinds: list[str] = []
    spans: list[tuple[int, int]] = []
    for kind, rx in p.tokens.items():
        for m in rx.finditer(line):
            spans.append(m.span())
            kinds.append(kind)
    for m in p.assignment.finditer(line):
        value = m.group("value")
        if value[0] in p.placeholder_starts or value == REDACTED or set(value) <= set("*x.-_"):
            continue
        if m.group("op") == "=" or _generated(value):
            spans.append(m.span("value"))
            kinds.append(f"{m.group('name').lower()}{m.group('op')} assignment")
    if not spans:
        return line, []
    out, pos = [], 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        out.append(line[pos:max(start, pos)])
        out.append(REDACTED)
        pos = end
    out.append(line[pos:])
    return "".join(out), list(dict.fromkeys(kinds))


def redact(lines: list[str], source: str) -> list[str]:
    """Replace the credentials in lines (in place); the warnings, one per line holding any."""
    p = _patterns()
    warnings: list[str] = []
    in_key = False
    for n, line in enumerate(lines, 1):
        if in_key:
            end = p.end.search(line)
            if end or not line.strip():
                in_key = False
            if line.strip():
                lines[n - 1] = REDACTED + (line[end.end():] if end else "")
            continue
        if not p.any.search(line):
            continue
        begin = p.begin.search(line)
        if begin:
            end = p.end.search(line, begin.end())
            lines[n - 1] = line[: begin.start()] + REDACTED + (line[end.end():] if end else "")
            in_key = end is None
            warnings.append(_warning(source, n, ["private key"]))
            continue
        redacted, kinds = _redact_line(line, p)
        if kinds:
            lines[n - 1] = redacted
            warnings.append(_warning(source, n, kinds))
    return warnings


def _warning(source: str, line: int, kinds: list[str]) -> str:
    return (f"{source}:{line}: a credential-like value ({', '.join(kinds)}) — remove it from the plan; "
            "it was not copied")
