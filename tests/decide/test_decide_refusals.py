"""Refusals: unsupported values are refused with the supported list, never silently replaced;
unknown components suggest catalog names; names and text are safe for Copier/HCL/YAML."""
from __future__ import annotations

import re

import pytest

from testlib import PLANS, line_of, refused, SEEDS
from planforge.decide import decide
from planforge.decide.data import blocking_action, catalog, load
from planforge.errors import RefusedError
from planforge.plan import parse_text
from planforge.catalog import load_catalog

SINGLE = (PLANS / "aws-single-iac.plan.md").read_text(encoding="utf-8")
EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("label,old,new,supported", [
    ("GitOps", "**GitOps**: ArgoCD", "**GitOps**: Jenkins X", "ArgoCD, Flux, none"),
    ("Cloud Provider", "**Cloud Provider**: AWS", "**Cloud Provider**: Mars Cloud", "AWS, Azure, GCP, DigitalOcean, Oracle Cloud, on-premise"),
    ("State Backend", "**State Backend**: S3+DynamoDB", "**State Backend**: Consul", "S3+DynamoDB"),
    ("Deployment Strategy", "**Deployment Strategy**: Helm-first with Kustomize fallback",
     "**Deployment Strategy**: Blue/green with Spinnaker", "Kustomize-only"),
    ("IaC Tools", "**IaC Tools**: Terraform 1.7", "**IaC Tools**: AWS CDK", "Terraform"),
    ("Secrets Management", "**Secrets Management**: AWS Secrets Manager via External Secrets Operator",
     "**Secrets Management**: 1Password Connect", "Sealed Secrets"),
])
def test_unsupported_values_are_refused_with_supported_list(label, old, new, supported):
    text = EKS.replace(old, new)
    assert new in text
    problems = refused(text)
    [p] = [p for p in problems if p.field == label]
    assert p.line == line_of(text, new)
    assert "unsupported" in p.message and supported in p.message


def test_unknown_component_suggests_closest_catalog_names():
    text = EKS.replace("| cert-manager | Yes |", "| cert-manger | Yes |")
    [p] = refused(text)
    assert p.field == "Deployment Components" and p.line == line_of(text, "cert-manger")
    assert "cert-manager" in p.message.split("did you mean")[1]


def test_component_aliases_resolve():
    assert catalog().chart("ArgoCD").name == "argo-cd"
    assert catalog().chart("Prometheus + Grafana").name == "kube-prometheus-stack"
    assert catalog().chart("nginx ingress").name == "ingress-nginx"
    assert catalog().module("Compute (EC2 Auto Scaling)") == "compute"
    assert catalog().chart("VPC") is None


def test_catalog_entries_are_pinned():
    charts = load_catalog()["charts"]
    required = {"ingress-nginx", "cert-manager", "external-secrets", "sealed-secrets", "kube-prometheus-stack", "argo-cd",
                "external-dns", "metrics-server", "velero", "dapr", "redpanda", "strimzi-kafka-operator", "keda", "vault",
                "loki"}
    assert required <= set(charts)
    for name, e in charts.items():
        assert re.fullmatch(r"v?\d+\.\d+\.\d+", str(e["version"])), name
        assert e["chart_repo"].startswith("https://") and e["namespace"] and e["chart"]


@pytest.mark.parametrize("old,new,field", [
    ("**Target Environment**: dev, staging, production", "**Target Environment**: dev, ../../etc", "environments"),
    ("**Custom Applications**: orders-api, web-frontend", "**Custom Applications**: orders-api, {{ cookiecutter }}", "apps"),
    ("**Custom Applications**: orders-api, web-frontend", "**Custom Applications**: orders_api; rm -rf", "apps"),
])
def test_unsafe_names_are_refused_with_field_and_line(old, new, field):
    text = EKS.replace(old, new)
    problems = refused(text)
    assert any(p.line == line_of(text, new) for p in problems), problems


