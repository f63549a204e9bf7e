"""Deployment Type multi-region in the workspaces layout: the primary region's root (`live/`, a workspace per
environment) and, beside it, one root per standby region (`live-<region>/`) with a workspace per regional environment,
its own states, region and network; the standby root replicates the primary database's backups; the repository
validates."""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
from render_helpers import new_with_dns_failover, validate_strict
from testlib import PLANS, hcl_string

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan

PLAN = PLANS / "aws-eks-multiregion-workspaces.plan.md"
TF = Path("terraform")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("ws-multiregion") / "repo"
    assert main(["new", str(PLAN), str(dest), "--no-git", "--repo-url", "https://github.com/acme/storefront.git"]) == 0
    return dest


def test_the_workspaces_plan_applies_the_deployment_type():
    d = decide(parse_plan(PLAN))
    assert (d.answers.terraform_roots, d.answers.regions, d.answers.regional_environments) == (
        "workspaces", ["us-east-1", "eu-west-1"], ["prod"])
    assert not [n for n in d.not_applied if "region" in n.why]


def test_the_standby_region_has_its_own_root_states_region_and_network(repo: Path):
    assert sorted(p.name for p in (repo / TF).iterdir() if p.is_dir()) == [
        "bootstrap", "live", "live-eu-west-1", "modules"]
    live, standby = repo / TF / "live", repo / TF / "live-eu-west-1"
    assert hcl_string((live / "backend.tf").read_text(), "workspace_key_prefix") == "environments"
    assert hcl_string((standby / "backend.tf").read_text(), "workspace_key_prefix") == "environments/eu-west-1"
    assert sorted(p.name for p in (standby / "envs").iterdir()) == ["prod.tfvars"]  # the regional environment only
    assert 'contains(["prod"], terraform.workspace)' in (standby / "workspace.tf").read_text()
    primary_vars, standby_vars = (live / "envs/prod.tfvars").read_text(), (standby / "envs/prod.tfvars").read_text()
    assert (hcl_string(primary_vars, "region"), hcl_string(standby_vars, "region")) == ("us-east-1", "eu-west-1")
    networks = [ipaddress.ip_network(hcl_string(t, "vpc_cidr")) for t in (primary_vars, standby_vars)]
    assert not networks[0].overlaps(networks[1])
    main_tf = (standby / "main.tf").read_text()
    assert 'name        = "${var.project}-${local.environment}-${var.region}"' in main_tf
    assert 'module "eks"' in main_tf and 'module "rds"' not in main_tf  # no database of its own
    replication = (standby / "standby.tf").read_text()
    assert 'db_instance_identifier = "${var.project}-${local.environment}"' in replication
    assert '"prod" = 14' in replication  # the plan's "backups kept 14 days", per workspace
    assert "cd terraform/live-eu-west-1" in (repo / TF / "README.md").read_text()


def test_hcp_terraform_tags_the_standby_root_apart(tmp_path: Path):
    plan = tmp_path / "plan.md"
    plan.write_text(PLAN.read_text().replace("**State Backend**: S3+DynamoDB",
                                             "**State Backend**: Terraform Cloud (organization acme)"))
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git"]) == 0
    tags = [re.search(r'tags = \["([^"]+)"\]', (dest / TF / root / "backend.tf").read_text()).group(1)
            for root in ("live", "live-eu-west-1")]
    assert tags == ["storefront-eks-live", "storefront-eks-live-eu-west-1"]
    assert 'trimprefix(terraform.workspace, "storefront-eks-live-eu-west-1-")' in (
        dest / TF / "live-eu-west-1/workspace.tf").read_text()


def test_argocd_targets_the_standby_cluster(repo: Path):
    assert (repo / "argocd/applications/prod-eu-west-1/applications.yaml").is_file()


def test_a_dns_component_gives_the_workspaces_roots_route53_failover_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    dest = new_with_dns_failover(PLAN, tmp_path)
    primary, standby = (dest / TF / root / "dns.tf" for root in ("live", "live-eu-west-1"))
    # the live root serves every environment: only the regional ones' workspaces get the PRIMARY record
    assert 'contains(["prod"], local.environment)' in primary.read_text()
    assert 'type = "PRIMARY"' in primary.read_text() and 'type = "SECONDARY"' in standby.read_text()
    for dns in (primary.read_text(), standby.read_text()):
        assert 'resource "aws_route53_health_check" "ingress"' in dns
        assert "health_check_id = aws_route53_health_check.ingress[0].id" in dns
        assert "(envs/<env>.tfvars)" in dns
    assert "`PRIMARY` in\n   `live/`" in (dest / TF / "README.md").read_text()
    code, out = validate_strict(dest, monkeypatch, capsys)
    assert code == 0 and "terraform:" in out, out


def test_the_workspaces_multiregion_repository_validates_strict(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]):
    code, out = validate_strict(repo, monkeypatch, capsys, "--verbose")
    assert code == 0 and "terraform/live-eu-west-1" in out, out
