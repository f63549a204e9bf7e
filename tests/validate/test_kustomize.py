"""Kustomize validator: builds with the real `kubectl kustomize` (or `kustomize build`).

Fixtures under tests/fixtures/kustomize: `clean` (base + component + overlay), `missing-resource`
(the overlay lists a file that does not exist) and `helm-charts` (needs the network: skipped).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from testlib import Recorder, generate_repo, put_hanging_tool, require_tool
from planforge.validate.base import Check, Context, Settings, Severity, Status
from planforge.validate.kustomize import KustomizeValidator, build_command, entry_line, network_reason, rendered_documents

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kustomize"


@pytest.fixture(autouse=True)
def kubectl() -> None:
    if shutil.which("kustomize") is None:
        require_tool("kubectl")



def run(case: str, tmp_path: Path) -> tuple[dict[str, list[Check]], Recorder]:
    recorder = Recorder()
    ctx = Context(FIXTURES / case, Settings(strict=True, timeout=60), recorder, tmp_path)
    validator = KustomizeValidator()
    return {t.display: validator.run(t, ctx) for t in validator.discover(ctx)}, recorder


def test_discovery_skips_components(tmp_path: Path) -> None:
    ctx = Context(FIXTURES / "clean", Settings(), Recorder(), tmp_path)
    targets = KustomizeValidator().discover(ctx)
    assert [(t.display, t.extra["file"]) for t in targets] == [
        ("base", "base/kustomization.yaml"),
        ("overlays/prod", "overlays/prod/kustomization.yaml"),
    ]


def test_clean_builds_and_hands_on_documents(tmp_path: Path) -> None:
    results, recorder = run("clean", tmp_path)
    for checks in results.values():
        build = checks[0]
        assert (build.name, build.status, build.findings) == ("build", Status.PASSED, [])
        assert build.tool.split()[-1] in ("kustomize", "build")
        assert checks[1].validator == "schemas"
    origins = {origin: docs for origin, docs in recorder.calls}
    assert set(origins) == {"kustomize build base", "kustomize build overlays/prod"}
    prod = origins["kustomize build overlays/prod"]
    assert sorted(d.obj["kind"] for d in prod) == ["Deployment", "Namespace", "NetworkPolicy", "Service"]
    assert [d.doc_index for d in prod] == [0, 1, 2, 3]
    assert {d.file for d in prod} == {"overlays/prod/kustomization.yaml"}
    deployment = next(d.obj for d in prod if d.obj["kind"] == "Deployment")
    # The overlay's patch, namespace and component were applied by the real build.
    assert deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["namespace"] == "web-prod"
    assert "startupProbe" in deployment["spec"]["template"]["spec"]["containers"][0]


def test_overlay_with_missing_resource(tmp_path: Path) -> None:
    results, recorder = run("missing-resource", tmp_path)
    assert results["base"][0].status is Status.PASSED
    (build,) = results["overlays/prod"]
    assert build.status is Status.FAILED
    (finding,) = build.findings
    assert (finding.rule, finding.file, finding.line, finding.severity) == (
        "kustomize/build", "overlays/prod/kustomization.yaml", 8, Severity.ERROR)
    assert finding.message == "kustomize build failed: resource 'configmap.yaml' does not exist"
    assert str(FIXTURES) not in finding.message and finding.hint
    assert [origin for origin, _ in recorder.calls] == ["kustomize build base"]


def test_helm_charts_need_network_and_are_skipped(tmp_path: Path) -> None:
    results, recorder = run("helm-charts", tmp_path)
    (build,) = results["redis"]
    assert build.status is Status.SKIPPED
    assert "helmCharts" in build.reason and "network" in build.reason
    assert recorder.calls == []


def test_remote_resources_need_network() -> None:
    assert "network" in network_reason({"resources": ["https://github.com/org/repo//deploy?ref=v1.0.0"]})
    assert network_reason({"resources": ["../base", "deployment.yaml"]}) is None


def test_entry_line() -> None:
    text = "resources:\n  - ../base\n  - 'svc.yaml'\n"
    assert entry_line(text, "accumulating resources from 'svc.yaml': not found") == 3
    assert entry_line(text, "something else") is None


def test_build_command_prefers_kustomize_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "kustomize"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{Path(shutil.which('kubectl') or '/usr/bin/kubectl').parent}")
    assert build_command(Path("x"))[:2] == [str(fake), "build"]


def test_overlay_of_a_helm_charts_kustomization_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "helm-charts", root)
    (root / "prod").mkdir()
    (root / "prod/kustomization.yaml").write_text("resources:\n  - ../redis\nnamePrefix: prod-\n")
    ctx = Context(root, Settings(timeout=60), Recorder(), tmp_path)
    validator = KustomizeValidator()
    checks = {t.display: validator.run(t, ctx) for t in validator.discover(ctx)}
    assert {name: [c.status for c in cs] for name, cs in checks.items()} == {
        "prod": [Status.SKIPPED], "redis": [Status.SKIPPED]}
    assert checks["prod"][0].reason.endswith("(via ../redis)")


def test_build_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    put_hanging_tool(tmp_path, monkeypatch, "kustomize")
    ctx = Context(FIXTURES / "clean", Settings(timeout=0.5), Recorder(), tmp_path)
    validator = KustomizeValidator()
    (check,) = validator.run(validator.discover(ctx)[0], ctx)
    assert check.status is Status.FAILED
    assert [(f.rule, f.file) for f in check.findings] == [("kustomize/timeout", "base/kustomization.yaml")]




@pytest.mark.slow
@pytest.mark.parametrize("plan", ["aws-eks-argocd", "multi-tenant-saas"])
def test_generated_repository(plan: str, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    root = generate_repo(plan, tmp_path_factory)
    expected = sorted(
        p.parent.relative_to(root).as_posix() for p in root.rglob("kustomization.yaml")
        if ".git" not in p.parts and "kind: Component" not in p.read_text()
    )
    recorder = Recorder()
    ctx = Context(root, Settings(strict=True, timeout=120), recorder, tmp_path)
    validator = KustomizeValidator()
    targets = validator.discover(ctx)
    assert sorted(t.display for t in targets) == expected and len(expected) > 0
    builds = [validator.run(t, ctx)[0] for t in targets]
    assert [(b.target, b.findings) for b in builds if b.status is Status.FAILED] == []
    skipped = [b for b in builds if b.status is Status.SKIPPED]
    assert all("helmCharts" in b.reason for b in skipped)
    # Every root that built handed its objects on to schema and policy validation.
    assert len(recorder.calls) == len(builds) - len(skipped) > 0
    assert all(docs for _, docs in recorder.calls)


def test_ignore_filename_pattern(tmp_path: Path) -> None:
    ctx = Context(FIXTURES / "clean", Settings(ignore_filename_patterns=["^overlays/"]), Recorder(), tmp_path)
    assert [t.display for t in KustomizeValidator().discover(ctx)] == ["base"]


def test_missing_patch_file(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    (root / "overlays/prod/replicas.yaml").unlink()
    ctx = Context(root, Settings(timeout=60), Recorder(), tmp_path)
    validator = KustomizeValidator()
    builds = {t.display: validator.run(t, ctx)[0] for t in validator.discover(ctx)}
    (finding,) = builds["overlays/prod"].findings
    assert (finding.rule, finding.file, finding.line) == ("kustomize/build", "overlays/prod/kustomization.yaml", 11)
    assert finding.message == "kustomize build failed: patch file 'replicas.yaml' does not exist"


def test_relative_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES.parent)
    ctx = Context(Path("kustomize/clean"), Settings(timeout=60), Recorder(), tmp_path)
    validator = KustomizeValidator()
    assert [validator.run(t, ctx)[0].status for t in validator.discover(ctx)] == [Status.PASSED, Status.PASSED]


@pytest.mark.parametrize(("case", "errors"), [("clean", 0), ("missing-resource", 1)])
def test_whole_run_has_exactly_the_one_defect(case: str, errors: int) -> None:
    """Through the runner: what the builds produce also passes schemas and policy."""
    from planforge.validate.runner import run_validation

    checks = run_validation([str(FIXTURES / case)], Settings(strict=True))
    assert {c.validator for c in checks} >= {"kustomize", "schemas", "policy"}
    assert any(c.target.startswith("kustomize build") for c in checks if c.validator == "schemas")
    found = [(f.rule, f.file) for c in checks for f in c.findings if f.severity is Severity.ERROR]
    assert found == [("kustomize/build", "overlays/prod/kustomization.yaml")] * errors


def test_deprecated_fields_are_warnings(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean", root)
    base = root / "base/kustomization.yaml"
    base.write_text(base.read_text() + "commonLabels:\n  team: web\n")
    ctx = Context(root, Settings(timeout=60), Recorder(), tmp_path)
    validator = KustomizeValidator()
    builds = {t.display: validator.run(t, ctx)[0] for t in validator.discover(ctx)}
    assert all(b.status is Status.PASSED for b in builds.values())
    # Reported once, on the kustomization that uses the field (not again on the overlay building it).
    assert [(f.rule, f.severity, f.file, f.line) for b in builds.values() for f in b.findings] == [
        ("kustomize/deprecated", Severity.WARNING, "base/kustomization.yaml", 6)]
    assert "labels" in builds["base"].findings[0].hint


@pytest.mark.parametrize("content", [
    b"resources: 5\npatches: [3, {path: 7}]\nconfigMapGenerator: [{files: 9}]\nhelmCharts: 2\n",
    b"resources:\n- caf\xe9.yaml\n",
])
def test_malformed_kustomization_is_a_build_finding_not_a_crash(tmp_path: Path, content: bytes) -> None:
    """Wrong field types or a non-UTF-8 file: kustomize's own error, never an internal error of any validator."""
    require_tool("kubectl")
    from planforge.validate.runner import run_validation

    (tmp_path / "kustomization.yaml").write_bytes(content)
    checks = run_validation([str(tmp_path)], Settings())
    rules = [(f.rule, f.file) for c in checks for f in c.findings]
    assert rules == [("kustomize/build", "kustomization.yaml")], rules


