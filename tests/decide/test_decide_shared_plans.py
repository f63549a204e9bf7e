"""The expected decisions table of issue 2, for every plan in tests/fixtures/plans."""
from __future__ import annotations

import pytest

from testlib import ACCEPTED_PLANS, PLANS
from planforge.decide import decide
from planforge.decide.data import not_used_by
from planforge.errors import RefusedError
from planforge.plan import parse_plan, parse_text


def answers(name: str):
    return decide(parse_plan(PLANS / f"{name}.plan.md"))


def test_aws_single_iac():
    d = answers("aws-single-iac")
    a = d.answers
    assert (a.structure, a.blueprints) == ("single-iac", ["terraform"])
    assert (a.cloud, a.region, a.environments) == ("aws", "eu-west-1", ["dev", "staging", "prod"])
    assert (a.state_backend, a.state_locking, a.iac_tool, a.terraform_version) == ("s3", "dynamodb", "terraform", "1.6")
    assert a.components == [] and a.kubernetes_distribution == "none" and a.gitops == "none"
    sizing = {s.name: s for s in a.environment_sizing}
    assert sizing["dev"].instance_type == sizing["staging"].instance_type == "t3.large"
    assert sizing["prod"].instance_type == "m6i.xlarge"
    assert [n for n, s in sizing.items() if s.multi_az] == ["prod"]
    assert [n for n, s in sizing.items() if s.nat_gateway_per_az] == ["prod"]
    assert (a.database_engine, a.database_version) == ("postgres", "16")
    assert a.high_availability and a.rpo_minutes == 60 and a.compliance == ["soc2"]
    assert a.data_residency == "eu" and a.customer_managed_kms
    assert d.provenance["region"].line == 25 and d.provenance["state_backend"].line == 21
    assert d.provenance["environment_sizing"].line in (36, 37, 38)


def test_aws_eks_argocd():
    d = answers("aws-eks-argocd")
    a = d.answers
    assert (a.structure, a.blueprints) == ("multi-tool", ["terraform", "kubernetes", "argocd"])
    assert (a.kubernetes_distribution, a.kubernetes_version, a.gitops) == ("eks", "1.29", "argocd")
    assert [c.name for c in a.components] == [
        "ingress-nginx", "cert-manager", "external-secrets", "kube-prometheus-stack", "argo-cd", "cluster-autoscaler"]
    assert "external-dns" not in [c.name for c in a.components]
    assert [s.name for s in a.apps] == ["orders-api", "web-frontend"]
    assert (a.cloud, a.region, a.terraform_version) == ("aws", "us-east-1", "1.7")
    assert a.monitoring and a.compliance == ["pci-dss"] and a.high_availability
    versions = {c.name: c.version for c in a.components}
    assert versions["ingress-nginx"] == "4.11.5" and versions["cert-manager"] == "v1.16.1"
    assert d.provenance["structure"].line == 94 and d.provenance["components"].line == 37


def test_multi_tenant_saas():
    d = answers("multi-tenant-saas")
    a = d.answers
    assert (a.structure, a.blueprints) == ("multi-tenant", ["terraform", "kubernetes", "argocd"])
    assert a.tenants == ["acme", "globex", "initech"]
    assert (a.environments, a.region, a.secrets_manager) == (["staging", "prod"], "eu-central-1", "vault")
    assert a.rpo_minutes == 15 and a.compliance == ["gdpr"] and a.customer_managed_kms
    assert "velero" not in [c.name for c in a.components]


def test_helm_chart_payments():
    a = answers("helm-chart-payments").answers
    assert (a.structure, a.blueprints) == ("helm-chart", ["helm-chart"])
    assert a.chart_name == "payments-service"
    [svc] = a.services
    assert (svc.name, svc.image, svc.port, svc.health_path) == (
        "payments-service", "ghcr.io/example/payments-service", 8080, "/healthz")
    assert a.platforms == ["eks", "gke", "aks", "minikube"]
    assert a.storage == "external-postgresql" and a.database_secret


def test_todo_minikube():
    a = answers("todo-minikube").answers
    assert (a.structure, a.blueprints, a.platforms) == ("helm-chart", ["helm-chart"], ["minikube"])
    services = {s.name: s for s in a.services}
    assert list(services) == ["backend", "frontend"]
    assert services["frontend"].replicas == 2
    assert a.storage == "external-postgresql" and a.database_secret.endswith("-db")


def test_event_driven_dapr():
    a = answers("event-driven-dapr").answers
    assert (a.structure, a.blueprints) == ("helm-chart", ["helm-chart", "argocd"])
    assert [s.name for s in a.services] == ["backend", "frontend", "notification-service"]
    assert (a.dapr, a.kafka, a.monitoring) == (True, "redpanda", True)
    assert a.platforms == ["oke", "minikube"] and a.environments == ["dev", "prod"]
    assert a.chart_layout == "per-service"