def test_jinja_in_any_answer_is_refused():
    text = EKS.replace("| ingress-nginx | Yes | Public NLB |", "| ingress-nginx | Yes | {% raw %} NLB |")
    problems = refused(text)
    assert any("components" in (p.field or "") or "decisions" in (p.field or "") for p in problems)
    assert all(p.line == line_of(text, "{% raw %}") for p in problems)
    title = EKS.replace("# Implementation Plan: Storefront Platform on EKS", "# Implementation Plan: ${var.x}")
    problems = refused(title)
    assert problems and all(p.line == 1 for p in problems)


def test_tenant_names_must_be_slugs():
    text = (PLANS / "multi-tenant-saas.plan.md").read_text(encoding="utf-8").replace("acme/", "Acme_Corp/")
    problems = refused(text)
    assert problems[0].field == "tenants" and problems[0].line == line_of(text, "Acme_Corp/")


def test_multi_tenant_without_tenants_is_refused():
    text = (PLANS / "multi-tenant-saas.plan.md").read_text(encoding="utf-8")
    text = re.sub(r"```text\n.*?```\n", "", text, flags=re.S)
    text = text.replace("tenants acme, globex and initech", "").replace("(acme, globex, initech)", "")
    [p] = refused(text)
    assert p.field == "Structure Decision" and "tenants" in p.message


def test_blocking_matrix_data():
    assert blocking_action("cloud_provider", "single-iac") == "block"
    assert blocking_action("cloud_provider", "helm-chart") == "warn"
    assert blocking_action("performance_goals", "multi-tool") == "warn"
    assert blocking_action("target_platform", "helm-chart") == "block"
    assert blocking_action("some_extra_field", "multi-tenant") == "warn"
    for structure in ("single-iac", "multi-tool", "multi-tenant", "helm-chart"):
        assert blocking_action("structure_decision", structure) == "block"
        for descriptive in ("performance_goals", "constraints", "scale_scope"):
            assert blocking_action(descriptive, structure) == "warn"


def test_unresolved_descriptive_fields_only_warn():
    text = SINGLE.replace("**Constraints**: SOC2, data residency EU, budget < $4k/month", "**Constraints**: NEEDS CLARIFICATION")
    d = decide(parse_text(text, "p.md"))
    assert any(":27: Constraints:" in w for w in d.warnings)
    assert d.answers.compliance == []


def test_app_plan_without_infrastructure_is_refused():
    text = "# Implementation Plan: CLI tool\n\n## Technical Context\n\n**Language/Version**: Rust 1.75\n"
    [p] = refused(text)
    assert "nothing to generate" in p.message


def test_structure_option_2_depends_on_family():
    """Option 2 is multi-tool for /specops.plan but a web application for /sp.plan."""
    sp = (PLANS / "phase5-doks.plan.md").read_text(encoding="utf-8")
    assert "Option 2" in sp and decide(parse_text(sp)).answers.structure == "helm-chart"
    assert "Option 2" in EKS and decide(parse_text(EKS)).answers.structure == "multi-tool"


def test_s3_without_dynamodb_uses_lockfile_only_from_terraform_1_10():
    old = decide(parse_text(SINGLE.replace("**State Backend**: S3+DynamoDB", "**State Backend**: S3"))).answers
    assert (old.state_backend, old.state_locking) == ("s3", "dynamodb")
    new = SINGLE.replace("**State Backend**: S3+DynamoDB", "**State Backend**: S3").replace("Terraform 1.6", "Terraform 1.10")
    a = decide(parse_text(new)).answers
    assert (a.state_backend, a.state_locking, a.terraform_version) == ("s3", "lockfile", "1.10")


def test_region_default_is_documented():
    # no data residency in this plan (with one, the default is the residency's first region: test_residency.py)
    text = EKS.replace("**Deployment Type**: single-region (us-east-1)", "**Deployment Type**: single-region")
    assert "us-east-1" not in text and "residency" not in text
    d = decide(parse_text(text))
    assert d.answers.region == load("defaults.yaml")["regions"]["aws"]
    assert d.provenance["region"].source == "default" and "defaults.yaml" in d.provenance["region"].note


