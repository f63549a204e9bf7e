"""Deployment Type multi-region: one Terraform root per region of each regional environment, the standby region
replicating the primary's database backups, one Argo CD app-of-apps per regional cluster; the repository validates."""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, find_terraform_mirror

from planforge.cli import main
from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan

PLAN = PLANS / "aws-eks-multiregion.plan.md"
SINGLE = PLANS / "aws-eks-argocd.plan.md"
ENVIRONMENTS = Path("terraform/environments")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("multiregion") / "repo"
    assert main(["new", str(PLAN), str(dest), "--no-git", "--repo-url", "https://github.com/acme/storefront.git"]) == 0
    return dest


def hcl_string(text: str, name: str) -> str:
    m = re.search(rf'^\s*{name}\s*=\s*"([^"]*)"', text, re.M)
    assert m, f"no {name} in\n{text}"
    return m.group(1)


def test_the_plan_decides_the_regions_and_the_regional_environments():
    d = decide(parse_plan(PLAN))
    assert (d.answers.region, d.answers.regions, d.answers.regional_environments) == (
        "us-east-1", ["us-east-1", "eu-west-1"], ["prod"])
    line = PLAN.read_text().splitlines().index(
        "**Deployment Type**: multi-region (us-east-1 primary, eu-west-1 standby)  ") + 1
    assert d.provenance["regions"].line == line and d.provenance["regional_environments"].line == line


def test_every_root_has_its_own_region_state_key_and_network(repo: Path):
    roots = sorted(p.parent for p in (repo / ENVIRONMENTS).glob("*/backend.tf"))
    assert [r.name for r in roots] == ["dev", "prod", "prod-eu-west-1", "staging"]
    keys = [hcl_string((r / "backend.tf").read_text(), "key") for r in roots]
    assert len(set(keys)) == len(keys)
    tfvars = {r.name: (r / "terraform.tfvars").read_text() for r in roots}
    assert hcl_string(tfvars["prod"], "region") == "us-east-1"
    assert hcl_string(tfvars["prod-eu-west-1"], "region") == "eu-west-1"
    assert hcl_string(tfvars["prod-eu-west-1"], "environment") == "prod"
    networks = [ipaddress.ip_network(hcl_string(tfvars[n], "vpc_cidr")) for n in ("prod", "prod-eu-west-1")]
    assert not networks[0].overlaps(networks[1])
    # its own cluster, named after its region (IAM names are global)
    main_tf = (repo / ENVIRONMENTS / "prod-eu-west-1/main.tf").read_text()
    assert 'module "eks"' in main_tf and 'name        = "${var.project}-${var.environment}-${var.region}"' in main_tf
    assert 'module "rds"' not in main_tf  # the standby region has no database of its own


def test_the_standby_region_replicates_the_primary_database(repo: Path):
    primary = (repo / ENVIRONMENTS / "prod/main.tf").read_text()
    assert 'module "rds"' in primary and 'name        = "${var.project}-${var.environment}"' in primary
    standby = (repo / ENVIRONMENTS / "prod-eu-west-1/standby.tf").read_text()
    provider = re.search(r'provider "aws" \{\s*alias\s*=\s*"primary"\s*region\s*=\s*"([^"]+)"', standby)
    assert provider and provider.group(1) == "us-east-1"
    lookup = re.search(r'data "aws_db_instance" "primary" \{(.*?)\n\}', standby, re.S)
    assert lookup and "provider               = aws.primary" in lookup.group(1)
    assert hcl_string(lookup.group(1), "db_instance_identifier") == "${var.project}-${var.environment}"
    replication = re.search(r'resource "aws_db_instance_automated_backups_replication" "primary" \{(.*?)\n\}',
                            standby, re.S)
    assert replication and "data.aws_db_instance.primary.db_instance_arn" in replication.group(1)
    assert "retention_period       = 14" in replication.group(1)  # the plan's "backups kept 14 days"


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_argocd_targets_every_regional_cluster(repo: Path):
    apps = repo / "argocd/applications"
    standby = docs(apps / "prod-eu-west-1/applications.yaml")
    primary = [d for f in sorted((apps / "prod").glob("*.yaml")) for d in docs(f)]
    assert len(standby) == len(primary) > 1
    assert {d["spec"]["destination"]["server"] for d in standby} == {
        "https://storefront-eks-prod-eu-west-1.cluster.invalid"}
    assert {d["metadata"]["name"] for d in standby} == {d["metadata"]["name"] + "-eu-west-1" for d in primary}
    assert {d["spec"]["source"].get("path") for d in standby} == {d["spec"]["source"].get("path") for d in primary}
    [app_of_apps] = docs(apps / "prod-eu-west-1.yaml")
    assert app_of_apps["spec"]["source"]["path"] == "argocd/applications/prod-eu-west-1"
    bootstrap = docs(repo / "argocd/bootstrap/prod.yaml")[1]  # after its AppProject
    assert "applications/prod-eu-west-1.yaml" in bootstrap["spec"]["source"]["directory"]["include"]
    for project in ("apps", "platform"):
        servers = {d.get("server") for d in docs(repo / f"argocd/projects/{project}.yaml")[0]["spec"]["destinations"]}
        assert "https://storefront-eks-prod-eu-west-1.cluster.invalid" in servers
    assert not (apps / "dev-eu-west-1").exists()  # production only: the plan does not ask for all environments


