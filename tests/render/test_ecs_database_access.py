"""ECS on Fargate: when the plan says which applications use the database, only their tasks get its address and
credentials and only their security groups are admitted on its port; the README says who reaches it."""
from __future__ import annotations

from pathlib import Path

import pytest
from testlib import PLANS, rendered_plan

PLAN = (PLANS / "aws-ecs-fargate.plan.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    plan = tmp_path_factory.mktemp("ecs-db") / "plan.md"
    plan.write_text(PLAN.replace("health /healthz, internal only)",
                                 "health /healthz, internal only, reads and writes PostgreSQL)"), encoding="utf-8")
    return rendered_plan(plan, tmp_path_factory)


def _service_blocks(main: str) -> dict[str, str]:
    services = main.split("  services = {\n", 1)[1].split("\n  }\n}\n", 1)[0]
    blocks = {}
    for chunk in services.split("\n    }")[:-1]:
        name, _, body = chunk.strip().partition(" = {")
        blocks[name] = body
    return blocks


def test_only_the_stated_application_gets_the_database(repo: Path) -> None:
    for env in ("staging", "production"):
        main = (repo / "terraform" / "environments" / env / "main.tf").read_text()
        blocks = _service_blocks(main)
        assert set(blocks) == {"booking-api", "booking-web", "booking-reminders"}
        with_db = {name for name, body in blocks.items() if "secrets        = local.database_secrets" in body}
        assert with_db == {"booking-api"}, blocks
        assert 'for_each = { for name in ["booking-api"] : name => module.services.security_group_ids[name] }' in main
    readme = (repo / "terraform" / "README.md").read_text()
    assert "Only booking-api reaches the database, as the plan states" in readme
