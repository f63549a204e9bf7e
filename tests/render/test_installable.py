"""Generated CI and pre-commit hooks install planforge from a source that exists: a tagged git
repository of this checkout stands in for planforge's repository (a local `file://` URL), a
repository is generated from it, pre-commit installs planforge's hooks from that repository at the tag's
commit into a fresh virtual environment, the generated workflow's install step runs in that environment
(planforge again from the git URL at that commit), then the workflow's validate step and both hooks run. The tests share
that one environment (module fixtures, one xdist group), so the suite installs the dependencies once."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from render_helpers import PLANS, REPO, git

TAG = "v0.1.0"
PLAN = "helm-chart-payments.plan.md"  # Helm and manifests only: validates with no Terraform provider
HOOKS = ("planforge-validate", "planforge-plan-check")

pytestmark = pytest.mark.xdist_group("installable")  # one worker: the environment is installed once


def _network_failure(proc: subprocess.CompletedProcess) -> bool:
    text = proc.stdout + proc.stderr
    return any(s in text for s in ("No matching distribution", "Could not fetch", "Temporary failure in name"))


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> str:
    """`file://localhost/` URL of a bare repository holding this checkout's files (tracked and new) at tag v0.1.0
    (a URL with a host: the pip a fresh venv gets refuses git+file:/// requirements)."""
    root = tmp_path_factory.mktemp("release")
    work = root / "planforge"
    files = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=REPO, check=True,
                           capture_output=True, text=True).stdout.split("\0")
    for rel in filter(None, files):
        if (REPO / rel).is_file():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, work / rel)
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "planforge", cwd=work)
    git("tag", TAG, cwd=work)
    git("clone", "-q", "--bare", str(work), str(root / "planforge.git"), cwd=root)
    return f"file://localhost{root / 'planforge.git'}"


