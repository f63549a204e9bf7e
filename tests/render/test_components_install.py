"""Without a GitOps tool, the install script (`kubernetes/components/install.sh <env>`, or a helm-chart repository's
`platform/install.sh <env>`) installs the catalog charts in order, and stops before a chart whose values name a Secret
(`existingSecret`) that nobody has created yet; the README says how to deploy. Run with fake `kubectl` and `helm`
that record their calls (no cluster here)."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import with_broker
from testlib import PLANS, REAL_PLANS, rendered_plan

BASE = PLANS / "aws-eks-argocd.plan.md"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """aws-eks-argocd with `GitOps: none` (kube-prometheus-stack's Grafana reads the Secret grafana-admin)."""
    plan = tmp_path_factory.mktemp("no-gitops") / "no-gitops.plan.md"
    text = re.sub(r"(?m)^\*\*GitOps\*\*:.*$", "**GitOps**: none", BASE.read_text(encoding="utf-8"))
    plan.write_text(text, encoding="utf-8")
    return rendered_plan(plan, tmp_path_factory)


@pytest.fixture(scope="module")
def rendered_chart_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A helm-chart plan without GitOps naming cert-manager, kube-prometheus-stack and Loki (DOKS, Dapr on Redpanda
    Cloud: the pub/sub's brokers are the README's `kafka.example.invalid:9092`, set by you)."""
    return rendered_plan(REAL_PLANS / "sharjeeltanoli--todoadvanceapp--006-cloud-deployment.plan.md",
                         tmp_path_factory)


@pytest.fixture(scope="module")
def chart_repo(rendered_chart_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """That repository once its user has set the broker's address."""
    return with_broker(rendered_chart_repo, tmp_path_factory.mktemp("broker-set") / "repo")


def _run(repo: Path, tmp_path: Path, secrets: str, script: str = "kubernetes/components/install.sh",
         env_name: str = "prod") -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """install.sh <env_name> with a kubectl whose `get secret` finds the names in `secrets` (space-separated)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    (bin_dir / "helm").write_text(f'#!/bin/sh\necho "helm $*" >> {log}\n')
    (bin_dir / "kubectl").write_text(
        f'#!/bin/sh\necho "kubectl $*" >> {log}\n'
        f'if [ "$3 $4" = "get secret" ]; then for s in {secrets}; do [ "$s" = "$5" ] && exit 0; done; exit 1; fi\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"}
    proc = subprocess.run(["bash", str(repo / script), env_name], env=env,
                          capture_output=True, text=True, timeout=60)
    return proc, log.read_text().splitlines() if log.exists() else []


def _installed(calls: list[str]) -> list[str]:
    return [c.split()[3] for c in calls if c.startswith("helm upgrade --install")]


def test_a_missing_secret_stops_the_install_before_its_chart(repo: Path, tmp_path: Path) -> None:
    proc, calls = _run(repo, tmp_path, secrets="")
    assert proc.returncode == 1
    assert "create the Secret grafana-admin in namespace monitoring first" in proc.stderr
    installed = _installed(calls)
    assert "kube-prometheus-stack" not in installed and installed[0] == "cert-manager", installed
    assert "kubectl -n monitoring get secret grafana-admin" in calls


def test_with_its_secrets_every_component_is_installed_cert_manager_first(repo: Path, tmp_path: Path) -> None:
    proc, calls = _run(repo, tmp_path, secrets="grafana-admin")
    assert proc.returncode == 0, proc.stderr
    installed = _installed(calls)
    assert installed[0] == "cert-manager"
    assert {"ingress-nginx", "external-secrets", "kube-prometheus-stack", "argo-cd"} <= set(installed), installed
    assert all("--wait" in c and "--version" in c for c in calls if c.startswith("helm upgrade"))


def test_the_readme_says_how_to_deploy_without_gitops(repo: Path) -> None:
    readme = (repo / "README.md").read_text()
    deploy = readme.split("## Deploy", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"(?m)^\d\. (.*)$", deploy)
    assert [s for s in steps if "install.sh" in s] and "kubectl apply -k kubernetes/overlays/<env>" in deploy
    assert deploy.index("Secrets") < deploy.index("install.sh") < deploy.index("kubernetes/overlays")
    assert "kubectl apply -k kubernetes/apps/<app>/overlays/<env>" in deploy


PLATFORM = {"script": "platform/install.sh", "env_name": "staging"}
# the Secrets its Dapr Components read: the pub/sub's broker user, the state store's connection string
DAPR_SECRETS = "kafka-credentials cloud-deployment-db"


def test_the_platform_script_stops_first_while_the_brokers_address_is_the_placeholder(rendered_chart_repo: Path,
                                                                                     tmp_path: Path) -> None:
    proc, calls = _run(rendered_chart_repo, tmp_path, secrets="grafana-admin", **PLATFORM)
    assert proc.returncode == 1
    assert "set your Kafka broker's bootstrap servers (brokers) in dapr/pubsub.yaml first" in proc.stderr
    assert calls == []


def test_the_platform_script_stops_before_the_chart_whose_secret_is_missing(chart_repo: Path, tmp_path: Path) -> None:
    proc, calls = _run(chart_repo, tmp_path, secrets=DAPR_SECRETS, **PLATFORM)
    assert proc.returncode == 1
    assert "create the Secret grafana-admin in namespace monitoring first" in proc.stderr
    assert _installed(calls) == ["cert-manager", "dapr", "ingress-nginx"]


def test_the_platform_script_stops_before_the_dapr_components_whose_secret_is_missing(chart_repo: Path,
                                                                                        tmp_path: Path) -> None:
    """The pub/sub reads kafka-credentials, the state store cloud-deployment-db: a sidecar whose Component cannot read
    its Secret never starts, so the Components wait for both, and nothing after Dapr is installed."""
    proc, calls = _run(chart_repo, tmp_path, secrets="grafana-admin cloud-deployment-db", **PLATFORM)
    assert proc.returncode == 1
    assert "create the Secret kafka-credentials in namespace staging first" in proc.stderr
    assert _installed(calls) == ["cert-manager", "dapr"]
    assert not [c for c in calls if c.startswith("kubectl apply -k") and "/dapr " in c + " "]


def test_the_platform_script_applies_the_cluster_issuer_right_after_cert_manager(chart_repo: Path,
                                                                                 tmp_path: Path) -> None:
    proc, calls = _run(chart_repo, tmp_path, secrets=f"grafana-admin {DAPR_SECRETS}", **PLATFORM)
    assert proc.returncode == 0, proc.stderr
    # metrics-server: the plan's values blocks give its services HPA ranges, and DOKS runs no metrics API of its own
    assert _installed(calls) == ["cert-manager", "dapr", "ingress-nginx", "kube-prometheus-stack", "loki", "alloy",
                                 "metrics-server"]
    helm_calls = [c for c in calls if c.startswith("helm upgrade")]
    issuers = [i for i, c in enumerate(calls) if c.startswith("kubectl apply -k") and c.endswith("/cluster-issuers")]
    assert issuers and calls.index(helm_calls[0]) < issuers[0] < calls.index(helm_calls[1]), calls
    # the Dapr Components right after Dapr: a later chart failing leaves no sidecar without its pub/sub
    components = [i for i, c in enumerate(calls) if c.startswith("kubectl apply -k") and "/dapr " in c + " "]
    assert components and calls.index(helm_calls[1]) < components[0] < calls.index(helm_calls[2]), calls
    issuer = yaml.safe_load((chart_repo / "cluster-issuers/cluster-issuer.yaml").read_text())
    assert issuer["kind"] == "ClusterIssuer" and issuer["metadata"]["name"] == "letsencrypt"
    assert issuer["spec"]["acme"]["solvers"][0]["http01"]["ingress"]["ingressClassName"] == "nginx"
    assert "`cluster-issuers/` | cert-manager's ClusterIssuer `letsencrypt`" in (chart_repo / "README.md").read_text()
