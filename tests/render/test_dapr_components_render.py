"""The Dapr Components a plan shows reach the repository under their names, with its cron bindings scoped to the
services that are no web front end; the Dapr directory builds with kustomize and the repository validates strictly."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import validate_strict
from testlib import REAL_PLANS, rendered_plan, require_tool

PLAN = REAL_PLANS / "foqia-sd--q4-hackathon-todo-app--1-event-driven-microservices.plan.md"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered_plan(PLAN, tmp_path_factory)


def test_the_plans_components_are_built_under_their_names(repo: Path) -> None:
    built = subprocess.run([require_tool("kubectl"), "kustomize", str(repo / "dapr")], capture_output=True, text=True,
                           check=True, timeout=120).stdout
    components = {d["metadata"]["name"]: d for d in yaml.safe_load_all(built) if d}
    assert {n: c["spec"]["type"] for n, c in components.items()} == {
        "task-pubsub": "pubsub.kafka", "statestore": "state.redis", "reminder-cron": "bindings.cron"}
    cron = {m["name"]: m["value"] for m in components["reminder-cron"]["spec"]["metadata"]}
    assert cron == {"schedule": "*/1 * * * *", "route": "/check-reminders"}
    # no service of this plan is a web front end: every one of them is called
    assert components["reminder-cron"]["scopes"] == components["task-pubsub"]["scopes"] == [
        "chat-api", "recurring-task-service", "notification-service", "audit-service"]


def test_the_repository_validates_strictly(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report
