"""A DigitalOcean plan gets a DOKS repository that validates with the real provider: every root passes
`terraform validate` against digitalocean 2.99.1 (the packed mirror beside the repository), the modules' own tests
pass under a mocked provider, the plan's figures reach the roots, and the parts that connect agree (the state's
Spaces endpoint, the database port the NetworkPolicies open, the Secret the applications read the database from)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from cloud_roots import assert_module_tests_pass, assert_roots_validate_and_catch, hcl_block
from testlib import FIXTURES, PLANS, plan_group, rendered_copy, rendered_plan, require_tool

from planforge.decide import decide
from planforge.plan import parse_plan

DOKS = PLANS / "doks-argocd.plan.md"
ENVS = ("staging", "production")


@plan_group(DOKS)
def test_the_roots_carry_the_plans_cluster_database_and_state(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(DOKS, tmp_path_factory)
    for env in ENVS:
        here = root / "terraform/environments" / env
        main = (here / "main.tf").read_text()
        assert "node_min_size      = var.min_size" in hcl_block(main, "module", "doks")
        database = hcl_block(main, "module", "database")
        assert "kubernetes_cluster_id = module.doks.cluster_id" in database and "vpc_id" in database
        tfvars = (here / "terraform.tfvars").read_text()
        assert 'region      = "fra1"' in tfvars
        backend = (here / "backend.tf").read_text()
        assert 's3 = "https://fra1.digitaloceanspaces.com"' in backend and "use_lockfile" not in backend
        assert "dynamodb_table" not in backend and f'key    = "environments/{env}/terraform.tfstate"' in backend
        variables = (here / "variables.tf").read_text()
        assert 'contains(["ams3", "fra1"], var.region)' in variables  # EU data residency
        assert "customer_managed_kms" not in variables and "backup_retention_days" not in variables
        # DOKS's API is public: its firewall admits the ranges the team sets, and the root refuses to plan without
        assert "api_allowed_cidrs = var.api_authorized_cidrs" in hcl_block(main, "module", "doks")
        assert "default     = null" in hcl_block(variables, "variable", "api_authorized_cidrs")
    # DigitalOcean refuses overlapping VPCs in one account: one range per environment
    cidrs = {re.search(r'vpc_cidr = "([^"]+)"', (root / f"terraform/environments/{env}/terraform.tfvars").read_text())
             .group(1) for env in ENVS}
    assert len(cidrs) == len(ENVS) and not cidrs & {"10.244.0.0/16", "10.245.0.0/16"}
    prod = (root / "terraform/environments/production/terraform.tfvars").read_text()
    assert all(line in prod for line in ('instance_type = "s-4vcpu-8gb"', "min_size      = 3", "max_size      = 6",
                                         "ha_control_plane = true", "multi_az          = true"))
    staging = (root / "terraform/environments/staging/terraform.tfvars").read_text()
    assert "min_size      = 2" in staging and "max_size      = 2" in staging and "ha_control_plane = false" in staging
    bootstrap = (root / "terraform/bootstrap/main.tf").read_text()
    assert 'resource "digitalocean_container_registry" "this"' in bootstrap
    assert re.search(r"versioning \{\s+enabled = true", bootstrap)


@plan_group(DOKS)
def test_the_database_port_and_secret_agree_from_terraform_to_the_pods(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """DigitalOcean's PostgreSQL listens on 25060, not 5432: the apps' egress, the post-deploy probe and the
    Terraform output agree; the apps' Secret carries DATABASE_URL from the root's output, and the README names the
    grant PostgreSQL 15+ needs before the app user can create tables."""
    root = rendered_plan(DOKS, tmp_path_factory)
    policies = list(yaml.safe_load_all((root / "kubernetes/base/policies/network-policies.yaml").read_text()))
    egress = [p for p in policies if p and p["metadata"]["name"] == "allow-database-egress"]
    assert egress and all(p["spec"]["egress"][0]["ports"] == [{"port": 25060, "protocol": "TCP"}] for p in egress)
    # to the environments' own VPCs, where the databases live (before: 10.0.0.0/16, a network no root builds)
    vpcs = [re.search(r'vpc_cidr\s*=\s*"([^"]+)"', (root / f"terraform/environments/{env}/terraform.tfvars").read_text())
            .group(1) for env in ("staging", "production")]
    assert all([block["ipBlock"]["cidr"] for block in p["spec"]["egress"][0]["to"]] == vpcs for p in egress), vpcs
    expected = yaml.safe_load((root / "validation/post-deploy/expected.yaml").read_text())
    probes = [p for env in expected["environments"].values() for p in env["database_probes"]]
    assert probes and {p["port"] for p in probes} == {25060}
    outputs = (root / "terraform/environments/production/outputs.tf").read_text()
    assert "${module.database.private_host}:${module.database.port}" in outputs
    assert "sensitive   = true" in hcl_block(outputs, "output", "database_uri")
    readme = (root / "README.md").read_text()
    assert ('--from-literal=DATABASE_URL="$(terraform -chdir=terraform/environments/<env> output -raw database_uri)"'
            in readme)
    tf_readme = (root / "terraform/README.md").read_text()
    assert "GRANT CREATE ON SCHEMA public TO app" in tf_readme and "no lock" in tf_readme
    assert "`DIGITALOCEAN_TOKEN`" in tf_readme and "doctl kubernetes cluster kubeconfig save" in tf_readme
    assert "kms_key_id" not in tf_readme and "alias/" not in tf_readme
    assert "| Access logging | state access logs (DigitalOcean keeps no flow logs nor database connection logs) |" \
        in tf_readme


@plan_group(DOKS)
def test_the_apps_pull_from_the_registry_the_bootstrap_creates(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The images name the account's registry, and each app's own ServiceAccount carries the pull secret DOKS's
    registry integration puts in every namespace (it gives it to the default ServiceAccount only)."""
    root = rendered_plan(DOKS, tmp_path_factory)
    registry = re.search(r'registry_name\s+= "([^"]+)"', (root / "terraform/bootstrap/terraform.tfvars").read_text())
    for app in ("recipes-api", "web"):
        deployment = yaml.safe_load((root / f"kubernetes/apps/{app}/base/deployment.yaml").read_text())
        image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image.startswith(f"registry.digitalocean.com/{registry.group(1)}/{app}:")
        account = yaml.safe_load((root / f"kubernetes/apps/{app}/base/serviceaccount.yaml").read_text())
        assert account["imagePullSecrets"] == [{"name": f"registry-{registry.group(1)}"}]


