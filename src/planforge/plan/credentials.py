"""Credential-like text in a plan (data/credentials.yaml): found per line by shape (known token formats, URLs
with a password, assignments, private key blocks, random-looking strings), replaced by `<redacted>` before
the plan is parsed, so no answer, component note, provenance quote or generated file can carry it; each hit
is a warning with its line, its kind and the fix."""
from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from planforge.errors import UsageError
from planforge.yamlio import package_data

REDACTED = "<redacted>"
HIGH_ENTROPY = "high-entropy token"
# Every token shape holds a run like this or `://`: a line without either is not searched for them.
_LONG_RUN = re.compile(r"[A-Za-z0-9_.~+/%=-]{15}")
_RUNS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+|[0-9]+")  # a word, an acronym or a number
_SEPARATORS = "+/_-"
_USERINFO = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{0,30}://([^\s/?#@]{0,256})@")
_PATH = re.compile(r"/|\.[A-Za-z]{1,9}$")  # `dir/file`, `file.ext`


@dataclass(frozen=True)
class _Patterns:
    tokens: dict[str, re.Pattern[str]]
    generated_tokens: dict[str, re.Pattern[str]]
    assignment: re.Pattern[str]
    placeholder_starts: str
    not_values: frozenset[str]
    entropy: dict[str, Any]
    candidate: re.Pattern[str]  # a run the high-entropy check looks at
    not_secret_before: re.Pattern[str]
    not_secret_start: re.Pattern[str]
    begin: re.Pattern[str]
    end: re.Pattern[str]
    public_begin: re.Pattern[str]
    key_line: re.Pattern[str]
    assignment_name: re.Pattern[str]  # on the lower-cased line: whether to look for assignments at all


@lru_cache(maxsize=None)
def _patterns() -> _Patterns:
    data = package_data("credentials.yaml")
    assignment = r"(?P<name>" + data["assignment_names"] + r")[\"'`]?\s*+(?P<op>[:=])\s*+[\"'`]?(?P<value>[^\s\"'`,;|]+)"
    entropy = data["high_entropy"]
    candidate = rf"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{{{entropy['min_length']},}}={{0,2}}"
    return _Patterns(
        tokens={k: re.compile(v) for k, v in data["tokens"].items()},
        generated_tokens={k: re.compile(v) for k, v in data["generated_tokens"].items()},
        assignment=re.compile(assignment, re.I), placeholder_starts=data["placeholder_starts"],
        not_values=frozenset(data["not_values"]), entropy=entropy,
        candidate=re.compile(candidate), not_secret_before=re.compile(entropy["not_secret_before"]),
        not_secret_start=re.compile(entropy["not_secret_start"]),
        begin=re.compile(data["private_key_begin"]), end=re.compile(data["private_key_end"]),
        public_begin=re.compile(data["public_block_begin"]),
        key_line=re.compile(data["key_line"]), assignment_name=re.compile(data["assignment_names"]))


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _generated(value: str) -> bool:
    """A value that looks machine-generated: long, letters and digits, high character entropy, not a file path."""
    if len(value) < 16 or not re.search(r"[A-Za-z]", value) or not re.search(r"\d", value) or _PATH.search(value):
        return False
    return _entropy(value) >= 3.0


def _random_looking(value: str, limits: dict[str, Any]) -> bool:
    """A run of letters, digits and separators that looks random rather than written (data/credentials.yaml,
    high_entropy)."""
    if len(value) < limits["min_length"] or not (re.search(r"[a-z]", value) and re.search(r"[A-Z]", value)
                                                  and re.search(r"\d", value)):
        return False
    if sum(value.count(c) for c in _SEPARATORS) * limits["separator_every"] > len(value):
        return False
    runs = _RUNS.findall(value)
    return (sum(map(len, runs)) / len(runs) <= limits["max_mean_run"] and _entropy(value) >= limits["min_entropy"]
            and not re.search(limits["id_part"], value))


def _placeholder(value: str, p: _Patterns) -> bool:
    """A reference or placeholder standing for a credential (`<password>`, `$VAR`, `***`), not one."""
    return (value[0] in p.placeholder_starts or value == REDACTED or set(value) <= set("*x.-_")
            or not any(c.isalnum() for c in value) or value.lower() in p.not_values)


