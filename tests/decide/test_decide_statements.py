"""Explicit statements win over defaults (decide/rules/statements.py, data/statements.yaml)."""
from __future__ import annotations

import pytest

from planforge import layout
from planforge.decide import decide
from planforge.decide.data import load
from planforge.decide.rules.statements import _RULES, find_statements
from planforge.errors import RefusedError
from planforge.plan import parse_plan
from planforge.plan.reader import parse_text
from testlib import PLANS, REAL_PLANS

AZURE_PLAN = """# Implementation Plan: Shop hosting

**Branch**: `007-shop-hosting` | **Date**: 2026-01-01

## Summary

Host the shop on AKS with Terraform.
{summary}

## Technical Context

**Language/Version**: HCL (Terraform >= 1.9)
**Primary Dependencies**: azurerm, AKS, ingress-nginx
**Storage**: {storage}
**Target Platform**: Azure Kubernetes Service
**Constraints**: {constraints}
"""
SUMMARY_LINE = 8  # the line {summary} fills


def azure(summary: str = "", storage: str = "PostgreSQL 16", constraints: str = "none"):
    text = AZURE_PLAN.format(summary=summary, storage=storage, constraints=constraints)
    return decide(parse_text(text))


def line_of(text: str, words: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if words in line)


def test_every_statement_of_the_vocabulary_has_a_rule():
    assert set(load("statements.yaml")["statements"]) == set(_RULES)


def test_without_statements_the_defaults_hold():
    d = azure()
    a = d.answers
    assert a.secrets_manager == "azure-key-vault" and a.state_bootstrap is True
    assert d.provenance["state_bootstrap"].source == "default"
    names = [m["name"] for m in layout.terraform_modules(a.to_copier_data())]
    assert "keyvault" in names and "database" in names


@pytest.mark.parametrize("words", [
    "Secrets live in Kubernetes Secrets — no Key Vault.",
    "There is no Azure Key Vault.",
    "We run without a Key Vault.",
    "Deployed secrets/config come from GitHub Environments into Kubernetes Secrets.",
    "Secrets are injected from GitHub Actions secrets at deploy time.",
])
def test_no_key_vault_means_kubernetes_secrets_and_no_key_vault_module(words):
    d = azure(summary=words)
    a = d.answers
    assert a.secrets_manager == "kubernetes"
    assert d.provenance["secrets_manager"].line == SUMMARY_LINE
    data = a.to_copier_data()
    assert "keyvault" not in [m["name"] for m in layout.terraform_modules(data)]
    assert "cluster-secret-store" not in layout.files(data)


def test_no_key_vault_against_compliance_keys_is_refused_at_its_line():
    with pytest.raises(RefusedError) as info:
        azure(summary="No Key Vault.", constraints="SOC2 compliance")
    [p] = [p for p in info.value.problems if "Key Vault" in p.message]
    assert p.line == SUMMARY_LINE and p.hint


@pytest.mark.parametrize("words", [
    "Remote state lives in a storage account managed outside Terraform.",
    "The state backend is created outside of Terraform by a script.",
    "A bootstrap script (state backend) is run outside Terraform.",
    "Terraform never manages its own backend.",
])
def test_state_outside_terraform_drops_the_bootstrap_root(words):
    d = azure(summary=words)
    assert d.answers.state_bootstrap is False
    assert d.provenance["state_bootstrap"].line == SUMMARY_LINE
    assert layout.dirs(d.answers.to_copier_data())["tf_bootstrap"] == ""


@pytest.mark.parametrize("words", [
    "A separate bootstrap module creates the storage account for the Terraform state.",
    "The tfstate storage account comes from a bootstrap root with its own local state.",
])
def test_a_bootstrap_root_for_the_state_is_the_plan_s_choice(words):
    d = azure(summary=words)
    assert d.answers.state_bootstrap is True
    assert d.provenance["state_bootstrap"].source == "plan" and d.provenance["state_bootstrap"].line == SUMMARY_LINE
    assert not [n for n in d.not_applied if n.line == SUMMARY_LINE]


