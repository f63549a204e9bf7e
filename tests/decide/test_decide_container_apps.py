"""Serverless compute on Azure: a Terraform-only Azure plan naming Container Apps runs its applications on it, each
environment's replicas size its apps (a stated 0 scales to zero, which ECS cannot), the state in an Azure storage
account is read, and the domain and certificate it names are reported with what to do."""
from __future__ import annotations

from testlib import PLANS, line_of, refused

from planforge.decide import decide
from planforge.plan import parse_text

PLAN = (PLANS / "azure-container-apps.plan.md").read_text(encoding="utf-8")
ECS = (PLANS / "aws-ecs-fargate.plan.md").read_text(encoding="utf-8")


def decided(text: str = PLAN):
    return decide(parse_text(text, "plan.md"))


def test_the_plan_runs_its_applications_on_container_apps() -> None:
    d = decided()
    a = d.answers
    assert (a.structure, a.cloud, a.compute) == ("single-iac", "azure", "container-apps")
    assert (a.state_backend, d.provenance["state_backend"].line) == ("azurerm", line_of(PLAN, "**State Backend**"))
    assert {app.name: (app.port, app.inbound, app.public, app.database_access) for app in a.apps} == {
        "claims-api": (8080, True, False, True), "claims-web": (3000, True, True, False),
        "claims-export": (8080, False, True, True), "claims-purge": (8080, False, True, True)}
    assert [(app.name, app.schedule) for app in a.apps if app.schedule] == [("claims-purge", "0 3 * * 0")]
    assert not [n for n in d.not_applied if "Container Apps" in n.text or "Container Registry" in n.text]


def test_replicas_per_environment_size_the_apps_and_zero_is_kept() -> None:
    d = decided()
    assert {s.name: (s.min_size, s.max_size) for s in d.answers.environment_sizing} == {
        "staging": (0, 2), "production": (1, 10)}
    line = line_of(PLAN, "| Compute (Azure Container Apps) |")
    assert {a.text for a in d.applied if a.line == line} >= {"1 to 10 replicas", "0 to 2 replicas"}
    # the worker keeps one replica where the others scale to zero, and the report says so
    assert [n.why for n in d.not_applied if n.line == line] == [
        "claims-export keeps one replica: a worker has no requests to wake it from zero"]
    rows = {r.name: r.value for r in d.answers.decisions}
    assert rows["environment_sizing"].startswith("staging (0-2 replicas per app), production (1-10 replicas per app")


def test_ecs_keeps_one_task_where_zero_is_stated() -> None:
    text = ECS.replace("1 to 2 tasks in staging", "0 to 2 tasks in staging")
    d = decide(parse_text(text, "plan.md"))
    assert {s.name: s.min_size for s in d.answers.environment_sizing}["staging"] == 1
    assert any(n.text == "0 to 2 tasks" and "applied as 1" in n.why for n in d.not_applied)


def test_a_domain_and_its_certificate_are_reported_with_the_steps() -> None:
    text = PLAN.replace("| one VNet per environment, Container Apps environment in its own subnet |",
                        "| one VNet per environment, Container Apps environment in its own subnet; claims-web at "
                        "claims.example.com with a managed certificate |")
    d = decided(text)
    [report] = [n for n in d.not_applied if n.line == line_of(text, "| VNet |")]
    assert "asuid TXT" in report.why and "managed certificate" in report.why


def test_container_apps_beside_aks_is_reported_and_on_aws_refused() -> None:
    with_aks = decided(PLAN.replace("**Kubernetes**: N/A", "**Kubernetes**: AKS 1.31")
                       .replace("Option 1 (single-iac: Terraform only)", "Option 2 (multi-tool)"))
    assert with_aks.answers.compute == "vms"
    assert any("Container Apps" in n.text and "not generated" in n.why for n in with_aks.not_applied)
    text = (PLAN.replace("**Cloud Provider**: Azure", "**Cloud Provider**: AWS").replace("westeurope", "eu-west-1")
            .replace("Azure Storage", "S3").replace("Azure Key Vault", "AWS Secrets Manager"))
    assert any("Azure Container Apps is named but not supported" in p.message and "ECS on Fargate (AWS)" in p.message
               for p in refused(text))


def test_a_log_retention_reaches_the_log_workspace_in_a_period_the_cloud_allows() -> None:
    d = decided()
    assert (d.answers.log_retention_days, d.provenance["log_retention_days"].line) == (
        90, line_of(PLAN, "**Constraints**"))
    assert d.answers.backup_retention_days == 7  # how long logs are kept is no backup retention
    assert {r.name: r.value for r in d.answers.decisions}["log_retention_days"] == "90"
    short = decided(PLAN.replace("logs kept 90 days", "logs kept 7 days"))
    assert short.answers.log_retention_days == 30
    assert any(n.text == "kept 7 days" and "Log Analytics keeps them 30 days" in n.why for n in short.not_applied)
    ecs = decide(parse_text(ECS.replace("budget < $1.5k/month", "budget < $1.5k/month, logs kept 45 days"), "plan.md"))
    assert ecs.answers.log_retention_days == 60  # CloudWatch Logs' next period


def test_a_log_retention_where_nothing_keeps_logs_is_reported() -> None:
    on_vms = (PLAN.replace("Compute (Azure Container Apps)", "Compute (VM scale set)")
              .replace("Container Apps", "VMs").replace("Container\nRegistry", "registry"))
    d = decided(on_vms)
    assert (d.answers.compute, d.answers.log_retention_days) == ("vms", 0)
    assert any(n.text == "kept 90 days" and "nothing this repository generates on azure keeps logs" in n.why
               for n in d.not_applied)
    assert "log_retention_days" not in {r.name for r in d.answers.decisions}


PERMITS = (PLANS / "azure-permits.plan.md").read_text(encoding="utf-8")


def test_a_plan_written_without_planforge_in_mind_is_read_as_written() -> None:
    """Applications under their own heading, replicas in an environments table whose header says what the numbers
    count, and residency said in words (`data must stay in the EU`)."""
    d = decided(PERMITS)
    a = d.answers
    assert d.provenance["apps"].line == line_of(PERMITS, "## Applications")
    assert {app.name: (app.port, app.inbound, app.public, app.database_access) for app in a.apps} == {
        "permits-web": (8080, True, True, False), "permits-api": (5000, True, False, True),
        "permits-notifier": (8080, False, True, True)}
    assert {s.name: (s.min_size, s.max_size) for s in a.environment_sizing} == {
        "dev": (0, 2), "test": (1, 2), "prod": (2, 6)}
    assert any(x.line == line_of(PERMITS, "| dev | 0 to 2 |") and x.text == "0 to 2" for x in d.applied)
    assert (a.data_residency, d.provenance["data_residency"].line) == ("eu", line_of(PERMITS, "**Constraints**"))
    assert a.log_retention_days == 60
