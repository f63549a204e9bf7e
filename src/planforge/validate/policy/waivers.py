"""Waivers: the `planforge.io/waive` annotation of an object and the `.planforge.yaml` `waivers:` list.

`"<rule>: <reason>; <rule>: <reason>"` (entries separated by ';' or newlines, the `policy/` prefix optional)
waives those rules on the annotated object; a `.planforge.yaml` entry (path glob, rule, reason) waives a rule
in the files it matches. A waiver without a reason, or naming no policy rule, is itself a finding.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from planforge.validate.base import Check, Document, Finding, Status, Waiver
from planforge.validate.policy.core import NAME, Collector, data, get_path, known_rule, label_of, severity_of

SETTINGS_WAIVER = ".planforge.yaml"


@dataclass
class _Annotation:
    """The waivers an object's annotation grants, and what is wrong with its entries."""

    waivers: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, message, hint)


def parse_waive_annotation(value: Any) -> _Annotation:
    """`"<rule>: <reason>; <rule>: <reason>"` (entries separated by ';' or newlines)."""
    result = _Annotation()
    if not isinstance(value, str):
        result.problems.append(("policy/waiver-without-reason", "the waiver annotation is not a string",
                                'write it as "<rule>: <reason>"'))
        return result
    for entry in re.split(rf"[{re.escape(data()['waiver_separator'])}\n]", value):
        name, _, reason = (part.strip() for part in entry.partition(":"))
        if not name and not reason:
            continue
        rule = known_rule(name)
        if rule is None:
            result.problems.append(("policy/waiver-unknown-rule", f"the waiver names no policy rule: '{name}'",
                                    "name a rule id from docs/policy.md, e.g. policy/host-port"))
        elif not reason:
            result.problems.append(("policy/waiver-without-reason", f"the waiver of {rule} gives no reason",
                                    f'write "{rule}: <why this object may break the rule>"'))
        else:
            result.waivers[rule] = reason
    return result


def object_waivers(doc: Document, obj: dict[str, Any], prefix: str, out: Collector, honour: bool) -> None:
    """Report the object's waiver problems and set the waivers `out` applies to its findings."""
    key = data()["waiver_annotation"]
    annotations = get_path(obj, "metadata", "annotations")
    out.waivers = {}
    if not isinstance(annotations, dict) or key not in annotations:
        return
    parsed = parse_waive_annotation(annotations[key])
    label = label_of(obj)
    for rule, message, hint in parsed.problems:
        out.add(doc, rule, f"{label}: {message}", f"{prefix}metadata.annotations", hint)
    if honour:
        out.waivers = parsed.waivers


def usable_waivers(waivers: list[Waiver]) -> tuple[list[Waiver], list[Finding]]:
    """The `.planforge.yaml` waivers that waive something (rule ids in full), and the findings about the
    others (no reason, no such rule)."""
    problems: list[Finding] = []
    usable: list[Waiver] = []
    for waiver in waivers:
        rule = known_rule(waiver.rule)
        if rule is None:
            problems.append(_waiver_problem(waiver, "policy/waiver-unknown-rule",
                                            f"the waiver of {waiver.path} names no policy rule: '{waiver.rule}'",
                                            "name a rule id from docs/policy.md, e.g. policy/host-port"))
        elif not waiver.reason.strip():
            problems.append(_waiver_problem(waiver, "policy/waiver-without-reason",
                                            f"the waiver of {rule} on {waiver.path} gives no reason",
                                            "add `reason: <why these objects may break the rule>`"))
        else:
            usable.append(Waiver(waiver.path, rule, waiver.reason.strip(), waiver.line))
    return usable, problems


def apply_file_waivers(checks: list[Check], usable: list[Waiver]) -> None:
    """Mark the policy findings `usable` waivers cover; a check left with no failing finding passes."""
    for check in checks:
        if check.validator != NAME:
            continue
        for finding in check.findings:
            match = next((w for w in usable if w.rule == finding.rule and finding.waived is None
                          and fnmatch.fnmatchcase(finding.file or check.target, w.path)), None)
            if match is not None:
                finding.waived, finding.waived_by = match.reason, SETTINGS_WAIVER
        if check.status is Status.FAILED and check.findings and not any(f.fails() for f in check.findings):
            check.status = Status.PASSED


def _waiver_problem(waiver: Waiver, rule: str, message: str, hint: str) -> Finding:
    return Finding(NAME, rule, severity_of(rule), message, file=SETTINGS_WAIVER, line=waiver.line, hint=hint)
