"""External tools run with an allowlisted environment and a home of planforge's own: the caller's (or a CI
image's) tool configuration cannot change what runs, and neither can the repository's `.git/config`, a
kustomize exec plugin or a module a repository ships beside planforge's Python worker."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from testlib import GIT_ENV, require_tool

from planforge.validate.base import Context, Settings
from planforge.validate.terraform.cli import terraform_env
from planforge.validate.toolenv import tool_env, which
from planforge.validate.tools import run_tool
from planforge.validate.units import changed_files

CALLER = {
    "TF_CLI_CONFIG_FILE": "/hostile/terraformrc", "TF_CLI_ARGS": "-hostile", "TF_VAR_region": "hostile",
    "TF_PLUGIN_CACHE_DIR": "/hostile/cache", "HELM_PLUGINS": "/hostile/helm-plugins", "HELM_DRIVER": "hostile",
    "ANSIBLE_CONFIG": "/hostile/ansible.cfg", "ANSIBLE_VAULT_PASSWORD_FILE": "/hostile/vault.sh",
    "KUSTOMIZE_PLUGIN_HOME": "/hostile/plugins", "KUBECONFIG": "/hostile/kubeconfig", "GIT_DIR": "/hostile/.git",
    "GIT_CONFIG_GLOBAL": "/hostile/gitconfig", "BASH_ENV": "/hostile/bashrc", "ENV": "/hostile/shrc",
    "PYTHONPATH": "/hostile/python", "LD_PRELOAD": "/hostile/lib.so", "XDG_CONFIG_HOME": "/hostile/config",
}


def script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def hostile_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CALLER.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATH", os.pathsep.join([".", "", "bin", os.environ["PATH"]]))


def test_a_tool_sees_only_the_allowlist_and_a_home_of_planforge(hostile_caller: None, tmp_path: Path) -> None:
    seen = dict(line.split("=", 1) for line in run_tool(["/usr/bin/env"], timeout=30).stdout.splitlines()
                if "=" in line)
    assert not [name for name, value in seen.items() if "/hostile" in value]
    assert all(os.path.isabs(entry) for entry in seen["PATH"].split(os.pathsep))  # no ".", "" nor "bin"
    home = Path(seen["HOME"])
    # planforge's own home of this process (tools run earlier in it may have left their caches there)
    assert home.is_dir() and home.name.startswith("planforge-home-") and home != Path.home()
    assert not [p for p in (".terraformrc", ".ansible.cfg", ".gitconfig") if (home / p).exists()]
    assert seen["XDG_CONFIG_HOME"].startswith(str(home))


def test_a_relative_path_entry_cannot_put_the_repository_first(hostile_caller: None, tmp_path: Path) -> None:
    """A tool run inside the repository with `.` on the caller's PATH would start the repository's `git`."""
    canary = tmp_path / "canary"
    script(tmp_path / "git", f"#!/bin/sh\ntouch {canary}\n")
    done = run_tool(["/bin/sh", "-c", "command -v git"], timeout=30, cwd=tmp_path)
    assert done.stdout.strip() != str(tmp_path / "git") and not canary.exists()


def test_a_tool_planforge_starts_is_never_found_in_the_repository(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`planforge validate .` in CI runs in the repository: with `.` on PATH, a shipped `terraform` would run."""
    repo = tmp_path / "repo"
    canary = tmp_path / "canary"
    for name in ("terraform", "kubectl", "kustomize", "kubeconform", "helm", "ansible-playbook"):
        script(repo / name, f"#!/bin/sh\ntouch {canary}\n")
    (repo / "main.tf").write_text("terraform {}\n")
    (repo / "kustomization.yaml").write_text("resources: []\n")
    path = os.pathsep.join([".", "", os.environ["PATH"]])
    done = subprocess.run([sys.executable, "-m", "planforge", "validate", "."], capture_output=True, text=True,
                          timeout=300, cwd=repo, env={**os.environ, "PATH": path})
    assert not canary.exists(), done.stdout + done.stderr
    monkeypatch.chdir(repo)
    monkeypatch.setenv("PATH", path)
    assert which("terraform") != str(repo / "terraform")


def test_terraform_runs_with_its_own_configuration_only(hostile_caller: None, tmp_path: Path) -> None:
    ctx = Context(tmp_path, Settings(), lambda docs, origin: [], tmp_path / "work")
    (tmp_path / "work").mkdir()
    env = terraform_env(ctx, tmp_path / "data")
    assert env["TF_CLI_CONFIG_FILE"] == str(tmp_path / "work" / "terraform" / "cli.tfrc")
    assert not {"TF_CLI_ARGS", "TF_VAR_region", "TF_PLUGIN_CACHE_DIR", "KUBECONFIG"} & set(env)
    assert env["HOME"].startswith(str(tmp_path / "work")) and env["TF_DATA_DIR"] == str(tmp_path / "data")