def test_a_bootstrap_root_against_state_created_outside_terraform_is_refused_with_both_lines():
    with pytest.raises(RefusedError) as e:
        azure(summary="A bootstrap module creates the state storage account.",
              constraints="Remote state lives in a storage account managed outside Terraform.")
    [p] = e.value.problems
    assert p.line == 16 and f"line {SUMMARY_LINE} says a bootstrap root" in p.message and p.hint


@pytest.mark.parametrize("words", [
    "Environments are Terraform workspaces with one tfvars each.",
    "Environments are selected with workspaces + one <env>.tfvars each.",
])
def test_terraform_workspaces_select_one_root_with_envs_tfvars(words):
    d = azure(summary=words)
    assert d.answers.terraform_roots == "workspaces"
    assert d.provenance["terraform_roots"].line == SUMMARY_LINE
    assert not d.not_applied
    dirs = layout.dirs(d.answers.to_copier_data())
    assert dirs["tf_live"] == "terraform/live" and dirs["tf_environments"] == ""


def test_without_the_statement_one_root_per_environment():
    d = azure()
    assert d.answers.terraform_roots == "per-environment"
    assert d.provenance["terraform_roots"].source == "default"
    dirs = layout.dirs(d.answers.to_copier_data())
    assert dirs["tf_live"] == "" and dirs["tf_environments"] == "terraform/environments"


def test_terraform_workspaces_in_a_multi_tenant_plan_are_refused_at_their_line():
    lines = (PLANS / "multi-tenant-saas.plan.md").read_text(encoding="utf-8").splitlines()
    summary = lines.index("## Summary") + 1
    lines.insert(summary, "Environments are Terraform workspaces with one tfvars each.")
    with pytest.raises(RefusedError) as info:
        decide(parse_text("\n".join(lines) + "\n"))
    [p] = [p for p in info.value.problems if p.field == "terraform_roots"]
    assert p.line == summary + 1 and p.hint


@pytest.mark.parametrize("storage", [
    "PostgreSQL 18 in-cluster (StatefulSet + PVC)",
    "postgres in cluster",
    "In-cluster PostgreSQL on a PVC",
])
def test_in_cluster_database_is_generated_instead_of_the_managed_module(storage):
    d = azure(storage=storage)
    a = d.answers
    assert a.storage == "in-cluster-postgresql"
    assert "database" not in [m["name"] for m in layout.terraform_modules(a.to_copier_data())]
    assert layout.dirs(a.to_copier_data())["k8s_database"] == "kubernetes/database"
    assert not [n for n in d.not_applied if "in-cluster" in n.text.lower() or "in cluster" in n.text.lower()]


@pytest.mark.parametrize(("words", "name", "answer", "value"), [
    ("AKS with system/user node pools.", "node_pool_split", "node_pools", "system-user"),
    ("AKS with system + user node pools.", "node_pool_split", "node_pools", "system-user"),
    ("Separate system and user pools.", "node_pool_split", "node_pools", "system-user"),
    ("A system node pool for add-ons, a user node pool for apps.", "node_pool_split", "node_pools", "system-user"),
    ("The API server is IP-restricted.", "api_authorized_ranges", "api_endpoint", "public"),
    ("API access limited to authorized IP ranges.", "api_authorized_ranges", "api_endpoint", "public"),
    ("API access limited to authorised ranges.", "api_authorized_ranges", "api_endpoint", "public"),
    ("GKE master authorized networks only.", "api_authorized_ranges", "api_endpoint", "public"),
    ("Ingress bound to a pre-allocated static Azure public IP.", "static_ingress_ip", "static_ingress_ip", True),
    ("One static IP per environment.", "static_ingress_ip", "static_ingress_ip", True),
    ("An Elastic IP per environment.", "static_ingress_ip", "static_ingress_ip", True),
    ("Networking: Azure CNI overlay.", "pod_overlay", "aks_pod_overlay", True),
    ("Pods use overlay networking.", "pod_overlay", "aks_pod_overlay", True),
    ("Calico network policy on every cluster.", "network_policy_engine", "aks_network_policy", "calico"),
    ("Network policies are enforced by Calico.", "network_policy_engine", "aks_network_policy", "calico"),
    ("Azure CNI powered by Cilium.", "network_policy_engine", "aks_network_policy", "cilium"),
    ("Cilium (network policy engine).", "network_policy_engine", "aks_network_policy", "cilium"),
    ("Azure Monitor container insights is enough for now.", "container_insights", "aks_container_insights", True),
    ("Container Insights on every cluster.", "container_insights", "aks_container_insights", True),
])
def test_cluster_choices_set_their_answer_at_the_statement_line(words, name, answer, value):
    text = AZURE_PLAN.format(summary=words, storage="PostgreSQL 16", constraints="none")
    assert name in find_statements(parse_text(text))
    d = azure(summary=words)
    assert getattr(d.answers, answer) == value
    assert d.provenance[answer].source == "plan" and d.provenance[answer].line == SUMMARY_LINE
    assert not [n for n in d.not_applied if n.line == SUMMARY_LINE]


