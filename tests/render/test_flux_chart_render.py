"""GitOps = Flux for a helm-chart plan: each environment's cluster entry point installs the repository's charts as
HelmReleases read through the GitRepository, after the catalog components (HelmRelease + HelmRepository)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from testlib import REPO, generate_repo, require_tool, yaml_documents as docs

PLAN = "event-driven-dapr-flux"
CHARTS = ["backend", "frontend", "notification-service"]


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_repo(PLAN, tmp_path_factory)


def test_each_environment_has_a_cluster_entry_point_and_no_argocd(chart):
    assert not (chart / "argocd").exists()
    for env in ("dev", "prod"):
        entry = docs(chart / "clusters" / env / "kustomization.yaml")[0]
        assert entry["resources"] == ["sources.yaml", "infrastructure.yaml", "dapr.yaml", "charts.yaml"]
        [source] = docs(chart / "clusters" / env / "sources.yaml")
        assert source["kind"] == "GitRepository" and source["spec"]["url"] == "ssh://git@github.com/acme/storefront.git"
    assert not (chart / "infrastructure" / "configs").exists()  # no guardrails overlay in a chart repository


def test_each_chart_is_a_helm_release_from_the_repository_after_the_components(chart):
    for env, platform in (("dev", "minikube"), ("prod", "oke")):
        components = sorted(p.stem for p in (chart / "infrastructure" / "controllers" / env).glob("*.yaml")
                            if p.name != "kustomization.yaml")
        assert components == ["dapr", "kube-prometheus-stack", "redpanda"]  # no cert-manager: Redpanda needs no TLS
        releases = docs(chart / "clusters" / env / "charts.yaml")
        assert [r["metadata"]["name"] for r in releases] == CHARTS
        for r in releases:
            name, spec = r["metadata"]["name"], r["spec"]
            assert r["kind"] == "HelmRelease" and spec["targetNamespace"] == "cloud-event-driven"
            source = spec["chart"]["spec"]
            assert source["chart"] == f"./charts/{name}" and (chart / "charts" / name / "Chart.yaml").is_file()
            assert source["sourceRef"] == {"kind": "GitRepository", "name": "cloud-event-driven",
                                           "namespace": "flux-system"}
            assert source["valuesFiles"] == [f"./charts/{name}/values.yaml",
                                             f"./charts/{name}/platforms/{platform}.yaml"]
            assert all((chart / f).is_file() for f in source["valuesFiles"])
            assert sorted(d["name"] for d in spec["dependsOn"]) == components
            assert spec["values"]["services"][name]["replicaCount"] >= 1
        [dapr] = docs(chart / "clusters" / env / "dapr.yaml")
        assert dapr["spec"]["path"] == "./dapr" and dapr["spec"]["targetNamespace"] == "cloud-event-driven"
        assert [d["name"] for d in dapr["spec"]["dependsOn"]] == ["cloud-event-driven-infra-controllers"]


def test_the_flux_values_are_the_argo_cd_values(chart, tmp_path_factory):
    """Argo CD and Flux deploy a chart with the same per-environment values."""
    argo = generate_repo("event-driven-dapr", tmp_path_factory)
    for env in ("dev", "prod"):
        releases = {r["metadata"]["name"]: r for r in docs(chart / "clusters" / env / "charts.yaml")}
        for name in CHARTS:
            [app] = docs(argo / "argocd" / "applications" / env / f"{name}.yaml")
            assert releases[name]["spec"]["values"] == app["spec"]["source"]["helm"]["valuesObject"]


def test_kubectl_kustomize_builds_every_entry_point(chart):
    kubectl = require_tool("kubectl")
    for env in ("dev", "prod"):
        proc = subprocess.run([kubectl, "kustomize", str(chart / "clusters" / env)], capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stderr
        kinds = [d["kind"] for d in yaml.safe_load_all(proc.stdout) if d]
        assert kinds.count("HelmRelease") == len(CHARTS) and "GitRepository" in kinds


def _validate(repo: Path, *only: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "planforge", "validate", ".", "--strict", "--fail-on-skip", *only], cwd=repo,
                          capture_output=True, text=True, env=env, timeout=1200)


def test_the_generated_chart_repository_validates_strict(chart):
    proc = _validate(chart)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "flux:" in proc.stdout and "helm:" in proc.stdout


@pytest.mark.parametrize("old,new", [
    ("chart: ./charts/backend", "chart: ./charts/backnd"),
    ("    - name: redpanda\n", "    - name: kafka\n"),
])
def test_a_broken_chart_path_or_dependency_is_caught_with_the_file(chart, tmp_path, old, new):
    repo = tmp_path / "repo"
    shutil.copytree(chart, repo)
    target = repo / "clusters" / "prod" / "charts.yaml"
    assert old in target.read_text()
    target.write_text(target.read_text().replace(old, new, 1))
    proc = _validate(repo, "--only", "flux")
    assert proc.returncode == 1 and "clusters/prod/charts.yaml" in proc.stdout, proc.stdout + proc.stderr
