"""Helm validator: lint every chart, render it offline with each values set, validate the output.

Charts are found by their `Chart.yaml` (subcharts vendored under another chart's `charts/`
are covered by their parent). Two engines do the Helm work:

* `HelmCli`: the `helm` binary on PATH (`helm lint`, `helm template`), run through pyhelm3's
  command runner, each call with the settings' timeout;
* `HelmSdk`: the embedded Helm Go SDK from the helm-python-sdk package (`helm_python`),
  used when no `helm` binary is on PATH. It lints and renders offline like the CLI.

Each chart gets a `lint` check and one `render[...]` check per values set: the chart's
defaults, every `platforms/*.yaml` and every `ci/*-values.yaml`. Rendered documents go to
`Context.validate_documents`, so schema and policy validation see them.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import posixpath
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from planforge.validate.base import Check, Context, Document, Finding, Settings, Severity, Status, Target
from planforge.validate.inputs import TOO_LARGE, Bounds, InputError, default_hint, outside_finding, size_text
from planforge.validate.manifests import ManifestError, compose_all, load_documents, safe_load
from planforge.validate.tools import (
    ToolLoop,
    ToolOutputTooLarge,
    ToolTimeout,
    memory_ceiling_mib,
    output_limit,
    run_tool,
)

NAME = "helm"
RELEASE_NAME = "release-name"  # what `helm template` calls the release by default
RULES = {
    "helm/lint": "`helm lint` (strict with --strict) reports a problem with the chart",
    "helm/template": "a template does not parse, fails to render or renders invalid YAML",
    "helm/values-schema": "values do not match the chart's values.schema.json",
    "helm/missing-required": "a `required` value is not set for this values set",
    "helm/tool-error": "Helm could not run (missing binary, timeout: a template that never ends is stopped)",
}
_SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "__pycache__"}

# `parse error at (chart/templates/x.yaml:6): ...`, `execution error at (chart/templates/x.yaml:6:11): ...`
_LOCATION = re.compile(
    r"(?:^|[\s(])(?P<file>[\w.-]+(?:/[\w.-]+)+):(?P<line>\d+)(?::(?P<col>\d+))?(?=[)\s]|$)", re.M)
# `YAML parse error on chart/templates/x.yaml: error converting YAML to JSON: yaml: line 4: ...`
_YAML_ERROR = re.compile(r"(?:YAML parse error on (?P<file>\S+?)|unable to parse YAML): .*?\bline (?P<line>\d+)", re.S)
# One violation in Helm's values-schema report: `- at '/replicas': got string, want integer`
_SCHEMA_VIOLATION = re.compile(r"^- at '(?P<pointer>[^']*)': (?P<message>.+)$", re.M)
_LINT_LINE = re.compile(r"^\[(?P<severity>INFO|WARNING|ERROR)\] (?P<message>.*)$")
_SOURCE_HEADER = re.compile(r"^# Source: (.+)$\n?", re.M)
_LINT_END = re.compile(r"^(\d+ chart\(s\) linted|==> Linting|Error: )")
# Exit statuses of `env` (and the shell) when the helm binary is missing or not executable.
_CANNOT_EXECUTE = (126, 127)
# pyhelm3 logs every failing command at WARNING; a failing lint or template is a finding here, so
# those records must not reach stderr through logging's last-resort handler.
logging.getLogger("pyhelm3").addHandler(logging.NullHandler())


@dataclass
class RenderResult:
    """A successful rendering (template source -> manifest text) or the error Helm gave."""

    manifests: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass
class LintMessage:
    severity: str  # "INFO" | "WARNING" | "ERROR"
    path: str  # what helm reports it against: "Chart.yaml", "templates/", "values.yaml"
    message: str


class HelmEngine(Protocol):
    """What the validator needs from Helm; `HelmCli` and `HelmSdk` implement it."""

    tool: str

    def lint(self, chart: Path, strict: bool, kube_version: str) -> list[LintMessage]: ...

    def render(self, chart: Path, values_file: Path | None, kube_version: str) -> RenderResult: ...


class HelmToolError(Exception):
    """Helm could not run at all (timeout, crash): reported as a tool-error finding (or `rule`'s)."""

    def __init__(self, message: str, rule: str = "helm/tool-error"):
        super().__init__(message)
        self.rule = rule


@dataclass
class HelmOutput:
    """What one helm command printed, and its exit status."""

    returncode: int
    stdout: str
    stderr: str


class HelmCli:
    """The `helm` binary (v3 or v4) run through pyhelm3's command runner.

    Every call (`version`, `lint`, `template`) goes through `pyhelm3.command.Command.run`, with the
    settings' timeout; on timeout pyhelm3 terminates the helm process. pyhelm3's own `template`
    is not used: it has no `--kube-version`, passes values as JSON on stdin instead of letting
    Helm read the values file, and drops the `# Source:` headers that attribute each manifest
    to its template. Helm's cache, config and data directories are private to the run: pyhelm3
    executes through the shell with this process's environment, so the command is prefixed
    with `env HELM_...=...`.
    """

    def __init__(self, binary: str, timeout: float, workdir: Path, settings: Settings | None = None):
        from importlib.metadata import version

        import pyhelm3.command

        settings = settings if settings is not None else Settings(timeout=timeout)
        self.binary = binary
        self.timeout = timeout
        self.memory_mib = memory_ceiling_mib(settings)
        self.max_output = output_limit(settings)
        self.command = pyhelm3.command.Command(executable="env")
        home = workdir / "helm-home"
        self.prefix = [f"HELM_CACHE_HOME={home / 'cache'}", f"HELM_CONFIG_HOME={home / 'config'}",
                       f"HELM_DATA_HOME={home / 'data'}", binary]
        self.tool = f"helm {self._version()} (CLI, pyhelm3 {version('pyhelm3')})"

    def _run(self, args: list[str]) -> HelmOutput:
        """Run `helm ARGS` through pyhelm3; HelmToolError when helm cannot run, times out or prints too much.

        The event loop (`tools.ToolLoop`) runs helm in its own process group under the memory ceiling
        and kills the group (SIGTERM, then SIGKILL) at the timeout: pyhelm3's cancellation alone only
        sends SIGTERM to the shell and waits.
        """
        import pyhelm3.errors

        loop = ToolLoop(self.timeout, self.memory_mib, self.max_output)
        try:
            with asyncio.Runner(loop_factory=lambda: loop) as runner:
                stdout = runner.run(asyncio.wait_for(self.command.run([*self.prefix, *args]), self.timeout))
            output = HelmOutput(0, _decode(stdout), "")
        except pyhelm3.errors.Error as exc:
            output = HelmOutput(exc.returncode, _decode(exc.stdout), _decode(exc.stderr))
        except TimeoutError:
            raise HelmToolError(f"`helm {args[0]}` timed out after {self.timeout:g}s") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise HelmToolError(f"cannot run {self.binary}: {exc}") from None
        if loop.too_large:
            raise HelmToolError(f"`helm {args[0]}` printed more than {size_text(self.max_output)}: its output was "
                                "not read", TOO_LARGE)
        if loop.timed_out:
            raise HelmToolError(f"`helm {args[0]}` timed out after {self.timeout:g}s")
        if output.returncode in _CANNOT_EXECUTE:
            raise HelmToolError(f"cannot run {self.binary}: {output.stderr.strip()}")
        return output

    def _version(self) -> str:
        try:
            done = self._run(["version", "--template", "{{.Version}}"])
        except HelmToolError:
            return "(unknown version)"
        return done.stdout.strip() or "(unknown version)"

    def lint(self, chart: Path, strict: bool, kube_version: str) -> list[LintMessage]:
        args = ["lint", str(chart), "--kube-version", kube_version]
        if strict:
            args.append("--strict")
        done = self._run(args)
        messages = parse_lint_output(done.stdout)
        if done.returncode != 0 and not any(m.severity in ("ERROR", "WARNING") for m in messages):
            messages.append(LintMessage("ERROR", "", (done.stderr or done.stdout).strip()))
        return messages

    def render(self, chart: Path, values_file: Path | None, kube_version: str) -> RenderResult:
        args = ["template", RELEASE_NAME, str(chart), "--kube-version", kube_version]
        if values_file is not None:
            args += ["--values", str(values_file)]
        done = self._run(args)
        if done.returncode != 0:
            return RenderResult(error=_strip_error(done.stderr))
        return RenderResult(manifests=split_template_output(done.stdout))


def _decode(output: bytes) -> str:
    return output.decode("utf-8", errors="replace")


class HelmSdk:
    """The Helm Go SDK embedded in helm-python-sdk (no binary): lint and offline rendering.

    Each lint and render runs in a child process (`planforge.validate.helm_sdk`) under the tool
    bounds: the SDK cannot be interrupted, and a template may loop forever.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        from importlib.metadata import version

        settings = settings if settings is not None else Settings()
        self.timeout = settings.timeout
        self.memory_mib = memory_ceiling_mib(settings)
        self.max_output = output_limit(settings)
        self.tool = f"helm-python-sdk {version('helm-python-sdk')} (Helm SDK {self._sdk_version()})"

    @staticmethod
    def _sdk_version() -> str:
        """The Helm SDK version, from a child process (this one never loads the SDK)."""
        try:
            done = run_tool([sys.executable, "-c", "import helm_python; print(helm_python.helm_sdk_version())"],
                            timeout=60, max_output=1 << 16)
        except (ToolTimeout, ToolOutputTooLarge, OSError):
            return "unknown version"
        return done.stdout.strip() or "unknown version"

    def _call(self, what: str, request: dict[str, Any]) -> dict[str, Any]:
        try:
            done = run_tool([sys.executable, "-m", "planforge.validate.helm_sdk"], timeout=self.timeout,
                            input=json.dumps(request).encode(), memory_mib=self.memory_mib, max_output=self.max_output)
        except ToolTimeout:
            raise HelmToolError(f"`{what}` (Helm SDK) timed out after {self.timeout:g}s") from None
        except ToolOutputTooLarge:
            raise HelmToolError(f"`{what}` (Helm SDK) printed more than {size_text(self.max_output)}: its output "
                                "was not read", TOO_LARGE) from None
        except OSError as exc:
            raise HelmToolError(f"cannot run the Helm SDK: {exc}") from None
        try:
            answer = json.loads(done.stdout)
        except ValueError:
            raise HelmToolError(f"the Helm SDK failed in `{what}` (exit {done.returncode}): "
                                f"{done.stderr.strip()[-2000:]}") from None
        return answer if isinstance(answer, dict) else {"error": "the Helm SDK gave no answer"}

    def lint(self, chart: Path, strict: bool, kube_version: str) -> list[LintMessage]:
        answer = self._call("helm lint", {"op": "lint", "chart": str(chart), "strict": strict,
                                          "kube_version": f"v{kube_version.lstrip('v')}"})
        if "error" in answer:
            return [LintMessage("ERROR", "", str(answer["error"]))]
        names = {1: "INFO", 2: "WARNING", 3: "ERROR"}
        return [
            LintMessage(names.get(m.get("severity"), "ERROR"), m.get("path", ""), str(m.get("error", "")).strip())
            for m in answer.get("messages", []) if isinstance(m, dict)
        ]

    def render(self, chart: Path, values_file: Path | None, kube_version: str) -> RenderResult:
        # helm-python-sdk 0.2.2 takes no Kubernetes version for rendering: `.Capabilities.KubeVersion`
        # is the one compiled into the SDK (v1.36.0), not `--kube-version` (which its lint does honour).
        try:
            values = values_file.read_text(encoding="utf-8") if values_file is not None else None
        except UnicodeDecodeError as exc:
            return RenderResult(error=f"cannot load {values_file.name}: not UTF-8 text ({exc.reason} at byte {exc.start})")
        answer = self._call("helm template", {"op": "render", "chart": str(chart), "values": values,
                                              "name": RELEASE_NAME, "namespace": "default"})
        if "error" in answer:
            return RenderResult(error=str(answer["error"]))
        return RenderResult(manifests={str(k): str(v) for k, v in (answer.get("manifests") or {}).items()})


def parse_lint_output(stdout: str) -> list[LintMessage]:
    """`[ERROR] templates/: parse error at (...)` lines (messages may continue on later lines)."""
    messages: list[LintMessage] = []
    for line in stdout.splitlines():
        match = _LINT_LINE.match(line)
        if match:
            path, _, text = match["message"].partition(": ")
            messages.append(LintMessage(match["severity"], path if text else "", text or path))
        elif _LINT_END.match(line):
            continue
        elif messages and line.strip():
            messages[-1].message += "\n" + line
    for message in messages:
        message.message = message.message.strip()
    return messages


def split_template_output(stdout: str) -> dict[str, str]:
    """Split `helm template` output into {template source: its rendered text} by the `# Source:` headers.

    The headers are dropped and a template's documents joined with `---`, so document lines count
    from the template's first rendered line, as in the SDK's rendering.
    """
    documents: dict[str, list[str]] = {}
    source = None
    for chunk in re.split(r"^---\s*$\n?", stdout, flags=re.M):
        header = _SOURCE_HEADER.search(chunk)
        if header:
            source = header[1].strip()
            chunk = chunk[header.end():]
        if chunk.strip() and source is not None:
            documents.setdefault(source, []).append(chunk)
    return {source: "---\n".join(chunks) for source, chunks in documents.items()}


def _strip_error(stderr: str) -> str:
    """Helm's stderr minus log lines and its `Use --debug` advice: the error itself."""
    lines = [
        ln for ln in stderr.splitlines()
        if ln.strip() and not ln.startswith(("level=", "Use --debug", "walk.go")) and " WARN " not in ln
    ]
    text = "\n".join(lines)
    return re.sub(r"^Error: ", "", text).strip()


def select_engine(settings_timeout: float, workdir: Path, prefer: str = "auto",
                  settings: Settings | None = None) -> HelmEngine:
    """`cli` when a `helm` binary is on PATH (or forced), else the embedded SDK."""
    settings = settings if settings is not None else Settings(timeout=settings_timeout)
    binary = shutil.which("helm")
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
        charts: list[Target] = []
        ignore = [re.compile(p) for p in ctx.settings.ignore_filename_patterns]
        for chart_yaml in sorted(_walk(ctx.root, "Chart.yaml")):
            chart = chart_yaml.parent
            if _inside_chart(chart, ctx.root):
                continue  # a vendored subchart: linted and rendered through its parent
            if any(p.search(str(chart_yaml)) or p.search(ctx.display(chart_yaml)) for p in ignore):
                continue
            charts.append(Target(NAME, "chart", chart, ctx.display(chart)))
        return charts

    def engine(self, ctx: Context) -> HelmEngine:
        """The engine, chosen once per validator (targets may run in several threads)."""
        with self._lock:
            if self._engine is None:
                self._engine = select_engine(ctx.settings.timeout, ctx.workdir, self.engine_choice, ctx.settings)
            return self._engine

    def run(self, target: Target, ctx: Context) -> list[Check]:
        chart = target.path
        refused = chart_input_findings(target, ctx)
        if refused:  # Helm reads every file of the chart: none may lead outside the validated paths
            return [Check(NAME, "lint", target.display, Status.FAILED, refused)]
        try:
            engine = self.engine(ctx)
        except HelmToolError as exc:
            return [Check(NAME, "lint", target.display, Status.FAILED, [_tool_error(exc, target)])]
        missing = missing_dependencies(chart)
        remote = sorted(name for name, repository in missing.items() if not repository.startswith("file://"))
        if remote:
            reason = (f"dependencies not vendored in charts/: {', '.join(remote)} "
                      "(`helm dependency build` needs network access)")
            return [Check(NAME, "lint", target.display, Status.SKIPPED, tool=engine.tool, reason=reason)]
        try:
            source = vendor_local_dependencies(chart, missing, ctx.workdir) if missing else chart
        except OSError as exc:
            return [Check(NAME, "lint", target.display, Status.FAILED, [Finding(
                NAME, "helm/lint", Severity.ERROR, f"a file:// dependency cannot be read: {exc}",
                in_chart(target, "Chart.yaml"), hint="fix the dependency's repository path in Chart.yaml")])]

        checks = [self._lint(engine, target, source, ctx)]
        if chart_type(chart) == "library":
            checks.append(Check(NAME, "render[default]", target.display, Status.SKIPPED, tool=engine.tool,
                                reason="a library chart renders nothing on its own (its templates are rendered "
                                       "by the charts that depend on it)"))
            return checks
        seen = {_key(f) for f in checks[0].findings}
        values_sets = [None, *values_files(chart)]
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
            fresh = [f for f in check.findings if _key(f) not in seen]
            if check.findings and not fresh:
                check.status, check.reason = Status.SKIPPED, "not rendered: same error as an earlier check of this chart"
            check.findings = fresh
            seen.update(_key(f) for f in fresh)
            checks.append(check)
            if docs:
                origin = f"helm template {target.display}"
                if vf is not None:
                    origin += f" -f {vf.relative_to(chart).as_posix()}"
                checks.extend(ctx.validate_documents(docs, origin))
        return checks

    def _lint(self, engine: HelmEngine, target: Target, source: Path, ctx: Context) -> Check:
        start = time.monotonic()
        strict = ctx.settings.strict
        try:
            messages = engine.lint(source, strict, ctx.settings.kube_version)
        except HelmToolError as exc:
            return Check(NAME, "lint", target.display, Status.FAILED, [_tool_error(exc, target)],
                         time.monotonic() - start, engine.tool)
        findings: list[Finding] = []
        for msg in messages:
            if msg.severity == "INFO" and not ctx.settings.verbose:
                continue
            for finding in _lint_findings(msg, target, strict):
                if _key(finding) not in {_key(f) for f in findings}:
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
            result = engine.render(source, values_file, ctx.settings.kube_version)
        except HelmToolError as exc:
            return Check(NAME, name, target.display, Status.FAILED, [_tool_error(exc, target, label)],
                         time.monotonic() - start, engine.tool), []
        if result.error is not None:
            findings = render_error_findings(result.error, target, values_file)
            return Check(NAME, name, target.display, Status.FAILED, findings, time.monotonic() - start,
                         engine.tool), []
        docs, findings = manifests_to_documents(result.manifests, target)
        status = Status.FAILED if findings else Status.PASSED
        return Check(NAME, name, target.display, status, findings, time.monotonic() - start, engine.tool), docs


def _tool_error(exc: HelmToolError, target: Target, values: str | None = None) -> Finding:
    message = f"{exc} (values: {values})" if values else str(exc)
    if exc.rule != "helm/tool-error":
        return Finding(exc.rule.split("/")[0], exc.rule, Severity.ERROR, message, target.display,
                       hint=default_hint(exc.rule))
    return Finding(NAME, "helm/tool-error", Severity.ERROR, message, target.display,
                   hint="raise the timeout (PLANFORGE_TIMEOUT / .planforge.yaml) or check the helm installation")


def values_files(chart: Path) -> list[Path]:
    """The values sets a chart is rendered with besides its defaults."""
    return sorted(chart.glob("platforms/*.yaml")) + sorted(chart.glob("ci/*-values.yaml"))


def chart_metadata(chart: Path) -> dict[str, Any]:
    """Chart.yaml as a dict ({} when unreadable, refused or unparsable: lint or the input checks report that)."""
    try:
        meta = safe_load(Bounds.of([chart]).read_text(chart / "Chart.yaml"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, InputError):
        return {}
    return meta if isinstance(meta, dict) else {}


def chart_input_findings(target: Target, ctx: Context) -> list[Finding]:
    """What Helm must not read: entries of the chart (and of its `file://` dependencies) that resolve
    outside the validated paths, are no regular files or are too large; `file://` dependencies outside."""
    findings = [exc.finding(_lexical(target, path)) for path, exc in ctx.bounds.scan(target.path, skip=(".git",))]
    try:
        chart_text = ctx.bounds.read_text(target.path / "Chart.yaml", errors="replace")
    except (OSError, InputError):
        return findings  # the scan reported a refused Chart.yaml; lint reports a missing one
    for name, repository in missing_dependencies(target.path).items():
        if not repository.startswith("file://"):
            continue
        dependency = target.path / repository.removeprefix("file://")
        if not ctx.bounds.inside(dependency):
            line = next((n for n, text in enumerate(chart_text.splitlines(), 1) if repository in text), None)
            findings.append(outside_finding(in_chart(target, "Chart.yaml"), line,
                                            f"dependency {name!r} (repository {repository!r})"))
        elif dependency.is_dir():
            findings += [exc.finding(_lexical(target, path)) for path, exc in ctx.bounds.scan(dependency, skip=(".git",))]
    return findings


def _lexical(target: Target, path: Path) -> str:
    """Display path of an entry below the chart, as it is written (symlinks not followed)."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(target.path))
    return in_chart(target, relative) if not relative.startswith("..") else posixpath.normpath(
        f"{target.display or '.'}/{relative}")


def chart_type(chart: Path) -> str:
    return str(chart_metadata(chart).get("type") or "application")


def missing_dependencies(chart: Path) -> dict[str, str]:
    """Dependencies declared in Chart.yaml that are neither unpacked nor archived under charts/: name -> repository."""
    missing = {}
    for dep in chart_metadata(chart).get("dependencies") or []:
        if not isinstance(dep, dict) or not dep.get("name"):
            continue
        name = str(dep["name"])
        if not (chart / "charts" / name).is_dir() and not list((chart / "charts").glob(f"{name}-*.tgz")):
            missing[name] = str(dep.get("repository") or "")
    return missing


def vendor_local_dependencies(chart: Path, missing: dict[str, str], workdir: Path) -> Path:
    """A copy of the chart in `workdir` with its `file://` dependencies unpacked under charts/.

    This is what `helm dependency build` would do for them, without touching the repository.
    """
    copy = Path(tempfile.mkdtemp(prefix="chart-", dir=workdir)) / chart.name
    shutil.copytree(chart, copy, symlinks=False)
    for name, repository in missing.items():
        shutil.copytree((chart / repository.removeprefix("file://")).resolve(), copy / "charts" / name)
    return copy


def render_error_findings(error: str, target: Target, values_file: Path | None,
                          template: str | None = None) -> list[Finding]:
    """Classify a failed rendering: values-schema violation, missing `required` value, or template error.

    `template` is the chart-relative template lint named, for errors that carry no file themselves.
    """
    if "values don't meet the specifications of the schema" in error or _SCHEMA_VIOLATION.search(error):
        return _schema_findings(error, target, values_file)
    message = " ".join(error.split())
    values = values_file.relative_to(target.path).as_posix() if values_file else "default values"
    yaml_error = _YAML_ERROR.search(error)
    if yaml_error:
        source = yaml_error["file"].split("/", 1)[-1] if yaml_error["file"] else template
        return [Finding(NAME, "helm/template", Severity.ERROR,
                        f"template renders invalid YAML (line {yaml_error['line']} of its output, "
                        f"with {values}): {message}",
                        in_chart(target, source) if source else target.display, int(yaml_error["line"]),
                        hint="fix indentation/quoting in the template (`helm template --debug` shows the output)",
                        detail=error)]
    where = _template_location(error, target)
    file, line, column = where if where else (in_chart(target, template or "Chart.yaml"), None, None)
    if where and error.startswith("execution error") and _is_required_call(target, file, line):
        return [Finding(NAME, "helm/missing-required", Severity.ERROR,
                        f"required value missing with {values}: {error.split('): ', 1)[-1].strip()}",
                        file, line, column, hint="set the value in values.yaml or in this values file",
                        detail=error)]
    return [Finding(NAME, "helm/template", Severity.ERROR, message, file, line, column,
                    hint="fix the template so `helm template` renders it", detail=error)]


def _lint_findings(msg: LintMessage, target: Target, strict: bool) -> list[Finding]:
    """Template and values-schema errors are classified like rendering errors; the rest is `helm/lint`."""
    if msg.severity == "ERROR" and msg.path.startswith("templates/") or (
            msg.path == "values.yaml" and _SCHEMA_VIOLATION.search(msg.message)):
        template = msg.path if msg.path.rstrip("/") != "templates" else None
        return render_error_findings(msg.message, target, None, template)
    severity = {"ERROR": Severity.ERROR, "WARNING": Severity.ERROR if strict else Severity.WARNING}.get(
        msg.severity, Severity.INFO)
    file = in_chart(target, msg.path) if msg.path and (target.path / msg.path).is_file() else target.display
    return [Finding(NAME, "helm/lint", severity, msg.message, file, hint="see `helm lint --strict` on this chart")]


def _schema_findings(error: str, target: Target, values_file: Path | None) -> list[Finding]:
    """One finding per `- at '/pointer': message` line, located in the values file that sets it."""
    findings = []
    violations = list(_SCHEMA_VIOLATION.finditer(error)) or [None]
    for match in violations:
        pointer = match["pointer"] if match else ""
        message = match["message"] if match else error.splitlines()[0]
        keys = [_unescape(k) for k in pointer.strip("/").split("/")] if pointer.strip("/") else []
        file, line = _locate_value(target.path, values_file, keys)
        where = f" at {pointer}" if pointer else ""
        findings.append(Finding(NAME, "helm/values-schema", Severity.ERROR,
                                f"values do not match values.schema.json{where}: {message}",
                                _display(target, file), line,
                                hint="change the value (or the schema) so they agree",
                                json_path=".".join(keys) or None, detail=error))
    return findings


def _locate_value(chart: Path, values_file: Path | None, keys: list[str]) -> tuple[Path, int | None]:
    """The file and line that set a value: the extra values file when it sets it, else values.yaml."""
    candidates = ([values_file] if values_file else []) + [chart / "values.yaml"]
    for candidate in candidates:
        if candidate.is_file():
            line = yaml_field_line(candidate.read_text(errors="replace"), 0, _as_path(keys)) if keys else None
            if line is not None:
                return candidate, line
    return candidates[0], None


def yaml_field_line(text: str, doc_index: int, path: list[str | int]) -> int | None:
    """1-based line of `path` (keys / list indices) in the `doc_index`-th YAML document of `text`.

    Returns the line of the deepest node found when the path is only partly there, None when
    the text does not parse or has no such document.
    """
    try:
        docs = compose_all(text)
    except yaml.YAMLError:
        return None
    if not 0 <= doc_index < len(docs) or docs[doc_index] is None:
        return None
    return node_line(docs[doc_index], path)


def node_line(node: yaml.Node, path: list[str | int]) -> int:
    """Line of the key (or list item) at `path` below `node`, or of the deepest part that exists."""
    line = node.start_mark.line + 1
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == step), None)
            if pair is None:
                return line
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _as_path(keys: list[str]) -> list[str | int]:
    return [int(k) if k.isdigit() else k for k in keys]


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _display(target: Target, path: Path) -> str:
    try:
        return in_chart(target, path.relative_to(target.path).as_posix())
    except ValueError:
        return str(path)


def in_chart(target: Target, relative: str) -> str:
    """Display path of a file inside the chart (`web/templates/x.yaml`, or `templates/x.yaml` at the root)."""
    return posixpath.normpath(f"{target.display or '.'}/{relative}")


def _template_location(error: str, target: Target) -> tuple[str, int, int | None] | None:
    """`(chartname/templates/x.yaml:6:11)` -> (display path of that template, 6, 11)."""
    match = _LOCATION.search(error)
    if not match:
        return None
    inner = match["file"].split("/", 1)[-1]  # drop the chart name helm prefixes
    return in_chart(target, inner), int(match["line"]), int(match["col"]) if match["col"] else None


def _is_required_call(target: Target, file: str, line: int | None) -> bool:
    """Whether the failing template line calls `required` (as opposed to `fail` or a bad pipeline)."""
    relative = posixpath.relpath(file, posixpath.normpath(target.display or "."))
    try:
        lines = (target.path / relative).read_text(errors="replace").splitlines()
    except OSError:
        return False
    return line is not None and 0 < line <= len(lines) and re.search(r"\brequired\b", lines[line - 1]) is not None


def manifests_to_documents(manifests: dict[str, str], target: Target) -> tuple[list[Document], list[Finding]]:
    """Parse each template's rendered YAML into Documents (NOTES.txt, partials and empty documents skipped).

    The manifest loader reads them like plain manifest files: JSON-compatible values, duplicate
    keys noted, each document's line in the template's rendered output.
    """
    docs: list[Document] = []
    findings: list[Finding] = []
    for source, text in sorted(manifests.items()):
        if not source.endswith((".yaml", ".yml", ".json", ".tpl")) or source.rsplit("/", 1)[-1].startswith("_"):
            continue
        file = in_chart(target, source.split("/", 1)[-1])
        try:
            loaded = load_documents(file, text=text)
        except ManifestError as exc:
            findings.append(Finding(NAME, "helm/template", Severity.ERROR, f"template renders {exc}", file, exc.line,
                                    hint="fix indentation/quoting in the template (`helm template --debug` shows "
                                         "the output)", detail=text))
            continue
        docs.extend(doc for doc in loaded if doc.obj is not None)
    return docs, findings


def _key(finding: Finding) -> tuple[str, str | None, int | None, str]:
    """Identity of a finding across a chart's checks: a broken template is one defect per template file,
    whatever values it was rendered with; other findings are distinct per message."""
    if finding.rule == "helm/template":
        return finding.rule, finding.file, None, ""
    return finding.rule, finding.file, finding.line, finding.message


def _walk(root: Path, filename: str):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        if filename in filenames:
            yield Path(dirpath) / filename


def _inside_chart(path: Path, root: Path) -> bool:
    """Whether `path` sits in some ancestor chart's charts/ directory."""
    for parent in path.parents:
        if parent == root:
            return False
        if parent.name == "charts" and (parent.parent / "Chart.yaml").is_file():
            return True
    return False
