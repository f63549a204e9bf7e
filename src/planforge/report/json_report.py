"""JSON report: a stable schema (docs/report-json.md, src/planforge/data/report.schema.json).

`schema_version` changes only when a field is removed or changes meaning; new fields may be added.
"""
from __future__ import annotations

import json
from typing import Any

from planforge import __version__
from planforge.report import ReportMeta, rule_id, summarize
from planforge.validate.base import Check, Finding, Severity

SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "validator": finding.validator,
        "rule": rule_id(finding),
        "severity": Severity(finding.severity).value,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "doc_index": finding.doc_index,
        "json_path": finding.json_path,
        "hint": finding.hint,
        "detail": finding.detail,
        "waived": finding.waived,
        "waived_by": finding.waived_by,
    }


def check_dict(check: Check) -> dict[str, Any]:
    return {
        "validator": check.validator,
        "name": check.name,
        "target": check.target,
        "status": check.status.value,
        "duration": round(check.duration, 4),
        "tool": check.tool,
        "reason": check.reason,
        "findings": [finding_dict(f) for f in check.findings],
    }


def report_dict(checks: list[Check], meta: ReportMeta) -> dict[str, Any]:
    total, per = summarize(checks)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "planforge", "version": __version__},
        "paths": list(meta.paths),
        "settings": {"kube_version": meta.kube_version, "strict": meta.strict, "notices": list(meta.notices)},
        "exit_code": meta.exit_code,
        "elapsed": round(meta.elapsed, 3),
        "summary": {**total.as_dict(), "by_validator": {name: c.as_dict() for name, c in sorted(per.items())}},
        "checks": [check_dict(c) for c in checks],
    }


def render_json(checks: list[Check], meta: ReportMeta) -> str:
    return json.dumps(report_dict(checks, meta), indent=2) + "\n"
