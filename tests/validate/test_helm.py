"""Helm validator: lint + offline rendering with the helm CLI and with the embedded Helm SDK.

Each fixture under tests/fixtures/helm has exactly one defect (or none: `clean`).
Both engines lint and render, so every case runs with both.
"""
from __future__ import annotations

import re
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest

from planforge.validate.base import Check, Context, Settings, Severity, Status
from planforge.validate.helm import HelmCli, HelmSdk, HelmValidator

from testlib import Recorder, generate_repo, put_hanging_tool, require_tool

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "helm"



@pytest.fixture(params=["cli", "sdk"])
def engine(request) -> str:
    if request.param == "cli":
        require_tool("helm")
    return request.param


def run(case: str, engine: str, tmp_path: Path, strict: bool = True) -> tuple[list[Check], Recorder]:
    recorder = Recorder()
    ctx = Context(FIXTURES / case, Settings(strict=strict, timeout=120), recorder, tmp_path)
    validator = HelmValidator(engine=engine)
    targets = validator.discover(ctx)
    assert [t.display for t in targets] == ["web"]
    checks = validator.run(targets[0], ctx)
    return checks, recorder


def helm_checks(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks if c.validator == "helm"}


def errors(checks: list[Check]) -> list[tuple[str, str | None, int | None]]:
    return [(f.rule, f.file, f.line) for c in checks for f in c.findings if f.severity is Severity.ERROR]


def test_engine_tool_names(engine: str, tmp_path: Path) -> None:
    checks, _ = run("clean", engine, tmp_path)
    tool = helm_checks(checks)["lint"].tool
    if engine == "cli":
        assert re.fullmatch(r"helm v\d+\.\d+\.\d+ \(CLI, pyhelm3 \d+\.\d+\.\d+\)", tool), tool
    else:
        assert tool.startswith("helm-python-sdk ")


def test_clean_chart_lints_and_renders_every_values_set(engine: str, tmp_path: Path) -> None:
    checks, recorder = run("clean", engine, tmp_path)
    by_name = helm_checks(checks)
    assert set(by_name) == {"lint", "render[default]", "render[ci/default-values.yaml]", "render[platforms/eks.yaml]"}
    assert all(c.status is Status.PASSED for c in by_name.values()), [c.findings for c in by_name.values()]
    assert errors(checks) == []
    # Every rendering went on to schema/policy validation, with the chart's objects.
    assert [origin for origin, _ in recorder.calls] == [
        "helm template web",
        "helm template web -f platforms/eks.yaml",
        "helm template web -f ci/default-values.yaml",
    ]
    for _, docs in recorder.calls:
        assert sorted(d.obj["kind"] for d in docs) == ["Deployment", "Service"]
        assert {d.file for d in docs} == {"web/templates/deployment.yaml", "web/templates/service.yaml"}
    replicas = [next(d.obj for d in docs if d.obj["kind"] == "Deployment")["spec"]["replicas"]
                for _, docs in recorder.calls]
    assert replicas == [1, 3, 2]
    # The schema/policy checks of each rendering are part of the result.
    assert sum(c.validator == "schemas" for c in checks) == 3


def test_broken_template(engine: str, tmp_path: Path) -> None:
    checks, recorder = run("broken-template", engine, tmp_path)
    assert errors(checks) == [("helm/template", "web/templates/configmap.yaml", 6)]
    by_name = helm_checks(checks)
    assert by_name["lint"].status is Status.FAILED
    assert "parse error" in by_name["lint"].findings[0].message
    # The same parse error is not repeated per rendering; nothing rendered is passed on.
    assert all(c.status is Status.SKIPPED for n, c in by_name.items() if n.startswith("render"))
    assert recorder.calls == []