@plan_group(DOKS)
def test_every_root_validates_and_an_unknown_attribute_is_caught(
        tmp_path_factory: pytest.TempPathFactory, packed_tf_mirror: Path, tmp_path: Path) -> None:
    require_tool("terraform")
    root = rendered_copy(DOKS, tmp_path_factory, tmp_path / "repo")
    assert_roots_validate_and_catch(root, packed_tf_mirror, "  ha                 = var.ha_control_plane\n", "node_pool_taints")


@plan_group(DOKS)
def test_the_modules_own_tests_pass_offline(tmp_path_factory: pytest.TempPathFactory, packed_tf_mirror: Path,
                                            tmp_path: Path) -> None:
    require_tool("terraform")
    modules = rendered_plan(DOKS, tmp_path_factory) / "terraform/modules"
    assert_module_tests_pass(modules, ("vpc", "doks", "database"), packed_tf_mirror, "digitalocean", tmp_path)


def test_an_external_database_gets_no_managed_one(tmp_path: Path) -> None:
    """`Storage: Neon PostgreSQL`: the database is a service outside the repository, so no root creates one on the
    cloud (no database module, no output) and the apps' Secret is not told to read a Terraform output."""
    from planforge.decide import decide
    from planforge.plan import parse_text
    from planforge.render.engine import render_new
    from planforge.render.template import resolve_template

    text = DOKS.read_text(encoding="utf-8").replace("**Storage**: Managed PostgreSQL 16, 50 GB",
                                                    "**Storage**: Neon PostgreSQL")
    answers = decide(parse_text(text, "plan.md")).answers
    assert answers.storage == "external-postgresql"
    root = tmp_path / "repo"
    render_new(answers, root, resolve_template(None, None), init_git=False)
    assert not (root / "terraform/modules/database").exists()
    for env in ENVS:
        here = root / "terraform/environments" / env
        assert 'module "database"' not in (here / "main.tf").read_text()
        assert "database_uri" not in (here / "outputs.tf").read_text()
    assert "output -raw database_uri" not in (root / "README.md").read_text()


@plan_group(DOKS)
def test_the_registry_the_images_name_is_created_and_pulled_from(tmp_path: Path) -> None:
    from planforge.decide import decide
    from planforge.plan import parse_text
    from planforge.render.engine import render_new
    from planforge.render.template import resolve_template

    text = DOKS.read_text(encoding="utf-8").replace(
        "**Custom Applications**: recipes-api, web",
        "**Custom Applications**: recipes-api (image `registry.digitalocean.com/taskly/recipes-api`), "
        "web (image `registry.digitalocean.com/taskly/web`)")
    root = tmp_path / "repo"
    render_new(decide(parse_text(text, "plan.md")).answers, root, resolve_template(None, None), init_git=False)
    assert 'registry_name     = "taskly"' in (root / "terraform/bootstrap/terraform.tfvars").read_text()
    for app in ("recipes-api", "web"):
        account = yaml.safe_load((root / f"kubernetes/apps/{app}/base/serviceaccount.yaml").read_text())
        assert account["imagePullSecrets"] == [{"name": "registry-taskly"}]
    assert "if `taskly` is taken" in (root / "terraform/README.md").read_text() + (root / "README.md").read_text()


HARBOR = FIXTURES / "reviewed/doks-argocd-harbor.plan.md"


def test_the_application_connects_as_the_user_the_plan_names() -> None:
    """`The application connects as user `harbor_app`` (and the Data Stores table's User column): the roots kept the
    module's `app`; where no module creates the user (ledgerly's Cloud SQL) it is reported."""
    assert decide(parse_plan(HARBOR)).answers.database_user == "harbor_app"
    ledgerly = decide(parse_plan(FIXTURES / "reviewed/gke-flux-ledgerly.plan.md")).answers
    assert ledgerly.database_user == "" and "ledgerly_app" in [n.text for n in ledgerly.not_applied]


@plan_group(HARBOR)
def test_the_roots_create_the_plans_user_and_validate(tmp_path_factory: pytest.TempPathFactory,
                                                      packed_tf_mirror: Path) -> None:
    require_tool("terraform")
    from planforge.validate.base import Settings, Status
    from planforge.validate.runner import run_validation

    root = rendered_plan(HARBOR, tmp_path_factory)
    for env in ENVS:
        assert 'user_name             = "harbor_app"' in (root / f"terraform/envs/{env}/main.tf").read_text()
    assert "GRANT CREATE ON SCHEMA public TO harbor_app" in (root / "terraform/README.md").read_text()
    checks = run_validation([root], Settings(strict=True, terraform_plugin_mirrors=[packed_tf_mirror], jobs=2),
                            only=["terraform"])
    validated = [c for c in checks if c.name == "validate"]
    assert validated and all(c.status is Status.PASSED and not c.findings for c in validated), validated
