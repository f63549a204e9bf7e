"""Hostile repositories: `planforge validate` stays inside the validated paths and bounded.

Each tree is built at test time in tmp_path. The command line runs in a subprocess (as in CI), in
every output format; the secret string of the file outside must appear in none of the outputs.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from testlib import find_terraform_mirror, hang_guard

SECRET = "PLANFORGE-TEST-SECRET-7f3a9c"
FORMATS = ("text", "json", "junit", "sarif")
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: "{secret}"
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: "registry.example.com/{secret}:1.0"
"""


def validate(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, str, float]:
    """Run `planforge validate ARGS`; (exit code, stdout + stderr, seconds)."""
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "planforge", "validate", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start


def all_formats(repo: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, tuple[int, str]]:
    """Every format, to stdout (text) and to report files (json, junit, sarif): format -> (exit, output)."""
    results = {}
    for fmt in FORMATS:
        report = repo.parent / f"report.{fmt}"
        extra = ["-o", str(report)] if fmt != "text" else []
        code, out, seconds = validate("--format", fmt, *extra, *args, "repo", cwd=repo.parent, env=env)
        assert seconds < 30, f"{fmt}: took {seconds:.1f}s"
        results[fmt] = (code, out + (report.read_text() if extra else ""))
    return results


def assert_refused(results: dict[str, tuple[int, str]], rule: str, where: str) -> None:
    for fmt, (code, out) in results.items():
        assert code == 1, (fmt, out)
        assert SECRET not in out, f"{fmt} output leaks the secret:\n{out}"
        assert rule in out and where in out, (fmt, out)
    assert "--allow-outside" in results["text"][1]
    data = json.loads(results["json"][1][results["json"][1].index("{"):])
    found = [f for c in data["checks"] for f in c["findings"] if f["rule"] == rule]
    assert found and any(f["file"] and where in f["file"] for f in found), found


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the repository holding secrets."""
    out = tmp_path / "outside"
    out.mkdir()
    (out / "secret.yaml").write_text(DEPLOYMENT.format(secret=SECRET))
    (out / "main.tf").write_text(f'resource "x" "y" {{\n  name = {SECRET} {SECRET}\n')
    (out / "kust").mkdir()
    (out / "kust" / "kustomization.yaml").write_text("resources:\n  - secret.yaml\n")
    shutil.copy(out / "secret.yaml", out / "kust" / "secret.yaml")
    (out / "tpl.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {SECRET}\n  bad: [\n")
    return out


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    return path


def test_file_symlink_outside(repo: Path, outside: Path) -> None:
    (repo / "app.yaml").symlink_to(outside / "secret.yaml")
    assert_refused(all_formats(repo, "--only", "schemas,policy,argocd"), "input/outside-root", "app.yaml")


def test_directory_symlink_outside(repo: Path, outside: Path) -> None:
    (repo / "k8s").mkdir()
    (repo / "k8s" / "shared").symlink_to(outside / "kust")
    (repo / "k8s" / "kustomization.yaml").write_text("resources:\n  - shared\n")
    results = all_formats(repo, "--only", "schemas,kustomize,policy")
    assert_refused(results, "input/outside-root", "k8s/kustomization.yaml")
    assert "resources entry 'shared'" in results["text"][1]


def test_kustomization_resource_outside(repo: Path, outside: Path) -> None:
    (repo / "overlays" / "prod").mkdir(parents=True)
    (repo / "overlays" / "prod" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../../outside/kust\n")
    results = all_formats(repo, "--only", "kustomize,schemas,policy")
    assert_refused(results, "input/outside-root", "overlays/prod/kustomization.yaml")
    assert "overlays/prod/kustomization.yaml:4:" in results["text"][1]


def test_terraform_module_source_outside(repo: Path, outside: Path) -> None:
    (repo / "envs" / "dev").mkdir(parents=True)
    (repo / "envs" / "dev" / "main.tf").write_text('module "x" {\n  source = "../../../outside"\n}\n')
    (repo / "envs" / "dev" / "extra.tf").symlink_to(outside / "main.tf")
    results = all_formats(repo, "--only", "terraform")
    assert_refused(results, "input/outside-root", "envs/dev/main.tf")
    assert "envs/dev/main.tf:2:" in results["text"][1] and "envs/dev/extra.tf" in results["text"][1]


def test_helm_template_symlink_outside(repo: Path, outside: Path) -> None:
    chart = repo / "charts" / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("{}\n")
    (chart / "templates" / "cm.yaml").symlink_to(outside / "tpl.yaml")
    assert_refused(all_formats(repo, "--only", "helm"), "input/outside-root", "charts/web/templates/cm.yaml")


def test_argocd_path_outside(repo: Path, outside: Path) -> None:
    (repo / ".planforge.yaml").write_text('repo_url: "https://git.example.invalid/org/repo.git"\n')
    (repo / "app.yaml").write_text("""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web, namespace: argocd}
