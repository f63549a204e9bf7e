"""Every environment on one cluster (a helm-chart repository without GitOps): each environment's release, Dapr
Components and post-deploy checks in the environment's namespace, the platform components installed once with
production's values, and Dapr keeping each environment's messages and state apart. The install script runs with fake
`kubectl` and `helm` that record their calls (no cluster here)."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import with_broker
from testlib import REAL_PLANS, rendered_plan

SINGLE_DOKS = REAL_PLANS / "sharjeeltanoli--todoadvanceapp--006-cloud-deployment.plan.md"
ENVIRONMENTS = ("staging", "production")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return with_broker(rendered_plan(SINGLE_DOKS, tmp_path_factory), tmp_path_factory.mktemp("broker-set") / "repo")


def _install(repo: Path, tmp_path: Path, env: str) -> list[str]:
    bin_dir, log = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    for tool in ("helm", "kubectl"):  # every Secret exists; every call succeeds
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\n')
        (bin_dir / tool).chmod(0o755)
    proc = subprocess.run(["bash", str(repo / "platform/install.sh"), env], capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return log.read_text().splitlines()


def test_each_environment_deploys_its_release_to_its_own_namespace(repo: Path) -> None:
    jobs = yaml.safe_load((repo / ".github/workflows/deliver.yml").read_text())["jobs"]
    for env in ENVIRONMENTS:
        script = "\n".join(step.get("run", "") for step in jobs[f"deploy-{env}"]["steps"])
        namespaces = set(re.findall(r"--namespace (\S+)", script))
        assert namespaces == {env}, (env, namespaces)
    expected = yaml.safe_load((repo / "validation/post-deploy/expected.yaml").read_text())
    for env in ENVIRONMENTS:
        assert expected["environments"][env]["namespaces"] == [env]
        assert {d["namespace"] for d in expected["environments"][env]["deployments"]} == {env}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_platform_is_installed_with_production_values_and_dapr_in_the_environment_namespace(
        repo: Path, tmp_path: Path, env: str) -> None:
    assert [p.name for p in (repo / "platform/values").iterdir()] == ["production"]
    calls = _install(repo, tmp_path, env)
    installs = [c for c in calls if c.startswith("helm upgrade --install")]
    assert installs and all("/values/production/" in c for c in installs)
    [dapr] = [c for c in calls if c.startswith("kubectl apply -k") and "/dapr" in c]
    assert dapr.endswith(f"--namespace {env}")


def test_dapr_keeps_each_environment_messages_and_state_apart(repo: Path) -> None:
    pubsub = yaml.safe_load((repo / "dapr/pubsub.yaml").read_text())
    meta = {m["name"]: m.get("value") for m in pubsub["spec"]["metadata"]}
    assert "{namespace}" in meta["consumerGroup"]
    state = yaml.safe_load((repo / "dapr/statestore.yaml").read_text())
    assert {"name": "keyPrefix", "value": "namespace"} in state["spec"]["metadata"]


def test_the_readme_names_each_environment_namespace(repo: Path) -> None:
    readme = (repo / "README.md").read_text()
    assert "each environment's release goes to its own namespace (staging: `staging`, production: `production`)" \
        in readme
    assert "create each environment's namespace (staging, production)" in readme
