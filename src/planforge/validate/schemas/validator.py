"""The `schemas` validator and the programmatic entry points: paths or parsed documents in, findings out.

Each entry point picks the engine `settings.schema_engine` selects (embedded or the
kubeconform binary); see docs/discovery.md for what counts as a manifest.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from planforge.validate.base import Check, Context, Document, Finding, Settings, Severity, Status, Target
from planforge.validate.inputs import InputError
from planforge.validate.manifests import (
    ManifestDocument,
    ManifestError,
    collect_manifest_files,
    iter_manifest_files,
    load_documents,
)
from planforge.validate.schemas.engine import embedded_engine
from planforge.validate.schemas.kubeconform import kubeconform_documents, run_kubeconform, select_engine
from planforge.validate.schemas.locations import CRD_DIR
from planforge.validate.schemas.results import (
    NAME,
    RULE_MISSING_SCHEMA,
    RULE_PARSE_ERROR,
    ResourceResult,
    SchemaReport,
    parse_error_finding,
)


def validate_documents(docs: Iterable[Document], settings: Settings) -> list[Finding]:
    """Schema findings for documents (plain files or Helm/Kustomize renderings).

    `List` objects are validated item by item. Uses the engine `settings.schema_engine`
    selects; with kubeconform the documents go through a temporary file.
    """
    return validate_documents_report(docs, settings).findings


def validate_documents_report(docs: Iterable[Document], settings: Settings) -> SchemaReport:
    """Like `validate_documents`, with per-resource results."""
    engine = select_engine(settings)
    report = SchemaReport()
    docs = list(docs)
    if engine != "embedded":
        return kubeconform_documents(engine, docs, settings)
    embedded = embedded_engine(settings)
    report.engine = embedded.description
    for doc in _expand(docs):
        report.add(embedded.validate(doc))
    return report


def _expand(docs: Iterable[Document]) -> Iterable[Document]:
    """Expand `List` objects not already expanded by the loader (rendered documents)."""
    for doc in docs:
        obj = doc.obj
        if isinstance(obj, dict) and obj.get("kind") == "List" and isinstance(obj.get("items"), list):
            base = getattr(doc, "item_path", "")
            for i, item in enumerate(obj["items"]):
                yield from _expand([ManifestDocument(
                    obj=item, file=doc.file, doc_index=doc.doc_index, line=doc.line, origin=doc.origin,
                    item_path=f"{base}.items[{i}]" if base else f"items[{i}]", source=getattr(doc, "source", None),
                )])
        else:
            yield doc


def validate_paths(paths: Sequence[Path | str], settings: Settings, *, bundled_crds: bool = True) -> SchemaReport:
    """Validate files and directories like `kubeconform [flags] PATH...` (the programmatic entry point).

    Directories are searched with the discovery rules; files are validated whatever their
    name; `-` reads stdin; a path that does not exist is an error. `settings` carries the
    flags (strict, skip/reject kinds, schema locations, ignore patterns, ...). The report's
    `exit_code` is kubeconform's. `bundled_crds=False` leaves out the bundled CRD catalog.
    """
    files, missing = collect_manifest_files(paths, settings)
    report = SchemaReport()
    for name in missing:
        report.findings.append(Finding(
            validator=NAME, rule=RULE_PARSE_ERROR, severity=Severity.ERROR, message=f"{name}: no such file or directory", file=name,
        ))
    engine = select_engine(settings)
    if engine != "embedded":
        report.engine = f"kubeconform ({engine})"
        stdin_docs: list[Document] = []
        real = [str(f) for f, _ in files if str(f) != "-"]
        if any(str(f) == "-" for f, _ in files):
            stdin_docs = list(load_documents("-", expand_lists=False))
        if real:
            report.findings.extend(run_kubeconform(engine, real, settings))
        if stdin_docs:
            report.findings.extend(kubeconform_documents(engine, stdin_docs, settings).findings)
        return report
    embedded = embedded_engine(settings, bundled_crds=bundled_crds)
    report.engine = embedded.description
    for f, text in files:
        try:
            docs = load_documents(f, text=text)
        except ManifestError as exc:
            report.add(ResourceResult(file=exc.file, doc_index=exc.doc_index or 0, status="error", findings=[parse_error_finding(exc)]))
            continue
        for doc in docs:
            report.add(embedded.validate(doc))
    return report


class SchemaValidator:
    """The `schemas` validator: every manifest file found by discovery is one target."""

    name = NAME

    def discover(self, ctx: Context) -> list[Target]:
        if select_engine(ctx.settings) == "embedded":
            embedded_engine(ctx.settings)  # a bad --kube-version is a usage error before any work
        return [
            Target(validator=NAME, kind="manifest", path=Path(ctx.bounds.realpath(path)), display=ctx.display(path))
            for path in iter_manifest_files(ctx.root, ctx.settings)
        ]

    def run(self, target: Target, ctx: Context) -> list[Check]:
        start = time.perf_counter()
        engine = select_engine(ctx.settings)
        skipped: list[str] = []
        tool: str | None = None
        try:
            if engine != "embedded":  # kubeconform reads the file itself (the embedded engine reads it bounded)
                ctx.bounds.check(target.path, target.display)
        except InputError as exc:
            findings = [exc.finding(target.display)]
        else:
            findings, skipped, tool = self._validate_file(target, ctx, engine)
        status, reason = _check_status(findings, skipped)
        return [Check(
            validator=NAME, name="schema", target=target.display, status=status, reason=reason,
            findings=findings, duration=time.perf_counter() - start, tool=tool,
        )]

    def _validate_file(self, target: Target, ctx: Context, engine: str) -> tuple[list[Finding], list[str], str]:
        skipped: list[str] = []
        if engine != "embedded":
            findings = run_kubeconform(engine, [str(target.path)], ctx.settings, {str(target.path): target.display})
            for f in findings:
                if f.file == str(target.path) or f.file is None:
                    f.file = target.display
            tool = f"kubeconform ({engine})"
        else:
            embedded = embedded_engine(ctx.settings)
            tool = embedded.description
            try:
                docs = load_documents(target.path, display=target.display, bounds=ctx.bounds)
            except ManifestError as exc:
                findings = [parse_error_finding(exc)]
            else:
                results = [embedded.validate(doc) for doc in docs]
                _leave_unknown_custom_resources(results, ctx.settings)
                findings = [f for result in results for f in result.findings]
                skipped = _skip_reasons(results)
        return findings, skipped, tool

    def check_documents(self, docs: list[Document], settings: Settings, target: str, name: str = "schema") -> Check:
        """One Check for rendered documents (a Helm rendering, a Kustomize build)."""
        start = time.perf_counter()
        report = validate_documents_report(docs, settings)
        left = {id(f) for f in _leave_unknown_custom_resources(report.results, settings)}
        findings = [f for f in report.findings if id(f) not in left]
        status, reason = _check_status(findings, _skip_reasons(report.results))
        return Check(
            validator=NAME, name=name, target=target, status=status, reason=reason,
            findings=findings, duration=time.perf_counter() - start, tool=report.engine,
        )


def _unknown_api_group(api_version: str | None) -> str | None:
    """The API group of `api_version` when planforge has no schema of it at all: not a Kubernetes group
    (none, `*.k8s.io`) and not in the bundled CRD catalog. None otherwise."""
    group = (api_version or "").rpartition("/")[0]
    if "." not in group or group.endswith(".k8s.io") or (CRD_DIR / group).is_dir():
        return None
    return group


def _leave_unknown_custom_resources(results: list[ResourceResult], settings: Settings) -> list[Finding]:
    """A custom resource of an API group planforge has no schema for (a CRD installed from elsewhere, e.g.
    by the repository's GitOps) cannot be checked, which is no defect of it: its `schemas/missing-schema`
    error becomes a skip with the reason (`--fail-on-skip` makes it an error), as with
    --ignore-missing-schemas. With --schema-location entries it stays an error. Returns the findings left."""
    left: list[Finding] = []
    for result in results if not settings.schema_locations else []:
        group = _unknown_api_group(result.api_version)
        if group is None or [f.rule for f in result.findings] != [RULE_MISSING_SCHEMA]:
            continue
        left.extend(result.findings)
        result.findings, result.status = [], "skipped"
        result.skip_reason = (f"no schema for {result.kind} ({result.api_version}): none is bundled for API group "
                              f"{group}; give one with --schema-location")
    return left


def _skip_reasons(results: Iterable[ResourceResult]) -> list[str]:
    """Why resources went unchecked for lack of a schema, once per kind (document order)."""
    return list(dict.fromkeys(r.skip_reason for r in results if r.skip_reason))


def _check_status(findings: list[Finding], skipped: list[str]) -> tuple[Status, str | None]:
    """Errors fail a check; otherwise a resource left unchecked (no schema) makes it skipped,
    so reports count it and --fail-on-skip catches it."""
    if any(f.severity == Severity.ERROR for f in findings):
        return Status.FAILED, None
    if skipped:
        return Status.SKIPPED, "; ".join(skipped)
    return Status.PASSED, None