def test_values_schema_violation(engine: str, tmp_path: Path) -> None:
    checks, _ = run("schema-violation", engine, tmp_path)
    assert errors(checks) == [("helm/values-schema", "web/ci/default-values.yaml", 2)]
    by_name = helm_checks(checks)
    finding = by_name["render[ci/default-values.yaml]"].findings[0]
    assert "/replicaCount" in finding.message and finding.json_path == "replicaCount"
    assert by_name["render[default]"].status is Status.PASSED
    assert by_name["render[platforms/eks.yaml]"].status is Status.PASSED


def test_missing_required_value(engine: str, tmp_path: Path) -> None:
    checks, _ = run("missing-required", engine, tmp_path)
    by_name = helm_checks(checks)
    # An error in the platforms/ rendering ...
    assert errors(checks) == [("helm/missing-required", "web/templates/deployment.yaml", 28)]
    assert by_name["render[platforms/eks.yaml]"].status is Status.FAILED
    assert "platforms/eks.yaml" in by_name["render[platforms/eks.yaml]"].findings[0].message
    # ... information only in the default rendering, because a ci/ values file renders the chart.
    default = by_name["render[default]"]
    assert default.status is Status.PASSED
    assert [(f.rule, f.severity) for f in default.findings] == [("helm/missing-required", Severity.INFO)]
    assert by_name["render[ci/default-values.yaml]"].status is Status.PASSED


def test_missing_required_without_ci_values_is_an_error(engine: str, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "missing-required", root)
    shutil.rmtree(root / "web" / "ci")
    shutil.rmtree(root / "web" / "platforms")
    recorder = Recorder()
    ctx = Context(root, Settings(strict=True, timeout=120), recorder, tmp_path)
    validator = HelmValidator(engine=engine)
    checks = validator.run(validator.discover(ctx)[0], ctx)
    assert errors(checks) == [("helm/missing-required", "web/templates/deployment.yaml", 28)]


def test_auto_engine_prefers_cli_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("helm")
    ctx = Context(FIXTURES / "clean", Settings(), Recorder(), tmp_path)
    assert isinstance(HelmValidator().engine(ctx), HelmCli)
    monkeypatch.setenv("PATH", str(tmp_path))  # no helm binary anywhere
    assert isinstance(HelmValidator().engine(ctx), HelmSdk)


def test_cli_runs_every_helm_command_through_pyhelm3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real helm binary, each command executed by pyhelm3's `Command.run` (recorded, not replaced)."""
    require_tool("helm")
    import pyhelm3.command

    executed: list[list[str]] = []
    real_run = pyhelm3.command.Command.run

    async def recording_run(self, command, input=None):  # type: ignore[no-untyped-def]
        assert self._executable == shutil.which("helm")
        executed.append(list(command))
        return await real_run(self, command, input)

    monkeypatch.setattr(pyhelm3.command.Command, "run", recording_run)
    checks, recorder = run("clean", "auto", tmp_path)
    assert [args[0] for args in executed] == ["version", "lint", "template", "template", "template"]
    assert all(["--kube-version", "1.29.0"] == args[args.index("--kube-version"):][:2] for args in executed[1:])
    assert "--strict" in executed[1] and "platforms/eks.yaml" in executed[3][-1]
    assert all(c.tool.endswith(f"(CLI, pyhelm3 {version('pyhelm3')})") for c in helm_checks(checks).values())
    assert len(recorder.calls) == 3


def test_sdk_when_helm_is_not_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no helm binary anywhere
    checks, recorder = run("missing-required", "auto", tmp_path)
    assert all(c.tool.startswith("helm-python-sdk ") for c in helm_checks(checks).values())
    assert errors(checks) == [("helm/missing-required", "web/templates/deployment.yaml", 28)]
    assert [origin for origin, _ in recorder.calls] == ["helm template web -f ci/default-values.yaml"]


