"""GitOps = Flux: the answer, its version and provenance, and what contradicts or cannot hold it."""
from __future__ import annotations

from testlib import PLANS, line_of, refused
from planforge.decide import decide
from planforge.plan import parse_text

FLUX = (PLANS / "aws-eks-flux.plan.md").read_text(encoding="utf-8")
TENANTS = (PLANS / "multi-tenant-flux.plan.md").read_text(encoding="utf-8")


def test_gitops_field_naming_flux_cd_with_a_version_is_flux_with_that_version():
    d = decide(parse_text(FLUX, "p.md"))
    line = line_of(FLUX, "**GitOps**")
    assert (d.answers.gitops, d.answers.flux_version) == ("flux", "2.3.0")  # `FLUX_VERSION=2.3` finds no release
    assert d.provenance["gitops"].line == line and d.provenance["flux_version"].line == line
    assert "its first release, 2.3.0" in d.provenance["flux_version"].note
    assert d.answers.blueprints == ["terraform", "kubernetes", "flux"]
    assert not [n for n in d.not_applied if "Flux" in n.text]
    assert any(x.name == "flux_version" and x.value == "2.3.0" for x in d.answers.decisions)


def test_flux_without_a_version_leaves_the_version_to_the_latest_release():
    d = decide(parse_text(TENANTS, "p.md"))
    assert (d.answers.structure, d.answers.gitops, d.answers.flux_version) == ("multi-tenant", "flux", "")
    assert not any(x.name == "flux_version" for x in d.answers.decisions)


def test_gitops_field_flux_and_another_line_choosing_argo_cd_is_a_contradiction_naming_both():
    text = FLUX.replace("never kubectl apply", "never kubectl apply; ArgoCD syncs the apps")
    [p] = [p for p in refused(text) if "contradiction" in p.message]
    gitops, argo = line_of(text, "**GitOps**"), line_of(text, "ArgoCD syncs")
    assert f"lines {argo} (Argo CD) and {gitops} (Flux)" in p.message and p.line == argo


def test_gitops_field_naming_both_tools_is_a_contradiction():
    text = FLUX.replace("**GitOps**: Flux CD 2.3", "**GitOps**: ArgoCD, Flux")
    [p] = [p for p in refused(text) if "contradiction" in p.message]
    assert p.line == line_of(text, "**GitOps**") and "Argo CD and Flux" in p.message


def test_flux_named_as_an_alternative_beside_argo_cd_is_not_applied():
    eks = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
    text = eks.replace("never kubectl apply", "never kubectl apply (Flux was considered)")
    d = decide(parse_text(text, "p.md"))
    assert d.answers.gitops == "argocd"
    [n] = [n for n in d.not_applied if n.text == "Flux"]
    assert n.line == line_of(text, "Flux was considered")


def test_flux_for_a_single_iac_plan_is_refused_at_the_gitops_line():
    single = (PLANS / "aws-single-iac.plan.md").read_text(encoding="utf-8")
    text = single.replace("**GitOps**: N/A", "**GitOps**: Flux")
    [p] = [p for p in refused(text) if "Flux" in p.message]
    assert p.line == line_of(text, "**GitOps**") and "single-iac" in p.message
    assert "Kubernetes field" in p.hint  # the way to keep Flux: name the cluster


APP_PLAN_WITH_A_KUBERNETES_VERSION = """# Implementation Plan: Orders

**Note**: This template is filled in by the `/speckit.plan` command.

## Technical Context

**Language/Version**: Go 1.22
**Primary Dependencies**: Terraform 1.7, Flux 2.3
**Target Platform**: Google Cloud
**Kubernetes**: 1.31
**GitOps**: Flux
**Scale/Scope**: 3 environments (dev, staging, prod)
"""


def test_an_app_plan_whose_kubernetes_field_is_a_version_gets_the_clouds_cluster_and_flux():
    """`**Kubernetes**: 1.31` beside Terraform on Google Cloud: the plan was read as Terraform only (single-iac),
    then refused twice, for a Kubernetes '1.31' not supported and for Flux in a single-iac repository."""
    d = decide(parse_text(APP_PLAN_WITH_A_KUBERNETES_VERSION, "p.md"))
    a = d.answers
    assert (a.structure, a.kubernetes_distribution, a.kubernetes_version, a.gitops) == ("multi-tool", "gke", "1.31", "flux")
    assert d.provenance["kubernetes_distribution"].line == line_of(APP_PLAN_WITH_A_KUBERNETES_VERSION, "**Kubernetes**")


def test_flux_for_a_helm_chart_plan_is_flux_from_the_line_naming_it():
    text = (PLANS / "event-driven-dapr-flux.plan.md").read_text(encoding="utf-8")
    d = decide(parse_text(text, "p.md"))
    assert d.answers.structure == "helm-chart" and d.answers.gitops == "flux" and d.answers.flux_version == "2.3.0"
    assert d.provenance["gitops"].line == line_of(text, "**Structure Decision**")


def test_gitops_field_ruling_argo_cd_out_is_flux():
    text = FLUX.replace("**GitOps**: Flux CD 2.3", "**GitOps**: Flux CD 2.3, not ArgoCD")
    assert decide(parse_text(text, "p.md")).answers.gitops == "flux"


def test_a_components_row_naming_flux_is_the_gitops_tool_not_an_unknown_chart():
    """`| flux | Yes | Bootstrapped from this repository |` on a Flux plan: the GitOps tool the repository bootstraps,
    credited to the gitops answer; the plan was refused as naming an unknown component."""
    row = "| flux | Yes | Bootstrapped from this repository, one Kustomization per environment |\n"
    text = FLUX.replace("| ingress-nginx | Yes | Public NLB |", row + "| ingress-nginx | Yes | Public NLB |", 1)
    d = decide(parse_text(text, "p.md"))
    assert d.answers.gitops == "flux" and "flux" not in [x.name for x in d.answers.components]
    line = line_of(text, "| flux | Yes")
    assert not [n for n in d.not_applied if n.line == line]
