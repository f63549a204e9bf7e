"""SARIF 2.1.0 for GitHub code scanning: one run, rules from the findings' rule ids, one result per finding.

Locations are relative URIs under the `%SRCROOT%` base (the validated repository), with a region
(line 1 when the finding concerns a whole file). Skipped checks become tool execution notifications.
"""
from __future__ import annotations

import json
from typing import Any

from planforge import __version__
from planforge.report import ReportMeta, rule_id
from planforge.validate.base import Check, Finding, Severity, Status

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _artifact(path: str) -> dict[str, Any]:
    """A relative path under %SRCROOT%, or a file: URI for an absolute path."""
    from urllib.parse import quote

    import posixpath

    path = posixpath.normpath(path.replace("\\", "/"))  # "terraform/envs/dev/." -> "terraform/envs/dev"
    if path.startswith("/"):
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": "%SRCROOT%"}


def _location(finding: Finding, check: Check) -> dict[str, Any]:
    # GitHub code scanning needs a region: a finding about a whole file points at its first line.
    region: dict[str, Any] = {"startLine": finding.line if finding.line and finding.line > 0 else 1}
    if finding.column and finding.column > 0:
        region["startColumn"] = finding.column
    physical: dict[str, Any] = {"artifactLocation": _artifact(finding.file or check.target), "region": region}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.json_path:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.json_path, "kind": "member"}]
    return location


def _message(finding: Finding) -> str:
    text = finding.message
    if finding.hint:
        text += f" Fix: {finding.hint}"
    return text


def _suppression(finding: Finding) -> dict[str, Any]:
    """A waiver as a SARIF suppression: in source (the object's annotation) or external (.planforge.yaml)."""
    return {
        "kind": "inSource" if finding.waived_by == "annotation" else "external",
        "status": "accepted",
        "justification": finding.waived or "",
        "properties": {"waivedBy": finding.waived_by},
    }


def render_sarif(checks: list[Check], meta: ReportMeta) -> str:
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for check in checks:
        for finding in check.findings:
            rid = rule_id(finding)
            severity = Severity(finding.severity)
            if rid not in rule_index:
                rule_index[rid] = len(rules)
                description = meta.rules.get(rid) or finding.message
                rule: dict[str, Any] = {
                    "id": rid,
                    "name": rid.replace("/", "-"),
                    "shortDescription": {"text": description},
                    "defaultConfiguration": {"level": _LEVEL[severity]},
                    "properties": {"validator": finding.validator, "tags": [finding.validator]},
                }
                if finding.hint:
                    rule["help"] = {"text": finding.hint}
                rules.append(rule)
            result: dict[str, Any] = {
                "ruleId": rid,
                "ruleIndex": rule_index[rid],
                "level": _LEVEL[severity],
                "message": {"text": _message(finding)},
                "locations": [_location(finding, check)],
                "properties": {"check": check.name, "target": check.target},
            }
            if finding.doc_index is not None:
                result["properties"]["documentIndex"] = finding.doc_index
            if finding.json_path:
                result["properties"]["jsonPath"] = finding.json_path
            if finding.waived is not None:
                result["suppressions"] = [_suppression(finding)]
            results.append(result)
    notifications = [
        {
            "level": "note",
            "message": {"text": f"skipped {check.validator}/{check.name} on {check.target}: "
                                f"{check.reason or 'no reason given'}"},
            "descriptor": {"id": f"{check.validator}/skipped"},
        }
        for check in checks if check.status is Status.SKIPPED
    ]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "planforge",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": rules,
        }},
        "invocations": [{
            "executionSuccessful": True,
            "exitCode": meta.exit_code if meta.exit_code is not None else 0,
            "toolExecutionNotifications": notifications,
        }],
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the validated repository"}}},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if meta.sarif_category:
        run["automationDetails"] = {"id": meta.sarif_category}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(log, indent=2) + "\n"
