"""A call the plan states between two applications reaches the cluster: the caller's namespace may send to the callee's
pods on their port, and the callee's policy admits the caller's pods; every other path stays denied."""
from __future__ import annotations

from pathlib import Path

import pytest
from render_helpers import generate, kustomize, plan_variant, run_wiring
from testlib import PLANS

FIELD = "**Custom Applications**: orders-api, web-frontend\n"


def test_the_caller_may_reach_the_callees_pods_and_the_callee_admits_it(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_variant(tmp_path, PLANS / "aws-eks-argocd.plan.md",
                        **{FIELD: f"{FIELD}\nweb-frontend calls orders-api for every page.\n"})
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/infra.git")
    apps = repo / "kubernetes/apps"
    policies = [d for d in kustomize(repo / "kubernetes/base") if d["kind"] == "NetworkPolicy"]
    [egress] = [d for d in policies if d["metadata"]["name"] == "allow-calls-to-orders-api"]
    assert egress["metadata"]["namespace"] == "web-frontend"
    [rule] = egress["spec"]["egress"]
    assert rule["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "orders-api"}},
                           "podSelector": {"matchLabels": {"app.kubernetes.io/name": "orders-api"}}}]
    port = next(d for d in kustomize(apps / "orders-api/base") if d["kind"] == "Deployment")[
        "spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
    assert rule["ports"] == [{"port": port, "protocol": "TCP"}]
    assert not [d for d in policies if d["metadata"]["name"].startswith("allow-calls-to-")
                and d["metadata"]["namespace"] != "web-frontend"]  # the callee calls no one back
    [admit] = [d for d in kustomize(apps / "orders-api/base") if d["kind"] == "NetworkPolicy"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "web-frontend"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "web-frontend"}}} in admit["spec"]["ingress"][0]["from"]
    [web] = [d for d in kustomize(apps / "web-frontend/base") if d["kind"] == "NetworkPolicy"]
    assert all("podSelector" not in peer or "namespaceSelector" not in peer for peer in web["spec"]["ingress"][0]["from"])
    code, report = run_wiring(repo, capsys)
    assert code == 0, report


TICKETING = "**Custom Applications**: ticketing-api, web-frontend"


@pytest.mark.parametrize(("sentence", "reach"), [
    # only the applications the sentence names keep their namespace's database egress
    ("Only ticketing-api may reach PostgreSQL (5432).", {"ticketing-api"}),
    # a managed service's name (an untuned review's GKE plan: before, dropped without a word)
    ("Only ticketing-api may reach Cloud SQL (private IP, TCP 5432).", {"ticketing-api"}),
    ("web-frontend (no database access) renders pages from ticketing-api.", {"ticketing-api"}),
    ("ticketing-api reads and writes PostgreSQL.", {"ticketing-api", "web-frontend"}),  # says nothing of web-frontend
])
def test_only_the_applications_that_use_the_database_reach_it(tmp_path: Path, sentence: str, reach: set[str]) -> None:
    plan = plan_variant(tmp_path, PLANS / "ticketing-eks.plan.md", **{TICKETING: f"{TICKETING}\n\n{sentence}\n"})
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/infra.git")
    policies = [d for d in kustomize(repo / "kubernetes/base") if d["kind"] == "NetworkPolicy"]
    assert {d["metadata"]["namespace"] for d in policies if d["metadata"]["name"] == "allow-database-egress"} == reach