def test_phase5_doks_warns_but_does_not_block():
    d = answers("phase5-doks")
    a = d.answers
    assert (a.structure, a.blueprints, a.platforms, a.dapr) == ("helm-chart", ["helm-chart"], ["minikube", "doks"], True)
    warned = {w.split(": ")[1] for w in d.warnings}
    assert {"Performance Goals", "Constraints", "Scale/Scope"} <= warned
    assert all(":22:" in w or ":23:" in w or ":24:" in w for w in d.warnings if "unresolved" in w)


def test_needs_clarification_is_refused_with_lines():
    with pytest.raises(RefusedError) as exc:
        decide(parse_plan(PLANS / "needs-clarification.plan.md"))
    got = {(p.field, p.line) for p in exc.value.problems}
    # Deployment Type: multi-region naming no region
    assert got == {("Cloud Provider", 8), ("State Backend", 13), ("Structure Decision", 22), ("Deployment Type", 17)}
    assert exc.value.exit_code == 1
    warnings = exc.value.warnings
    assert any(":19: Constraints:" in w for w in warnings)
    assert not any(p.field == "Constraints" for p in exc.value.problems)


@pytest.mark.parametrize("path", ACCEPTED_PLANS, ids=lambda p: p.stem)
def test_every_answer_has_provenance_and_a_decision(path):
    d = decide(parse_plan(path))
    a = d.answers
    answer_fields = set(a.to_copier_data()) - {"decisions", "not_applied"}
    assert answer_fields <= set(d.provenance)
    for name in answer_fields:
        prov = d.provenance[name]
        if prov.source == "plan":
            assert prov.line and prov.text
        else:
            assert prov.note
    names = [x.name for x in a.decisions]
    assert {"structure", "blueprints", "project_name", "environments", "secrets_manager"} <= set(names)
    assert not set(names) & not_used_by(a.structure, a.compute)
    for decision in a.decisions:
        assert decision.source == d.provenance[decision.name].describe()


@pytest.mark.parametrize("path", ACCEPTED_PLANS, ids=lambda p: p.stem)
def test_plan_provenance_lines_hold_the_quoted_text(path):
    d = decide(parse_plan(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    for name, prov in d.provenance.items():
        if prov.source == "plan":
            quoted = lines[prov.line - 1].replace("`", "").replace("**", "").strip()
            assert prov.text.split(" ")[0].strip("|") in quoted, (name, prov)


def test_every_answer_field_is_documented_in_decisions_md():
    """docs/decisions.md has a row naming each Answers field (the README of the decision step)."""
    from testlib import REPO
    from planforge.decide.answers import Answers

    doc = (REPO / "docs" / "decisions.md").read_text(encoding="utf-8")
    rows = "\n".join(line.split("|")[1] for line in doc.splitlines() if line.startswith("| `"))
    missing = [name for name in Answers.model_fields if name != "decisions" and f"`{name}`" not in rows]
    assert missing == []


@pytest.mark.parametrize("item,on", [
    ("- Principle V: Event-Driven (Dapr pub/sub over Kafka, Prometheus monitoring)", True),
    ("- [x] **Event-Driven**: Dapr pub/sub over Kafka, Prometheus monitoring", True),
    ("- [ ] **Event-Driven**: Dapr pub/sub over Kafka, Prometheus monitoring", False),
])
def test_constitution_items_in_both_styles_set_the_flags(item, on):
    """`Principle N:` lines are the sp template's Constitution Check; an unchecked `[ ]` item is not."""
    from planforge.plan import parse_text

    path = PLANS / "todo-minikube.plan.md"
    text = path.read_text(encoding="utf-8")
    anchor = "- Principle IV: Technical Requirements"
    text = text.replace(anchor, f"{item}\n{anchor}")
    d = decide(parse_text(text, "p.md"))
    line = text.splitlines().index(item) + 1
    assert (d.answers.dapr, d.answers.kafka != "none", d.answers.monitoring) == (on, on, on)
    if on:
        assert d.provenance["dapr"].line == line and d.provenance["monitoring"].line == line


@pytest.mark.parametrize("notes, multi_az", [
    ("PostgreSQL 16, Multi-AZ in production only", ["prod"]),
    ("PostgreSQL 16; Multi-AZ in dev or staging", ["dev", "staging"]),
    # the environment named first in its clause, and a negation that must not turn Multi-AZ on
    ("PostgreSQL 16; prod `db.m6g.large` Multi-AZ, 200 GB gp3; dev `db.t4g.micro` 20 GB; no Multi-AZ in dev or staging",
     ["prod"]),
])
def test_multi_az_is_read_per_environment(notes: str, multi_az: list[str]):
    text = (PLANS / "aws-single-iac.plan.md").read_text(encoding="utf-8").replace(
        "PostgreSQL 16, Multi-AZ in production only", notes)
    sizing = decide(parse_text(text, "plan.md")).answers.environment_sizing
    assert [s.name for s in sizing if s.multi_az] == multi_az