def test_renderings_are_loaded_like_manifest_files(engine: str, tmp_path: Path) -> None:
    """Both engines hand on documents from the manifest loader: YAML->JSON values, duplicate keys
    noted, lines counted in the template's rendered output."""
    from planforge.validate.manifests import duplicate_key_locations

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    (root / "web/templates/extra.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-a\ndata:\n"
        "  key: one\n  key: two\n  since: 2024-01-01\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n")
    recorder = Recorder()
    ctx = Context(root, Settings(strict=True, timeout=120), recorder, tmp_path)
    validator = HelmValidator(engine=engine)
    validator.run(validator.discover(ctx)[0], ctx)
    first, second = [d for d in recorder.calls[0][1] if d.file == "web/templates/extra.yaml"]
    assert first.obj["data"] == {"key": "two", "since": "2024-01-01"}
    assert (first.line, second.line, second.doc_index) == (1, 10, 1)
    assert duplicate_key_locations(first) == [("data.key", 7)]


def test_subcharts_are_not_separate_targets(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    shutil.copytree(root / "web", root / "web" / "charts" / "sub")
    ctx = Context(root, Settings(), Recorder(), tmp_path)
    assert [t.display for t in HelmValidator().discover(ctx)] == ["web"]


def test_library_chart_is_linted_not_rendered(engine: str, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    chart_yaml = root / "web" / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace("type: application", "type: library"))
    for name in ("deployment.yaml", "service.yaml", "NOTES.txt"):
        (root / "web" / "templates" / name).unlink()
    recorder = Recorder()
    ctx = Context(root, Settings(strict=True, timeout=120), recorder, tmp_path)
    validator = HelmValidator(engine=engine)
    checks = validator.run(validator.discover(ctx)[0], ctx)
    assert [(c.name, c.status) for c in checks] == [("lint", Status.PASSED), ("render[default]", Status.SKIPPED)]
    assert "library chart" in checks[1].reason and recorder.calls == []


def test_unvendored_dependency_is_a_finding_and_lint_still_runs(engine: str, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    chart_yaml = root / "web" / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace("version: 0.1.0", "version: one")
                          + "dependencies:\n  - name: redis\n    version: 19.6.4\n"
                          "    repository: https://charts.bitnami.com/bitnami\n")
    for strict, severity in ((False, Severity.WARNING), (True, Severity.ERROR)):
        ctx = Context(root, Settings(strict=strict, timeout=120), Recorder(), tmp_path)
        validator = HelmValidator(engine=engine)
        lint, render = validator.run(validator.discover(ctx)[0], ctx)
        found = [(f.rule, f.file, f.line, f.severity) for f in lint.findings]
        assert ("helm/dependency-missing", "web/Chart.yaml", 9, severity) in found
        assert [f.message for f in lint.findings if f.rule == "helm/lint" and f.severity is Severity.ERROR and
                "version" in f.message.lower()], found  # lint's own Chart.yaml error, reported beside it
        assert not any("missing these dependencies" in f.message for f in lint.findings)
        assert lint.status is Status.FAILED
        assert render.name == "render[default]" and render.status is Status.SKIPPED
        assert "redis" in render.reason and "network" in render.reason


def test_vendored_dependencies_are_matched_by_chart_name(engine: str, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    sub = root / "web" / "charts" / "subchartA"
    (sub / "templates").mkdir(parents=True)
    (sub / "Chart.yaml").write_text("apiVersion: v2\nname: subcharta\nversion: 0.1.0\n")
    (sub / "templates" / "configmap.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: subcharta\ndata:\n  from: subchart\n")
    chart_yaml = root / "web" / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text() + "dependencies:\n  - name: subcharta\n    version: 0.1.0\n"
                          "    repository: https://charts.example.com/stable\n")
    recorder = Recorder()
    ctx = Context(root, Settings(strict=True, timeout=120), recorder, tmp_path)
    validator = HelmValidator(engine=engine)
    checks = validator.run(validator.discover(ctx)[0], ctx)
    assert errors(checks) == [] and all(c.status is Status.PASSED for c in helm_checks(checks).values())
    rendered = [d.obj["metadata"]["name"] for _, docs in recorder.calls for d in docs if d.obj["kind"] == "ConfigMap"]
    assert "subcharta" in rendered


def test_cli_timeout_is_a_tool_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    put_hanging_tool(tmp_path, monkeypatch, "helm", before='[ "$1" = version ] && { echo v9.9.9; exit 0; }\n')
    ctx = Context(FIXTURES / "clean", Settings(timeout=0.5), Recorder(), tmp_path)
    validator = HelmValidator(engine="cli")
    checks = validator.run(validator.discover(ctx)[0], ctx)
    assert checks[0].tool == f"helm v9.9.9 (CLI, pyhelm3 {version('pyhelm3')})"
    assert {(c.name, c.status) for c in checks} == {
        ("lint", Status.FAILED), ("render[default]", Status.FAILED),
        ("render[platforms/eks.yaml]", Status.FAILED), ("render[ci/default-values.yaml]", Status.FAILED)}
    assert all(f.rule == "helm/tool-error" and "timed out after 0.5s" in f.message
               for c in checks for f in c.findings)


@pytest.mark.parametrize(
    ("template", "line", "words"),
    [
        # nil pointer: helm reports `web/templates/extra.yaml:6:15 executing ...` (no parentheses)
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Values.nothere.deeper }}\n",
         6, "nil pointer"),
        # YAML the template renders does not parse: helm names the line of the rendered output
        ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n data:\n  a: b\n", 4, "invalid YAML"),
    ],
    ids=["nil-pointer", "invalid-yaml"],
)
def test_other_template_errors_are_located(engine: str, tmp_path: Path, template: str, line: int,
                                           words: str) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    (root / "web/templates/extra.yaml").write_text(template)
    ctx = Context(root, Settings(strict=True, timeout=120), Recorder(), tmp_path)
    validator = HelmValidator(engine=engine)
    checks = validator.run(validator.discover(ctx)[0], ctx)
    assert errors(checks) == [("helm/template", "web/templates/extra.yaml", line)]
    (finding,) = [f for c in checks for f in c.findings]
    assert words in finding.message




