"""Deployment Type multi-region: one Terraform root per region of each regional environment, the standby region
replicating the primary's database backups, one Argo CD app-of-apps per regional cluster; the repository validates."""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
import yaml
from render_helpers import validate_strict
from testlib import PLANS, require_tool, hcl_string, yaml_documents as docs

from planforge.cli import main
from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan

PLAN = PLANS / "aws-eks-multiregion.plan.md"
FLUX_PLAN = PLANS / "aws-eks-multiregion-flux.plan.md"
SINGLE = PLANS / "aws-eks-argocd.plan.md"
ENVIRONMENTS = Path("terraform/environments")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("multiregion") / "repo"
    assert main(["new", str(PLAN), str(dest), "--no-git", "--repo-url", "https://github.com/acme/storefront.git"]) == 0
    return dest


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


def test_argocd_targets_every_regional_cluster(repo: Path):
    apps = repo / "argocd/applications"
    standby = docs(apps / "prod-eu-west-1/applications.yaml")
    # all but Cluster Autoscaler, whose values name the primary cluster
    primary = [d for f in sorted((apps / "prod").glob("*.yaml")) if f.name != "cluster-autoscaler.yaml" for d in docs(f)]
    assert (apps / "prod/cluster-autoscaler.yaml").is_file()
    assert len(standby) == len(primary) > 1
    assert {d["spec"]["destination"].get("name") for d in standby} == {"storefront-eks-prod-eu-west-1"}
    assert not [d for d in standby if "server" in d["spec"]["destination"]]
    assert {d["metadata"]["name"] for d in standby} == {d["metadata"]["name"] + "-eu-west-1" for d in primary}
    assert {d["spec"]["source"].get("path") for d in standby} == {d["spec"]["source"].get("path") for d in primary}
    [app_of_apps] = docs(apps / "prod-eu-west-1.yaml")
    assert app_of_apps["spec"]["source"]["path"] == "argocd/applications/prod-eu-west-1"
    bootstrap = docs(repo / "argocd/bootstrap/prod.yaml")[1]  # after its AppProject
    assert "applications/prod-eu-west-1.yaml" in bootstrap["spec"]["source"]["directory"]["include"]
    for project in ("apps", "platform"):
        names = {d.get("name") for d in docs(repo / f"argocd/projects/{project}.yaml")[0]["spec"]["destinations"]}
        assert "storefront-eks-prod-eu-west-1" in names
    assert not (apps / "dev-eu-west-1").exists()  # production only: the plan does not ask for all environments


