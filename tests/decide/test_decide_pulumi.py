"""Pulumi as the IaC tool: an AWS plan of the single-IaC layout (VPC, EC2 Auto Scaling, RDS) is rendered as a Pulumi
program in Python, one stack per environment, its state in the account's S3 (or Pulumi Cloud when the plan says so);
what the renderer cannot express (another language or cloud, clusters, serverless services, several regions) is
refused at the line choosing Pulumi, with what to change."""
from __future__ import annotations

import pytest
from testlib import PLANS, line_of, refused_with

from planforge.decide import decide
from planforge.plan import parse_text

PLAN = (PLANS / "aws-pulumi-invoices.plan.md").read_text(encoding="utf-8")
IAC = "**IaC Tools**: Pulumi (Python)"
STATE = "**State Backend**: S3 (self-managed Pulumi backend)"


def test_an_aws_single_iac_plan_is_rendered_by_pulumi_with_its_figures() -> None:
    d = decide(parse_text(PLAN, "plan.md"))
    a = d.answers
    assert (a.iac_tool, a.blueprints, a.structure, a.cloud, a.compute) == ("pulumi", ["pulumi"], "single-iac", "aws",
                                                                           "vms")
    assert (a.state_backend, a.state_locking) == ("s3", "native")
    assert d.provenance["state_backend"].line == line_of(PLAN, STATE)
    assert {s.name: (s.instance_type, s.min_size, s.max_size, s.nat_gateway_per_az) for s in a.environment_sizing} == {
        "dev": ("t3.medium", 1, 2, False), "staging": ("m6g.large", 2, 3, False), "prod": ("m6g.large", 2, 6, True)}
    assert (a.database_engine, a.database_version, a.database_storage_gb) == ("postgres", "16", 100)
    assert [u.name for u in d.model.units if u.kind == "pulumi-stack"] == ["dev", "staging", "prod"]
    line = line_of(PLAN, IAC)
    assert "Pulumi" in {x.text for x in d.applied if x.line == line}
    assert not [n for n in d.not_applied if n.line in (line, line_of(PLAN, STATE))]


def test_the_plans_tree_statements_and_rows_are_applied_not_reported() -> None:
    """pulumi/ and pulumi/tests/ are generated; NAT per AZ in prod and the backup row are built."""
    d = decide(parse_text(PLAN, "plan.md"))
    reported = {n.text for n in d.not_applied}
    assert not reported & {"pulumi/", "pulumi/tests/", "Backups", "one NAT gateway per AZ in prod"}, reported


@pytest.mark.parametrize(("edit", "words"), [
    ((IAC, "**IaC Tools**: Pulumi (TypeScript)"), "planforge writes Pulumi programs in Python; the plan's is TypeScript"),
    (("**Cloud Provider**: AWS", "**Cloud Provider**: Azure"), "Pulumi renderer creates AWS resources only"),
    (("Option 1 (single IaC tool, Pulumi only)", "Option 2 (multi-tool: Pulumi + EKS 1.33)"),
     "the plan's clusters are rendered by Terraform only"),
    (("**Deployment Type**: single-region (eu-west-1)", "**Deployment Type**: multi-region (eu-west-1, eu-central-1)"),
     "Pulumi renders one region"),
    (("| Compute (EC2 Auto Scaling) | Yes |", "| Compute (ECS Fargate) | Yes |"),
     "serverless services are rendered by Terraform only"),
])
def test_what_the_renderer_cannot_express_is_refused_at_the_iac_line(edit: tuple[str, str], words: str) -> None:
    assert refused_with(PLAN, edit, words).line == line_of(PLAN, "**IaC Tools**")


@pytest.mark.parametrize(("state", "backend", "reported"), [
    ("**State Backend**: Pulumi Cloud", "pulumi-cloud", False),
    ("**State Backend**: N/A", "s3", False),
    ("**State Backend**: Azure Blob Storage", "s3", True),
])
def test_the_stacks_state_follows_the_plan_or_is_reported(state: str, backend: str, reported: bool) -> None:
    text = PLAN.replace(STATE, state)
    d = decide(parse_text(text, "plan.md"))
    assert (d.answers.state_backend, d.answers.state_locking) == (backend, "native")
    notes = [n for n in d.not_applied if n.line == line_of(text, "**State Backend**")]
    assert bool(notes) == reported, notes
    if reported:
        assert "the Pulumi stacks keep their state in S3" in notes[0].why


def test_pulumi_named_beside_terraform_leaves_terraform_the_tool() -> None:
    text = PLAN.replace(IAC, "**IaC Tools**: Terraform 1.7 (Pulumi for the data team's stacks)")
    assert decide(parse_text(text, "plan.md")).answers.iac_tool == "terraform"


def test_a_stated_pulumi_version_is_reported_with_where_the_pins_are() -> None:
    text = PLAN.replace(IAC, "**IaC Tools**: Pulumi 3.140 (Python)")
    d = decide(parse_text(text, "plan.md"))
    [note] = [n for n in d.not_applied if n.line == line_of(text, "**IaC Tools**")]
    assert note.text == "Pulumi 3.140" and "pulumi/requirements.txt" in note.why
    assert d.answers.iac_tool == "pulumi"