spec:
  project: default
  source:
    repoURL: https://git.example.invalid/org/repo.git
    targetRevision: main
    path: ../outside/kust
  destination: {server: "https://kubernetes.default.svc", namespace: web}
""")
    results = all_formats(repo, "--only", "argocd")
    assert_refused(results, "input/outside-root", "app.yaml")
    assert "app.yaml:9:" in results["text"][1]


def test_allow_outside_reads_the_trusted_path(repo: Path, outside: Path) -> None:
    (repo / "app.yaml").symlink_to(outside / "secret.yaml")
    code, out, _ = validate("--only", "schemas", "--format", "json", "--allow-outside", str(outside), "repo",
                            cwd=repo.parent)
    report = json.loads(out[out.index("{"):])
    assert not [f for c in report["checks"] for f in c["findings"] if f["rule"].startswith("input/")]
    assert any(f["rule"] == "schemas/invalid" and f["file"] == "app.yaml" for c in report["checks"] for f in c["findings"])
    code, out, _ = validate("--only", "schemas", "repo", cwd=repo.parent, env={"PLANFORGE_ALLOW_OUTSIDE": str(outside)})
    assert "input/outside-root" not in out and "app.yaml" in out


def test_a_repository_cannot_allow_itself_outside(repo: Path, outside: Path) -> None:
    """`.planforge.yaml` is part of the change under review: it must not widen what validate reads."""
    (repo / "app.yaml").symlink_to(outside / "secret.yaml")
    (repo / ".planforge.yaml").write_text("strict: true\nallow_outside:\n  - ../outside\n")
    code, out, _ = validate("--only", "schemas", "repo", cwd=repo.parent)
    assert code == 2
    assert ".planforge.yaml:2" in out and "--allow-outside" in out
    assert SECRET not in out


# --------------------------------------------------------------------------- bounded work


BILLION_LAUGHS = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n" + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)) + "data: {x: *a9}\n"


def test_billion_laughs(repo: Path) -> None:
    (repo / "lol.yaml").write_text(BILLION_LAUGHS)
    assert len(BILLION_LAUGHS) < 1500
    for fmt, (code, out) in all_formats(repo, "--only", "schemas,policy,argocd").items():
        assert code == 1 and "input/too-complex" in out and "lol.yaml" in out, (fmt, out)


def test_billion_laughs_loads_fast_in_little_memory() -> None:
    import resource

    from planforge.validate.manifests import ManifestError, load_documents

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with hang_guard("billion laughs", limit=0.5), pytest.raises(ManifestError) as caught:
        load_documents("lol.yaml", text=BILLION_LAUGHS)
    assert caught.value.rule == "input/too-complex"
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB


def test_deep_nesting_is_refused_not_a_crash(repo: Path) -> None:
    (repo / "deep.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: " + "[" * 100_000 + "\n")
    code, out, seconds = validate("--only", "schemas", "repo", cwd=repo.parent)
    assert code == 1 and "input/too-complex" in out and seconds < 30, out


def test_fifo_is_not_opened(repo: Path) -> None:
    os.mkfifo(repo / "x.yaml")
    for fmt, (code, out) in all_formats(repo, "--only", "schemas,policy,argocd").items():
        assert code == 1 and "input/not-a-regular-file" in out and "x.yaml" in out, (fmt, out)


def test_symlink_to_dev_zero(repo: Path) -> None:
    (repo / "zero.yaml").symlink_to("/dev/zero")
    code, out, seconds = validate("--only", "schemas,policy", "repo", cwd=repo.parent)
    assert code == 1 and "input/outside-root" in out and "zero.yaml" in out and seconds < 30, out
    code, out, seconds = validate("--only", "schemas,policy", "--allow-outside", "/dev", "repo", cwd=repo.parent)
    assert code == 1 and "input/not-a-regular-file" in out and "zero.yaml" in out and seconds < 30, out


def test_oversized_file(repo: Path) -> None:
    (repo / "big.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n"
                                   + "".join(f"  k{i}: {'v' * 100}\n" for i in range(12_000)))
    code, out, _ = validate("--only", "schemas,policy", "--max-file-size", "1", "repo", cwd=repo.parent)
    assert code == 1 and "input/too-large" in out and "big.yaml" in out, out
    code, out, _ = validate("--only", "schemas", "repo", cwd=repo.parent, env={"PLANFORGE_MAX_FILE_SIZE": "2"})
    assert code == 0, out


LOOPING_CHART = {
    "Chart.yaml": "apiVersion: v2\nname: loop\nversion: 0.1.0\n",
    "values.yaml": "{}\n",
    "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loop\ndata:\n"
                         "{{- range $i := until 1000000000 }}\n  k{{ $i }}: v\n{{- end }}\n",
}


@pytest.mark.parametrize("engine", ["cli", "sdk"])
def test_helm_template_that_never_ends(repo: Path, tmp_path: Path, engine: str) -> None:
    for name, text in LOOPING_CHART.items():
        (repo / "loop" / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / "loop" / name).write_text(text)
    env = {"PLANFORGE_TIMEOUT": "3"}
    if engine == "sdk":
        env["PATH"] = f"{tmp_path / 'nohelm'}:/usr/bin:/bin"  # no helm binary: the embedded SDK renders
    elif shutil.which("helm") is None:
        pytest.skip("helm is not on PATH")
    code, out, seconds = validate("--only", "helm", "--format", "sarif", "repo", cwd=repo.parent, env=env, timeout=120)
    assert code == 1 and "timed out after 3s" in out, out
    assert seconds < 45, seconds


def test_timed_out_tool_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    from planforge.validate.tools import ToolTimeout, run_tool

    script = tmp_path / "stubborn"
    script.write_text("#!/bin/sh\ntrap '' TERM\nsleep 30 &\nwait\nwait\n")
    script.chmod(0o755)
    start = time.monotonic()
    with pytest.raises(ToolTimeout):
        run_tool([str(script)], timeout=1)
    assert time.monotonic() - start < 10


def test_helm_cli_that_ignores_sigterm_is_killed(repo: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helm = bin_dir / "helm"
    helm.write_text("#!/bin/sh\ncase \"$1\" in version) echo v3.99.0; exit 0;; esac\ntrap '' TERM\nsleep 60\n")
    helm.chmod(0o755)
    (repo / "web" / "templates").mkdir(parents=True)
    (repo / "web" / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "PLANFORGE_TIMEOUT": "2"}
    code, out, seconds = validate("--only", "helm", "repo", cwd=repo.parent, env=env, timeout=120)
    assert code == 1 and "timed out after 2s" in out, out
    assert seconds < 40, seconds


def test_terraform_fifo_and_outside_module_not_copied(repo: Path, outside: Path, tmp_path: Path) -> None:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH")
    (repo / "root").mkdir()
    (repo / "root" / "main.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    os.mkfifo(repo / "root" / "vars.tf")
    env = {"PLANFORGE_TIMEOUT": "5"}
    if mirror := find_terraform_mirror():
        env["PLANFORGE_TF_PLUGIN_MIRROR"] = str(mirror)
    code, out, seconds = validate("--only", "terraform", "repo", cwd=repo.parent, env=env, timeout=120)
    assert code == 1 and "input/not-a-regular-file" in out and "root/vars.tf" in out, out
    assert seconds < 30
