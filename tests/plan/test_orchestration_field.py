"""The GKE review's plan as its author first wrote it: `**Orchestration**: GKE Standard (not Autopilot), ...,
control plane pinned to 1.30` and no Kubernetes field, and a node-pool table headed `| Environment | GCP project |
...` inside Technical Context. It was refused: the cluster went unread (so Flux was refused for a Terraform-only
repository) and the table's heading row was read as an Environment field listing `GCP project | Machine type | ...`."""
from __future__ import annotations

from testlib import FIXTURES

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

PLAN = FIXTURES / "reviewed/gke-orders-flux-as-written.plan.md"
TEXT = PLAN.read_text(encoding="utf-8")


def test_an_orchestration_field_naming_gke_is_the_kubernetes_field() -> None:
    plan = parse_plan(PLAN)
    assert plan.field("kubernetes").line == 19
    d = decide(plan)
    assert (d.answers.kubernetes_distribution, d.answers.kubernetes_version, d.answers.gitops) == ("gke", "1.30", "flux")


def test_the_heading_row_of_a_table_of_several_columns_is_no_field() -> None:
    d = decide(parse_plan(PLAN))
    assert d.answers.environments == ["dev", "prod"]
    assert not [f for f in parse_plan(PLAN).fields if f.label == "Environment"]


def test_an_orchestration_field_naming_no_distribution_stays_its_own() -> None:
    text = TEXT.replace("GKE Standard (not Autopilot)", "Kubernetes Standard (not Autopilot)")
    assert parse_text(text).field("kubernetes") is None


def test_a_two_column_table_row_still_states_its_field() -> None:
    text = TEXT.replace("**Cloud**: Google Cloud Platform, region `europe-west1` (zonal spread across b/c/d)\n",
                        "| Environment | dev, prod |\n|---|---|\n| Cloud Provider | GCP |\n\n")
    assert [f.value for f in parse_text(text).fields if f.key == "target_environment"] == ["dev, prod"]


def test_the_plan_as_written_decides_as_the_plan_its_reviewer_edited() -> None:
    """Its `### Applications` heading, a paragraph, then a wrapped bullet per application: the applications (before,
    the heading was an empty Custom Applications field and the bullets were ignored, with a warning)."""
    as_written = decide(parse_plan(PLAN))
    edited = decide(parse_plan(FIXTURES / "reviewed/gke-orders-flux.plan.md"))
    assert [a.name for a in as_written.answers.apps] == ["orders-web", "orders-api", "fulfilment-worker"]
    assert not [w for w in as_written.warnings if "Custom Applications" in w]
    omit = {"decisions", "not_applied"}
    assert as_written.answers.model_dump(exclude=omit) == edited.answers.model_dump(exclude=omit)
