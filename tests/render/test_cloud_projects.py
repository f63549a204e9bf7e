"""The GCP projects a plan names for its environments (`one project per environment: `nw-ledgerly-staging` and
`nw-ledgerly-prod``, an environments table's `GCP project` column, one project for all) are each environment root's
`project_id` and the project each environment's ClusterSecretStore reads (before: `TF_VAR_project_id` and a
`PROJECT_ID` placeholder in the store every environment shared, the plan's projects dropped without a word)."""
from __future__ import annotations

from pathlib import Path

import pytest
from render_helpers import kustomize
from testlib import FIXTURES, PLANS, plan_group, rendered_plan

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

LEDGERLY = FIXTURES / "reviewed/gke-flux-ledgerly.plan.md"
SENTENCE = "**Cloud Provider**: GCP, one project per environment: `nw-ledgerly-staging` and `nw-ledgerly-prod`"


def projects(text: str) -> dict[str, str]:
    return {s.name: s.cloud_project for s in decide(parse_text(text, "plan.md")).answers.environment_sizing}


def test_a_sentence_names_each_environments_project() -> None:
    d = decide(parse_plan(LEDGERLY))
    assert {s.name: s.cloud_project for s in d.answers.environment_sizing} == {
        "staging": "nw-ledgerly-staging", "prod": "nw-ledgerly-prod"}
    assert not [n for n in d.not_applied if "nw-ledgerly-staging" == n.text]


def test_an_environments_table_column_names_them() -> None:
    text = LEDGERLY.read_text(encoding="utf-8")
    assert SENTENCE in text
    text = text.replace(SENTENCE, "**Cloud Provider**: GCP").replace("`nw-ledgerly-staging` |", "`acme-books-stg` |")
    assert projects(text) == {"staging": "acme-books-stg", "prod": "nw-ledgerly-prod"}


def test_one_project_is_every_environments_and_a_pattern_each_ones() -> None:
    text = LEDGERLY.read_text(encoding="utf-8").replace("| GCP project |", "| Billing |")
    assert projects(text.replace(SENTENCE, "**Cloud Provider**: GCP project `acme-platform-01`")) == {
        "staging": "acme-platform-01", "prod": "acme-platform-01"}
    assert projects(text.replace(SENTENCE, "**Cloud Provider**: GCP, projects `acme-<env>-01`")) == {
        "staging": "acme-staging-01", "prod": "acme-prod-01"}


def test_projects_are_read_of_gcp_plans_only() -> None:
    assert not any(s.cloud_project for s in decide(parse_plan(PLANS / "aks-argocd-keyvault.plan.md")).answers.environment_sizing)


@plan_group(LEDGERLY)
def test_each_environment_root_and_secret_store_uses_its_project(tmp_path_factory: pytest.TempPathFactory,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    repo = rendered_plan(LEDGERLY, tmp_path_factory)
    for env in ("staging", "prod"):
        tfvars = (repo / f"terraform/environments/{env}/terraform.tfvars").read_text()
        assert f'project_id = "nw-ledgerly-{env}"' in tfvars
        [built] = [d for d in kustomize(repo / f"kubernetes/overlays/{env}") if d["kind"] == "ClusterSecretStore"]
        assert built["spec"]["provider"]["gcpsm"]["projectID"] == f"nw-ledgerly-{env}"
    readme = (repo / "README.md").read_text()
    assert "PROJECT_ID" not in readme and "--project nw-ledgerly-prod" in readme
    assert not list(_placeholders(repo))
    capsys.readouterr()
    assert main(["validate", str(repo), "--only", "wiring"]) == 0, capsys.readouterr().out


def _placeholders(repo: Path) -> list[Path]:
    return [p for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts and "PROJECT_ID" in p.read_text(errors="ignore")]
