"""Scheduled applications on serverless compute: the plan's `nightly at 01:30 UTC` application is an ECS scheduled
task (EventBridge Scheduler), its `cron 0 3 * * 0` one a Container Apps job, each with the database as the services
get it, and no service, load balancer or instance range of its own; every AWS root passes `terraform validate`."""
from __future__ import annotations

from pathlib import Path

import pytest
from cloud_roots import hcl_block
from testlib import PLANS, plan_group, rendered_plan, require_tool

from planforge.validate.base import Settings, Severity, Status
from planforge.validate.runner import run_validation

ECS = PLANS / "aws-ecs-lending.plan.md"
ACA = PLANS / "azure-container-apps.plan.md"


def _map(block: str, name: str) -> str:
    """The `name = { ... }` map of a module call, as written."""
    return block.split(f"\n  {name} = {{\n", 1)[1].split("\n  }\n", 1)[0]


@plan_group(ECS)
def test_an_ecs_job_runs_on_its_schedule_with_the_database(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(ECS, tmp_path_factory)
    for env in ("dev", "staging", "prod"):
        services = hcl_block((root / "terraform/environments" / env / "main.tf").read_text(), "module", "services")
        jobs = _map(services, "jobs")
        assert "overdue-report = {" in jobs and 'schedule       = "30 1 * * *"' in jobs
        assert "env            = local.database_env" in jobs and "min_instances" not in jobs
        assert "overdue-report" not in _map(services, "services")
    readme = (root / "terraform/README.md").read_text()
    assert "overdue-report runs on the schedule `30 1 * * *` (UTC): EventBridge Scheduler starts one Fargate task" in readme
    assert "`overdue-report` (a job, scheduled `30 1 * * *` UTC)" in readme
    module = (root / "terraform/modules/services/main.tf").read_text()
    assert "maximum_event_age_in_seconds = 3600" in module  # a late start is given up after an hour


@plan_group(ECS)
def test_the_ecs_roots_with_a_job_validate(tmp_path_factory: pytest.TempPathFactory, tf_mirror: Path) -> None:
    require_tool("terraform")
    checks = run_validation([rendered_plan(ECS, tmp_path_factory)], Settings(strict=True, jobs=2,
                                                                             terraform_plugin_mirrors=[tf_mirror]),
                            only=["terraform"])
    validated = [c for c in checks if c.name == "validate"]
    assert validated and all(c.status is Status.PASSED for c in validated), validated
    assert not [f for c in checks for f in c.findings if f.severity in (Severity.ERROR, Severity.WARNING)]


@plan_group(ACA)
def test_a_container_apps_job_runs_on_its_schedule(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(ACA, tmp_path_factory)
    for env in ("staging", "production"):
        services = hcl_block((root / "terraform/environments" / env / "main.tf").read_text(), "module", "services")
        jobs = _map(services, "jobs")
        assert "claims-purge = {" in jobs and 'schedule = "0 3 * * 0"' in jobs
        assert 'env      = merge(local.database_env, { DATABASE_USER = "claims-purge" })' in jobs
        assert "claims-purge" not in _map(services, "services")
    readme = (root / "terraform/README.md").read_text()
    assert "claims-purge runs on the schedule `0 3 * * 0` (UTC): its Container Apps job runs one replica" in readme
    assert "pgaadauth_create_principal_with_oid('claims-purge'" in readme
    assert "(`job_identities` for a scheduled job)" in readme and "ALTER DEFAULT PRIVILEGES" in readme
    for env in ("staging", "production"):  # the job's principal comes from the root's outputs
        outputs = (root / "terraform/environments" / env / "outputs.tf").read_text()
        assert "value       = module.services.job_identities" in hcl_block(outputs, "output", "job_identities")
