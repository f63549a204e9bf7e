"""Environments a plan names outside its Target Environment field are the generated environments, spelled as the
plan's paths spell them."""
from __future__ import annotations

from pathlib import Path

import pytest
from render_helpers import generate, validate_strict
from testlib import PLANS, REAL_PLANS, yaml_documents

from planforge.decide import decide
from planforge.plan import parse_plan
from planforge.render.engine import render_new
from planforge.render.template import resolve_template


@pytest.mark.parametrize(("plan", "envs"), [("env-in-scope", ["prod"]), ("env-in-sentence", ["dev", "prod"])])
def test_generated_environments_are_the_ones_the_plan_names(plan: str, envs: list[str], tmp_path: Path):
    dest = tmp_path / plan
    render_new(decide(parse_plan(PLANS / f"{plan}.plan.md")).answers, dest, resolve_template(None, None), init_git=False)
    assert sorted(p.name for p in (dest / "terraform/environments").iterdir()) == envs
    assert sorted(p.name for p in (dest / "kubernetes/overlays").iterdir()) == envs
    for env in envs:
        tfvars = (dest / "terraform/environments" / env / "terraform.tfvars").read_text()
        assert f'environment = "{env}"' in tfvars
    if plan == "env-in-scope":  # "3-6 nodes (m6i.large) in one environment, prod": production settings
        tfvars = (dest / "terraform/environments/prod/terraform.tfvars").read_text()
        assert 'instance_type = "m6i.large"' in tfvars and "min_size      = 3" in tfvars
        assert "nat_gateway_per_az   = true" in tfvars


SPELLED = ["development", "production", "stage"]


def _subdirs(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.is_dir())