ENVIRONMENT = "dev"  # helm-chart-payments' one environment


@pytest.mark.slow
def test_generated_chart_repository(engine: str, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    root = generate_repo("helm-chart-payments", tmp_path_factory)
    charts = sorted(p.parent for p in root.rglob("Chart.yaml")  # not subcharts vendored in a chart's charts/
                    if not (p.parent.parent.name == "charts" and (p.parent.parent.parent / "Chart.yaml").exists()))
    recorder = Recorder()
    ctx = Context(root, Settings(strict=True, timeout=120), recorder, tmp_path)
    validator = HelmValidator(engine=engine)
    targets = validator.discover(ctx)
    assert [t.path for t in targets] == charts and len(charts) > 0
    for target in targets:
        checks = helm_checks(validator.run(target, ctx))
        values_sets = [*(target.path / "platforms").glob("*.yaml"), *target.path.glob("values-*.yaml"),
                       *(target.path / "ci").glob("*-values.yaml")]
        assert len(checks) == 2 + len(values_sets) and len(values_sets) > 0
        assert f"render[values-{ENVIRONMENT}.yaml]" in checks  # each environment's values file is rendered
        assert [(c.name, f.rule, f.file, f.line, f.message) for c in checks.values() for f in c.findings
                if f.severity is Severity.ERROR] == []
        assert {n: c.status for n, c in checks.items() if c.status is not Status.PASSED} == {}
    assert len(recorder.calls) == sum(1 + len(list((t.path / "platforms").glob("*.yaml")))
                                      + len(list(t.path.glob("values-*.yaml")))
                                      + len(list((t.path / "ci").glob("*-values.yaml"))) for t in targets)


def test_ignore_filename_pattern(tmp_path: Path) -> None:
    ctx = Context(FIXTURES / "clean", Settings(ignore_filename_patterns=["^web/Chart"]), Recorder(), tmp_path)
    assert HelmValidator().discover(ctx) == []


def test_file_dependencies_are_vendored_outside_the_repository(engine: str, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    common = root / "common"
    (common / "templates").mkdir(parents=True)
    (common / "Chart.yaml").write_text("apiVersion: v2\nname: common\nversion: 1.0.0\ntype: library\n")
    (common / "templates" / "_labels.tpl").write_text('{{- define "common.team" -}}team: payments{{- end }}\n')
    chart_yaml = root / "web" / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text() + "dependencies:\n  - name: common\n    version: 1.0.0\n"
                          "    repository: file://../common\n")
    deployment = root / "web" / "templates" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        '    {{- include "web.labels" . | nindent 4 }}\nspec:',
        '    {{- include "web.labels" . | nindent 4 }}\n    {{- include "common.team" . | nindent 4 }}\nspec:', 1))
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    recorder = Recorder()
    ctx = Context(root, Settings(strict=True, timeout=120), recorder, tmp_path / "work")
    ctx.workdir.mkdir()
    validator = HelmValidator(engine=engine)
    assert [t.display for t in validator.discover(ctx)] == ["common", "web"]
    checks = validator.run(validator.discover(ctx)[1], ctx)
    assert errors(checks) == [] and all(c.status is Status.PASSED for c in helm_checks(checks).values())
    deployment_obj = next(d.obj for d in recorder.calls[0][1] if d.obj["kind"] == "Deployment")
    assert deployment_obj["metadata"]["labels"]["team"] == "payments"
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before  # nothing written to the repository