def test_build_output_is_loaded_like_plain_manifests() -> None:
    """YAML->JSON semantics of the manifest loader (dates and keys stay text, duplicate keys noticed);
    no lines, since positions in the build output are not positions in the kustomization."""
    output = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\ndata:\n  day: 2024-01-01\n  5: five\n"
              "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n")
    docs = rendered_documents(output, "overlays/prod/kustomization.yaml", "kustomize build overlays/prod")
    assert [d.obj["kind"] for d in docs] == ["ConfigMap", "Namespace"]
    assert docs[0].obj["data"] == {"day": "2024-01-01", "5": "five"}
    assert docs[0].duplicate_nodes and not docs[1].duplicate_nodes
    assert {(d.file, d.origin, d.line) for d in docs} == {
        ("overlays/prod/kustomization.yaml", "kustomize build overlays/prod", None)}


@pytest.mark.parametrize("jobs", [1, 2])
def test_builds_run_in_parallel_within_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    """Kustomize builds are separate tasks of the runner: -j 2 runs two builds at once, -j 1 one at a time."""
    import threading

    from planforge.validate import kustomize
    from planforge.validate.runner import run_validation

    require_tool("kubectl")
    for name in ("a", "b", "c", "d"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kustomization.yaml").write_text("resources:\n  - cm.yaml\n", encoding="utf-8")
        (tmp_path / name / "cm.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\n", encoding="utf-8")
    real = kustomize.run_tool
    lock = threading.Lock()
    both = threading.Barrier(2, timeout=60)  # at -j 2, the first two builds wait for each other
    active = peak = calls = 0

    def counting(command: list[str], **kwargs: object) -> object:
        nonlocal active, peak, calls
        with lock:
            active += 1
            calls += 1
            peak = max(peak, active)
            first_two = calls <= 2
        try:
            if jobs == 2 and first_two:
                both.wait()
            return real(command, **kwargs)
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(kustomize, "run_tool", counting)
    checks = run_validation([tmp_path], Settings(jobs=jobs), ["kustomize"])
    assert sorted(c.target for c in checks if c.name == "build" and c.status is Status.PASSED) == ["a", "b", "c", "d"]
    assert (calls, peak) == (4, jobs)
