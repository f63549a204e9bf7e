"""JUnit XML: one testsuite per validator, one testcase per check per target.

Valid against kubeconform's junit.xsd (the Jenkins junit-4 schema): error findings become
`<failure>` elements (a validator's own crash an `<error>`), skipped checks `<skipped>reason</skipped>`,
warnings and infos go to `<system-out>`.
"""
from __future__ import annotations

import platform
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from planforge.report import ReportMeta, rule_id
from planforge.report.text import finding_line
from planforge.validate.base import Check, Status


def _is_internal(rule: str) -> bool:
    return rule.endswith("/internal-error")


def _testcase(check: Check) -> ET.Element:
    case = ET.Element("testcase", {
        "name": f"{check.name} {check.target}",
        "classname": f"{check.validator}.{check.name}",
        "time": f"{check.duration:.3f}",
        "status": check.status.value,
    })
    if check.status is Status.SKIPPED:
        ET.SubElement(case, "skipped").text = check.reason or "skipped"
    errors = [f for f in check.findings if f.fails()]
    for finding in (f for f in errors if _is_internal(f.rule)):
        ET.SubElement(case, "error", {"type": rule_id(finding), "message": finding.message}).text = (
            finding.detail or finding_line(finding))
    for finding in (f for f in errors if not _is_internal(f.rule)):
        body = finding_line(finding) + (f"\nfix: {finding.hint}" if finding.hint else "")
        if finding.detail:
            body += "\n" + finding.detail
        ET.SubElement(case, "failure", {"type": rule_id(finding), "message": finding.message}).text = body
    notes = [finding_line(f) + (f" (waived: {f.waived})" if f.waived is not None else "")
             for f in check.findings if not f.fails()]
    if check.tool:
        notes.insert(0, f"tool: {check.tool}")
    if notes:
        ET.SubElement(case, "system-out").text = "\n".join(notes)
    return case


def render_junit(checks: list[Check], meta: ReportMeta) -> str:
    suites = ET.Element("testsuites", {"name": "planforge validate"})
    by_validator: dict[str, list[Check]] = {}
    for check in checks:
        by_validator.setdefault(check.validator, []).append(check)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for index, (validator, group) in enumerate(by_validator.items()):
        cases = [_testcase(c) for c in group]
        failures = sum(1 for case in cases if case.find("failure") is not None)
        errors = sum(1 for case in cases if case.find("error") is not None and case.find("failure") is None)
        skipped = sum(1 for c in group if c.status is Status.SKIPPED)
        suite = ET.SubElement(suites, "testsuite", {
            "name": validator,
            "id": str(index),
            "package": "planforge",
            "tests": str(len(cases)),
            "failures": str(failures),
            "errors": str(errors),
            "skipped": str(skipped),
            "time": f"{sum(c.duration for c in group):.3f}",
            "timestamp": stamp,
            "hostname": platform.node() or "localhost",
        })
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", {"name": "paths", "value": " ".join(meta.paths)})
        if meta.kube_version:
            ET.SubElement(props, "property", {"name": "kube_version", "value": meta.kube_version})
        ET.SubElement(props, "property", {"name": "strict", "value": str(meta.strict).lower()})
        suite.extend(cases)
        totals["tests"] += len(cases)
        totals["failures"] += failures
        totals["errors"] += errors
    suites.set("tests", str(totals["tests"]))
    suites.set("failures", str(totals["failures"]))
    suites.set("errors", str(totals["errors"]))
    suites.set("time", f"{meta.elapsed:.3f}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
