"""The Dapr Components a plan shows as manifests name the repository's pub/sub and state store, and its cron input
bindings become Components of their own; a manifest Dapr could not run is reported at its line."""
from __future__ import annotations

from testlib import REAL_PLANS

from planforge.decide import decide
from planforge.decide.answers import DaprBinding
from planforge.plan import parse_plan, parse_text


def _real(prefix: str):
    return decide(parse_plan(next(REAL_PLANS.glob(prefix + "*.plan.md"))))


def test_the_names_the_plans_applications_call_their_components_by() -> None:
    a = _real("shazilk").answers  # metadata.name: task-events-pubsub (pubsub.kafka), task-state (state.postgresql)
    assert (a.dapr_pubsub, a.dapr_statestore, a.dapr_bindings) == ("task-events-pubsub", "task-state", [])


def test_a_cron_binding_the_plan_shows_is_kept_with_its_schedule_and_route() -> None:
    a = _real("foqia-sd").answers
    assert (a.dapr_pubsub, a.dapr_statestore) == ("task-pubsub", "statestore")
    assert a.dapr_bindings == [DaprBinding(name="reminder-cron", schedule="*/1 * * * *", route="/check-reminders")]
    assert _real("baselhussain").answers.dapr_bindings == [DaprBinding(name="scheduler", schedule="@every 1m")]


def test_a_schedule_dapr_cannot_read_is_reported() -> None:
    text = next(REAL_PLANS.glob("foqia-sd*.plan.md")).read_text(encoding="utf-8").replace(
        'value: "*/1 * * * *"  # Every minute', 'value: "every minute"')
    d = decide(parse_text(text))
    assert d.answers.dapr_bindings == []
    assert [n.why for n in d.not_applied if n.text == "reminder-cron"][0].startswith("a cron binding is generated")


def test_a_postgresql_state_store_the_plan_shows_is_its_database() -> None:
    # rvwaqas: `type: state.postgresql`, connectionString from `db-secrets` / `connection-string`, no Storage field:
    # the state store is not a Redis nothing installs, and the services read the same Secret
    a = _real("rvwaqas").answers
    assert (a.storage, a.database_secret, a.dapr_statestore) == ("external-postgresql", "db-secrets", "statestore")