def _detections(line: str, p: _Patterns) -> list[tuple[int, int, str]]:
    """The credentials of a line: (start, end, kind) of each part to redact; the first kind to claim a span wins."""
    found: list[tuple[int, int, str]] = []  # sorted, never overlapping

    def add(start: int, end: int, kind: str) -> None:
        i = bisect.bisect(found, (start, end, kind))
        if start < end and (i == 0 or found[i - 1][1] <= start) and (i == len(found) or end <= found[i][0]):
            found.insert(i, (start, end, kind))

    long_run = _LONG_RUN.search(line) is not None
    for generated, table in ((False, p.tokens), (True, p.generated_tokens)):
        for kind, rx in table.items() if long_run or "://" in line else ():
            for m in rx.finditer(line):
                group = "secret" if "secret" in rx.groupindex else 0
                value = m.group(group)
                if group and (_placeholder(value, p) or (generated and not _generated(value))):
                    continue
                add(*m.span(group), kind)
    for m in p.assignment.finditer(line) if p.assignment_name.search(line.lower()) else ():
        value = m.group("value")
        if not _placeholder(value, p) and (m.group("op") == "=" or _generated(value)):
            add(*m.span("value"), f"{m.group('name').lower()}{m.group('op')} assignment")
    for m in p.candidate.finditer(line) if long_run else ():
        start = m.start() + len(m.group()) - len(m.group().lstrip(_SEPARATORS))
        if _random_looking(line[start:m.end()].rstrip("="), p.entropy) and not p.not_secret_start.match(line, start) \
                and not p.not_secret_before.search(line, max(0, start - 32), start):
            add(start, m.end(), HIGH_ENTROPY)
    return found


def _redact_line(line: str, p: _Patterns) -> tuple[str, list[str]]:
    """The line with its credentials replaced, and the kind of each."""
    found = _detections(line, p)
    if not found:
        return line, []
    out, pos = [], 0
    for start, end, _ in found:
        out.append(line[pos:start])
        out.append(REDACTED)
        pos = end
    out.append(line[pos:])
    return "".join(out), list(dict.fromkeys(kind for _, _, kind in found))


def _key_block(lines: list[str], n: int, begin: re.Match[str], p: _Patterns) -> int:
    """Redact the private key block whose BEGIN marker (`begin`) is on lines[n]; the index of its last line,
    whose text after the END marker is kept."""
    line = lines[n]
    end = p.end.search(line, begin.end())
    if end:
        lines[n] = line[: begin.start()] + REDACTED + line[end.end():]
        return n
    lines[n] = line[: begin.start()] + REDACTED
    last = n
    for i in range(n + 1, len(lines)):
        end = p.end.search(lines[i])
        if not end and not p.key_line.match(lines[i]):
            break
        last = i
        if lines[i].strip():
            lines[i] = REDACTED + (lines[i][end.end():] if end else "")
        if end:
            break
    return last


def redact(lines: list[str], source: str) -> list[str]:
    """Replace the credentials in lines (in place); the warnings, one per line holding any."""
    p = _patterns()
    warnings: list[str] = []
    n, in_public_block = 0, False
    while n < len(lines):
        line = lines[n]
        if in_public_block and p.key_line.match(line):
            if ": " not in line:  # the base64 of a certificate or public key is public
                n += 1
                continue
        else:
            in_public_block = "-----BEGIN" in line and p.public_begin.search(line) is not None
        kinds: list[str] = []
        begin = p.begin.search(line) if "-----BEGIN" in line else None
        if begin:
            last = _key_block(lines, n, begin, p)
            kinds.append("private key")
            if last != n:  # the block's own lines are done; the text after its END marker is checked below
                warnings.append(_warning(source, n + 1, kinds))
                n, kinds = last, []
        lines[n], more = _redact_line(lines[n], p)
        kinds += more
        if kinds:
            warnings.append(_warning(source, n + 1, kinds))
        n += 1
    return warnings


def _warning(source: str, line: int, kinds: list[str]) -> str:
    return (f"{source}:{line}: a credential-like value ({', '.join(kinds)}) — it was not copied; remove it from "
            "the plan and keep it in a secret store, referenced by name (e.g. an ExternalSecret or "
            "`${{ secrets.NAME }}`)")


def credential_in_url(url: str) -> str | None:
    """The kind of credential a URL (or a requirement holding one) carries, e.g. `https://user:token@host`;
    None when it carries none. A password in the user info counts even when it looks like a placeholder."""
    found = _detections(url, _patterns())
    if found:
        return found[0][2]
    userinfo = _USERINFO.search(url)
    return "URL with a password" if userinfo and ":" in userinfo.group(1) else None


def refuse_credential_in_url(url: str | None, option: str) -> None:
    """UsageError when the URL given as `option` carries a credential: planforge would write it into the
    generated repository. The message never repeats the URL."""
    kind = credential_in_url(url) if url else None
    if kind:
        raise UsageError(f"{option}: refused: the URL carries a credential ({kind}), which planforge would write "
                         "into the generated repository (fix: remove the user name and token from the URL, e.g. "
                         "https://host/org/repo.git or git@host:org/repo.git, and let git authenticate with a "
                         "credential helper or a deploy key)")