def test_kubernetes_of_another_cloud_is_refused():
    text = EKS.replace("**Kubernetes**: EKS 1.29", "**Kubernetes**: AKS 1.29")
    [p] = refused(text)
    assert p.field == "Kubernetes" and p.line == line_of(text, "AKS 1.29") and "aws" in p.message


def test_docs_blocking_table_matches_the_data_file():
    from testlib import REPO

    structures = ["single-iac", "multi-tool", "multi-tenant", "helm-chart"]
    rows = [ln for ln in (REPO / "docs" / "blocking.md").read_text().splitlines() if ln.startswith("| ") and "(`" in ln]
    assert len(rows) >= 9
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        key = re.search(r"\(`([a-z_]+)`\)", cells[0]).group(1)
        assert [blocking_action(key, s) for s in structures] == cells[1:5], key


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.md")), ids=lambda p: p.stem)
def test_unfilled_templates_are_refused(seed):
    from planforge.plan import parse_plan

    with pytest.raises(RefusedError) as exc:
        decide(parse_plan(seed))
    lines = seed.read_text(encoding="utf-8").splitlines()
    assert any(p.field == "project_name" and p.line == 1 for p in exc.value.problems)
    for p in exc.value.problems:
        if p.field != "project_name":
            assert p.field.split()[0].lower() in lines[p.line - 1].lower()


@pytest.mark.parametrize("branch", ["../../etc/passwd", "{{ cookiecutter.name }}", "x-${var.y}"])
def test_unsafe_branch_is_refused_not_sanitized(branch):
    text = SINGLE.replace("`012-core-data-platform`", f"`{branch}`", 1)
    [p] = refused(text)
    assert (p.field, p.line) == ("Branch", 3)


def test_a_refusal_for_unsafe_text_keeps_the_warnings():
    """The warnings of a plan refused by the safety gate are still reported (plan check, plan show --json)."""
    text = (PLANS / "phase5-doks.plan.md").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^# Implementation Plan: .*$", "# Implementation Plan: ${var.x}", text)
    with pytest.raises(RefusedError) as exc:
        decide(parse_text(text, "p.md"))
    assert [p.field for p in exc.value.problems] == ["plan_title"]
    assert [w.split(": ")[1] for w in exc.value.warnings] == ["Performance Goals", "Constraints", "Scale/Scope"]


KUSTOMIZE_NO_TERRAFORM = """# Implementation Plan: Orders Kustomize Deployment

**Branch**: `007-orders-k8s` | **Date**: 2025-10-02 | **Spec**: [spec.md](./spec.md)

## Summary
Deploy the orders-api and orders-web services to our existing EKS cluster with Kustomize overlays per
environment, synced by Argo CD.

## Technical Context
**Language/Version**: Kubernetes 1.30
**Primary Dependencies**: Kustomize 5, Argo CD 2.12
**Target Platform**: Amazon EKS 1.30 in eu-west-1 (existing cluster, not managed here)
**Project Type**: Infrastructure - Kubernetes manifests
**Environments**: dev, prod
**Constraints**: no Helm charts of our own; plain manifests with Kustomize

## Project Structure

```text
k8s/
├── base/
│   ├── orders-api/
│   └── orders-web/
└── overlays/
    ├── dev/
    └── prod/
```

**Structure Decision**: Kustomize base + per-environment overlays under `k8s/`, Argo CD Applications per environment; no Helm chart and no Terraform (the cluster exists).
"""


def test_a_structure_decision_for_kustomize_without_terraform_is_refused_not_turned_into_a_chart():
    [problem] = refused(KUSTOMIZE_NO_TERRAFORM)
    assert problem.line == line_of(KUSTOMIZE_NO_TERRAFORM, "**Structure Decision**")
    assert "Kustomize manifests without Terraform" in problem.message and "multi-tool" in problem.hint


def test_a_structure_decision_for_a_chart_with_kustomize_overlays_is_a_chart():
    text = KUSTOMIZE_NO_TERRAFORM.replace("; no Helm chart and no Terraform (the cluster exists)",
                                          "; one Helm chart for both services")
    assert decide(parse_text(text, "p.md")).answers.structure == "helm-chart"
