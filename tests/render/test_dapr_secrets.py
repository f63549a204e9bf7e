"""Dapr Components name their Secrets (secretKeyRef) and Dapr's operator hands them to the sidecar: no Component
names a secret store the sidecar itself would have to read with the pod's Kubernetes API token, and the chart's pods,
which mount no token, turn off the sidecar's own Kubernetes secret store (it cannot start without one). Rendered with
the real `helm template`."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from testlib import REAL_PLANS, rendered_plan

DAPR_PLAN = REAL_PLANS / "sharjeeltanoli--todoadvanceapp--006-cloud-deployment.plan.md"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered_plan(DAPR_PLAN, tmp_path_factory)


def test_no_component_needs_the_pod_token_for_its_secrets(repo: Path) -> None:
    components = [d for f in sorted((repo / "dapr").glob("*.yaml")) for d in yaml.safe_load_all(f.read_text())
                  if isinstance(d, dict) and d.get("kind") == "Component"]
    assert components
    for c in components:
        assert (c.get("auth") or {}).get("secretStore", "kubernetes") == "kubernetes", c["metadata"]["name"]
        assert not c["spec"]["type"].startswith("secretstores."), c["metadata"]["name"]


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not on PATH (scripts/install-tools.sh installs it)")
def test_pods_without_a_token_turn_off_the_sidecar_secret_store(repo: Path) -> None:
    chart = repo / "charts/cloud-deployment"
    out = subprocess.run(["helm", "template", "r", str(chart), "-f", str(chart / "platforms/doks.yaml"), "-f",
                          str(chart / "values-production.yaml")], capture_output=True, text=True, check=True).stdout
    pods = [d["spec"]["template"] for d in yaml.safe_load_all(out) if isinstance(d, dict) and d.get("kind") == "Deployment"]
    assert pods
    for pod in pods:
        annotations = pod["metadata"]["annotations"]
        assert annotations["dapr.io/enabled"] == "true"
        assert pod["spec"]["automountServiceAccountToken"] is False
        assert annotations["dapr.io/disable-builtin-k8s-secret-store"] == "true"