def test_the_plan_spelling_names_every_environment_and_production_is_built_as_production(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """env-spelled-names: the tree says `environments/development/`, `stage/`, `production/` (the list says dev,
    stage, prod). Every place an environment is named keeps that spelling; `production` gets production's
    sizing, protection, retention, replicas, quotas and release pin as `prod` would."""
    dest = generate(PLANS / "env-spelled-names.plan.md", tmp_path / "repo", "https://github.com/acme/billing.git")
    for place in ("terraform/environments", "kubernetes/overlays", "argocd/applications",
                  "kubernetes/apps/billing-api/overlays"):
        assert _subdirs(dest / place) == SPELLED, place
    assert not [p for p in dest.rglob("*") if {"prod", "dev", "staging"} & set(p.relative_to(dest).parts)]
    tfvars = {env: (dest / "terraform/environments" / env / "terraform.tfvars").read_text() for env in SPELLED}
    assert 'environment = "production"' in tfvars["production"]
    assert "deletion_protection   = true" in tfvars["production"]
    assert "backup_retention_days = 30" in tfvars["production"] and "multi_az              = true" in tfvars["production"]
    assert 'instance_type = "m6i.xlarge"' in tfvars["production"]
    for env in ("development", "stage"):
        assert "deletion_protection   = false" in tfvars[env] and "backup_retention_days = 3" in tfvars[env]
    app = {env: yaml_documents(dest / "argocd/applications" / env / "billing-api.yaml")[0] for env in SPELLED}
    assert app["production"]["spec"]["source"]["targetRevision"] == "v0.1.0"
    assert app["development"]["spec"]["source"]["targetRevision"] == "HEAD"
    assert app["production"]["metadata"]["name"] == "billing-api-production"
    overlay = {env: (dest / "kubernetes/overlays" / env / "kustomization.yaml").read_text() for env in SPELLED}
    assert "kind: ResourceQuota" in overlay["production"] and "kind: ResourceQuota" not in overlay["stage"]
    replicas = {env: yaml_documents(dest / "kubernetes/apps/billing-api/overlays" / env / "kustomization.yaml")[0]
                ["replicas"][0]["count"] for env in SPELLED}
    assert replicas == {"development": 1, "stage": 1, "production": 2}
    readme = (dest / "README.md").read_text()
    assert "production runs the release tag `v0.1.0`" in readme
    assert "production as the path at line 56 spells it, not prod" in readme
    code, report = validate_strict(dest, monkeypatch, capsys)
    assert code == 0 and "\n0 errors, 0 warnings" in report, report


def test_a_repository_without_a_chart_of_its_own_invents_no_namespace(tmp_path: Path):
    """traffic-tacos: Argo CD in `argocd` with catalog components and no chart of the repository's own: no
    AppProject for `argocd-deployment` charts (nor its namespace); the environments its values files name; no
    kube-prometheus-stack for `Prometheus metrics`."""
    dest = generate(REAL_PLANS / "traffic-tacos--deployment-repo--001-argocd-deployment.plan.md",
                    tmp_path / "repo", "https://github.com/traffic-tacos/deployment-repo.git")
    argocd = dest / "manifests/argocd"
    assert sorted(p.name for p in (argocd / "projects").iterdir()) == ["platform.yaml"]
    assert "argocd-deployment` namespace" not in (argocd / "README.md").read_text()
    assert _subdirs(argocd / "applications") == ["dev", "prod", "staging"]
    for env in ("dev", "staging", "prod"):
        assert sorted(p.name for p in (argocd / "applications" / env).iterdir()) == \
            ["argo-cd.yaml", "cert-manager.yaml", "cluster-issuers.yaml"]
        [argo] = yaml_documents(argocd / "applications" / env / "argo-cd.yaml")
        assert argo["spec"]["destination"]["namespace"] == "argocd"
    [expected] = yaml_documents(dest / "validation/post-deploy/expected.yaml")
    assert {env: e["namespaces"] for env, e in expected["environments"].items()} == \
        {env: ["argocd", "cert-manager"] for env in ("dev", "staging", "prod")}
    namespaces = {d["spec"]["destination"]["namespace"] for p in argocd.rglob("*.yaml") for d in yaml_documents(p)
                  if d and d.get("kind") == "Application"}
    assert namespaces == {"argocd", "cert-manager"}


def test_each_environment_keeps_the_backups_the_plan_gives_it(tmp_path: Path):
    """An environments table's retention row: each environment's database keeps its own days (Azure: at least 7)."""
    text = (PLANS / "ticketing-eks.plan.md").read_text().replace(", database backups kept 35 days", "").replace(
        "## Deployment Components", "| Setting | dev | staging | production |\n|---|---|---|---|\n"
        "| RDS backup retention | 5 days | 14 days | 35 days |\n\n## Deployment Components", 1)
    plan = tmp_path / "plan.md"
    plan.write_text(text)
    dest = tmp_path / "repo"
    render_new(decide(parse_plan(plan)).answers, dest, resolve_template(None, None), init_git=False)
    for env, days in (("dev", 5), ("staging", 14), ("prod", 35)):
        tfvars = (dest / "terraform/environments" / env / "terraform.tfvars").read_text()
        assert f"backup_retention_days = {days}\n" in tfvars, (env, tfvars)


def test_each_environment_runs_the_replicas_the_plan_gives_it(tmp_path: Path):
    """An environments table's app rows: a count is that environment's fixed replicas, a range its HPA, each in its
    own overlay; an environment the table leaves out keeps the plan-wide counts."""
    text = (PLANS / "aws-eks-argocd.plan.md").read_text().replace(
        "## Deployment Components", "| Setting | staging | production |\n|---|---|---|\n"
        "| orders-api replicas (HPA) | 1-3 | 2-10, target 70% CPU |\n| web-frontend replicas | 1 | 3 |\n\n"
        "## Deployment Components", 1)
    plan = tmp_path / "plan.md"
    plan.write_text(text)
    decided = decide(parse_plan(plan))
    assert not [n for n in decided.not_applied if "replicas" in n.text or "| 1 | 3 |" in n.text]
    dest = tmp_path / "repo"
    render_new(decided.answers, dest, resolve_template(None, None), init_git=False)
    apps = dest / "kubernetes/apps"
    for env, low, high in (("staging", 1, 3), ("prod", 2, 10)):
        [hpa] = yaml_documents(apps / "orders-api/overlays" / env / "hpa.yaml")
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (low, high), env
        assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
    assert not (apps / "orders-api/overlays/dev/hpa.yaml").exists()
    for env, count in (("dev", 1), ("staging", 1), ("prod", 3)):
        [kustomization] = yaml_documents(apps / "web-frontend/overlays" / env / "kustomization.yaml")
        assert kustomization["replicas"] == [{"name": "web-frontend", "count": count}], env
    assert not (apps / "web-frontend/overlays/prod/hpa.yaml").exists()
