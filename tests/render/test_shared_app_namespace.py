"""Applications the plan puts in one namespace (`All three services run in the claims namespace`) run there: one
Namespace with its quota, limits, default policies and role bindings, every application's objects and Argo CD
destination in it, and the policies of one application selecting its pods only."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from render_helpers import generate, kustomize, plan_variant, run_wiring
from testlib import FIXTURES, PLANS, plan_group, rendered_plan

from planforge.cli import main

FIELD = "**Custom Applications**: ticketing-api, web-frontend"


def test_the_applications_share_the_namespace_the_plan_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sentence = "Both services run in the `ticketing` namespace. Only ticketing-api may reach PostgreSQL (5432)."
    plan = plan_variant(tmp_path, PLANS / "ticketing-eks.plan.md", **{FIELD: f"{FIELD}\n\n{sentence}\n"})
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/infra.git")
    base = kustomize(repo / "kubernetes/base")
    by_kind: dict[str, list[dict]] = {}
    for doc in base:
        by_kind.setdefault(doc["kind"], []).append(doc)
    assert [d["metadata"]["name"] for d in by_kind["Namespace"] if "pod-security.kubernetes.io/enforce" in
            d["metadata"].get("labels", {})] == ["ticketing"]
    for kind in ("ResourceQuota", "LimitRange", "RoleBinding", "NetworkPolicy"):
        assert {d["metadata"]["namespace"] for d in by_kind[kind]} == {"ticketing"}, kind
    # the quota holds both applications at their highest counts: no less than one application's alone
    [quota] = by_kind["ResourceQuota"]
    assert int(quota["spec"]["hard"]["pods"]) >= 2
    policies = {d["metadata"]["name"]: d for d in by_kind["NetworkPolicy"]}
    assert {"default-deny-all", "allow-dns-egress", "allow-same-namespace"} <= set(policies)
    # the database egress is ticketing-api's own: web-frontend's pods in the same namespace do not get it
    assert [n for n in policies if n.startswith("allow-database-egress")] == ["allow-database-egress-ticketing-api"]
    assert policies["allow-database-egress-ticketing-api"]["spec"]["podSelector"] == {
        "matchLabels": {"app.kubernetes.io/name": "ticketing-api"}}
    for app in ("ticketing-api", "web-frontend"):
        overlay = kustomize(repo / f"kubernetes/apps/{app}/overlays/prod")
        assert {d["metadata"].get("namespace") for d in overlay} == {"ticketing"}, app
        application = yaml.safe_load((repo / f"argocd/applications/prod/{app}.yaml").read_text())
        assert application["spec"]["destination"]["namespace"] == "ticketing"
    project = yaml.safe_load((repo / "argocd/projects/apps.yaml").read_text())
    assert [d["namespace"] for d in project["spec"]["destinations"]] == ["ticketing"]
    code, report = run_wiring(repo, capsys)
    assert code == 0, report


def test_a_namespace_of_kubernetes_is_said_not_applied(tmp_path: Path) -> None:
    from planforge.decide import decide
    from planforge.plan import parse_plan

    plan = plan_variant(tmp_path, PLANS / "ticketing-eks.plan.md",
                        **{FIELD: f"{FIELD}\n\nAll services run in the kube-system namespace.\n"})
    d = decide(parse_plan(plan))
    assert {a.namespace for a in d.answers.apps} == {""}
    [note] = [n for n in d.not_applied if "kube-system namespace" in n.text]
    assert "belongs to Kubernetes" in note.why


def test_in_a_shared_namespace_only_the_stated_calls_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`Only web-frontend may call ticketing-api`: in the namespace they share, no policy opens the namespace to
    itself (before, every pod of it reached ticketing-api); web-frontend may send to ticketing-api's port and
    ticketing-api admits web-frontend's pods only."""
    sentence = "Both services run in the `ticketing` namespace. Only web-frontend may call ticketing-api."
    plan = plan_variant(tmp_path, PLANS / "ticketing-eks.plan.md", **{FIELD: f"{FIELD}\n\n{sentence}\n"})
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/infra.git")
    policies = {d["metadata"]["name"]: d for d in kustomize(repo / "kubernetes/base") if d["kind"] == "NetworkPolicy"}
    assert "allow-same-namespace" not in policies
    [rule] = policies["allow-calls-to-ticketing-api-web-frontend"]["spec"]["egress"]
    assert rule["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ticketing"}},
                           "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ticketing-api"}}}]
    [admit] = [d for d in kustomize(repo / "kubernetes/apps/ticketing-api/base") if d["kind"] == "NetworkPolicy"]
    peers = admit["spec"]["ingress"][0]["from"]
    assert {"podSelector": {}} not in peers  # not the whole namespace
    assert [p for p in peers if "podSelector" in p] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ticketing"}},
         "podSelector": {"matchLabels": {"app.kubernetes.io/name": "web-frontend"}}}]
    code, report = run_wiring(repo, capsys)
    assert code == 0, report


@pytest.mark.parametrize(("sentence", "namespace"), [
    ("Both services run in the `ticketing` namespace.", "ticketing"),
    # an untuned review's plan: the namespace named after the words, not `one` (before, the namespace was `one`)
    ("All three workloads run in one namespace, `ticketing`.", "ticketing"),
    ("web-frontend and ticketing-api are deployed to a shared namespace called tickets.", "tickets"),
    ("Both services run in one namespace per cluster.", ""),
    ("All platform components run in the platform namespace.", ""),
])
def test_the_stated_namespace_is_read_as_written(tmp_path: Path, sentence: str, namespace: str) -> None:
    from planforge.decide import decide
    from planforge.plan import parse_plan

    plan = plan_variant(tmp_path, PLANS / "ticketing-eks.plan.md", **{FIELD: f"{FIELD}\n\n{sentence}\n"})
    assert {a.namespace for a in decide(parse_plan(plan)).answers.apps} == {namespace}


HARBOR = FIXTURES / "reviewed/doks-argocd-harbor.plan.md"


@plan_group(HARBOR)
def test_the_readme_creates_each_applications_secret_in_the_namespace_it_runs_in(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """`All workloads run in namespace `harbor``, Sealed Secrets: the README created web-secrets in a namespace `web`
    no pod runs in, so every pod would wait for its Secret forever."""
    repo = rendered_plan(HARBOR, tmp_path_factory)
    readme = (repo / "README.md").read_text()
    for app in ("web", "api", "worker"):
        assert {d.get("metadata", {}).get("namespace") for d in kustomize(repo / f"kubernetes/apps/{app}/overlays/production")} == {"harbor"}
        assert f"`kubectl create secret generic {app}-secrets -n harbor " in readme
        assert f"-n {app} " not in readme


@plan_group(HARBOR)
def test_an_application_nothing_calls_admits_no_peer(tmp_path_factory: pytest.TempPathFactory,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The worker, in a namespace whose applications the plan says call one another, is neither routed nor called:
    its policy's `from:` held no peer, which admits every source (policy/network-policy-empty-peers catches it)."""
    repo = rendered_plan(HARBOR, tmp_path_factory)
    [worker] = [d for d in kustomize(repo / "kubernetes/apps/worker/overlays/production")
                if d["metadata"]["name"] == "worker-allow-http"]
    assert worker["spec"]["ingress"] == []
    [api] = [d for d in kustomize(repo / "kubernetes/apps/api/overlays/production")
             if d["metadata"]["name"] == "api-allow-http"]
    assert all(rule["from"] for rule in api["spec"]["ingress"])
    capsys.readouterr()
    assert main(["validate", str(repo), "--only", "policy", "--strict"]) == 0, capsys.readouterr().out
