"""Prometheus keeps its metrics on a volume where the cluster has a default StorageClass (EKS clusters the repository
builds define one, AKS has one): the plan's size from the component's row, else 50 GiB in production and 10
elsewhere, and retentionSize bounds it to 85% of the volume. Where no default class is known (an existing EKS
cluster the repository does not build) and the plan states no size, no claim is made that would stay Pending."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testlib import PLANS, plan_group, rendered_plan

EKS = PLANS / "aws-eks-argocd.plan.md"
AKS = PLANS / "aks-argocd-keyvault.plan.md"
MULTICLOUD = PLANS / "multicloud-aws-azure.plan.md"
EXISTING_EKS = PLANS / "gitops-only-existing-argocd.plan.md"
EXISTING_ROW = "| external-secrets | No | plain Kubernetes Secrets |"
ROW = "| kube-prometheus-stack | Yes | Prometheus + Grafana + Alertmanager |"


def prometheus(repo: Path, env: str) -> dict:
    app = yaml.safe_load((repo / f"argocd/applications/{env}/kube-prometheus-stack.yaml").read_text())
    return app["spec"]["source"]["helm"]["valuesObject"]["prometheus"]["prometheusSpec"]


def claimed(spec: dict) -> str:
    return spec["storageSpec"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"]


def test_the_plans_size_is_prometheus_volume_per_environment(tmp_path_factory: pytest.TempPathFactory) -> None:
    plan = tmp_path_factory.mktemp("prometheus-size") / "eks.plan.md"
    text = EKS.read_text(encoding="utf-8")
    assert ROW in text
    plan.write_text(text.replace(ROW, "| kube-prometheus-stack | Yes | metrics kept 30 days on 80 GB of storage, "
                                      "20 GiB in dev |"), encoding="utf-8")
    repo = rendered_plan(plan, tmp_path_factory)
    prod, dev = prometheus(repo, "prod"), prometheus(repo, "dev")
    assert (claimed(prod), prod["retentionSize"], prod["retention"]) == ("80Gi", "68GB", "30d")
    assert (claimed(dev), dev["retentionSize"]) == ("20Gi", "17GB")
    assert "storage-class.yaml" in (repo / "kubernetes/base/kustomization.yaml").read_text()


@plan_group(AKS)
def test_a_cluster_with_a_default_class_gives_prometheus_the_default_size(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = rendered_plan(AKS, tmp_path_factory)
    assert claimed(prometheus(repo, "prod")) == "50Gi" and claimed(prometheus(repo, "dev")) == "10Gi"
    assert not (repo / "kubernetes/base/storage-class.yaml").exists()  # AKS's own default class serves it


def test_no_claim_where_no_default_class_is_known(tmp_path_factory: pytest.TempPathFactory) -> None:
    """An existing EKS cluster the repository does not build may predate EKS's change (no default class since 1.30) or
    not: without a stated size, Prometheus claims nothing that could stay Pending."""
    plan = tmp_path_factory.mktemp("existing-eks") / "existing.plan.md"
    text = EXISTING_EKS.read_text(encoding="utf-8")
    assert EXISTING_ROW in text
    plan.write_text(text.replace(EXISTING_ROW, f"{EXISTING_ROW}\n{ROW}"), encoding="utf-8")
    repo = rendered_plan(plan, tmp_path_factory)
    assert not (repo / "kubernetes/base/storage-class.yaml").exists()
    assert "storageSpec" not in prometheus(repo, "production")


def test_a_multi_cloud_repository_keeps_prometheus_volume_on_every_cluster(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """The AWS clusters' default class is the configuration's gp3; the other cloud's clusters leave it out and use
    their own (tests/render/test_multicloud.py)."""
    repo = rendered_plan(MULTICLOUD, tmp_path_factory)
    assert (repo / "kubernetes/base/storage-class.yaml").exists()
    assert claimed(prometheus(repo, "prod")) == "50Gi"


def wave(repo: Path, env: str, component: str) -> str:
    app = yaml.safe_load((repo / f"argocd/applications/{env}/{component}.yaml").read_text())
    return app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]


def test_prometheus_syncs_with_the_configuration_that_defines_its_class(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Argo CD waits for a wave to be healthy: a claim in wave 0 on a class the platform defines in wave 1 would hold
    both forever. Where the cluster has a class of its own, the component keeps wave 0."""
    eks, aks = rendered_plan(EKS, tmp_path_factory), rendered_plan(AKS, tmp_path_factory)
    assert (wave(eks, "prod", "kube-prometheus-stack"), wave(eks, "prod", "platform")) == ("1", "1")
    assert wave(eks, "prod", "cert-manager") == "0"
    assert wave(aks, "prod", "kube-prometheus-stack") == "0"
