"""The Helm validator: lint every chart, render it offline with each values set, validate the output."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from planforge.validate.base import Check, Context, Document, Finding, Settings, Severity, Status, Target
from planforge.validate.helm.charts import (
    chart_input_findings,
    chart_type,
    discover_charts,
    in_chart,
    missing_dependencies,
    values_files,
    vendor_local_dependencies,
)
from planforge.validate.helm.cli import HelmCli
from planforge.validate.helm.engine import HelmEngine, HelmToolError
from planforge.validate.helm.findings import (
    finding_key,
    is_missing_dependencies,
    lint_findings,
    manifests_to_documents,
    missing_dependency_findings,
    render_error_findings,
    tool_error_finding,
)
from planforge.validate.helm.renderings import render_once
from planforge.validate.helm.rules import NAME
from planforge.validate.helm.schemarefs import schema_ref_findings
from planforge.validate.helm.sdk import HelmSdk
from planforge.validate.toolenv import which


def select_engine(settings_timeout: float, workdir: Path, prefer: str = "auto",
                  settings: Settings | None = None) -> HelmEngine:
    """`cli` when a `helm` binary is on PATH (or forced), else the embedded SDK."""
    settings = settings if settings is not None else Settings(timeout=settings_timeout)
    binary = which("helm")
    if prefer == "cli" or (prefer == "auto" and binary):
        if binary is None:
            raise HelmToolError("helm is not on PATH")
        return HelmCli(binary, settings_timeout, workdir, settings)
    return HelmSdk(settings)


class HelmValidator:
    """Lint and render every chart. `engine`: "auto" (CLI if on PATH, else SDK), "cli" or "sdk"."""

    name = NAME

    def __init__(self, engine: str = "auto"):
        self.engine_choice = engine
        self._engine: HelmEngine | None = None
        self._lock = threading.Lock()

    def discover(self, ctx: Context) -> list[Target]:
        return discover_charts(ctx)

    def engine(self, ctx: Context) -> HelmEngine:
        """The engine, chosen once per validator (targets may run in several threads)."""
        with self._lock:
            if self._engine is None:
                self._engine = select_engine(ctx.settings.timeout, ctx.workdir, self.engine_choice, ctx.settings)
            return self._engine

    def run(self, target: Target, ctx: Context) -> list[Check]:
        chart = target.path
        refused = chart_input_findings(target, ctx) or schema_ref_findings(target, ctx)
        if refused:  # Helm reads every file of the chart, and what its schemas refer to: none may lead outside
            return [Check(NAME, "lint", target.display, Status.FAILED, refused)]
        try:
            engine = self.engine(ctx)
        except HelmToolError as exc:
            return [Check(NAME, "lint", target.display, Status.FAILED, [tool_error_finding(exc, target)])]
        missing = missing_dependencies(chart)
        local = {name: repository for name, repository in missing.items() if repository.startswith("file://")}
        remote = sorted(name for name in missing if name not in local)
        try:
            source = vendor_local_dependencies(chart, local, ctx.workdir) if local else chart
        except OSError as exc:
            return [Check(NAME, "lint", target.display, Status.FAILED, [Finding(
                NAME, "helm/lint", Severity.ERROR, f"a file:// dependency cannot be read: {exc}",
                in_chart(target, "Chart.yaml"), hint="fix the dependency's repository path in Chart.yaml")])]

        lint = None if ctx.documents_only else self._lint(engine, target, source, ctx, remote)
        checks = [lint] if lint is not None else []
        if remote:  # `helm template` needs every dependency; `helm dependency build` needs the network
            checks.append(Check(NAME, "render[default]", target.display, Status.SKIPPED, tool=engine.tool,
                                reason=f"dependencies not vendored in charts/: {', '.join(remote)} "
                                       "(`helm dependency build` needs network access)"))
            return checks
        if chart_type(chart) == "library":
            checks.append(Check(NAME, "render[default]", target.display, Status.SKIPPED, tool=engine.tool,
                                reason="a library chart renders nothing on its own (its templates are rendered "
                                       "by the charts that depend on it)"))
            return checks
        seen = {finding_key(f) for f in lint.findings} if lint is not None else set()
        wanted = target.extra.get("values")  # a run on some units: the values files selected (chart-relative)
        values_sets = [None, *(vf for vf in values_files(chart)
                               if wanted is None or vf.relative_to(chart).as_posix() in wanted)]
        renders = [self._render(engine, target, source, ctx, vf) for vf in values_sets]
        ci_rendered = any(
            vf is not None and vf.parent.name == "ci" and check.status is Status.PASSED
            for vf, (check, _) in zip(values_sets, renders)
        )
        for vf, (check, docs) in zip(values_sets, renders):
            if vf is None and ci_rendered:
                for finding in check.findings:
                    if finding.rule == "helm/missing-required":
                        finding.severity = Severity.INFO
                        finding.message += " (the chart renders with its ci/ values)"
                if all(f.severity is Severity.INFO for f in check.findings):
                    check.status = Status.PASSED
            fresh = [f for f in check.findings if finding_key(f) not in seen]
            if check.findings and not fresh:
                check.status, check.reason = Status.SKIPPED, "not rendered: same error as an earlier check of this chart"
            check.findings = fresh
            seen.update(finding_key(f) for f in fresh)
            checks.append(check)
            if docs:
                origin = f"helm template {target.display}"
                if vf is not None:
                    origin += f" -f {vf.relative_to(chart).as_posix()}"
                for doc in docs:  # what rendered it: the policy rules of a platform read its values file
                    doc.origin = origin
                checks.extend(ctx.validate_documents(docs, origin))
        return checks

    def _lint(self, engine: HelmEngine, target: Target, source: Path, ctx: Context, unvendored: list[str]) -> Check:
        """`helm lint`, and a `helm/dependency-missing` finding per remote dependency not in charts/ (in place of
        lint's one message naming them all)."""
        start = time.monotonic()
        strict = ctx.settings.strict
        try:
            messages = engine.lint(source, strict, ctx.settings.kube_version)
        except HelmToolError as exc:
            return Check(NAME, "lint", target.display, Status.FAILED, [tool_error_finding(exc, target)],
                         time.monotonic() - start, engine.tool)
        findings = missing_dependency_findings(target, unvendored, strict)
        for msg in messages:
            if msg.severity == "INFO" and not ctx.settings.verbose or unvendored and is_missing_dependencies(msg):
                continue
            for finding in lint_findings(msg, target, strict):
                if finding_key(finding) not in {finding_key(f) for f in findings}:
                    findings.append(finding)
        failed = any(f.severity is Severity.ERROR for f in findings)
        return Check(NAME, "lint", target.display, Status.FAILED if failed else Status.PASSED, findings,
                     time.monotonic() - start, engine.tool)

    def _render(self, engine: HelmEngine, target: Target, source: Path, ctx: Context,
                values_file: Path | None) -> tuple[Check, list[Document]]:
        """Render the chart (`source`: the chart or its copy with local dependencies) with one values set."""
        start = time.monotonic()
        label = "default" if values_file is None else values_file.relative_to(target.path).as_posix()
        name = f"render[{label}]"
        try:
            result = render_once(ctx, target.path, values_file,
                                 lambda: engine.render(source, values_file, ctx.settings.kube_version))
        except HelmToolError as exc:
            return Check(NAME, name, target.display, Status.FAILED, [tool_error_finding(exc, target, label)],
                         time.monotonic() - start, engine.tool), []
        if result.error is not None:
            findings = render_error_findings(result.error, target, values_file)
            return Check(NAME, name, target.display, Status.FAILED, findings, time.monotonic() - start,
                         engine.tool), []
        docs, findings = manifests_to_documents(result.manifests, target)
        status = Status.FAILED if findings else Status.PASSED
        return Check(NAME, name, target.display, status, findings, time.monotonic() - start, engine.tool), docs