def test_the_multiregion_repository_validates_strict(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]):
    mirror = find_terraform_mirror()
    if mirror is not None:
        monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", str(mirror))
    capsys.readouterr()
    code = main(["validate", str(repo), "--strict"])
    assert code == 0, capsys.readouterr().out


def plan_with(deployment_type: str) -> str:
    return SINGLE.read_text().replace("**Deployment Type**: single-region (us-east-1)",
                                      f"**Deployment Type**: {deployment_type}")


def decided(text: str, tmp_path: Path):
    path = tmp_path / "plan.md"
    path.write_text(text)
    return decide(parse_plan(path))


def refused(text: str, tmp_path: Path) -> list[tuple[str | None, int | None, str]]:
    with pytest.raises(RefusedError) as exc:
        decided(text, tmp_path)
    return [(p.field, p.line, p.message) for p in exc.value.problems]


DT_LINE = 26


def test_the_primary_is_the_region_named_primary_and_all_environments_span_both(tmp_path: Path):
    d = decided(plan_with("multi-region (eu-west-1 standby, us-east-1 primary), all environments in both regions"),
                tmp_path)
    assert (d.answers.region, d.answers.regions) == ("us-east-1", ["us-east-1", "eu-west-1"])
    assert d.answers.regional_environments == d.answers.environments == ["dev", "staging", "prod"]


@pytest.mark.parametrize(("deployment_type", "message"), [
    ("multi-region (us-east-1)", "a multi-region deployment names only us-east-1"),
    ("multi-region", "a multi-region deployment names no region of AWS"),
    ("multi-cloud (AWS)", "a multi-cloud deployment names only aws"),
])
def test_a_deployment_type_naming_too_few_regions_or_clouds_is_a_plan_problem(tmp_path: Path, deployment_type: str,
                                                                              message: str):
    assert refused(plan_with(deployment_type), tmp_path) == [("Deployment Type", DT_LINE, message)]


def test_two_clouds_are_refused_naming_what_is_supported(tmp_path: Path):
    [(field, line, message)] = refused(plan_with("multi-cloud (AWS + GCP)"), tmp_path)
    assert (field, line) == ("Deployment Type", DT_LINE)
    assert message.startswith("multi-cloud deployments (aws, gcp) are not generated: a repository targets one cloud")


def test_a_database_the_cloud_does_not_replicate_is_reported_not_applied(tmp_path: Path):
    text = (PLAN.read_text().replace("**Cloud Provider**: AWS", "**Cloud Provider**: Azure")
            .replace("EKS 1.29", "AKS 1.29")
            .replace("S3+DynamoDB", "Azure Blob Storage").replace("AWS Secrets Manager", "Azure Key Vault")
            .replace("us-east-1 primary, eu-west-1 standby", "westeurope primary, northeurope standby"))
    d = decided(text, tmp_path)
    assert d.answers.regions == ["westeurope", "northeurope"]
    assert [(n.line, n.text) for n in d.not_applied if "not replicated" in n.why] == [(DT_LINE, "northeurope")]
    aws = decide(parse_plan(PLAN))
    assert not [n for n in aws.not_applied if "not replicated" in n.why]


@pytest.mark.slow
def test_update_moves_a_repository_from_one_region_to_two_keeping_user_edits(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]):
    from render_helpers import git, new_from_plan, run_cli, tree

    plan, dest = new_from_plan(tmp_path, "aws-eks-argocd.plan.md", capsys)
    edit = "Owned by the storefront team (edited after generation)."
    readme = dest / "README.md"
    readme.write_text(readme.read_text().replace("\n", f"\n\n{edit}\n", 1))
    overlay = dest / "kubernetes/overlays/dev/kustomization.yaml"
    overlay.write_text(overlay.read_text() + f"# {edit}\n")
    git("commit", "-qam", "user edits", cwd=dest)
    before = tree(dest)

    multi = "**Deployment Type**: multi-region (us-east-1 primary, eu-west-1 standby)"
    plan.write_text(plan.read_text().replace("**Deployment Type**: single-region (us-east-1)", multi))
    code, _, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err

    after = tree(dest)
    assert edit in readme.read_text() and edit in overlay.read_text()
    added = set(after) - set(before)
    assert {"terraform/environments/prod-eu-west-1/main.tf", "terraform/environments/prod-eu-west-1/backend.tf",
            "argocd/applications/prod-eu-west-1.yaml", "argocd/applications/prod-eu-west-1/applications.yaml"} <= added
    assert all(p.startswith(("terraform/environments/prod-eu-west-1/", "argocd/applications/prod-eu-west-1"))
               for p in added)
    assert set(before) <= set(after)
    changed = {p for p in before if before[p] != after[p]}
    # the primary root keeps its state key and code: only its network is stated so the regions' never overlap
    assert changed <= {".copier-answers.yml", "README.md", "terraform/README.md", "argocd/README.md",
                       "terraform/environments/prod/terraform.tfvars", "argocd/bootstrap/prod.yaml",
                       "argocd/projects/apps.yaml", "argocd/projects/platform.yaml"}, changed
    assert 'vpc_cidr    = "10.0.0.0/16"' in (dest / "terraform/environments/prod/terraform.tfvars").read_text()
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["regions"] == ["us-east-1", "eu-west-1"]
