"""Azure App Service: a Terraform-only Azure plan naming App Service runs its web apps on it. An environment's instance
type is its plan's SKU (as Azure writes it), a Basic plan runs one instance (a stated range is reported), Free and
Shared plans are refused at their line, a worker with no port and a per-app size are reported at theirs, and an App
Service SKU on other compute reaches no VM."""
from __future__ import annotations

from testlib import PLANS, line_of, refused

from planforge.decide import decide
from planforge.plan import parse_text

PLAN = (PLANS / "azure-app-service.plan.md").read_text(encoding="utf-8")
ROW = "| Compute (Azure App Service) |"


def decided(text: str = PLAN):
    return decide(parse_text(text, "plan.md"))


def test_the_plan_runs_its_web_apps_on_app_service_with_a_sku_per_environment() -> None:
    d = decided()
    a = d.answers
    assert (a.structure, a.cloud, a.compute, a.log_retention_days) == ("single-iac", "azure", "app-service", 60)
    assert {s.name: (s.instance_type, s.min_size, s.max_size) for s in a.environment_sizing} == {
        "dev": ("B2", 1, 1), "prod": ("P1v3", 2, 4)}
    assert {x.text for x in d.applied if x.line == line_of(PLAN, ROW)} >= {"B2", "P1v3", "2 to 4 instances"}
    rows = {r.name: r.value for r in a.decisions}
    assert rows["compute"] == "app-service"
    assert rows["environment_sizing"] == ("dev (B2, 1-1 instances of the App Service plan), prod (P1v3, 2-4 instances "
                                          "of the App Service plan)")
    assert not [n for n in d.not_applied if "App Service" in n.text or n.text in ("B2", "P1v3")]


def test_a_worker_and_a_per_app_size_are_reported_not_generated() -> None:
    d = decided()
    assert [app.name for app in d.answers.apps] == ["portal-web", "portal-api"]
    apps_line = line_of(PLAN, "**Custom Applications**")
    [worker] = [n for n in d.not_applied if n.text == "portal-mailer"]
    assert worker.line == apps_line and "App Service runs web apps" in worker.why and "Container Apps" in worker.why
    sizes = [n for n in d.not_applied if n.line == apps_line and "sizes the plan's instances" in n.why]
    assert {n.text for n in sizes} == {"1 vCPU", "vCPU / 2 GB"}
    assert all(not (app.cpu_request or app.memory_request) for app in d.answers.apps)


def test_a_basic_plan_with_a_range_is_reported_and_a_sku_is_written_as_azure_does() -> None:
    text = PLAN.replace("B2 in dev, P1v3 in prod; 2 to 4 instances in prod",
                        "b1 in dev, p2MV3 in prod; 1 to 3 instances in dev, 2 to 4 instances in prod")
    d = decided(text)
    assert {s.name: (s.instance_type, s.min_size, s.max_size) for s in d.answers.environment_sizing} == {
        "dev": ("B1", 1, 1), "prod": ("P2mv3", 2, 4)}
    [basic] = [n for n in d.not_applied if n.line == line_of(text, ROW)]
    assert basic.text == "b1" and "does not autoscale" in basic.why and "S1" in basic.why


def test_a_free_plan_is_refused_at_its_line() -> None:
    text = PLAN.replace("B2 in dev", "F1 in dev")
    [problem] = [p for p in refused(text) if "F1" in p.message]
    assert problem.line == line_of(text, ROW) and "virtual network integration" in problem.message
    assert "B1" in (problem.hint or "")


def test_a_sku_on_other_compute_reaches_no_vm() -> None:
    aca = (PLANS / "azure-container-apps.plan.md").read_text(encoding="utf-8")
    text = aca.replace("| 1 to 10 replicas per app in production,", "| migrated from App Service P1v3; 1 to 10 replicas "
                       "per app in production,")
    d = decided(text)
    assert d.answers.compute == "container-apps"
    assert all(s.instance_type is None for s in d.answers.environment_sizing)
    [sku] = [n for n in d.not_applied if n.text == "P1v3"]
    assert "do not run on Azure App Service" in sku.why


def test_a_bucket_named_s3_is_no_sku() -> None:
    d = decided(PLAN.replace("| VNet | Yes |", "| VNet | Yes | exports copied to S3 nightly;"))
    assert "S3" not in {s.instance_type for s in d.answers.environment_sizing}


HR = (PLANS / "azure-hr-portal.plan.md").read_text(encoding="utf-8")


def test_a_plan_written_without_planforge_in_mind_is_read_as_written() -> None:
    """An `Infrastructure Components` table, the applications in a `Web apps` row, `P0v3 in dev and test`, flexible
    server tiers (`GP_Standard_D2ds_v5 in prod, B_Standard_B1ms elsewhere`), `PostgreSQL Flexible Server 15`, an
    internal API said in a sentence below the table, and the state in an existing storage account."""
    d = decided(HR)
    a = d.answers
    assert d.provenance["apps"].line == line_of(HR, "| Web apps |")
    assert {app.name: (app.port, app.health_path, app.public) for app in a.apps} == {
        "hr-api": (8080, "/health/ready", False), "hr-bff": (3000, "/healthz", True)}
    assert {s.name: (s.instance_type, s.db_instance_class) for s in a.environment_sizing} == {
        "dev": ("P0v3", "B_Standard_B1ms"), "test": ("P0v3", "B_Standard_B1ms"), "prod": ("P1v3", "GP_Standard_D2ds_v5")}
    assert (a.database_version, a.database_storage_gb, a.backup_retention_days) == ("15", 128, 35)
    assert a.state_bootstrap is False  # the storage account exists: no bootstrap root recreates it
    reported = {n.text for n in d.not_applied}
    assert {"Key Vault", "Application Insights"} <= reported  # rows nothing builds are said, not dropped
    assert not reported & {"Web apps", "App Service plan", "PostgreSQL Flexible Server", "Container registry"}
