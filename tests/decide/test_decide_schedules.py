"""Scheduled applications: an application the plan gives a schedule (`nightly at 01:30 UTC`, `cron 0 3 * * 0`,
`daily at 04:15`, `hourly`, `every 15 minutes`) is a scheduled job on serverless compute, with the schedule as a
five-field cron expression in UTC; where nothing runs a schedule (Kubernetes, App Service) it is said at its line."""
from __future__ import annotations

import re

import pytest
from testlib import PLANS, line_of

from planforge.decide import decide
from planforge.decide.rules.schedules import SCHEDULE, cron_of
from planforge.plan import parse_text

ECS = (PLANS / "aws-ecs-lending.plan.md").read_text(encoding="utf-8")
APP_SERVICE = (PLANS / "azure-app-service.plan.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("words", "cron"), [
    ("nightly at 01:30 UTC", "30 1 * * *"), ("daily at 4:05", "5 4 * * *"), ("cron `0 3 * * 0`", "0 3 * * 0"),
    ("cron: '*/10 8-18 * * MON-FRI'", "*/10 8-18 * * MON-FRI"), ("hourly", "0 * * * *"),
    ("every 15 minutes", "*/15 * * * *"), ("cron 0 3 * * 0, then exits", "0 3 * * 0"),
    ("nightly, 02:00 UTC", "0 2 * * *")])
def test_a_schedule_as_written_is_a_cron_expression(words: str, cron: str) -> None:
    m = re.search(SCHEDULE, words, re.I)
    assert m is not None and cron_of(m) == cron


def test_no_schedule_in_ordinary_words() -> None:
    for words in ("every day we ship", "at 02:00 the team meets", "every 90 minutes", "cron jobs later",
                  "daily, the 02:00 train"):
        assert re.search(SCHEDULE, words, re.I) is None, words


def test_a_scheduled_application_is_a_job_with_no_port() -> None:
    d = decide(parse_text(ECS, "plan.md"))
    apps = {a.name: a for a in d.answers.apps}
    assert (apps["overdue-report"].schedule, apps["overdue-report"].inbound) == ("30 1 * * *", False)
    assert apps["overdue-notifier"].schedule == ""  # a worker, not a job
    line = line_of(ECS, "- `overdue-report`")
    assert any(x.line == line and x.text == "nightly at 01:30 UTC" for x in d.applied)
    rows = {r.name: r.value for r in d.answers.decisions}
    assert "overdue-report (image in the environment registry, scheduled 30 1 * * * (UTC)" in rows["apps"]
    assert "schedule" not in d.answers.to_copier_data()["apps"][0]  # only a job's entry carries one


def test_on_kubernetes_a_schedule_makes_a_job() -> None:
    """A scheduled application on Kubernetes is a CronJob (tests/render/test_worker_apps.py), nothing connects to it."""
    text = (PLANS / "aks-argocd-keyvault.plan.md").read_text(encoding="utf-8").replace(
        "**Custom Applications**: orders-api, web-frontend",
        "**Custom Applications**: orders-api (nightly at 02:00 UTC), web-frontend")
    d = decide(parse_text(text, "plan.md"))
    assert {a.name: (a.schedule, a.inbound) for a in d.answers.apps} == {
        "orders-api": ("0 2 * * *", False), "web-frontend": ("", True)}
    assert not [n for n in d.not_applied if n.text == "nightly at 02:00 UTC"]


def test_app_service_reports_a_job_and_does_not_generate_it() -> None:
    text = APP_SERVICE.replace("portal-mailer (no inbound port)", "portal-mailer (daily at 06:00 UTC)")
    d = decide(parse_text(text, "plan.md"))
    assert "portal-mailer" not in {a.name for a in d.answers.apps}
    [report] = [n for n in d.not_applied if n.text == "portal-mailer"]
    assert "no scheduled jobs" in report.why and "Container Apps job" in report.why


FLEET = (PLANS / "aws-fleet-ingest.plan.md").read_text(encoding="utf-8")


def test_applications_described_in_a_services_section_are_read_with_their_figures() -> None:
    """A plan written without planforge in mind: its applications are `- **name** — ...` items of a `## Services`
    section (sizes, task ranges per environment and a cron job among them), its components table sits under
    `## Infrastructure`."""
    d = decide(parse_text(FLEET, "plan.md"))
    a = d.answers
    assert d.provenance["apps"].line == line_of(FLEET, "- **ingest-api**")
    assert {app.name: (app.port, app.health_path, app.public, app.cpu_request, app.memory_request, app.schedule)
            for app in a.apps} == {
        "ingest-api": (9000, "/livez", True, "1", "2Gi", ""),
        "fleet-admin": (3000, "/", False, "250m", "512Mi", ""),
        "reconcile": (8080, "/healthz", True, "500m", "1Gi", "0 2 * * *")}
    assert {s.name: (s.min_size, s.max_size, s.db_instance_class) for s in a.environment_sizing} == {
        "staging": (1, 2, "db.t4g.medium"), "production": (2, 10, "db.r6g.large")}
    # the components table is read: the certificate row is reported with what to do, Aurora with what is built
    reported = {n.text: n.why for n in d.not_applied}
    assert "ACM certificate" in next(w for t, w in reported.items() if "ACM certificate" in t)
    assert not [t for t, w in reported.items() if "states its own" in w]  # an app's own size is no second statement
    # what is built is not listed as unread: the region beside the cloud, the zone count said twice
    assert not [t for t in reported if "eu-central-1" in t or "AZs" in t]