def test_the_standby_cluster_registers_itself_with_the_hub_argocd(repo: Path):
    """The standby root writes the cluster's Argo CD connection to the key the hub's ExternalSecret reads, with a
    deployer role only the hub's Argo CD role may assume, mapped to cluster admin by an access entry."""
    [registration] = docs(repo / "argocd/applications/prod-eu-west-1/cluster.yaml")
    assert registration["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-1"
    assert registration["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
    key = registration["spec"]["dataFrom"][0]["extract"]["key"]
    assert key == "storefront-eks/argocd-cluster-prod-eu-west-1"
    standby = (repo / "terraform/environments/prod-eu-west-1/main.tf").read_text()
    secret = re.search(r'resource "aws_secretsmanager_secret" "argocd_cluster" \{(.*?)\n\}', standby, re.S).group(1)
    assert "provider = aws.argocd_hub" in secret and f'name        = "{key}"' in secret
    assert 'name   = "storefront-eks-prod-eu-west-1"' in standby and "awsAuthConfig" in standby
    assert "roleARN = aws_iam_role.argocd_deployer.arn" in standby
    assert 'resource "aws_eks_access_entry" "argocd"' in standby and "AmazonEKSClusterAdminPolicy" in standby
    assert '"aws:PrincipalArn" = "arn:${data.aws_partition.argocd.partition}:iam::' \
           '${data.aws_caller_identity.argocd.account_id}:role/${var.project}-${var.environment}-argocd"' in standby
    hub = (repo / "terraform/environments/prod/main.tf").read_text()
    assert 'name = "${var.project}-${var.environment}-argocd"' in hub
    assert 'for_each = toset(["argocd-application-controller", "argocd-server"])' in hub
    assert 'Resource = "arn:*:iam::*:role/${local.name}-*-argocd-deployer"' in hub
    # Cluster Autoscaler's role is the primary cluster's alone, as its chart is
    assert "cluster_autoscaler" not in standby and re.search(r"\bcluster_autoscaler += true\n", hub)
    # environments without a remote cluster get neither side
    assert "argocd" not in (repo / "terraform/environments/staging/main.tf").read_text()


def test_the_multiregion_repository_validates_strict(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]):
    code, out = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, out


@pytest.fixture(scope="module")
def flux_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("multiregion-flux") / "repo"
    assert main(["new", str(FLUX_PLAN), str(dest), "--no-git", "--repo-url",
                 "https://github.com/acme/storefront.git"]) == 0
    return dest


def test_flux_gives_every_regional_cluster_its_own_entry_point(flux_repo: Path):
    clusters = flux_repo / "clusters"
    assert sorted(p.name for p in clusters.iterdir() if p.is_dir()) == ["dev", "prod", "prod-eu-west-1", "staging"]
    assert not (flux_repo / "argocd").exists()
    primary, standby = clusters / "prod", clusters / "prod-eu-west-1"
    assert docs(standby / "kustomization.yaml")[0]["resources"] == docs(primary / "kustomization.yaml")[0]["resources"]
    assert "--path=clusters/prod-eu-west-1" in (standby / "kustomization.yaml").read_text()
    for name in ("sources.yaml", "infrastructure.yaml", "apps.yaml"):
        # the same layers from the same paths: the standby cluster runs what the primary runs, but Cluster Autoscaler,
        # whose values name the primary cluster
        theirs = docs(standby / name)
        if name == "infrastructure.yaml":
            [delete] = theirs[0]["spec"].pop("patches")
            assert delete["target"] == {"kind": "HelmRelease", "name": "cluster-autoscaler"}
            assert delete["patch"].startswith("$patch: delete\n")
        assert theirs == docs(primary / name), name
    paths = [d["spec"]["path"] for d in docs(standby / "apps.yaml") + docs(standby / "infrastructure.yaml")]
    assert paths and all((flux_repo / p).is_dir() and "/prod" in p for p in paths)
    assert "--path=clusters/<env>-<region>" in (clusters / "README.md").read_text()
    assert (flux_repo / ENVIRONMENTS / "prod-eu-west-1" / "main.tf").is_file()


def test_kubectl_kustomize_builds_the_regional_entry_point(flux_repo: Path):
    import subprocess

    kubectl = require_tool("kubectl")
    built = subprocess.run([kubectl, "kustomize", str(flux_repo / "clusters/prod-eu-west-1")], capture_output=True,
                           text=True, timeout=120, check=True).stdout
    kinds = [d["kind"] for d in yaml.safe_load_all(built) if d]
    assert kinds.count("GitRepository") == 1 and kinds.count("Kustomization") >= 3


def test_the_multiregion_flux_repository_validates_strict(flux_repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]):
    code, out = validate_strict(flux_repo, monkeypatch, capsys)
    assert code == 0 and "flux:" in out, out


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


