"""The system model: every plan gets one, its closure leaves nothing unmet, and what it adds is rendered."""
from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, REPO, deciding_plans, generate_repo

from planforge.cli import main
from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan

SHARED_PLANS = REPO.parent / "shared" / "plans"


def _decide_text(tmp_path: Path, text: str):
    plan = tmp_path / "plan.md"
    plan.write_text(text)
    return decide(parse_plan(plan))


def _plans() -> list[Path]:
    shared = sorted(SHARED_PLANS.glob("*.plan.md")) if SHARED_PLANS.is_dir() else []
    return deciding_plans() + [p for p in shared if p.name != "needs-clarification.plan.md"]


@pytest.mark.parametrize("plan", _plans(), ids=lambda p: f"{p.parent.name}/{p.name.removesuffix('.plan.md')}")
def test_every_plan_gets_a_closed_model(plan: Path):
    model = decide(parse_plan(plan)).model
    assert model.units, "a model with no unit"
    assert model.unmet() == []
    ids = {u.id for u in model.units}
    assert len(ids) == len(model.units), "unit ids are unique"
    for unit in model.added():
        assert unit.provenance.by in ids, f"{unit.id} is required by {unit.provenance.by}, which is not in the model"
    for unit in model.units:  # a unit placed on a cluster names a cluster of the model
        assert set(unit.placement.clusters) <= {u.name for u in model.by_kind("cluster")}


def test_plan_show_json_prints_the_model():
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["plan", "show", "--json", str(PLANS / "tenants-cluster-per-env.plan.md")]) == 0
    units = json.loads(out.getvalue())["model"]["units"]
    assert {"id", "kind", "name", "path", "existing", "params", "requires", "provides", "provenance",
            "placement"} <= set(units[0])
    by_id = {u["id"]: u for u in units}
    eso = by_id["component:external-secrets"]
    assert eso["provenance"]["source"] == "required"
    assert eso["provenance"]["by"] == "secret-store:aws-secrets-manager"
    assert "crd:external-secrets.io/ClusterSecretStore" in eso["provides"]
    assert by_id["secret-store:aws-secrets-manager"]["requires"] == ["crd:external-secrets.io/ClusterSecretStore"]
    # one GitOps entry per cluster, each sent to its own cluster
    entries = [u for u in units if u["kind"] == "gitops-entry"]
    assert sorted(u["params"]["destination"]["value"] for u in entries) == ["prod", "staging"]
    assert all(u["placement"]["clusters"] == [u["name"]] for u in entries)


def test_a_secret_store_without_the_operator_gets_it_and_the_readme_says_why(tmp_path: Path):
    decided = decide(parse_plan(PLANS / "tenants-cluster-per-env.plan.md"))
    added = {c.name: c.notes for c in decided.answers.components if c.notes.startswith("added: required by")}
    # no Cluster Autoscaler: the Argo CD platform is one set of Applications for every environment's cluster
    assert set(added) == {"argo-cd", "external-secrets", "metrics-server"}
    assert "secret-store:aws-secrets-manager" in added["external-secrets"]
    [row] = [d for d in decided.answers.decisions if d.name == "components"]
    assert "required by secret-store:aws-secrets-manager" in row.source  # the README's Decisions read the model


def test_a_component_the_plan_excludes_is_refused_where_it_is_needed(tmp_path: Path):
    text = (PLANS / "tenants-cluster-per-env.plan.md").read_text().replace(
        "| cert-manager | Yes | Let's Encrypt certificates |",
        "| cert-manager | Yes | Let's Encrypt certificates |\n| external-secrets | No | not wanted |")
    with pytest.raises(RefusedError) as refused:
        _decide_text(tmp_path, text)
    [problem] = [p for p in refused.value.problems if p.message.startswith("secret-store:aws-secrets-manager needs")]
    assert "needs crd:external-secrets.io/ClusterSecretStore" in problem.message
    assert "excludes external-secrets at line" in problem.message
    assert problem.line == 22  # the Secrets Management line that asks for the store