def test_renders_for_the_requested_kube_version(engine: str, tmp_path: Path) -> None:
    if engine == "sdk":
        pytest.skip("helm-python-sdk 0.2.2 cannot render for a given Kubernetes version: Chart.render takes no "
                    "kube version and .Capabilities.KubeVersion is the SDK's compiled-in v1.36.0 (its lint does "
                    "take kube_version)")
    root = tmp_path / "repo"
    (root / "kv" / "templates").mkdir(parents=True)
    (root / "kv" / "Chart.yaml").write_text("apiVersion: v2\nname: kv\nversion: 0.1.0\n")
    (root / "kv" / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kv\ndata:\n"
        "  version: {{ .Capabilities.KubeVersion.Version | quote }}\n")
    recorder = Recorder()
    ctx = Context(root, Settings(kube_version="1.29.0", timeout=120), recorder, tmp_path)
    validator = HelmValidator(engine=engine)
    validator.run(validator.discover(ctx)[0], ctx)
    ((_, (doc,)),) = recorder.calls
    assert doc.obj["data"]["version"] == "v1.29.0"


def test_chart_at_the_validated_root(tmp_path: Path) -> None:
    require_tool("helm")
    ctx = Context(FIXTURES / "missing-required" / "web", Settings(strict=True, timeout=120), Recorder(), tmp_path)
    validator = HelmValidator(engine="cli")
    (target,) = validator.discover(ctx)
    assert target.display == "."
    assert errors(validator.run(target, ctx)) == [("helm/missing-required", "templates/deployment.yaml", 28)]


@pytest.mark.parametrize(("case", "rule"), [("clean", None), ("broken-template", "helm/template"),
                                            ("schema-violation", "helm/values-schema"),
                                            ("missing-required", "helm/missing-required")])
def test_whole_run_has_exactly_the_one_defect(case: str, rule: str | None) -> None:
    """Through the runner: every rendering also passes schemas and policy (and the repository, wiring)."""
    from planforge.validate.runner import run_validation

    checks = run_validation([str(FIXTURES / case)], Settings(strict=True))
    found = [f.rule for c in checks for f in c.findings if f.severity is Severity.ERROR]
    assert found == ([rule] if rule else [])
    if case == "clean":
        assert {c.validator for c in checks} == {"helm", "schemas", "policy", "wiring"}
        assert sum(c.validator == "schemas" and c.target.startswith("helm template") for c in checks) == 3
