"""The ingress controller's Service fits the cluster: on Minikube no cloud answers a LoadBalancer Service (it would
stay pending, and the install script's `helm upgrade --wait` with it), so the controller takes the node's ports as
Minikube's ingress addon does; on a cloud the chart's LoadBalancer stays. A chart's Ingresses are ingress-nginx's
wherever the cluster runs it."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testlib import REAL_PLANS, generate_repo, rendered_plan

MINIKUBE = REAL_PLANS / "soobiarao14--new-todo-app--003-cloud-native-deployment.plan.md"
DOKS = REAL_PLANS / "sharjeeltanoli--todoadvanceapp--006-cloud-deployment.plan.md"


def _controller(repo: Path) -> dict:
    [values] = sorted(repo.glob("platform/values/*/ingress-nginx.yaml"))
    return yaml.safe_load(values.read_text())["controller"]


def test_on_minikube_the_controller_listens_on_the_node(tmp_path_factory: pytest.TempPathFactory) -> None:
    controller = _controller(rendered_plan(MINIKUBE, tmp_path_factory))
    assert controller["service"]["type"] == "NodePort"
    assert controller["hostPort"]["enabled"] is True


def test_on_a_cloud_the_controller_keeps_its_load_balancer(tmp_path_factory: pytest.TempPathFactory) -> None:
    controller = _controller(rendered_plan(DOKS, tmp_path_factory))
    assert "hostPort" not in controller and controller.get("service", {}).get("type", "LoadBalancer") == "LoadBalancer"


def test_the_charts_ingresses_are_ingress_nginxs_on_eks_when_the_cluster_runs_it(
        tmp_path_factory: pytest.TempPathFactory):
    """`ingress-nginx for the public endpoint` on EKS: the chart's Ingresses take class nginx, not the ALB class no
    AWS Load Balancer Controller serves."""
    repo = generate_repo("existing-cluster-controllers", tmp_path_factory)
    values = yaml.safe_load((repo / "charts/payments-api/platforms/eks.yaml").read_text())
    assert values["ingress"]["className"] == "nginx"
    assert not any(k.startswith("alb.") for k in values["ingress"]["annotations"] or {})