@pytest.fixture(scope="module")
def generated(released: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository generated with `--template <the released URL>` (git: pre-commit needs one)."""
    dest = tmp_path_factory.mktemp("generated") / "repo"
    env = {"COPIER_CACHE_DIR": str(dest.parent / "copier")}  # Copier's mirror of the URL, not the user's
    proc = subprocess.run([sys.executable, "-m", "planforge", "new", str(PLANS / PLAN), str(dest),
                           "--template", released], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    return dest


@pytest.fixture(scope="module")
def hooks(released: str, generated: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(config, environment): a pre-commit config naming both hooks of the released repository at TAG (what
    `pre-commit try-repo` writes for a repository), with the hook environment installed in a pre-commit home of
    this module: pre-commit creates a fresh virtual environment and installs planforge and its dependencies."""
    root = tmp_path_factory.mktemp("pre-commit")
    config = root / "pre-commit-config.yaml"
    config.write_text(yaml.safe_dump({"repos": [{"repo": released, "rev": TAG,
                                                 "hooks": [{"id": hook} for hook in HOOKS]}]}))
    env = {**os.environ, "PRE_COMMIT_HOME": str(root / "home"),
           "PATH": os.pathsep.join([str(REPO / ".tools" / "bin"), os.environ["PATH"]])}
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([_pre_commit(), "install-hooks", "--config", str(config)], cwd=generated, env=env,
                          capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0 and _network_failure(proc):
        pytest.skip(f"planforge's dependencies cannot be downloaded here: {proc.stdout.strip()[-300:]}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return config, env


@pytest.fixture(scope="module")
def workflow_venv(generated: Path, hooks: tuple[Path, dict[str, str]]) -> Path:
    """The hooks' virtual environment, in which the generated workflow's install step then ran: planforge from
    PLANFORGE_INSTALL (the git URL at TAG) replacing pre-commit's copy, its dependencies already there (the suite
    installs them once)."""
    [venv] = Path(hooks[1]["PRE_COMMIT_HOME"]).glob("repo*/py_env-*")
    workflow = yaml.safe_load((generated / ".github/workflows/validate.yml").read_text())
    step = next(s for s in workflow["jobs"]["shard"]["steps"] if s.get("name") == "Install planforge")
    env = {**os.environ, **workflow["env"], "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    # planforge itself goes (pre-commit installed it from its checkout); the step installs it from the git URL.
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "uninstall", "-q", "-y", "planforge"], check=True,
                   env=env, capture_output=True, timeout=300)
    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=generated, env=env,
                          capture_output=True, text=True, timeout=900)
    if proc.returncode != 0 and _network_failure(proc):
        pytest.skip(f"planforge's dependencies cannot be downloaded here: {proc.stderr.strip()[-300:]}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return venv


def _pre_commit() -> str:
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    assert pre_commit, "pre-commit comes with the test extra"
    return pre_commit


@pytest.mark.slow
def test_the_workflow_installs_the_recorded_commit(released: str, generated: Path):
    answers = yaml.safe_load((generated / ".copier-answers.yml").read_text())
    assert (answers["_src_path"], answers["_commit"]) == (released, TAG)
    commit = git("rev-parse", f"{TAG}^{{commit}}", cwd=Path(released.removeprefix("file://localhost"))).strip()
    workflow = yaml.safe_load((generated / ".github/workflows/validate.yml").read_text())
    assert workflow["env"]["PLANFORGE_INSTALL"] == f"planforge @ git+{released}@{commit}"


@pytest.mark.slow
def test_the_workflow_validate_step_passes_with_the_installed_planforge(released: str, generated: Path,
                                                                        workflow_venv: Path):
    installed = subprocess.run([str(workflow_venv / "bin" / "planforge"), "--version"], capture_output=True,
                               text=True)
    assert installed.returncode == 0 and "0.1.0" in installed.stdout + installed.stderr
    location = subprocess.run([str(workflow_venv / "bin" / "python"), "-c",
                               "import planforge, sys; sys.stdout.write(planforge.__file__)"],
                              capture_output=True, text=True, cwd="/")
    assert str(workflow_venv) in location.stdout  # installed into the venv, not this checkout (editable)
    origin = subprocess.run([str(workflow_venv / "bin" / "python"), "-c",
                             "import importlib.metadata as m; print(m.distribution('planforge').read_text('direct_url.json'))"],
                            capture_output=True, text=True, cwd="/")
    direct = json.loads(origin.stdout)  # the install step's requirement, not pre-commit's checkout of the hooks
    commit = git("rev-parse", f"{TAG}^{{commit}}", cwd=Path(released.removeprefix("file://localhost"))).strip()
    assert (direct["url"], direct["vcs_info"]["requested_revision"]) == (released, commit), direct
    workflow = yaml.safe_load((generated / ".github/workflows/validate.yml").read_text())
    step = next(s for s in workflow["jobs"]["shard"]["steps"] if s.get("name", "").startswith("Validate the shard"))
    tools = REPO / ".tools" / "bin"
    env = {**os.environ, **workflow["env"], "SHARD": "1", "SHARDS": "1", "SINCE": "",
           "PATH": os.pathsep.join([str(workflow_venv / "bin"), str(tools), os.environ["PATH"]])}
    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=generated, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (generated / "shard-1.json").is_file()
    (generated / "shard-1.json").unlink()


@pytest.mark.slow
def test_pre_commit_runs_both_hooks_on_a_generated_repository(generated: Path, hooks: tuple[Path, dict[str, str]]):
    """pre-commit runs both hooks of planforge's repository (installed from it at TAG, as `try-repo` would):
    validate passes on the generated repository, plan check passes a ready plan and fails a refused one."""
    config, env = hooks
    shutil.copy(PLANS / PLAN, generated / "plan.md")
    (generated / "specs" / "draft").mkdir(parents=True)
    shutil.copy(PLANS / "needs-clarification.plan.md", generated / "specs" / "draft" / "plan.md")
    git("add", "plan.md", "specs", cwd=generated)
    try:
        proc = subprocess.run([_pre_commit(), "run", "--config", str(config), "--all-files", "--verbose"],
                              cwd=generated, env=env, capture_output=True, text=True, timeout=900)
    finally:
        git("rm", "-q", "-r", "--cached", "plan.md", "specs", cwd=generated)
        (generated / "plan.md").unlink()
        shutil.rmtree(generated / "specs")
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    sections = _hook_sections(out)
    validate, check = sections["planforge validate --strict"], sections["planforge plan check"]
    assert validate[0] == "Passed" and "0 errors" in validate[1], out
    assert check[0] == "Failed" and "plan.md: ready: helm-chart" in check[1] and "refused" in check[1], out
    assert "specs/draft/plan.md:8: Cloud Provider" in check[1], out


def _hook_sections(out: str) -> dict[str, tuple[str, str]]:
    """pre-commit's output per hook name: (Passed/Failed/Skipped, what the hook printed)."""
    header = re.compile(r"^(?P<name>.+?)\.{3,}(?P<status>Passed|Failed|Skipped)$", re.MULTILINE)
    found = list(header.finditer(out))
    return {m["name"]: (m["status"], out[m.end():found[i + 1].start() if i + 1 < len(found) else len(out)])
            for i, m in enumerate(found)}


def test_hook_definitions_match_what_generated_repositories_use():
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    validate, check = hooks["planforge-validate"], hooks["planforge-plan-check"]
    assert validate["language"] == check["language"] == "python"
    assert validate["pass_filenames"] is False and validate["require_serial"] is True
    matches = re.compile(validate["files"]).search
    for name in ("main.tf", "envs/prod.tfvars", "backend.hcl", "values.yaml", "app.yml", "templates/_helpers.tpl",
                 "charts/shop/Chart.lock", "envs/dev/.terraform.lock.hcl"):
        assert matches(name), name
    for name in ("README.md", "Chart.lockfile", "main.tf.bak"):
        assert not matches(name), name
    assert re.compile(check["files"]).search("specs/001/plan.md") and not re.compile(check["files"]).search("plan.txt")


@pytest.mark.slow
def test_an_install_spec_from_a_local_package_index_is_what_ci_installs(released: str, generated: Path,
                                                                        workflow_venv: Path, tmp_path: Path):
    """`install: "planforge==0.1.0"` (a release of the team's own package index: here a directory pip reads) is written
    into the workflow by `planforge update`, and the workflow's install step installs that release from the index.
    Runs last in this module: it replaces the venv's planforge."""
    work = tmp_path / "generated"
    shutil.copytree(generated, work, symlinks=True)
    settings = work / ".planforge.yaml"
    settings.write_text(re.sub(r'^# install: "planforge==<version>".*$', 'install: "planforge==0.1.0"',
                               settings.read_text(), flags=re.M))
    git("commit", "-qam", "install planforge from our index", cwd=work)
    env = {**os.environ, "COPIER_CACHE_DIR": str(tmp_path / "copier")}
    proc = subprocess.run([sys.executable, "-m", "planforge", "update", str(work)], capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workflow = yaml.safe_load((work / ".github/workflows/validate.yml").read_text())
    assert workflow["env"]["PLANFORGE_INSTALL"] == "planforge==0.1.0"
    index = tmp_path / "index"
    python = str(workflow_venv / "bin" / "python")
    checkout = Path(released.removeprefix("file://localhost")).parent / "planforge"
    built = subprocess.run([python, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(index), str(checkout)],
                           capture_output=True, text=True, timeout=600)
    if built.returncode != 0 and _network_failure(built):
        pytest.skip(f"the build backend cannot be downloaded here: {built.stderr.strip()[-300:]}")
    assert built.returncode == 0, built.stdout + built.stderr
    step = next(s for s in workflow["jobs"]["shard"]["steps"] if s.get("name") == "Install planforge")
    run_env = {**os.environ, **workflow["env"], "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(index),
               "PATH": f"{workflow_venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    run_env.pop("PYTHONPATH", None)
    subprocess.run([python, "-m", "pip", "uninstall", "-q", "-y", "planforge"], check=True, env=run_env,
                   capture_output=True, timeout=300)
    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=work, env=run_env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    origin = subprocess.run([python, "-c", "import importlib.metadata as m; d = m.distribution('planforge'); "
                             "print(d.version, d.read_text('direct_url.json') is None)"],
                            capture_output=True, text=True, cwd="/")
    assert origin.stdout.split() == ["0.1.0", "True"], origin.stdout + origin.stderr  # from the index, no URL