@pytest.mark.parametrize("cloud,replica", [
    ("azure", ['resource "azurerm_postgresql_flexible_server" "replica"', 'create_mode                   = "Replica"',
               "source_server_id              = data.azurerm_postgresql_flexible_server.primary.id"]),
    ("gcp", ['resource "google_sql_database_instance" "replica"',
             "master_instance_name = data.google_sql_database_instance.primary.name"]),
])
def test_the_azure_and_gcp_standby_region_runs_a_read_replica_of_the_primary_database(
        cloud: str, replica: list[str], tmp_path: Path):
    """azurerm and google cannot be installed here: the standby root is rendered and checked for its content and
    `terraform fmt` (terraform validate runs on AWS only)."""
    import shutil
    import subprocess

    from planforge.render.engine import render_new
    from planforge.render.template import resolve_template

    d = decide(parse_plan(PLAN))
    a = d.answers
    sizing = [s.model_copy(update={"instance_type": None, "db_instance_class": None}) for s in a.environment_sizing]
    regions = {"azure": ["westeurope", "northeurope"], "gcp": ["europe-west1", "us-east1"]}[cloud]
    answers = a.model_validate({**a.model_dump(), "cloud": cloud, "region": regions[0], "regions": regions,
                                "kubernetes_distribution": {"azure": "aks", "gcp": "gke"}[cloud],
                                "state_backend": {"azure": "azurerm", "gcp": "gcs"}[cloud], "state_locking": "none",
                                "secrets_manager": "none", "environment_sizing": sizing})
    standby = f"prod-{answers.regions[1]}"
    dest = tmp_path / "repo"
    render_new(answers, dest, resolve_template(None, None), init_git=False)
    text = (dest / ENVIRONMENTS / standby / "standby.tf").read_text()
    assert all(line in text for line in replica), text
    assert "not replicated" not in text
    assert "the standby root runs a read replica of its database" in (dest / "terraform/README.md").read_text()
    assert not [n for n in d.not_applied if "not replicated" in n.why]
    terraform = shutil.which("terraform")
    if terraform:
        proc = subprocess.run([terraform, "fmt", "-check", "-diff", str(dest / ENVIRONMENTS / standby)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr



@pytest.mark.slow
def test_update_moves_a_repository_from_one_region_to_two_keeping_user_edits(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]):
    from render_helpers import USER_EDIT, commit_user_edits, new_from_plan, run_cli, tree

    plan, dest = new_from_plan(tmp_path, "aws-eks-argocd.plan.md", capsys)
    edited = commit_user_edits(dest, "kubernetes/overlays/dev/kustomization.yaml")
    before = tree(dest)

    multi = "**Deployment Type**: multi-region (us-east-1 primary, eu-west-1 standby)"
    plan.write_text(plan.read_text().replace("**Deployment Type**: single-region (us-east-1)", multi))
    code, _, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err

    after = tree(dest)
    assert all(USER_EDIT in path.read_text() for path in edited)
    added = set(after) - set(before)
    assert {"terraform/environments/prod-eu-west-1/main.tf", "terraform/environments/prod-eu-west-1/backend.tf",
            "argocd/applications/prod-eu-west-1.yaml", "argocd/applications/prod-eu-west-1/applications.yaml"} <= added
    assert all(p.startswith(("terraform/environments/prod-eu-west-1/", "argocd/applications/prod-eu-west-1"))
               for p in added)
    assert set(before) <= set(after)
    changed = {p for p in before if before[p] != after[p]}
    # the primary root keeps its state key and code: its network is stated so the regions' never overlap, and its
    # main.tf only gains the hub's Argo CD role at its end
    assert changed <= {".copier-answers.yml", "README.md", "terraform/README.md", "argocd/README.md",
                       "terraform/environments/prod/terraform.tfvars", "argocd/bootstrap/prod.yaml",
                       "argocd/projects/apps.yaml", "argocd/projects/platform.yaml",
                       "terraform/environments/prod/main.tf"}, changed
    main = "terraform/environments/prod/main.tf"
    # besides, the hub's External Secrets grant gains the standby's connection keys (its one changed line)
    grant = re.compile(rb"\n  external_secrets_names = \[[^\n]*\]")
    assert b"argocd-cluster-${var.environment}-eu-west-1" in grant.search(after[main]).group(0)
    assert grant.sub(b"", after[main]).startswith(grant.sub(b"", before[main]))
    assert b'resource "aws_iam_role" "argocd"' in after[main]
    assert 'vpc_cidr    = "10.0.0.0/16"' in (dest / "terraform/environments/prod/terraform.tfvars").read_text()
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["regions"] == ["us-east-1", "eu-west-1"]


DNS_ROW = "| external-dns | No | Route53 records are managed by another team |"


def test_a_dns_component_gives_the_regions_route53_failover_records(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]):
    text = PLAN.read_text().replace(DNS_ROW, "| external-dns | Yes | Route 53 failover between the regions |")
    plan = tmp_path / "plan.md"
    plan.write_text(text)
    d = decide(parse_plan(plan))
    assert d.answers.dns_failover is True
    assert d.provenance["dns_failover"].line == text.splitlines().index(
        "| external-dns | Yes | Route 53 failover between the regions |") + 1
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git"]) == 0
    roots = dest / ENVIRONMENTS
    assert sorted(p.parent.name for p in roots.glob("*/dns.tf")) == ["prod", "prod-eu-west-1"]
    for root, role in (("prod", "PRIMARY"), ("prod-eu-west-1", "SECONDARY")):
        dns = (roots / root / "dns.tf").read_text()
        assert f'type = "{role}"' in dns and 'resource "aws_route53_health_check" "ingress"' in dns
        assert "health_check_id = aws_route53_health_check.ingress[0].id" in dns
        assert f'set_identifier  = "${{local.name}}-{role.lower()}"' in dns
    assert "- **dns_failover**: yes" in (dest / "README.md").read_text()
    assert "`dns.tf`: `PRIMARY` in the primary root" in (dest / "terraform/README.md").read_text()


def test_without_a_dns_component_no_failover_record_and_no_claim(repo: Path):
    d = decide(parse_plan(PLAN))
    assert d.answers.dns_failover is False  # the external-dns row is Required = No
    assert not list((repo / ENVIRONMENTS).glob("*/dns.tf"))
    assert "dns_failover" not in (repo / "README.md").read_text()


def test_dns_failover_on_another_cloud_is_reported_not_applied(tmp_path: Path):
    row = "| external-dns | Yes | Route 53 failover between the regions |"
    text = (PLAN.read_text().replace(DNS_ROW, row).replace("**Cloud Provider**: AWS", "**Cloud Provider**: Azure")
            .replace("EKS 1.29", "AKS 1.29")
            .replace("S3+DynamoDB", "Azure Blob Storage").replace("AWS Secrets Manager", "Azure Key Vault")
            .replace("us-east-1 primary, eu-west-1 standby", "westeurope primary, northeurope standby"))
    d = decided(text, tmp_path)
    assert d.answers.dns_failover is False
    line = text.splitlines().index(row) + 1
    assert [n.line for n in d.not_applied if "Route 53 (AWS) only" in n.why] == [line]