def test_a_pod_network_choice_on_another_cluster_is_reported_at_its_line():
    """EKS and GKE keep the CNI and policy engine their modules set up: a plan's Calico is reported, not dropped."""
    text = AZURE_PLAN.replace("AKS", "EKS").replace("azurerm", "aws").replace(
        "Azure Kubernetes Service", "Amazon EKS").format(summary="Calico network policy.", storage="PostgreSQL 16",
                                                         constraints="none")
    d = decide(parse_text(text))
    assert d.answers.aks_network_policy == ""
    assert any(n.line == SUMMARY_LINE and "for AKS only" in n.why for n in d.not_applied)


@pytest.mark.parametrize("words,name", [
    ("We install the Calico operator later.", "network_policy_engine"),
    ("No container insights: Prometheus only.", "container_insights"),
    ("We run without Container Insights.", "container_insights"),
])
def test_what_is_no_statement_of_an_aks_option(words, name):
    assert name not in find_statements(parse_text(AZURE_PLAN.format(summary=words, storage="PostgreSQL 16",
                                                                     constraints="none")))


def test_authorized_ranges_without_cidrs_leave_them_to_fill_in():
    d = azure(summary="API access limited to authorized IP ranges.")
    assert d.answers.api_endpoint == "public" and d.answers.api_authorized_cidrs == []


@pytest.mark.parametrize(("words", "cidrs"), [
    ("API access limited to authorized IP ranges 203.0.113.0/24 and 198.51.100.7/32.",
     ["203.0.113.0/24", "198.51.100.7/32"]),
    ("Authorized ranges: 2001:db8::/48, 203.0.113.0/24; the VNet is 10.0.0.0/16.", ["2001:db8::/48", "203.0.113.0/24"]),
    ("The VNet is 10.0.0.0/16. Master authorized networks (192.0.2.0/24) only.", ["192.0.2.0/24"]),
])
def test_authorized_ranges_read_the_cidrs_of_their_sentence(words, cidrs):
    d = azure(summary=words)
    assert d.answers.api_authorized_cidrs == cidrs
    assert d.provenance["api_authorized_cidrs"].line == SUMMARY_LINE


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0", "300.1.2.3/8", "10.0.0.0/40"])
def test_an_open_or_malformed_authorized_range_is_refused_at_its_line(cidr):
    with pytest.raises(RefusedError) as e:
        azure(summary=f"API access limited to authorized IP ranges {cidr}.")
    assert any(p.line == SUMMARY_LINE and "api_authorized_cidrs" in (p.field or "") for p in e.value.problems)


def test_cluster_choices_of_a_repository_without_a_cluster_are_not_applied():
    text = AZURE_PLAN.format(summary="System/user node pools, a static public IP.", storage="x", constraints="none")
    text = text.replace("Host the shop on AKS with Terraform.", "Host the shop on Azure VMs with Terraform.")
    text = text.replace("**Primary Dependencies**: azurerm, AKS, ingress-nginx", "**Primary Dependencies**: azurerm")
    text = text.replace("Azure Kubernetes Service", "Azure virtual machines")
    d = decide(parse_text(text))
    assert d.answers.structure == "single-iac"
    assert d.answers.node_pools == "single" and d.answers.static_ingress_ip is False
    stated = [n for n in d.not_applied if n.line == SUMMARY_LINE]
    assert [n.text for n in stated] == ["System/user node pools", "static public IP"]
    assert all("no Terraform-managed Kubernetes cluster" in n.why for n in stated)



