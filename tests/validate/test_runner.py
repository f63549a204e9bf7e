"""The runner: paths (dirs, files, stdin, missing), --only, rendered documents, concurrency, scratch dir."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from planforge.validate import registry, runner
from planforge.validate.base import Check, Settings, Severity, Status, Target
from planforge.validate.runner import exit_code, run_validation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
POLICY = FIXTURES / "policy"


def tree_state(root: Path) -> dict[str, str]:
    """Every file and directory under root with a content hash: what 'never modified' compares."""
    state = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            state[rel] = "link:" + os.readlink(path)
        elif path.is_dir():
            state[rel] = "dir"
        else:
            state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A small repository: plain manifests with a namespace, a Helm chart and a kustomization."""
    root = tmp_path / "repo"
    (root / "k8s").mkdir(parents=True)
    shutil.copy(POLICY / "good.yaml", root / "k8s" / "shop.yaml")
    shutil.copytree(FIXTURES / "helm" / "clean", root / "charts")
    shutil.copytree(FIXTURES / "kustomize" / "clean", root / "deploy")
    return root


def by(checks: list[Check], validator: str) -> list[Check]:
    return [c for c in checks if c.validator == validator]


def test_repository_is_validated_by_every_selected_validator_and_left_unchanged(repo):
    before = tree_state(repo)
    checks = run_validation([str(repo)], Settings(strict=True), only=["schemas", "policy", "helm", "kustomize"])
    assert tree_state(repo) == before
    assert {c.validator for c in checks} == {"schemas", "policy", "helm", "kustomize"}
    errors = [f for c in checks for f in c.findings if f.severity is Severity.ERROR]
    assert errors == [], errors
    assert exit_code(checks) == 0
    # plain manifests: one schemas and one policy check per file, displayed relative to the root
    assert "k8s/shop.yaml" in {c.target for c in by(checks, "schemas")}
    assert "k8s/shop.yaml" in {c.target for c in by(checks, "policy")}
    # rendered documents reach schemas and policy through Context.validate_documents
    rendered = {(c.validator, c.target) for c in checks if c.validator in ("schemas", "policy")}
    for origin in ("helm template charts/web", "helm template charts/web -f ci/default-values.yaml",
                   "kustomize build deploy/overlays/prod"):
        assert {("schemas", origin), ("policy", origin)} <= rendered
    # every namespace the repository creates has its default-deny policy (plain file and kustomize overlay)
    assert [c.name for c in by(checks, "policy") if c.name.startswith("default-deny")] == [
        "default-deny[shop]", "default-deny[web-prod]"]


def test_only_limits_validators_and_what_rendered_documents_go_through(repo):
    checks = run_validation([str(repo)], Settings(), only=["helm"])
    assert {c.validator for c in checks} == {"helm"}
    checks = run_validation([str(repo)], Settings(), only="helm,policy")
    assert {c.validator for c in checks} == {"helm", "policy"}


def test_only_rejects_unknown_names():
    from planforge.errors import UsageError

    with pytest.raises(UsageError, match="unknown validator 'helmet'"):
        run_validation(["."], Settings(), only=["helmet"])


def test_missing_path_is_an_error_and_other_paths_still_run(repo):
    checks = run_validation([str(repo / "nope"), str(repo / "k8s")], Settings(), only=["schemas"])
    missing = [c for c in checks if c.validator == "input"]
    assert len(missing) == 1 and missing[0].status is Status.FAILED
    assert missing[0].findings[0].rule == "input/missing-path"
    assert "no such file or directory" in missing[0].findings[0].message
    assert by(checks, "schemas") and all(c.status is Status.PASSED for c in by(checks, "schemas"))
    assert exit_code(checks) == 1


def test_file_path_goes_to_schemas_and_policy_with_its_given_name(tmp_path):
    path = tmp_path / "one.yaml"
    shutil.copy(POLICY / "image-latest.yaml", path)
    checks = run_validation([str(path)], Settings())
    assert sorted((c.validator, c.name, c.target) for c in checks) == [
        ("policy", "default-deny[shop]", str(path)), ("policy", "policy", str(path)), ("schemas", "schema", str(path))]
    [policy_check] = [c for c in checks if c.validator == "policy" and c.name == "policy"]
    assert [f.rule for f in policy_check.findings] == ["policy/image-tag"]
    assert policy_check.findings[0].file == str(path)


def test_ignore_filename_pattern_applies_to_explicit_files(tmp_path):
    path = tmp_path / "crd_schema.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nbogus: 1\n")
    assert run_validation([str(path)], Settings(ignore_filename_patterns=["crd"]), only=["schemas"]) == []


