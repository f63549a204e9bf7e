"""Delivery pipelines: a plan asking for CI/CD of its applications gets a workflow that builds each service from the
Dockerfile its tree names and deploys the digests per environment, where `helm upgrade` reaches the charts (a
helm-chart repository without a GitOps tool); elsewhere, for another CI tool or a negated ask, the line is reported
and nothing is generated."""
from __future__ import annotations

from testlib import PLANS, line_of

from planforge.decide import decide
from planforge.plan import parse_text

PLAN = (PLANS / "chart-delivery-eks.plan.md").read_text(encoding="utf-8")
CI_CD = "**CI/CD**: GitHub Actions: build and push images to GHCR, deploy to staging, promote to production with approval"


def decided(text: str = PLAN):
    return decide(parse_text(text, "plan.md"))


def test_the_ci_cd_line_asks_for_the_delivery_workflow_and_the_tree_names_each_build() -> None:
    d = decided()
    a = d.answers
    assert (a.structure, a.gitops, a.delivery) == ("helm-chart", "none", "github-actions")
    assert [(b.name, b.context, b.dockerfile, b.image) for b in a.builds] == [
        ("api", "services/api", "services/api/Dockerfile", ""), ("web", "services/web", "services/web/Dockerfile", "")]
    assert d.provenance["delivery"].line == line_of(PLAN, "**CI/CD**")
    assert d.provenance["builds"].line == line_of(PLAN, "│   ├── Dockerfile")
    # the services' sources are read by the workflow, not reported as directories planforge fails to generate
    assert not [n for n in d.not_applied if n.text.startswith("services/") or "CI/CD" in n.text]
    assert "services/api/" in {p.text for p in d.applied}


def test_a_dockerfile_named_for_the_service_elsewhere_builds_from_the_service_directory() -> None:
    text = PLAN.replace("│   ├── Dockerfile\n│   └── app/", "│   └── app/").replace(
        "charts/\n└── storefront/", "docker/\n├── api/\n│   └── Dockerfile\ncharts/\n└── storefront/")
    builds = {b.name: b for b in decided(text).answers.builds}
    assert (builds["api"].context, builds["api"].dockerfile) == ("services/api", "docker/api/Dockerfile")
    assert (builds["web"].context, builds["web"].dockerfile) == ("services/web", "services/web/Dockerfile")


def test_a_service_the_tree_does_not_name_builds_from_its_own_directory_and_says_so() -> None:
    text = PLAN.replace("services/\n├── api/\n│   ├── Dockerfile\n│   └── app/\n└── web/\n    ├── Dockerfile\n    └── src/\n",
                        "")
    d = decided(text)
    # the services come from the project type (web: backend and frontend)
    assert [(b.context, b.dockerfile) for b in d.answers.builds] == [("backend", "backend/Dockerfile"),
                                                                      ("frontend", "frontend/Dockerfile")]
    assert d.provenance["builds"].source == "default"
    assert "each is built from <name>/Dockerfile" in d.provenance["builds"].note


def test_another_ci_tool_is_reported_not_replaced() -> None:
    text = PLAN.replace(CI_CD, "**CI/CD**: GitLab CI pipeline: build and push images, deploy to staging")
    text = text.replace("**Primary Dependencies**: Helm 3.16, GitHub Actions", "**Primary Dependencies**: Helm 3.16")
    d = decided(text)
    assert (d.answers.delivery, d.answers.builds) == ("none", [])
    line = line_of(text, "**CI/CD**")
    assert any(n.line == line and "GitHub Actions only" in n.why for n in d.not_applied)


def test_a_negated_ask_generates_nothing() -> None:
    text = PLAN.replace(CI_CD, "**CI/CD**: none: this plan must not introduce a CI/CD pipeline")
    text = text.replace("**Primary Dependencies**: Helm 3.16, GitHub Actions", "**Primary Dependencies**: Helm 3.16")
    text = text.replace("give the team a CI/CD pipeline: every", "the team keeps its own CI: every")
    text = text.replace("    └── workflows/\n        └── deliver.yml\n", "    └── workflows/\n")
    assert decided(text).answers.delivery == "none"


def test_with_a_gitops_tool_the_ask_is_reported_with_what_to_do() -> None:
    text = PLAN.replace("**Primary Dependencies**: Helm 3.16, GitHub Actions",
                        "**Primary Dependencies**: Helm 3.16, GitHub Actions, Argo CD")
    d = decided(text)
    assert (d.answers.gitops, d.answers.delivery) == ("argocd", "none")
    line = line_of(text, "**CI/CD**")
    assert any(n.line == line and "the cluster pulls what Git says" in n.why for n in d.not_applied)


def test_a_local_cluster_is_reported_as_not_deployed_by_ci() -> None:
    text = PLAN.replace("**Target Platform**: Amazon EKS 1.33 (existing clusters, one per environment)",
                        "**Target Platform**: Minikube (local), Amazon EKS 1.33 (existing clusters)")
    text = text.replace("2 environments (staging, production)", "3 environments (dev, staging, production)")
    d = decided(text)
    assert d.answers.delivery == "github-actions" and "minikube" in d.answers.platforms
    line = line_of(text, "**CI/CD**")
    assert any(n.line == line and "minikube gets no deploy job" in n.why for n in d.not_applied)


def test_a_manifest_directory_named_like_the_service_is_not_its_build_context() -> None:
    """`k8s/base/web/` above `services/web/  # app + Dockerfile`: the delivery workflow built the manifests' directory,
    which holds no Dockerfile, so its first run failed."""
    text = PLAN.replace("services/\n├── api/", "k8s/\n└── base/\n    ├── api/\n    └── web/\nservices/\n├── api/")
    assert text != PLAN
    builds = {b.name: b for b in decided(text).answers.builds}
    assert (builds["api"].context, builds["web"].context) == ("services/api", "services/web")
