"""A GCP plan naming Cloud Run and no Kubernetes gets its applications as Cloud Run services: each environment root
enables the APIs it uses, keeps the images in its own Artifact Registry repository and runs every service with its
traffic through the environment's subnet, the database signed into with the service's own account. The google
provider cannot be had offline, so the roots are checked statically: every module call passes only variables its
module declares, and every variable without a default."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from cloud_roots import hcl_block, service_entry
from testlib import PLANS, plan_group, rendered_copy, rendered_plan

from planforge.validate.base import Settings, Severity, Status
from planforge.validate.runner import run_validation

PLAN = PLANS / "gcp-cloud-run.plan.md"
ENVS = ("staging", "production")



def _module_calls_match_their_modules(root: Path) -> list[str]:
    """What is wrong with the module calls of each environment root: an argument the module does not declare, or a
    variable without a default the call does not pass."""
    wrong = []
    for main in sorted((root / "terraform/environments").glob("*/main.tf")):
        text = main.read_text()
        for name, source in re.findall(r'(?m)^module "([\w-]+)" \{\n  source = "([^"]+)"', text):
            block = hcl_block(text, "module", name)
            variables = (main.parent / source / "variables.tf").read_text()
            declared = set(re.findall(r'(?m)^variable "(\w+)"', variables))
            required = {v for v in declared if "default" not in hcl_block(variables, "variable", v)}
            passed = set(re.findall(r"(?m)^  (\w+)\s+=", block)) - {"source", "count", "for_each", "depends_on"}
            wrong += [f"{main.parent.name}: module.{name} passes {a}" for a in sorted(passed - declared)]
            wrong += [f"{main.parent.name}: module.{name} lacks {v}" for v in sorted(required - passed)]
    return wrong


@plan_group(PLAN)
def test_each_environment_runs_the_services_through_its_subnet_with_its_registry(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(PLAN, tmp_path_factory)
    assert not (root / "terraform/modules/compute").exists()  # no VMs: the apps run on Cloud Run
    for env in ENVS:
        main = (root / "terraform/environments" / env / "main.tf").read_text()
        apis = hcl_block(main, "resource", "google_project_service\" \"this")
        for api in ("run", "artifactregistry", "sqladmin", "servicenetworking", "compute"):
            assert f'"{api}.googleapis.com"' in apis
        assert "container.googleapis.com" not in apis and "disable_on_destroy = false" in apis
        services = hcl_block(main, "module", "services")
        assert "subnet_id  = module.vpc.private_subnet_ids[0]" in services
        assert "instance = module.database.instance_name" in services
        assert "depends_on = [google_project_service.this]" in services
        api, web = service_entry(main, "reports-api"), service_entry(main, "reports-web")
        assert 'image         = "${module.registry.url}/reports-api:${var.image_tags["reports-api"]}"' in api
        assert "port          = 8080" in api and 'health_path   = "/healthz"' in api and "public        = false" in api
        assert "cpu           = 2\n" in api and "memory_mib    = 4096" in api
        # the plan says the web front end has no database access: it gets neither the address nor a user
        assert "database      = true" in api and "database" not in web and "public" not in web
        # the daily rollup is a Cloud Run job Cloud Scheduler starts: a schedule, no port and no instance range
        rollup = service_entry(main, "reports-rollup")
        assert 'schedule = "15 4 * * *"' in rollup and "database = true" in rollup
        assert "port " not in rollup and "min_instances" not in rollup
        assert '"cloudscheduler.googleapis.com"' in apis
        declared = re.search(r"(?s)type = map\(object\(\{(.*?)\}\)\)", hcl_block(
            (root / "terraform/modules/services/variables.tf").read_text(), "variable", "services")).group(1)
        for entry in (api, web, rollup):  # every key an entry sets is an attribute of the module's services type
            assert set(re.findall(r"(?m)^      (\w+)\s+=", entry)) <= set(re.findall(r"(?m)^\s+(\w+)\s+=", declared))
    sizes = {env: re.findall(r"(?m)^(min|max)_size = (\d+)$",
                             (root / "terraform/environments" / env / "terraform.tfvars").read_text())
             for env in ENVS}
    # staging scales to zero as the plan says; production keeps two instances for its 99.9% uptime
    assert sizes == {"staging": [("min", "0"), ("max", "3")], "production": [("min", "2"), ("max", "20")]}
    readme = (root / "terraform/README.md").read_text()
    assert "| Applications | Cloud Run services: `reports-api` (port 8080), `reports-web` (port 3000)" in readme
    assert "gcloud auth configure-docker" in readme and "apply -target=module.registry" in readme
    assert 'GRANT USAGE, CREATE ON SCHEMA public TO "<database user of reports-api>";' in readme
    assert "<database user of reports-web>" not in readme
    module = (root / "terraform/modules/services/main.tf").read_text()
    assert 'egress = "ALL_TRAFFIC"' in module and "INGRESS_TRAFFIC_INTERNAL_ONLY" in module
    assert 'type     = "CLOUD_IAM_SERVICE_ACCOUNT"' in module  # the module's identities, joined to its main.tf
    jobs = module  # the library module's jobs.tf, joined to its main.tf
    assert 'resource "google_cloud_run_v2_job" "this"' in jobs and 'role     = "roles/run.invoker"' in jobs
    assert ":run\"" in jobs and 'time_zone        = "Etc/UTC"' in jobs


@plan_group(PLAN)
def test_module_calls_pass_what_their_modules_declare_and_a_wrong_argument_is_caught(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    root = rendered_copy(PLAN, tmp_path_factory, tmp_path / "repo")
    assert _module_calls_match_their_modules(root) == []
    main = root / "terraform/environments/staging/main.tf"
    main.write_text(main.read_text().replace("  subnet_id  = module.vpc.private_subnet_ids[0]\n",
                                             "  subnetwork = module.vpc.private_subnet_ids[0]\n"))
    assert _module_calls_match_their_modules(root) == ["staging: module.services passes subnetwork",
                                                       "staging: module.services lacks subnet_id"]


@plan_group(PLAN)
def test_the_repository_passes_its_offline_checks(tmp_path_factory: pytest.TempPathFactory) -> None:
    """terraform fmt and the wiring checks pass; `terraform validate` is skipped for want of the google provider,
    and says so."""
    checks = run_validation([rendered_plan(PLAN, tmp_path_factory)], Settings(strict=True, jobs=2))
    assert not [f for c in checks for f in c.findings if f.severity in (Severity.ERROR, Severity.WARNING)]
    skipped = [c for c in checks if c.status is Status.SKIPPED]
    assert {c.name for c in skipped} == {"validate"} and len(skipped) == 3
    assert all("hashicorp/google" in (c.reason or "") for c in skipped)
