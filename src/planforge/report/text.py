"""Plain-text report: findings grouped by file, then one summary line.

    charts/web/templates/deployment.yaml
      charts/web/templates/deployment.yaml:12: error [policy/run-as-non-root] Deployment web ...
        fix: set securityContext.runAsNonRoot: true on the pod or the container

    skipped [terraform/validate] envs/azure: provider not available
    tools: helm: helm v4.0.0 (CLI); terraform: terraform 1.11.4
    3 errors, 0 warnings, 0 infos, 1 skipped in 12 checks (helm: 4 checks; policy: 5 checks, 3 errors; ...) in 1.24s
"""
from __future__ import annotations

from planforge.report import Counts, ReportMeta, rule_id, summarize
from planforge.validate.base import Check, Finding, Severity, Status

_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _counts_phrase(counts: Counts) -> str:
    parts = [_plural(counts.checks, "check")]
    if counts.errors:
        parts.append(_plural(counts.errors, "error"))
    if counts.warnings:
        parts.append(_plural(counts.warnings, "warning"))
    if counts.waived:
        parts.append(f"{counts.waived} waived")
    if counts.skipped:
        parts.append(f"{counts.skipped} skipped")
    return ", ".join(parts)


def summary_line(checks: list[Check], elapsed: float) -> str:
    """`N errors, N warnings, N infos, N skipped in N checks (per validator) in 1.23s`."""
    total, per = summarize(checks)
    validators = "; ".join(f"{name}: {_counts_phrase(counts)}" for name, counts in sorted(per.items()))
    return (
        f"{_plural(total.errors, 'error')}, {_plural(total.warnings, 'warning')}, {_plural(total.infos, 'info')}, "
        + (f"{total.waived} waived, " if total.waived else "")
        + f"{total.skipped} skipped in {_plural(total.checks, 'check')}"
        + (f" ({validators})" if validators else "")
        + f" in {elapsed:.2f}s"
    )


def tools_line(checks: list[Check], verbose: bool = False) -> str | None:
    """Which engine each validator used (`tools: helm: helm-python-sdk 0.2.2; terraform: terraform 1.11.4`).

    A check's `tool` may go on after `; ` with how the tool ran for it (Terraform: the roots validated
    together): that detail is kept for `verbose`, where each passed check shows its own too.
    """
    used: dict[str, list[str]] = {}
    for check in checks:
        tool = check.tool if verbose or not check.tool else check.tool.split("; ", 1)[0]
        if tool and tool not in used.setdefault(check.validator, []):
            used[check.validator].append(tool)
    parts = [f"{name}: {', '.join(tools)}" for name, tools in sorted(used.items()) if tools]
    return "tools: " + "; ".join(parts) if parts else None


def finding_line(finding: Finding, default_file: str = "-") -> str:
    """`file:line: severity [validator/rule] message` (file and line when known)."""
    where = finding.file or default_file
    if finding.line:
        where += f":{finding.line}"
        if finding.column:
            where += f":{finding.column}"
    extra = []
    if finding.doc_index is not None:
        extra.append(f"document {finding.doc_index}")
    if finding.json_path:
        extra.append(f"at {finding.json_path}")
    suffix = f" ({', '.join(extra)})" if extra else ""
    waived = "waived " if finding.waived is not None else ""
    return f"{where}: {waived}{Severity(finding.severity).value} [{rule_id(finding)}] {finding.message}{suffix}"


def render_text(checks: list[Check], meta: ReportMeta) -> str:
    groups: dict[str, list[Finding]] = {}
    for check in checks:
        for finding in check.findings:
            if Severity(finding.severity) is Severity.INFO and not meta.verbose:
                continue
            groups.setdefault(finding.file or check.target, []).append(finding)  # no file: the check's target
    lines: list[str] = [f"notice: {n}" for n in meta.notices]
    for file in sorted(groups):
        lines.append(file)
        for finding in sorted(groups[file], key=lambda f: (f.line or 0, _ORDER[Severity(f.severity)], f.rule)):
            lines.append(f"  {finding_line(finding, file)}")
            if finding.waived is not None:
                lines.append(f"    waived ({finding.waived_by}): {finding.waived}")
            elif finding.hint:
                lines.append(f"    fix: {finding.hint}")
            if meta.verbose and finding.detail:
                lines.extend(f"    | {row}" for row in finding.detail.rstrip().splitlines())
        lines.append("")
    skipped = [c for c in checks if c.status is Status.SKIPPED]
    for check in skipped:
        lines.append(f"skipped [{check.validator}/{check.name}] {check.target}: {check.reason or 'no reason given'}")
    if meta.verbose:
        for check in checks:
            if check.status is Status.PASSED:
                tool = f" ({check.tool})" if check.tool else ""
                lines.append(f"passed [{check.validator}/{check.name}] {check.target}{tool} {check.duration:.2f}s")
    if skipped or meta.verbose:
        lines.append("")
    tools = tools_line(checks, meta.verbose)
    if tools:
        lines.append(tools)
    lines.append(summary_line(checks, meta.elapsed))
    return "\n".join(lines) + "\n"
