"""Reports: one writer per format, all derived from the same list of `Check`s.

`render(fmt, checks, meta)` returns the report text; `summarize(checks)` gives the counts
every format shares (per validator and in total).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from planforge.validate.base import Check, Finding, Severity, Status

FORMATS = ("text", "json", "junit", "sarif")


@dataclass
class ReportMeta:
    """What a report says besides the checks."""

    paths: list[str] = field(default_factory=lambda: ["."])
    elapsed: float = 0.0  # seconds
    kube_version: str | None = None
    strict: bool = False
    verbose: bool = False
    rules: dict[str, str] = field(default_factory=dict)  # rule id -> one-line description
    exit_code: int | None = None
    notices: list[str] = field(default_factory=list)  # e.g. the Kubernetes version the schemas were taken for
    sarif_category: str | None = None  # SARIF runs[].automationDetails.id, e.g. "planforge/shard-1-of-3/"


@dataclass
class Counts:
    checks: int = 0
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    waived: int = 0  # findings a waiver covers: counted here only

    def add(self, check: Check) -> None:
        self.checks += 1
        if check.status is Status.PASSED:
            self.passed += 1
        elif check.status is Status.FAILED:
            self.failed += 1
        else:
            self.skipped += 1
        for finding in check.findings:
            severity = Severity(finding.severity)
            if finding.waived is not None:
                self.waived += 1
            elif severity is Severity.ERROR:
                self.errors += 1
            elif severity is Severity.WARNING:
                self.warnings += 1
            else:
                self.infos += 1

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def summarize(checks: list[Check]) -> tuple[Counts, dict[str, Counts]]:
    """Total counts and counts per validator (in first-seen order)."""
    total = Counts()
    per: dict[str, Counts] = {}
    for check in checks:
        total.add(check)
        per.setdefault(check.validator, Counts()).add(check)
    return total, per


def rule_id(finding: Finding) -> str:
    """The rule id with its validator prefix ("policy/run-as-non-root")."""
    if "/" in finding.rule:
        return finding.rule
    return f"{finding.validator}/{finding.rule}"


def exit_code(checks: list[Check]) -> int:
    """1 when a check failed or a finding is an error nobody waived, else 0."""
    failed = any(c.status is Status.FAILED for c in checks)
    errors = any(f.fails() for c in checks for f in c.findings)
    return 1 if failed or errors else 0


def render(fmt: str, checks: list[Check], meta: ReportMeta | None = None) -> str:
    """The report in `fmt` (text, json, junit or sarif)."""
    meta = meta or ReportMeta()
    if meta.exit_code is None:
        meta.exit_code = exit_code(checks)
    if fmt == "text":
        from planforge.report.text import render_text

        return render_text(checks, meta)
    if fmt == "json":
        from planforge.report.json_report import render_json

        return render_json(checks, meta)
    if fmt == "junit":
        from planforge.report.junit import render_junit

        return render_junit(checks, meta)
    if fmt == "sarif":
        from planforge.report.sarif import render_sarif

        return render_sarif(checks, meta)
    raise ValueError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")
