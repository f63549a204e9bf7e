"""The state storage a plan says exists already is the one every backend names: its bucket, its DynamoDB lock table
and its region, which is not the deployment's; a region named on a line about that storage is not the deployment
region."""
from __future__ import annotations

from testlib import PLANS, line_of

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

PLAN = PLANS / "aws-reporting-existing-state.plan.md"


def test_the_existing_bucket_table_and_region_are_read() -> None:
    d = decide(parse_plan(PLAN))
    a = d.answers
    text = PLAN.read_text(encoding="utf-8")
    assert (a.state_bootstrap, a.existing_state_bucket, a.existing_lock_table) == (
        False, "acme-terraform-state-eu", "terraform-locks")
    assert d.provenance["existing_state_bucket"].line == line_of(text, "`acme-terraform-state-eu` (key")
    # `reuse `acme-terraform-state-eu` / `terraform-locks` (region eu-west-1)`: the bucket's region ...
    assert a.existing_state_region == "eu-west-1"
    # ... while the deployment is where the Target Platform says
    assert a.region == "eu-central-1" and d.provenance["region"].line == line_of(text, "**Target Platform**")


def test_without_an_existing_bucket_planforge_names_it() -> None:
    text = PLAN.read_text(encoding="utf-8").replace("**existing** state bucket", "state").replace(
        "reuse `acme-terraform-state-eu` / `terraform-locks` (region eu-west-1)", "reuse them")
    a = decide(parse_text(text)).answers
    assert (a.existing_state_bucket, a.existing_state_region) == ("", "")


def test_a_bucket_the_bootstrap_root_creates_is_not_read_as_existing() -> None:
    a = decide(parse_plan(PLANS / "aws-single-iac.plan.md")).answers
    assert a.state_bootstrap and (a.existing_state_bucket, a.existing_lock_table) == ("", "")


def test_a_word_of_prose_after_state_bucket_is_no_name() -> None:
    text = PLAN.read_text(encoding="utf-8").replace(
        "goes into the **existing** state bucket\n`acme-terraform-state-eu`", "goes into the **existing** state bucket\nfor the team")
    assert "state bucket\nfor the team" in text
    assert decide(parse_text(text)).answers.existing_state_bucket == ""