def test_stdin_manifests():
    text = (POLICY / "resource-limits.yaml").read_bytes()
    checks = run_validation(["-"], Settings(), only=["schemas", "policy"], stdin=io.BytesIO(text))
    assert {(c.validator, c.target) for c in checks if c.name in ("schema", "policy")} == {
        ("schemas", "stdin"), ("policy", "stdin")}
    findings = [f for c in checks for f in c.findings]
    assert [f.rule for f in findings] == ["policy/resource-limits"]
    assert findings[0].file == "stdin" and findings[0].line and findings[0].line > 1


def test_several_directories_prefix_their_displays(repo, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(POLICY / "seccomp.yaml", other / "app.yaml")
    checks = run_validation([str(repo / "k8s"), str(other)], Settings(), only=["policy"])
    files = {f.file for c in checks for f in c.findings}
    assert files == {f"{other}/app.yaml"}
    assert f"{repo / 'k8s'}/shop.yaml" in {c.target for c in checks}


def test_several_directories_prefix_rendering_origins_once(repo, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    checks = run_validation([str(repo), str(empty)], Settings(), only=["helm", "policy"])
    origins = {c.target for c in checks if c.validator == "policy" and c.target.startswith("helm template")}
    assert f"helm template {repo}/charts/web" in origins


def test_default_deny_is_checked_across_files(tmp_path):
    text = (POLICY / "good.yaml").read_text()
    namespace, netpol, deployment = text.split("---\n")
    (tmp_path / "ns.yaml").write_text(namespace)
    (tmp_path / "app.yaml").write_text(deployment)
    checks = run_validation([str(tmp_path)], Settings(), only=["policy"])
    assert [f.rule for c in checks for f in c.findings] == ["policy/default-deny-ingress"]
    (tmp_path / "netpol.yaml").write_text(netpol)
    checks = run_validation([str(tmp_path)], Settings(), only=["policy"])
    assert exit_code(checks) == 0 and [c.name for c in checks if c.name.startswith("default")] == ["default-deny[shop]"]


# ----------------------------------------------------------------- with fake validators


class FakeValidator:
    """Discovers `count` targets; each run sleeps and records concurrency and the context."""

    def __init__(self, name: str, count: int = 4, sleep: float = 0.05, fail: bool = False, skip: bool = False):
        self.name, self.count, self.sleep, self.fail, self.skip = name, count, sleep, fail, skip
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()
        self.workdirs: list[Path] = []

    def discover(self, ctx):
        return [Target(self.name, "thing", ctx.root / f"t{i}", f"t{i}") for i in range(self.count)]

    def run(self, target, ctx):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.workdirs.append(ctx.workdir)
            assert ctx.workdir.is_dir()
        try:
            time.sleep(self.sleep)
            if self.fail and target.display == "t1":
                raise RuntimeError("boom")
            status = Status.SKIPPED if self.skip else Status.PASSED
            return [Check(self.name, "check", target.display, status, reason="tool not here" if self.skip else None)]
        finally:
            with self.lock:
                self.active -= 1


@pytest.fixture
def fakes(monkeypatch):
    registry: dict[str, FakeValidator] = {}
    monkeypatch.setattr(runner, "load_validator", lambda name: registry.get(name))
    return registry


def test_targets_run_concurrently_up_to_jobs(fakes, tmp_path):
    fakes["kustomize"] = FakeValidator("kustomize", count=8)
    checks = run_validation([str(tmp_path)], Settings(jobs=4), only=["kustomize"])
    assert len(checks) == 8 and fakes["kustomize"].peak == 4
    fakes["kustomize"] = FakeValidator("kustomize", count=4)
    run_validation([str(tmp_path)], Settings(jobs=1), only=["kustomize"])
    assert fakes["kustomize"].peak == 1


def test_terraform_validations_are_bounded(fakes, tmp_path, monkeypatch):
    from planforge.validate.terraform import concurrency

    monkeypatch.setattr(concurrency, "MAX_CONCURRENT_VALIDATIONS", 2)  # what a budget of two validations sets
    fakes["terraform"] = FakeValidator("terraform", count=8)
    fakes["helm"] = FakeValidator("helm", count=8)
    run_validation([str(tmp_path)], Settings(jobs=8), only=["terraform", "helm"])
    assert fakes["terraform"].peak == 2
    assert fakes["helm"].peak > 2


def test_a_crashing_validator_is_an_error_finding_not_a_crash(fakes, tmp_path):
    fakes["helm"] = FakeValidator("helm", count=3, fail=True)
    checks = run_validation([str(tmp_path)], Settings(jobs=2), only=["helm"])
    assert [c.status for c in checks] == [Status.PASSED, Status.FAILED, Status.PASSED]
    assert checks[1].findings[0].rule == "helm/internal-error" and "boom" in checks[1].findings[0].message


def test_tool_errors_propagate(fakes, tmp_path):
    from planforge.errors import UsageError

    class Missing(FakeValidator):
        def run(self, target, ctx):
            raise UsageError("terraform is not on PATH.")

    fakes["terraform"] = Missing("terraform", count=2)
    with pytest.raises(UsageError, match="terraform is not on PATH"):
        run_validation([str(tmp_path)], Settings(), only=["terraform"])


def test_scratch_dir_is_outside_the_repository_and_removed(fakes, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "inside"))
    (tmp_path / "inside").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    fakes["helm"] = FakeValidator("helm", count=2)
    run_validation([str(tmp_path)], Settings(), only=["helm"])
    workdirs = fakes["helm"].workdirs
    assert workdirs and all(not w.resolve().is_relative_to(tmp_path.resolve()) for w in workdirs)
    assert all(not w.exists() for w in workdirs)


def test_fail_on_skip_turns_skips_into_errors(fakes, tmp_path):
    fakes["terraform"] = FakeValidator("terraform", count=1, skip=True)
    checks = run_validation([str(tmp_path)], Settings(), only=["terraform"])
    assert checks[0].status is Status.SKIPPED and exit_code(checks) == 0
    checks = run_validation([str(tmp_path)], Settings(fail_on_skip=True), only=["terraform"])
    assert checks[0].status is Status.FAILED and exit_code(checks) == 1
    finding = checks[0].findings[0]
    assert finding.rule == "terraform/skipped" and "tool not here" in finding.message


def test_a_validator_that_cannot_be_loaded_is_an_error_not_a_skip(monkeypatch, tmp_path):
    from planforge.errors import PlanforgeError

    monkeypatch.setitem(registry.VALIDATORS, "argocd", registry.ValidatorClass("planforge.validate.gone", "ArgoCDValidator"))
    with pytest.raises(PlanforgeError, match=r"the argocd validator \(planforge.validate.gone.ArgoCDValidator\) cannot be loaded"):
        run_validation([str(tmp_path)], Settings(), only=["argocd"])


@pytest.mark.parametrize("name", registry.VALIDATOR_NAMES)
def test_every_registered_validator_loads_under_its_name(name):
    assert registry.load_validator(name).name == name


class _Recorder:
    def __init__(self):
        self.events: list[tuple] = []

    def step(self, text):
        self.events.append(("step", text))

    def planned(self, units, checks, reused):
        self.events.append(("planned", checks, reused))

    def started(self, key, label):
        self.events.append(("started", label))

    def finished(self, key, count):
        self.events.append(("finished", count))


def test_progress_hears_the_step_the_totals_and_each_target(fakes, tmp_path):
    fakes["helm"] = FakeValidator("helm", count=3)
    recorder = _Recorder()
    run_validation([str(tmp_path)], Settings(jobs=2), only=["helm"], progress=recorder)
    kinds = [event[0] for event in recorder.events]
    assert kinds[:2] == ["step", "planned"] and recorder.events[1] == ("planned", 3, 0)
    assert kinds.count("started") == 3 and [e for e in recorder.events if e[0] == "finished"] == [("finished", 1)] * 3
    assert all(label.startswith("helm ") for kind, label, *_ in recorder.events if kind == "started")


# ----------------------------------------------------------------- real Terraform


@pytest.mark.slow
def test_terraform_roots_validate_without_touching_the_repository(tmp_path, tf_mirror):
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH (run scripts/install-tools.sh)")
    root = tmp_path / "infra"
    shutil.copytree(FIXTURES / "terraform" / "unsupported-argument", root)
    before = tree_state(root)
    checks = run_validation([str(root)], Settings(terraform_plugin_mirrors=[tf_mirror]), only=["terraform"])
    assert tree_state(root) == before  # no .terraform/, no lock file, no formatting
    findings = [f for c in checks for f in c.findings if f.severity is Severity.ERROR]
    assert [(f.rule, f.file) for f in findings] == [("terraform/validate", "main.tf")]
    assert findings[0].line


def test_chart_test_pods_are_checked_by_policy(tmp_path):
    chart = tmp_path / "charts"
    shutil.copytree(FIXTURES / "helm" / "clean", chart)
    tests_dir = next(chart.glob("*/templates")) / "tests"
    tests_dir.mkdir()
    # compliant except for the untagged image; a test pod needs no probes
    (tests_dir / "test-connection.yaml").write_text("""\
apiVersion: v1
kind: Pod
metadata:
  name: "{{ .Release.Name }}-test-connection"
  annotations:
    "helm.sh/hook": test
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: wget
      image: busybox
      command: [wget, -qO-, "http://{{ .Release.Name }}:80"]
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
      resources:
        requests: {cpu: 10m, memory: 16Mi}
        limits: {cpu: 50m, memory: 32Mi}
""")
    checks = run_validation([str(chart)], Settings(), only=["helm", "policy"])
    findings = [(c.target, f) for c in checks if c.validator == "policy" for f in c.findings]
    assert findings, "the rendered test pod was not checked"
    assert {f.rule for _, f in findings} == {"policy/image-tag"}
    assert all(target.startswith("helm template") for target, _ in findings)
    assert all(f.file.endswith("templates/tests/test-connection.yaml") for _, f in findings)
