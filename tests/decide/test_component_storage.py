"""A storage size on a component's row (`80 GB of storage`) is that component's volume, in the environment it names
or in every one (it was reported as "only the database's storage size is applied")."""
from __future__ import annotations

from testlib import PLANS
from planforge.decide import decide
from planforge.decide.readme import render_value
from planforge.plan import parse_text

EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
ROW = "| kube-prometheus-stack | Yes | Prometheus + Grafana + Alertmanager |"


def decided(text: str):
    d = decide(parse_text(text, "plan.md"))
    stored = {comp.name: comp.storage_gb for comp in d.answers.components if comp.storage_gb}
    reported = {n.text: n.why for n in d.not_applied if "G" in n.text}
    return stored, reported, d


def test_a_rows_storage_size_is_the_components_volume_in_each_environment() -> None:
    assert ROW in EKS
    row = "| kube-prometheus-stack | Yes | Prometheus + Grafana, metrics kept 30 days on 80 GB of storage, 20 GiB in dev |"
    stored, reported, d = decided(EKS.replace(ROW, row))
    assert stored == {"kube-prometheus-stack": {"dev": 20, "staging": 80, "prod": 80}}
    assert not reported
    assert "a volume of 20 GiB in dev, 80 GiB in staging, 80 GiB in prod" in render_value(d.answers.components)


def test_a_component_without_a_volume_key_reports_its_size() -> None:
    row = "| ingress-nginx | Yes | Public NLB |"
    assert row in EKS
    stored, reported, _ = decided(EKS.replace(row, "| ingress-nginx | Yes | Public NLB, 5 GiB of storage |"))
    assert not stored
    assert reported == {"5 GiB": "ingress-nginx's values carry no volume size planforge writes: set it in its values"}


def test_a_size_on_a_line_naming_one_volume_keeping_component_is_its_volume() -> None:
    text = EKS.replace("**Constraints**:", "**Observability**: Prometheus keeps metrics 15 days on a 50 GiB persistent "
                       "volume.\n**Constraints**:", 1)
    stored, reported, _ = decided(text)
    assert stored == {"kube-prometheus-stack": {"dev": 50, "staging": 50, "prod": 50}}
    assert not reported