def test_helm_runs_no_plugin_of_the_caller(hostile_caller: None, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin in the caller's HELM_PLUGINS (a `template` downloader would run on every chart) is not seen."""
    from planforge.validate.helm.cli import HelmCli

    binary = require_tool("helm")
    plugins = tmp_path / "plugins"
    canary = tmp_path / "canary"
    (plugins / "evil").mkdir(parents=True)
    (plugins / "evil" / "plugin.yaml").write_text(f'name: evil\nversion: 0.1.0\nusage: x\ndescription: x\n'
                                                  f'command: "touch {canary}"\n')
    monkeypatch.setenv("HELM_PLUGINS", str(plugins))
    helm = HelmCli(binary, 60, tmp_path / "work")
    seen = helm._run(["env"]).stdout
    assert f'HELM_PLUGINS="{tmp_path / "work" / "helm-home" / "plugins"}"' in seen and str(plugins) not in seen
    assert "evil" not in helm._run(["plugin", "list"]).stdout
    helm._run(["evil"])
    assert not canary.exists()


def test_the_helm_sdk_worker_imports_nothing_from_the_working_directory(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """validate runs in the repository: a `json.py` there must not stand in for the worker's modules."""
    pytest.importorskip("helm_python")
    from planforge.validate.helm.sdk import HelmSdk

    canary = tmp_path / "canary"
    (tmp_path / "json.py").write_text(f"import pathlib\npathlib.Path({str(canary)!r}).touch()\n")
    (tmp_path / "helm_python.py").write_text(f"import pathlib\npathlib.Path({str(canary)!r}).touch()\n")
    monkeypatch.chdir(tmp_path)
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    sdk = HelmSdk(Settings(timeout=120))
    assert "unknown" not in sdk.tool
    assert "c/templates/cm.yaml" in sdk.render(chart, None, "1.29.0").manifests
    assert not canary.exists()


def test_kustomize_never_runs_an_exec_function(tmp_path: Path) -> None:
    """A KRM exec function (and a legacy exec plugin) needs --enable-alpha-plugins --enable-exec: never passed."""
    if not (shutil.which("kustomize") or shutil.which("kubectl")):
        pytest.skip("neither kustomize nor kubectl is on PATH")
    canary = tmp_path / "canary"
    repo = tmp_path / "repo"
    script(repo / "evil.sh", f"#!/bin/sh\ntouch {canary}\ncat\n")
    (repo / "kustomization.yaml").write_text("generators:\n  - gen.yaml\n")
    (repo / "gen.yaml").write_text("apiVersion: example.com/v1\nkind: Evil\nmetadata:\n  name: evil\n  annotations:\n"
                                   "    config.kubernetes.io/function: |\n      exec:\n        path: ./evil.sh\n")
    done = subprocess.run([sys.executable, "-m", "planforge", "validate", "--only", "kustomize", "--format", "json",
                           str(repo)], capture_output=True, text=True, timeout=300)
    report = json.loads(done.stdout)
    assert done.returncode == 1 and not canary.exists()
    assert [(f["rule"], f["file"]) for c in report["checks"] for f in c["findings"]] == [
        ("kustomize/build", "kustomization.yaml")]


def hostile_git_repository(root: Path, canary_dir: Path) -> None:
    """A repository whose .git/config runs a program from fsmonitor, a filter driver, hooks and diff drivers."""
    hook = script(canary_dir / "hook.sh", f"#!/bin/sh\ntouch {canary_dir}/canary-$1\ncat\n")
    env = {**os.environ, **GIT_ENV}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)

    root.mkdir()
    git("init", "-q")
    (root / "a.txt").write_text("a\n")
    git("add", ".")
    git("commit", "-qm", "one")
    (root / ".gitattributes").write_text("* filter=evil diff=evil\n")
    (root / "b.txt").write_text("b\n")
    git("add", ".")
    git("commit", "-qm", "two")
    for key, value in (("core.fsmonitor", f"{hook} fsmonitor"), ("filter.evil.clean", f"{hook} clean"),
                       ("filter.evil.process", f"{hook} process"), ("filter.evil.required", "true"),
                       ("diff.evil.textconv", f"{hook} textconv"), ("diff.external", f"{hook} external"),
                       ("core.hooksPath", str(canary_dir)), ("core.pager", f"{hook} pager")):
        git("config", key, value)
    script(canary_dir / "post-index-change", f"#!/bin/sh\ntouch {canary_dir}/canary-hook\n")
    (root / "a.txt").write_text("changed\n")
    (root / "untracked.txt").write_text("new\n")


def test_git_runs_nothing_the_repository_configures(tmp_path: Path) -> None:
    require_tool("git")
    repo = tmp_path / "repo"
    hostile_git_repository(repo, tmp_path)
    assert changed_files(repo, "HEAD~1") == [".gitattributes", "a.txt", "b.txt", "untracked.txt"]
    assert not list(tmp_path.glob("canary-*"))


def test_changed_since_on_a_hostile_repository_from_the_command_line(tmp_path: Path) -> None:
    require_tool("git")
    repo = tmp_path / "repo"
    hostile_git_repository(repo, tmp_path)
    done = subprocess.run([sys.executable, "-m", "planforge", "validate", "--changed-since", "HEAD~1", "--list-units",
                           str(repo)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GIT_CONFIG_GLOBAL": str(tmp_path / "none")})
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob("canary-*"))


def test_tool_env_settings_win(tmp_path: Path) -> None:
    env = tool_env(tmp_path / "home", HOME="/ignored-by-no-one", KEY="value")
    assert env["KEY"] == "value" and (tmp_path / "home").is_dir()
