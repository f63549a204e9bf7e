"""Helm's errors as findings: lint messages, rendering errors (template, values schema, missing `required`
value, invalid YAML) located in the chart's files, and rendered manifests read as documents."""
from __future__ import annotations

import posixpath
import re
from pathlib import Path

import yaml

from planforge.validate.base import Document, Finding, Severity, Target
from planforge.validate.helm.charts import in_chart
from planforge.validate.helm.engine import HelmToolError, LintMessage
from planforge.validate.helm.rules import NAME
from planforge.validate.inputs import default_hint
from planforge.validate.manifests import ManifestError, compose_all, load_documents

# `parse error at (chart/templates/x.yaml:6): ...`, `execution error at (chart/templates/x.yaml:6:11): ...`
_LOCATION = re.compile(
    r"(?:^|[\s(])(?P<file>[\w.-]+(?:/[\w.-]+)+):(?P<line>\d+)(?::(?P<col>\d+))?(?=[)\s]|$)", re.M)
# `YAML parse error on chart/templates/x.yaml: error converting YAML to JSON: yaml: line 4: ...`
_YAML_ERROR = re.compile(r"(?:YAML parse error on (?P<file>\S+?)|unable to parse YAML): .*?\bline (?P<line>\d+)", re.S)
# One violation in Helm's values-schema report: `- at '/replicas': got string, want integer`
_SCHEMA_VIOLATION = re.compile(r"^- at '(?P<pointer>[^']*)': (?P<message>.+)$", re.M)


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


def lint_findings(msg: LintMessage, target: Target, strict: bool) -> list[Finding]:
    """Template and values-schema errors are classified like rendering errors; the rest is `helm/lint`."""
    if msg.severity == "ERROR" and msg.path.startswith("templates/") or (
            msg.path == "values.yaml" and _SCHEMA_VIOLATION.search(msg.message)):
        template = msg.path if msg.path.rstrip("/") != "templates" else None
        return render_error_findings(msg.message, target, None, template)
    severity = {"ERROR": Severity.ERROR, "WARNING": Severity.ERROR if strict else Severity.WARNING}.get(
        msg.severity, Severity.INFO)
    file = in_chart(target, msg.path) if msg.path and (target.path / msg.path).is_file() else target.display
    return [Finding(NAME, "helm/lint", severity, msg.message, file, hint="see `helm lint --strict` on this chart")]


def missing_dependency_findings(target: Target, names: list[str], strict: bool) -> list[Finding]:
    """`helm/dependency-missing`: each dependency Chart.yaml declares from a chart repository that charts/ does
    not hold, at its line (a warning: the chart may be fine; an error with --strict, like lint's warnings)."""
    try:
        lines = (target.path / "Chart.yaml").read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    findings = []
    for name in names:
        declared = re.compile(rf"^\s*(- )?\s*name:\s*[\"']?{re.escape(name)}[\"']?\s*(#.*)?$")
        line = next((n for n, text in enumerate(lines, 1) if declared.match(text)), None)
        findings.append(Finding(
            NAME, "helm/dependency-missing", Severity.ERROR if strict else Severity.WARNING,
            f"dependency {name!r} is not vendored in charts/: its templates are not rendered nor validated",
            in_chart(target, "Chart.yaml"), line,
            hint="run `helm dependency build` and commit charts/ (or the Chart.lock archives) to validate it offline"))
    return findings


def is_missing_dependencies(msg: LintMessage) -> bool:
    """Lint's own message about dependencies missing from charts/ (`missing_dependency_findings` says it per
    dependency, at its line)."""
    return "chart directory is missing these dependencies" in msg.message


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


def tool_error_finding(exc: HelmToolError, target: Target, values: str | None = None) -> Finding:
    """The finding of a Helm that could not run (`values`: the values set it was rendering)."""
    message = f"{exc} (values: {values})" if values else str(exc)
    if exc.rule != "helm/tool-error":
        return Finding(exc.rule.split("/")[0], exc.rule, Severity.ERROR, message, target.display,
                       hint=default_hint(exc.rule))
    return Finding(NAME, "helm/tool-error", Severity.ERROR, message, target.display,
                   hint="raise the timeout (PLANFORGE_TIMEOUT / .planforge.yaml) or check the helm installation")


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


def finding_key(finding: Finding) -> tuple[str, str | None, int | None, str]:
    """Identity of a finding across a chart's checks: a broken template is one defect per template file,
    whatever values it was rendered with; other findings are distinct per message."""
    if finding.rule == "helm/template":
        return finding.rule, finding.file, None, ""
    return finding.rule, finding.file, finding.line, finding.message
