"""The kubeconform adapter: runs the `kubeconform` binary and maps its JSON output to findings.

Used instead of the embedded engine when `--schema-engine kubeconform` is given, or with
`auto` when a kubeconform binary is on PATH.
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from planforge.errors import UsageError
from planforge.validate.base import Document, Finding, Settings, Severity
from planforge.validate.manifests import ManifestDocument, ManifestError, join_path, line_of_path, load_documents
from planforge.validate.schemas.locations import CRD_TEMPLATE
from planforge.validate.toolenv import which
from planforge.validate.tools import ToolOutputTooLarge, ToolTimeout, memory_ceiling_mib, output_limit, run_tool
from planforge.validate.schemas.results import (
    NAME,
    RULE_DUPLICATE_KEY,
    RULE_ENGINE,
    RULE_INVALID,
    RULE_MISSING_API_VERSION,
    RULE_MISSING_KIND,
    RULE_MISSING_SCHEMA,
    RULE_PARSE_ERROR,
    RULE_REJECTED,
    SchemaReport,
    display_name,
)

def kubeconform_binary() -> str | None:
    """The kubeconform binary on PATH, if any."""
    return which("kubeconform")


def select_engine(settings: Settings) -> str:
    """'embedded' or the path of the kubeconform binary, per settings.schema_engine."""
    engine = settings.schema_engine or "auto"
    if engine == "embedded":
        return "embedded"
    found = kubeconform_binary()
    if engine == "kubeconform":
        if found is None:
            raise UsageError("--schema-engine kubeconform: no kubeconform binary on PATH (install it or use --schema-engine embedded)")
        return found
    if engine != "auto":
        raise UsageError(f"unknown schema engine {engine!r} (expected auto, embedded or kubeconform)")
    return found or "embedded"


def kubeconform_args(binary: str, settings: Settings) -> list[str]:
    """The kubeconform command line for these settings (files not included)."""
    args = [binary, "-output", "json", "-kubernetes-version", settings.kube_version.lstrip("v"), "-schema-location", "default"]
    for loc in settings.schema_locations:
        if loc != "default":
            args += ["-schema-location", loc]
    args += ["-schema-location", CRD_TEMPLATE.replace("{{ .", "{{.").replace(" }}", "}}")]
    if settings.strict:
        args.append("-strict")
    if settings.ignore_missing_schemas:
        args.append("-ignore-missing-schemas")
    if settings.skip_kinds:
        args += ["-skip", ",".join(settings.skip_kinds)]
    if settings.reject_kinds:
        args += ["-reject", ",".join(settings.reject_kinds)]
    return args


def run_kubeconform(binary: str, files: Sequence[str], settings: Settings, display: dict[str, str] | None = None) -> list[Finding]:
    """Run the kubeconform binary on files and map its JSON output to findings."""
    args = kubeconform_args(binary, settings) + list(files)
    try:
        done = run_tool(args, timeout=settings.timeout, memory_mib=memory_ceiling_mib(settings),
                        max_output=output_limit(settings))
    except (ToolTimeout, ToolOutputTooLarge) as exc:
        raise UsageError(f"kubeconform {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot run kubeconform: {exc}") from None
    try:
        data = json.loads(done.stdout or "{}")
    except ValueError:
        raise UsageError(f"kubeconform exited {done.returncode} without JSON output: {(done.stderr or done.stdout).strip()[:500]}") from None
    display = display or {}
    findings: list[Finding] = []
    locate = _KubeconformLocator()
    for res in data.get("resources") or []:
        status = res.get("status", "")
        if status not in ("statusInvalid", "statusError"):
            continue
        filename = res.get("filename", "")
        file = display.get(filename, filename)
        label = " ".join(x for x in (res.get("kind"), res.get("name")) if x) or "resource"
        doc = locate.document(filename, res)
        errors = res.get("validationErrors") or []
        if status == "statusInvalid" and errors:
            for err in errors:
                parts = [int(p) if p.isdigit() else p for p in str(err.get("path", "")).strip("/").split("/") if p]
                path = join_path(parts)
                findings.append(Finding(
                    validator=NAME, rule=RULE_INVALID, severity=Severity.ERROR,
                    message=f"{label}: {path + ': ' if path else ''}{err.get('msg', '')}", file=file, json_path=path or None,
                    doc_index=doc.doc_index if doc else None, line=line_of_path(doc, path) if doc else None,
                ))
            continue
        msg = res.get("msg", "")
        findings.append(Finding(
            validator=NAME, rule=_rule_of(msg), severity=Severity.ERROR, message=f"{label}: {msg}", file=file,
            doc_index=doc.doc_index if doc else None, line=doc.line if doc else None,
        ))
    if done.returncode not in (0, 1) or (done.returncode == 1 and not findings):
        findings.append(Finding(
            validator=NAME, rule=RULE_ENGINE, severity=Severity.ERROR,
            message=f"kubeconform exited {done.returncode}: {(done.stderr or '').strip()[:500]}",
        ))
    return findings


# kubeconform's error messages -> rule ids, first match wins (anything else is schemas/invalid).
_RULES_BY_MESSAGE = (
    (("could not find schema",), RULE_MISSING_SCHEMA),
    (("prohibited resource kind",), RULE_REJECTED),
    (("duplicate", "already set in map"), RULE_DUPLICATE_KEY),
    (("missing 'kind'",), RULE_MISSING_KIND),
    (("missing 'apiVersion'",), RULE_MISSING_API_VERSION),
    (("unmarshal", "yaml:"), RULE_PARSE_ERROR),
)


def _rule_of(message: str) -> str:
    """The rule id of a kubeconform error message."""
    for needles, rule in _RULES_BY_MESSAGE:
        if any(needle in message for needle in needles):
            return rule
    return RULE_INVALID


class _KubeconformLocator:
    """Finds the document kubeconform reported on (its output names kind/name, not the index)."""

    def __init__(self) -> None:
        self._docs: dict[str, list[ManifestDocument]] = {}

    def document(self, filename: str, res: dict[str, Any]) -> ManifestDocument | None:
        if filename not in self._docs:
            try:
                self._docs[filename] = load_documents(filename) if filename and filename != "stdin" else []
            except ManifestError:
                self._docs[filename] = []
        for doc in self._docs[filename]:
            obj = doc.obj if isinstance(doc.obj, dict) else {}
            if obj.get("kind") == res.get("kind") and display_name(obj) == (res.get("name") or None) and (
                not res.get("version") or obj.get("apiVersion") == res.get("version")
            ):
                return doc
        return None


def kubeconform_documents(binary: str, docs: list[Document], settings: Settings) -> SchemaReport:
    """Parsed documents through kubeconform: written to temporary files, findings mapped back."""
    import yaml

    report = SchemaReport(engine=f"kubeconform ({binary})")
    by_file: dict[str, list[Document]] = {}
    for doc in docs:
        by_file.setdefault(doc.file, []).append(doc)
    with tempfile.TemporaryDirectory(prefix="planforge-kubeconform-") as tmp:
        paths: dict[str, str] = {}
        for i, (name, group) in enumerate(by_file.items()):
            path = Path(tmp) / f"{i}.yaml"
            path.write_text(yaml.safe_dump_all([d.obj for d in group], sort_keys=False), encoding="utf-8")
            paths[str(path)] = name
        findings = run_kubeconform(binary, list(paths), settings, paths)
    for f in findings:  # indexes and lines of the temporary file -> those of the original documents
        group = by_file.get(f.file or "")
        if group is not None and f.doc_index is not None and f.doc_index < len(group):
            doc = group[f.doc_index]
            f.doc_index = doc.doc_index
            f.line = line_of_path(doc, f.json_path) if f.json_path else doc.line
        elif group is not None:
            f.line = None
    report.findings.extend(findings)
    return report
