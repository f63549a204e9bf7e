"""The database the plan names is the one created: the managed database module's `database_name` in every
environment root (Terraform validates it), the in-cluster database's `POSTGRES_DB`."""
from __future__ import annotations

from pathlib import Path

import pytest
from render_helpers import generate, plan_variant, validate_strict
from testlib import PLANS, REAL_PLANS, hcl_string, yaml_documents

FIELD = "**Custom Applications**: ticketing-api, web-frontend"


@pytest.mark.slow
def test_the_managed_database_is_created_with_the_plans_name(tmp_path: Path, tf_mirror: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_variant(tmp_path, PLANS / "ticketing-eks.plan.md",
                        **{FIELD: f"{FIELD}\n\nTickets live in the PostgreSQL database `tickets`.\n"})
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/infra.git")
    for env in ("dev", "staging", "prod"):
        assert hcl_string((repo / f"terraform/environments/{env}/main.tf").read_text(), "database_name") == "tickets"
    code, report = validate_strict(repo, monkeypatch, capsys, "--only", "terraform")
    assert code == 0, report


def test_the_in_cluster_database_is_created_with_the_plans_name(tmp_path: Path) -> None:
    storage = "**Storage**: PostgreSQL 18 **in-cluster**"
    plan = plan_variant(tmp_path, REAL_PLANS / "jnroesch--juggerhub--015-hosting.plan.md",
                        **{storage: "Database name: `juggerhub`\n\n" + storage})
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/infra.git")
    [statefulset] = [d for path in repo.rglob("*.yaml") if "database" in path.parts
                     for d in yaml_documents(path) if d and d.get("kind") == "StatefulSet"]
    env = {e["name"]: e.get("value") for e in statefulset["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["POSTGRES_DB"] == "juggerhub"