@pytest.mark.parametrize("words", ["No service mesh.", "We run without a service mesh.",
                                   "DNS stays at the registrar.", "No Terraform-managed DNS."])
def test_negations_of_what_is_never_generated_are_accounted_for(words):
    assert find_statements(parse_text(AZURE_PLAN.format(summary=words, storage="x", constraints="none")))
    d = azure(summary=words)
    assert not d.not_applied
    # the plan's own components; the model adds External Secrets for the Key Vault store, whatever the words
    assert [c.name for c in d.answers.components if not c.notes.startswith("added: required by")] == ["ingress-nginx"]


def test_a_negated_word_elsewhere_is_no_statement():
    assert find_statements(parse_text(AZURE_PLAN.format(summary="Key Vault holds the secrets.", storage="x",
                                                        constraints="none"))) == {}


def test_jnroesch_statements_win():
    path = REAL_PLANS / "jnroesch--juggerhub--015-hosting.plan.md"
    text = path.read_text(encoding="utf-8")
    d = decide(parse_plan(path))
    a = d.answers
    assert a.secrets_manager == "kubernetes" and a.state_bootstrap is False
    assert a.storage == "in-cluster-postgresql"
    assert d.provenance["state_bootstrap"].line == line_of(text, "Terraform**; workspaces keep")
    assert a.terraform_roots == "workspaces"
    assert d.provenance["terraform_roots"].line == line_of(text, "Environments are selected with **Terraform workspaces")
    data = a.to_copier_data()
    assert [m["name"] for m in layout.terraform_modules(data)] == ["vpc", "aks"]
    reasons = {n.text: n.why for n in d.not_applied}
    assert not {"Terraform workspaces", "system/user node pools", "authorized ranges", "static Azure public IP"} & set(reasons)
    assert (a.node_pools, a.api_endpoint, a.api_authorized_cidrs, a.static_ingress_ip) == (
        "system-user", "public", [], True)
    assert d.provenance["node_pools"].line == line_of(text, "system/user node pools")


def test_traffic_tacos_deploys_argo_cd_and_invents_no_application():
    d = decide(parse_plan(REAL_PLANS / "traffic-tacos--deployment-repo--001-argocd-deployment.plan.md"))
    a = d.answers
    assert a.services == [] and a.apps == []
    # `Prometheus metrics` (line 55) asks for no monitoring stack: no kube-prometheus-stack
    assert a.gitops == "argocd" and [c.name for c in a.components] == ["argo-cd", "cert-manager"]
    assert d.provenance["services"].line == 1


TICKETING = (PLANS / "ticketing-eks.plan.md").read_text(encoding="utf-8")
CONSTRAINTS = "**Constraints**: PCI-DSS scope limited to the orders namespace, budget < $12k/month"
SECRETS = "**Secrets Management**: AWS Secrets Manager via External Secrets Operator"


def ticketing(**lines: str):
    """The ticketing-eks fixture plan with some of its lines replaced (old line -> new line)."""
    text = TICKETING
    for old, new in lines.values():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("words", ["no NAT gateway", "We run without a NAT gateway.", "NAT gateways are not allowed."])
def test_no_nat_gateway_on_a_cluster_in_private_subnets_is_refused_at_its_line(words):
    text = ticketing(c=(CONSTRAINTS, f"**Constraints**: {words}"))
    with pytest.raises(RefusedError) as info:
        decide(parse_text(text))
    [p] = [p for p in info.value.problems if "NAT" in p.message]
    assert p.line == line_of(text, words) and "way to the internet" in p.message and p.hint


def test_no_nat_gateway_without_a_generated_network_is_accounted_for():
    text = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")
    text = text.replace("## Summary\n", "## Summary\nNo NAT gateway.\n", 1)
    d = decide(parse_text(text))
    assert d.answers.structure == "helm-chart"
    assert not [n for n in d.not_applied if "NAT" in n.text]


