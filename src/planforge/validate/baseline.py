"""Baselines for adopting `planforge validate` on a repository that already has findings.

`--write-baseline FILE` records the fingerprint of every error and warning of a run; `--baseline FILE`
suppresses the findings whose fingerprint it records and reports how many, so a run fails only on
new findings. A fingerprint is the rule id, the file, the object path inside it (`json_path`) and the
message with its whitespace collapsed and its numbers dropped (messages quote line numbers, counts
and indexes that move when lines are added above): never the line itself. Each fingerprint is
recorded with how often it occurs, so a second identical finding in the same file is new.

The baseline file is input like the repository: a regular file within `max_file_size`, JSON of
the documented shape (docs/settings.md, "Baselines"), else a usage error naming the file. It only
hides findings, so it is a command-line or environment setting (`PLANFORGE_BASELINE`), never read
from `.planforge.yaml`, and CI takes it from the base branch: a pull request could add its own findings
to a baseline it carries.
"""
from __future__ import annotations

import hashlib
import json
import re
import stat
from collections import Counter
from pathlib import Path

from planforge.errors import Problem, UsageError
from planforge.validate.base import Check, Finding, Severity, Status

VERSION = 1
MAX_ENTRIES = 100_000
_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")
_NUMBER = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
SCHEMA_HINT = ('write it with `planforge validate --write-baseline FILE` (JSON: {"version": 1, "findings": '
               '[{"fingerprint": "<sha256>", "count": 1, ...}]})')


def _rule_id(finding: Finding) -> str:
    return finding.rule if "/" in finding.rule else f"{finding.validator}/{finding.rule}"


def normalised_message(message: str) -> str:
    """The message with numbers dropped and whitespace collapsed: what stays when lines move."""
    return _SPACE.sub(" ", _NUMBER.sub("#", message)).strip()


def fingerprint(finding: Finding, target: str) -> str:
    """The finding's identity across runs: rule, file, object path and normalised message (no line)."""
    parts = (_rule_id(finding), finding.file or target, finding.json_path or "", normalised_message(finding.message))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _recorded(checks: list[Check]) -> list[tuple[Finding, str]]:
    """The findings a baseline holds: errors and warnings nobody waived, each with its check's target."""
    return [(f, c.target) for c in checks for f in c.findings
            if f.waived is None and Severity(f.severity) is not Severity.INFO]


def write_baseline(path: Path, checks: list[Check]) -> int:
    """Write the fingerprints of `checks`' findings to `path`; returns how many findings it holds."""
    entries: dict[str, dict] = {}
    for finding, target in _recorded(checks):
        key = fingerprint(finding, target)
        entry = entries.setdefault(key, {"fingerprint": key, "rule": _rule_id(finding), "file": finding.file or target,
                                         "message": normalised_message(finding.message), "count": 0})
        entry["count"] += 1
    document = {"version": VERSION, "tool": "planforge",
                "findings": sorted(entries.values(), key=lambda e: (e["file"], e["rule"], e["fingerprint"]))}
    try:
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the baseline to {path}: {exc.strerror}.",
                         [Problem("baseline not written", file=path, hint="choose a writable path")]) from None
    return sum(e["count"] for e in entries.values())


def load_baseline(path: Path, max_mib: float) -> Counter[str]:
    """The fingerprints (with their counts) of a baseline file, checked like any input."""
    def refuse(reason: str, hint: str = SCHEMA_HINT) -> UsageError:
        return UsageError(f"the baseline {path} cannot be used: {reason}.", [Problem(reason, file=path, hint=hint)])

    try:
        info = path.stat()
    except OSError as exc:
        raise refuse(exc.strerror or "unreadable", "pass the baseline file of the base branch") from None
    if not stat.S_ISREG(info.st_mode):
        raise refuse("not a regular file", "pass a JSON file written by --write-baseline")
    if info.st_size > max_mib * 1024 * 1024:
        raise refuse(f"{info.st_size} bytes, over the {max_mib:g} MiB limit (max_file_size)")
    try:
        data = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise refuse(f"not JSON ({type(exc).__name__}: {str(exc)[:200]})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise refuse(f'not a planforge baseline (an object with "version": {VERSION} and a "findings" list)')
    if len(data["findings"]) > MAX_ENTRIES:
        raise refuse(f"{len(data['findings'])} entries, over the limit of {MAX_ENTRIES}")
    counts: Counter[str] = Counter()
    for index, entry in enumerate(data["findings"]):
        key = entry.get("fingerprint") if isinstance(entry, dict) else None
        count = entry.get("count", 1) if isinstance(entry, dict) else None
        if not (isinstance(key, str) and _FINGERPRINT.match(key)) or type(count) is not int or count < 1:
            raise refuse(f"findings[{index}] is not an entry with a sha256 \"fingerprint\" and a positive \"count\"")
        counts[key] += count
    return counts


def apply_baseline(checks: list[Check], baseline: Counter[str]) -> int:
    """Drop the findings the baseline records (each fingerprint at most its count); returns how many were dropped.

    A failed check left with no failing finding passes."""
    left = Counter(baseline)
    suppressed = 0
    for check in checks:
        kept: list[Finding] = []
        for finding in check.findings:
            key = fingerprint(finding, check.target)
            if finding.waived is None and Severity(finding.severity) is not Severity.INFO and left[key] > 0:
                left[key] -= 1
                suppressed += 1
            else:
                kept.append(finding)
        if len(kept) < len(check.findings):
            check.findings = kept
            if check.status is Status.FAILED and not any(f.fails() for f in kept):
                check.status = Status.PASSED
    return suppressed
