"""`planforge report merge`: combine the JSON reports of validation shards into one report.

Each input is the `--format json` output of `planforge validate` (docs/report-json.md), checked
against `report.schema.json`. The merged report lists every check once, in a stable order that does
not depend on the order of the inputs (validators in their canonical order, then target, then check
name); its summary and exit code are recomputed from the checks.

The same check (validator, name, target) in two reports, as overlapping shard runs produce, is kept
once when both runs agree on its status, reason and findings; when they disagree the merge is refused,
since one of the two results would be silently dropped. Reports of different PATHs (targets are
relative to them) or settings are refused too.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planforge.errors import Problem, UsageError
from planforge.validate.base import Check, Finding, Severity, Status

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "data" / "report.schema.json"
READ_HINT = "give the reports `planforge validate --format json -o FILE` wrote"


@dataclass
class ShardReport:
    """One input report: where it came from, its settings and its checks."""

    source: str
    paths: list[str]
    kube_version: str | None
    strict: bool
    notices: list[str]
    elapsed: float
    checks: list[Check]


@dataclass
class MergedReport:
    paths: list[str]  # the same in every input
    kube_version: str | None
    strict: bool
    notices: list[str]
    elapsed: float  # the longest input's: shards run side by side
    checks: list[Check]


def _finding(data: dict[str, Any]) -> Finding:
    return Finding(
        validator=data["validator"], rule=data["rule"], severity=Severity(data["severity"]), message=data["message"],
        file=data["file"], line=data["line"], column=data["column"], hint=data["hint"],
        doc_index=data["doc_index"], json_path=data["json_path"], detail=data["detail"],
        waived=data.get("waived"), waived_by=data.get("waived_by"),
    )


def _check(data: dict[str, Any]) -> Check:
    return Check(
        validator=data["validator"], name=data["name"], target=data["target"], status=Status(data["status"]),
        findings=[_finding(f) for f in data["findings"]], duration=float(data["duration"]), tool=data["tool"],
        reason=data["reason"],
    )


def _schema_problem(source: str, error: Any) -> Problem:
    where = "/".join(str(part) for part in error.absolute_path) or "(the document)"
    return Problem(f"not a planforge JSON report: at {where}: {error.message}", file=source, hint=READ_HINT)


def parse_report(text: str, source: str) -> ShardReport:
    """A report read from `text` (the content of `source`); UsageError naming the file when it is not one."""
    import jsonschema

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError("cannot merge the reports:", [Problem(f"not JSON: {exc.msg}", file=source, line=exc.lineno,
                                                                hint=READ_HINT)]) from None
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        raise UsageError("cannot merge the reports:", [_schema_problem(source, error)])
    settings = data["settings"]
    return ShardReport(source=source, paths=list(data["paths"]), kube_version=settings["kube_version"],
                       strict=settings["strict"], notices=list(settings.get("notices", [])),
                       elapsed=float(data["elapsed"]), checks=[_check(c) for c in data["checks"]])


def read_report(path: str) -> ShardReport:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError("cannot merge the reports:", [Problem(f"cannot read it: {exc.strerror}", file=path,
                                                                hint=READ_HINT)]) from None
    except UnicodeDecodeError:
        raise UsageError("cannot merge the reports:", [Problem("not UTF-8 text", file=path, hint=READ_HINT)]) from None
    return parse_report(text, path)


def _same_settings(reports: list[ShardReport]) -> None:
    first = reports[0]
    for report in reports[1:]:
        for name in ("paths", "kube_version", "strict"):
            if getattr(report, name) != getattr(first, name):
                raise UsageError("cannot merge reports of runs on different PATHs or with different settings:", [Problem(
                    f"{name} is {getattr(report, name)!r} here but {getattr(first, name)!r} in {first.source}",
                    file=report.source,
                    hint="run every shard on the same PATHs (targets are relative to them) with the same settings")])


def _outcome(check: Check) -> tuple[Any, ...]:
    """What two runs of the same check must agree on (not duration or engine banner)."""
    return (check.status, check.reason, [vars(f) for f in check.findings])


def _key(check: Check) -> tuple[str, str, str]:
    return (check.validator, check.name, check.target)


def _unique_checks(reports: list[ShardReport]) -> list[Check]:
    seen: dict[tuple[str, str, str], tuple[Check, str]] = {}
    for report in reports:
        for check in report.checks:
            key = _key(check)
            if key not in seen:
                seen[key] = (check, report.source)
                continue
            kept, source = seen[key]
            if _outcome(kept) != _outcome(check):
                raise UsageError("cannot merge: two reports disagree on the same check:", [Problem(
                    f"{check.validator}/{check.name} on {check.target} is {check.status.value} with "
                    f"{len(check.findings)} finding(s) here but {kept.status.value} with {len(kept.findings)} "
                    f"in {source}", file=report.source,
                    hint="merge the reports of one run of one commit; re-run the shards")])
    return [check for check, _ in seen.values()]


def _order(check: Check) -> tuple[int, str, str, str]:
    from planforge.validate.registry import VALIDATOR_NAMES

    rank = VALIDATOR_NAMES.index(check.validator) if check.validator in VALIDATOR_NAMES else len(VALIDATOR_NAMES)
    return (rank, check.validator, check.target, check.name)


def _union(lists: list[list[str]]) -> list[str]:
    return list(dict.fromkeys(item for items in lists for item in items))


def merge_reports(reports: list[ShardReport]) -> MergedReport:
    """One report from several (at least one) of the same PATHs and settings: checks deduplicated and sorted."""
    if not reports:
        raise UsageError("report merge needs at least one report (fix: give the shard reports as arguments).")
    _same_settings(reports)
    return MergedReport(
        paths=reports[0].paths,
        kube_version=reports[0].kube_version,
        strict=reports[0].strict,
        notices=_union([r.notices for r in reports]),
        elapsed=max(r.elapsed for r in reports),
        checks=sorted(_unique_checks(reports), key=_order),
    )
