"""What a plan excludes (`no managed database`, `no load balancer`, `no VPC`) is never passed over in silence: removed
where the repository can do without it, credited where nothing builds it, refused when the plan contradicts itself,
and otherwise listed with what the repository builds instead."""
from __future__ import annotations

from pathlib import Path

import pytest
from testlib import PLANS, plan_group, rendered_plan, require_tool

from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan, parse_text
from planforge.validate.base import Settings, Severity, Status
from planforge.validate.runner import run_validation

NO_DATABASE = PLANS / "aws-single-iac-no-database.plan.md"
SINGLE = PLANS / "aws-single-iac.plan.md"
CONSTRAINTS = "**Constraints**: SOC2, data residency EU, budget < $4k/month"


def _with(plan: Path, statement: str):
    text = plan.read_text(encoding="utf-8")
    assert CONSTRAINTS in text
    text = text.replace(CONSTRAINTS, f"{CONSTRAINTS}; {statement}")
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith("**Constraints**"))
    return text, line


def _said(decided, line: int) -> tuple[set[str], dict[str, str]]:
    """(credited words, listed words -> why) of one plan line."""
    return ({a.text for a in decided.applied if a.line == line},
            {i.text: i.why for i in decided.not_applied if i.line == line})


def test_no_managed_database_leaves_the_database_out():
    decided = decide(parse_plan(NO_DATABASE))
    assert decided.answers.storage == "no-database" and decided.provenance["storage"].line == 12
    modules = [u.name for u in decided.model.units if u.kind == "terraform-module"]
    assert modules == ["aws/vpc", "aws/kms", "aws/compute"]
    credited, _ = _said(decided, 12)
    assert "no managed database" in credited


def test_no_managed_database_beside_a_database_row_is_refused_at_both_lines():
    text, line = _with(SINGLE, "no managed database")
    with pytest.raises(RefusedError) as err:
        decide(parse_text(text, "plan.md"))
    [problem] = err.value.problems
    row = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith("| Database (RDS PostgreSQL)"))
    assert problem.line == line and f"names a database engine at line {row}" in problem.message


@pytest.mark.parametrize("words", ["no database migrations in this phase", "no database access from the frontend"])
def test_other_uses_of_no_database_exclude_nothing(words: str):
    text, line = _with(SINGLE, words)
    decided = decide(parse_text(text, "plan.md"))
    assert decided.answers.storage != "no-database"
    assert not [a for a in decided.applied if a.line == line and "database" in a.text]


def test_no_load_balancer_is_credited_where_nothing_builds_one():
    text, line = _with(SINGLE, "no load balancer")
    credited, listed = _said(decide(parse_text(text, "plan.md")), line)
    assert "no load balancer" in credited and "no load balancer" not in listed


def test_no_load_balancer_beside_an_ingress_controller_is_listed_with_it():
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
    field = next(raw for raw in text.splitlines() if raw.startswith("**Constraints**"))
    text = text.replace(field, f"{field.rstrip()}; no load balancer", 1)
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith("**Constraints**"))
    decided = decide(parse_text(text, "plan.md"))
    assert any(c.name == "ingress-nginx" for c in decided.answers.components)
    _, listed = _said(decided, line)
    assert listed["no load balancer"].startswith("ingress-nginx's Service is of type LoadBalancer")


def test_no_vpc_is_listed_with_the_network_every_root_builds():
    text, line = _with(SINGLE, "no VPC: the instances run in the default VPC")
    _, listed = _said(decide(parse_text(text, "plan.md")), line)
    assert listed["no VPC"].startswith("every environment's Terraform root builds its own network (module vpc")


@plan_group(NO_DATABASE)
def test_the_roots_without_a_database_validate(tmp_path_factory: pytest.TempPathFactory, tf_mirror: Path):
    require_tool("terraform")
    root = rendered_plan(NO_DATABASE, tmp_path_factory)
    assert sorted(p.name for p in (root / "terraform/modules").iterdir()) == ["compute", "kms", "vpc"]
    assert "PLANFORGE_DB_ENDPOINT" not in (root / "README.md").read_text()
    checks = run_validation([root], Settings(strict=True, jobs=2, terraform_plugin_mirrors=[tf_mirror]),
                            only=["terraform"])
    validated = [c for c in checks if c.name == "validate"]
    assert len(validated) == 4 and all(c.status is Status.PASSED for c in validated), validated  # bootstrap + 3
    assert not [f for c in checks for f in c.findings if f.severity is Severity.ERROR]


def test_a_single_root_whose_plan_names_no_database_builds_none():
    """A plan that never speaks of a database (only Terraform's DynamoDB state lock) gets no managed database by
    default; one that names RDS keeps the blueprint's database."""
    text = NO_DATABASE.read_text(encoding="utf-8")
    silent = text.replace("so there is no managed database in this", "so there is nothing else in this")
    assert silent != text
    decided = decide(parse_text(silent + "\nState in S3 with a DynamoDB table for locking.\n"))
    assert decided.answers.storage == "no-database"
    assert decided.provenance["storage"].note == "the plan names no database, so the single root builds none"
    assert "aws/database" not in [u.name for u in decided.model.units if u.kind == "terraform-module"]
    named = decide(parse_text(silent.replace("so there is nothing else in this", "so an RDS instance is in this")))
    assert named.answers.storage == ""


@pytest.mark.parametrize(("statement", "single"), [
    ("must not use more than one NAT gateway (cost)", True),
    ("a single NAT gateway", True),
    ("one NAT gateway per AZ in production", False),
])
def test_a_cap_of_one_nat_gateway_keeps_production_to_one(statement: str, single: bool):
    text, line = _with(SINGLE, statement)
    decided = decide(parse_text(text))
    assert decided.answers.single_nat_gateway is single
    if single:
        assert decided.provenance["single_nat_gateway"].line == line


def test_one_environment_without_the_database_is_listed_not_refused():
    """`staging runs without a managed database` beside a database row: one environment's exclusion, which the
    roots (one database design for every environment) do not apply; listed with that reason, the plan generates."""
    text, line = _with(SINGLE, "staging runs without a managed database for now")
    decided = decide(parse_text(text, "plan.md"))
    assert decided.answers.storage != "no-database"
    _, listed = _said(decided, line)
    assert "staging gets one too" in listed["without a managed database"]