def test_a_private_api_endpoint_is_the_plan_s_choice_and_its_range_is_reported():
    text = ticketing(c=(CONSTRAINTS, "**Constraints**: private API endpoint only (10.0.0.0/8)"))
    line = line_of(text, "private API endpoint only")
    d = decide(parse_text(text))
    assert d.answers.api_endpoint == "private"
    assert d.provenance["api_endpoint"].source == "plan" and d.provenance["api_endpoint"].line == line
    [n] = [n for n in d.not_applied if n.line == line]
    assert n.text == "10.0.0.0/8" and "private API endpoint" in n.why


def test_a_private_api_endpoint_and_authorized_ranges_contradict():
    text = ticketing(c=(CONSTRAINTS, "**Constraints**: private API endpoint only; API access limited to authorized "
                                     "IP ranges 203.0.113.0/24"))
    with pytest.raises(RefusedError) as info:
        decide(parse_text(text))
    assert any(p.field == "api_endpoint" and p.line == line_of(text, "private API") for p in info.value.problems)


def test_no_external_secrets_against_a_required_external_secrets_row_names_both_lines():
    text = ticketing(s=(SECRETS, "**Secrets Management**: Kubernetes Secrets only, no External Secrets"))
    with pytest.raises(RefusedError) as info:
        decide(parse_text(text))
    row = line_of(text, "| external-secrets | Yes")
    [p] = [p for p in info.value.problems if "external-secrets" in p.message]
    assert p.line == line_of(text, "no External Secrets") and f"line {row}" in p.message


def test_no_external_secrets_without_the_row_holds():
    text = ticketing(s=(SECRETS, "**Secrets Management**: Kubernetes Secrets only, no External Secrets"),
                     r=("| external-secrets | Yes | Reads from AWS Secrets Manager |\n", ""))
    d = decide(parse_text(text))
    assert "external-secrets" not in [c.name for c in d.answers.components]
    assert not [n for n in d.not_applied if "External Secrets" in n.text]


def test_a_component_row_required_no_is_the_plan_s_exclusion():
    text = ticketing(m=("| kube-prometheus-stack | Yes | Prometheus + Grafana + Alertmanager |",
                        "| kube-prometheus-stack | No | no monitoring stack in this phase |"))
    d = decide(parse_text(text))
    assert d.answers.monitoring is False
    prov = d.provenance["monitoring"]
    assert prov.source == "plan" and prov.line == line_of(text, "| kube-prometheus-stack | No")
    assert "which no rule reads" not in prov.describe()


def test_no_external_secrets_manager_is_not_the_operator():
    text = AZURE_PLAN.format(summary="", storage="x", constraints="no external secrets manager")
    assert "no_external_secrets" not in find_statements(parse_text(text))
    assert "no_external_secrets" in find_statements(parse_text(text.replace("secrets manager", "secrets")))


def test_a_pod_cidr_is_the_overlays_never_the_networks():
    """`Azure CNI in overlay mode (pod CIDR 192.168.0.0/16, ...)` once became every VNet's address space, and the
    overlay's default pod range then covered the nodes' subnet: AKS refuses such a cluster."""
    d = azure(summary="Azure CNI in overlay mode (pod CIDR 192.168.0.0/16, nodes in a /22 subnet of the VNet), "
                      "network policy enforced by Cilium.")
    a = d.answers
    assert (a.network_cidr, a.aks_pod_overlay, a.aks_network_policy, a.aks_pod_cidr) == (
        "", True, "cilium", "192.168.0.0/16")
    assert d.provenance["aks_pod_cidr"].line == SUMMARY_LINE


def test_the_overlays_default_range_gives_way_to_the_plans_network():
    a = azure(summary="Azure CNI overlay. The VNet address space is 192.168.0.0/16.").answers
    assert (a.network_cidr, a.aks_pod_cidr) == ("192.168.0.0/16", "172.16.0.0/16")


def test_a_pod_range_inside_the_network_is_refused_at_its_line():
    with pytest.raises(RefusedError) as refused:
        azure(summary="Azure CNI overlay with pod CIDR 10.40.128.0/17. The VNet address space is 10.40.0.0/16.")
    problems = [p for p in refused.value.problems if p.field == "aks_pod_cidr"]
    assert problems and problems[0].line == SUMMARY_LINE and "overlaps" in problems[0].message
