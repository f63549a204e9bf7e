"""CloudFormation as the IaC tool: an AWS plan of the single-IaC layout (VPC, EC2 Auto Scaling, RDS) is rendered as
CloudFormation stacks, with no Terraform state; what the renderer cannot express (another cloud, clusters,
serverless services, several regions) is refused at the line choosing CloudFormation, with what to change."""
from __future__ import annotations

import pytest
from testlib import PLANS, line_of, refused_with

from planforge.decide import decide
from planforge.plan import parse_text

PLAN = (PLANS / "aws-cloudformation-ledger.plan.md").read_text(encoding="utf-8")
IAC = "**IaC Tools**: AWS CloudFormation (YAML templates, cfn-lint)"


def test_an_aws_single_iac_plan_is_rendered_by_cloudformation_with_its_figures() -> None:
    d = decide(parse_text(PLAN, "plan.md"))
    a = d.answers
    assert (a.iac_tool, a.blueprints, a.structure, a.cloud, a.compute) == (
        "cloudformation", ["cloudformation"], "single-iac", "aws", "vms")
    assert (a.state_backend, a.state_locking) == ("none", "none")
    assert {s.name: (s.instance_type, s.min_size, s.max_size, s.db_instance_class) for s in a.environment_sizing} == {
        "staging": ("m6i.large", 1, 2, "db.t4g.medium"), "prod": ("m6i.2xlarge", 2, 8, "db.r6g.large")}
    assert (a.database_engine, a.database_version, a.database_storage_gb, a.availability_zones) == ("mysql", "8.0", 200, 2)
    line = line_of(PLAN, IAC)
    assert {x.text for x in d.applied if x.line == line} >= {"CloudFormation", "cfn-lint"}
    assert not [n for n in d.not_applied if n.line == line]


@pytest.mark.parametrize(("edit", "words"), [
    (("**Cloud Provider**: AWS", "**Cloud Provider**: Azure"), "CloudFormation renderer creates AWS resources only"),
    (("Option 1 (single IaC tool, CloudFormation only)", "Option 2 (multi-tool: CloudFormation + EKS 1.33)"),
     "the plan's clusters are rendered by Terraform only"),
    (("**Deployment Type**: single-region (us-east-2)", "**Deployment Type**: multi-region (us-east-2, us-west-2)"),
     "CloudFormation renders one region"),
    (("| Compute (EC2 Auto Scaling) | Yes |", "| Compute (ECS Fargate) | Yes |"),
     "serverless services are rendered by Terraform only"),
])
def test_what_the_renderer_cannot_express_is_refused_at_the_iac_line(edit: tuple[str, str], words: str) -> None:
    problem = refused_with(PLAN, edit, words)
    assert problem.line == line_of(PLAN, IAC) and "Terraform" in problem.hint


def test_a_terraform_state_backend_beside_cloudformation_is_reported_not_built() -> None:
    text = PLAN.replace("**State Backend**: N/A (CloudFormation stacks)", "**State Backend**: S3+DynamoDB")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.state_backend == "none"
    [note] = [n for n in d.not_applied if n.line == line_of(text, "**State Backend**")]
    assert "CloudFormation keeps each stack's state in the service" in note.why


def test_no_state_backend_is_nothing_to_report() -> None:
    text = PLAN.replace("**State Backend**: N/A (CloudFormation stacks)", "**State Backend**: N/A")
    d = decide(parse_text(text, "plan.md"))
    assert not [n for n in d.not_applied if n.line == line_of(text, "**State Backend**")]


def test_cloudformation_named_beside_terraform_leaves_terraform_the_tool() -> None:
    text = PLAN.replace(IAC, "**IaC Tools**: Terraform 1.7 (CloudFormation for the legacy account only)")
    assert decide(parse_text(text, "plan.md")).answers.iac_tool == "terraform"


def test_the_stated_network_address_space_is_every_environments() -> None:
    d = decide(parse_text(PLAN, "plan.md"))
    assert d.answers.network_cidr == "10.40.0.0/16"
    assert d.provenance["network_cidr"].line == line_of(PLAN, "CIDR 10.40.0.0/16")
    assert not [n for n in d.not_applied if "10.40.0.0/16" in n.text]