@pytest.mark.parametrize(("kubernetes", "added"), [("EKS 1.31", True), ("AKS 1.31", False)])
def test_an_autoscaler_gets_metrics_server_only_where_the_cluster_lacks_it(tmp_path: Path, kubernetes: str,
                                                                           added: bool):
    text = (PLANS / "tenants-cluster-per-env.plan.md").read_text()
    if kubernetes.startswith("AKS"):
        text = (text.replace("**Cloud Provider**: AWS", "**Cloud Provider**: Azure")
                .replace("**State Backend**: S3 with native locking", "**State Backend**: Azure Blob")
                .replace("AWS Secrets Manager", "Azure Key Vault").replace("eu-west-1", "westeurope"))
    text = text.replace("EKS 1.31, one cluster per environment", kubernetes)
    decided = _decide_text(tmp_path, text)
    names = [c.name for c in decided.answers.components]
    assert ("metrics-server" in names) is added
    assert decided.model.unmet() == []


def test_components_the_cluster_runs_already_are_existing_units_and_installed_once():
    decided = decide(parse_plan(PLANS / "existing-cluster-controllers.plan.md"))
    assert decided.answers.installed_components == ["argo-cd", "cert-manager", "metrics-server"]
    assert [c.name for c in decided.answers.components] == ["ingress-nginx"]
    existing = {u.name for u in decided.model.by_kind("component") if u.existing}
    assert existing == {"argo-cd", "cert-manager", "metrics-server"}
    assert decided.model.added() == []


@pytest.fixture(scope="module")
def tenants_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_repo("tenants-cluster-per-env", tmp_path_factory)


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_each_environment_cluster_gets_its_own_bootstrap_and_the_added_controllers(tenants_repo: Path):
    platform = tenants_repo / "argocd" / "applications" / "platform"
    for name in ("argo-cd", "external-secrets", "metrics-server"):
        [app] = [d for d in _docs(platform / f"{name}.yaml") if d["kind"] == "Application"]
        assert app["spec"]["source"]["chart"] == name
    assert not (tenants_repo / "argocd" / "bootstrap" / "root.yaml").exists()
    for env, other in (("staging", "prod"), ("prod", "staging")):
        include = _docs(tenants_repo / "argocd" / "bootstrap" / f"{env}.yaml")[1]["spec"]["source"]["directory"]["include"]
        assert f"applications/{env}.yaml" in include and f"applications/{other}.yaml" not in include
    readme = (tenants_repo / "argocd" / "README.md").read_text()
    assert "helm install argo-cd argo-cd --repo https://argoproj.github.io/argo-helm --version 7.6.12" in readme


def test_an_existing_cluster_gets_nothing_installed_twice(tmp_path_factory: pytest.TempPathFactory):
    repo = generate_repo("existing-cluster-controllers", tmp_path_factory)
    charts = {d["spec"]["source"].get("chart") for p in (repo / "argocd").rglob("*.yaml") for d in _docs(p)
              if d.get("kind") == "Application" and "chart" in d["spec"].get("source", {})}
    assert charts == {"ingress-nginx"}
    readme = (repo / "README.md").read_text()
    for name in ("argo-cd", "cert-manager", "metrics-server"):
        assert f"- {name}: already installed on the cluster" in readme
    assert "helm install argo-cd" not in (repo / "argocd" / "README.md").read_text()


@pytest.mark.parametrize(("said", "installed"), [
    ("an existing cluster with Argo CD already installed, and this repository adds cert-manager and metrics-server",
     ["argo-cd"]),
    ("Argo CD and metrics-server are already installed, cert-manager is not", ["argo-cd", "metrics-server"]),
    ("cert-manager is not already installed", []),
    # a negated item before it: `not yet present` is cert-manager's, `already installed` metrics-server's
    ("cert-manager (we install it; not yet present on the cluster), metrics-server (already installed)",
     ["metrics-server"]),
])
def test_already_installed_is_read_per_conjunct(tmp_path: Path, said: str, installed: list[str]):
    text = (PLANS / "existing-cluster-controllers.plan.md").read_text().replace(
        "existing clusters (one per environment): Argo CD, cert-manager and metrics-server are already installed on them", said)
    decided = _decide_text(tmp_path, text)
    assert decided.answers.installed_components == installed
    assert decided.model.unmet() == []


def test_a_managed_broker_is_existing_and_no_broker_is_installed():
    decided = decide(parse_plan(REPO / "tests" / "fixtures" / "plans-real"
                                / "shazilk-dev--hackathon-ii-todo--004-cloud-deployment.plan.md"))
    [broker] = [u for u in decided.model.units if u.id == "upstream-release:managed-kafka"]
    assert broker.existing and broker.provides == ["kafka-broker:redpanda"]
    assert "Redpanda Cloud" in (broker.provenance.text or "")
    assert "redpanda" not in [c.name for c in decided.answers.components]
    assert decided.model.unmet() == []

