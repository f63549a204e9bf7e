"""Deployment Type multi-cloud: each cloud after the primary gets its own Terraform root set (terraform/<cloud>/) with
its own state key, provider, modules and cluster per environment, and GitOps targets every cloud's cluster; a
multi-cloud plan naming one cloud is refused at its line; the repository validates."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import validate_strict
from testlib import PLANS, find_terraform_mirror, hcl_string, yaml_documents as docs

from planforge.cli import main
from planforge.decide import decide
from planforge.decide.answer_rules import check_answers
from planforge.errors import RefusedError
from planforge.plan import parse_plan

PLAN = PLANS / "multicloud-aws-azure.plan.md"
DT = "**Deployment Type**: multi-cloud (AWS primary in us-east-1, Azure)"
CP = "**Cloud Provider**: AWS + Azure"
ENVS = ["dev", "prod", "staging"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("multicloud") / "repo"
    assert main(["new", str(PLAN), str(dest), "--no-git", "--repo-url", "https://github.com/acme/storefront.git"]) == 0
    return dest


def plan_with(tmp_path: Path, **replace: str) -> Path:
    text = PLAN.read_text()
    for old, new in replace.items():
        assert {"dt": DT, "cp": CP}[old] in text
        text = text.replace({"dt": DT, "cp": CP}[old], new)
    path = tmp_path / "plan.md"
    path.write_text(text)
    return path


def refused(path: Path) -> list[tuple[str | None, int | None, str, str | None]]:
    with pytest.raises(RefusedError) as exc:
        decide(parse_plan(path))
    return [(p.field, p.line, p.message, p.hint) for p in exc.value.problems]


def test_the_plan_decides_the_clouds_primary_first_with_their_line():
    d = decide(parse_plan(PLAN))
    assert (d.answers.cloud, d.answers.clouds, d.answers.region) == ("aws", ["aws", "azure"], "us-east-1")
    line = PLAN.read_text().splitlines().index(DT + "  ") + 1
    assert d.provenance["clouds"].line == line
    assert not [n for n in d.not_applied if n.line == line]


def test_the_cloud_a_primary_word_goes_with_is_the_primary(tmp_path: Path):
    path = plan_with(tmp_path, dt="**Deployment Type**: multi-cloud (GCP, AWS primary)",
                     cp="**Cloud Provider**: GCP + AWS")
    d = decide(parse_plan(path))
    assert (d.answers.cloud, d.answers.clouds) == ("aws", ["aws", "gcp"])


def test_a_cloud_provider_saying_multi_cloud_is_enough(tmp_path: Path):
    path = plan_with(tmp_path, dt="**Deployment Type**: single-region (us-east-1)",
                     cp="**Cloud Provider**: multi-cloud (GCP, AWS primary)")
    d = decide(parse_plan(path))
    line = path.read_text().splitlines().index("**Cloud Provider**: multi-cloud (GCP, AWS primary)  ") + 1
    assert (d.answers.cloud, d.answers.clouds, d.provenance["clouds"].line) == ("aws", ["aws", "gcp"], line)


def test_three_clouds_give_two_other_root_sets(tmp_path: Path):
    path = plan_with(tmp_path, dt="**Deployment Type**: multi-cloud (AWS primary, Azure, GCP)")
    assert decide(parse_plan(path)).answers.clouds == ["aws", "azure", "gcp"]


def test_a_multi_cloud_plan_naming_one_cloud_is_a_plan_problem(tmp_path: Path):
    path = plan_with(tmp_path, dt="**Deployment Type**: multi-cloud (AWS)", cp="**Cloud Provider**: AWS")
    line = path.read_text().splitlines().index("**Deployment Type**: multi-cloud (AWS)  ") + 1
    [(field, at, message, hint)] = refused(path)
    assert (field, at, message) == ("Deployment Type", line, "a multi-cloud deployment names only aws")
    assert hint and "multi-cloud (AWS primary, Azure)" in hint


def test_two_clouds_without_a_multi_cloud_deployment_type_are_refused(tmp_path: Path):
    path = plan_with(tmp_path, dt="**Deployment Type**: single-region (us-east-1)")
    line = path.read_text().splitlines().index(CP + "  ") + 1
    [(field, at, message, hint)] = refused(path)
    assert (field, at) == ("Cloud Provider", line)
    assert message == "several clouds (aws, azure) without a multi-cloud Deployment Type"
    assert hint and "multi-cloud" in hint


def test_every_cloud_has_its_own_roots_modules_and_state_keys(repo: Path):
    terraform = repo / "terraform"
    primary = sorted(p.parent for p in (terraform / "environments").glob("*/backend.tf"))
    other = sorted(p.parent for p in (terraform / "azure/environments").glob("*/backend.tf"))
    assert [r.name for r in primary] == [r.name for r in other] == ENVS
    keys = [hcl_string((r / "backend.tf").read_text(), "key") for r in primary + other]
    assert len(set(keys)) == len(keys)
    assert hcl_string((terraform / "azure/environments/prod/backend.tf").read_text(), "key") == \
        "azure/environments/prod/terraform.tfstate"
    # each root its own cloud's provider and modules; the modules of both clouds side by side
    assert 'provider "azurerm"' in (terraform / "azure/environments/prod/providers.tf").read_text()
    assert 'provider "aws"' in (terraform / "environments/prod/providers.tf").read_text()
    assert sorted(p.name for p in (terraform / "modules").iterdir()) == ["eks", "kms", "rds", "vpc"]
    assert sorted(p.name for p in (terraform / "azure/modules").iterdir()) == ["aks", "database", "keyvault", "vpc"]
    main_tf = (terraform / "azure/environments/prod/main.tf").read_text()
    assert 'module "aks"' in main_tf and 'source = "../../modules/aks"' in main_tf
    assert "hashicorp/azurerm" in (terraform / "azure/modules/aks/versions.tf").read_text()
    # the other cloud's region and sizes are its own (the plan's figures name the primary's)
    tfvars = (terraform / "azure/environments/prod/terraform.tfvars").read_text()
    assert hcl_string(tfvars, "region") == "eastus" and hcl_string(tfvars, "instance_type") == "Standard_D4s_v5"
    # AWS roots commit the provider lock; no azurerm lock can be produced here
    assert (terraform / "environments/prod/.terraform.lock.hcl").is_file()
    assert not (terraform / "azure/environments/prod/.terraform.lock.hcl").exists()


def test_every_cloud_has_its_own_network_range(repo: Path, tmp_path: Path):
    terraform = repo / "terraform"
    for env in ENVS:
        assert hcl_string((terraform / f"azure/environments/{env}/terraform.tfvars").read_text(), "vpc_cidr") == \
            "10.1.0.0/16"
        assert "vpc_cidr" not in (terraform / f"environments/{env}/terraform.tfvars").read_text()  # the default
    assert "aws: `10.0.0.0/16`, azure: `10.1.0.0/16`" in (terraform / "README.md").read_text()
    # a third cloud takes the next range
    path = plan_with(tmp_path, dt="**Deployment Type**: multi-cloud (AWS primary, Azure, GCP)",
                     cp="**Cloud Provider**: AWS + Azure + GCP")
    dest = tmp_path / "repo"
    assert main(["new", str(path), str(dest), "--no-git"]) == 0
    cidrs = [hcl_string((dest / f"terraform/{cl}/environments/prod/terraform.tfvars").read_text(), "vpc_cidr")
             for cl in ("azure", "gcp")]
    assert cidrs == ["10.1.0.0/16", "10.2.0.0/16"]


def test_a_region_of_another_cloud_named_in_deployment_type_is_its_roots_region(tmp_path: Path):
    dt = "**Deployment Type**: multi-cloud (AWS primary in us-east-1, Azure westeurope)"
    path = plan_with(tmp_path, dt=dt)
    d = decide(parse_plan(path))
    line = path.read_text().splitlines().index(dt + "  ") + 1
    assert (d.answers.region, d.answers.cloud_regions) == ("us-east-1", {"azure": "westeurope"})
    assert (d.provenance["cloud_regions"].source, d.provenance["cloud_regions"].line) == ("plan", line)
    assert not [n for n in d.not_applied if n.line == line]
    dest = tmp_path / "repo"
    assert main(["new", str(path), str(dest), "--no-git"]) == 0
    for env in ENVS:
        tfvars = (dest / f"terraform/azure/environments/{env}/terraform.tfvars").read_text()
        assert hcl_string(tfvars, "region") == "westeurope"
    assert hcl_string((dest / "terraform/environments/prod/terraform.tfvars").read_text(), "region") == "us-east-1"
    assert "cloud_regions" in (dest / "README.md").read_text()


def test_a_region_of_another_cloud_named_in_cloud_provider_is_used_the_others_default(tmp_path: Path):
    cp = "**Cloud Provider**: AWS + GCP europe-west1 + Azure"
    path = plan_with(tmp_path, dt="**Deployment Type**: multi-cloud (AWS primary, GCP, Azure)", cp=cp)
    d = decide(parse_plan(path))
    assert (d.answers.clouds, d.answers.cloud_regions) == (["aws", "gcp", "azure"], {"gcp": "europe-west1"})
    assert d.provenance["cloud_regions"].line == path.read_text().splitlines().index(cp + "  ") + 1
    dest = tmp_path / "repo"
    assert main(["new", str(path), str(dest), "--no-git"]) == 0
    region = {cl: hcl_string((dest / f"terraform/{cl}/environments/prod/terraform.tfvars").read_text(), "region")
              for cl in ("gcp", "azure")}
    assert region == {"gcp": "europe-west1", "azure": "eastus"}  # Azure: its default for the residency


def test_no_region_of_another_cloud_leaves_cloud_regions_empty():
    d = decide(parse_plan(PLAN))
    assert (d.answers.cloud_regions, d.provenance["cloud_regions"].source) == ({}, "default")


def test_cloud_regions_name_only_the_other_clouds():
    answers = decide(parse_plan(PLAN)).answers
    good = answers.model_copy(update={"cloud_regions": {"azure": "northeurope"}})
    assert check_answers(good) == []
    for bad, field in (({"aws": "us-east-1"}, "cloud_regions.aws"), ({"gcp": "europe-west1"}, "cloud_regions.gcp"),
                       ({"azure": "West Europe"}, "cloud_regions.azure")):
        problems = check_answers(answers.model_copy(update={"cloud_regions": bad}))
        assert [p.field for p in problems] == [field], bad


def test_argocd_targets_the_cluster_of_every_cloud(repo: Path):
    apps = repo / "argocd/applications"
    for env in ENVS:
        other = docs(apps / f"{env}-azure/applications.yaml")
        # all but Cluster Autoscaler, whose values name the primary (EKS) cluster
        primary = [d for f in sorted((apps / env).glob("*.yaml")) if f.name != "cluster-autoscaler.yaml"
                   for d in docs(f)]
        assert len(other) == len(primary) > 1
        # the External Secrets chart and the guardrails are ApplicationSets there (test_multicloud_secrets.py)
        specs = [d["spec"]["template"]["spec"] if d["kind"] == "ApplicationSet" else d["spec"] for d in other]
        assert {tuple(s["destination"]) for s in specs} == {("name", "namespace")}
        assert {s["destination"]["name"] for s in specs} == {f"storefront-eks-{env}-azure"}
        [registration] = docs(apps / f"{env}-azure/cluster.yaml")
        assert registration["kind"] == "ExternalSecret" and registration["metadata"]["namespace"] == "argocd"
        assert registration["spec"]["target"]["template"]["metadata"]["labels"][
            "argocd.argoproj.io/secret-type"] == "cluster"
        assert {d["metadata"]["name"] for d in other} == {d["metadata"]["name"] + "-azure" for d in primary}
        [app_of_apps] = docs(apps / f"{env}-azure.yaml")
        assert app_of_apps["spec"]["source"]["path"] == f"argocd/applications/{env}-azure"
        bootstrap = docs(repo / f"argocd/bootstrap/{env}.yaml")[1]
        assert f"applications/{env}-azure.yaml" in bootstrap["spec"]["source"]["directory"]["include"]
    names = {d.get("name") for d in docs(repo / "argocd/projects/apps.yaml")[0]["spec"]["destinations"]}
    assert {f"storefront-eks-{env}-azure" for env in ENVS} <= names
    assert "on azure: `applications/prod-azure.yaml`" in (repo / "argocd/README.md").read_text()


def test_the_other_clouds_clusters_leave_out_the_ebs_default_class(repo: Path, tmp_path: Path):
    """The AWS clusters need the EBS default class the cluster configuration defines (EKS marks none); the Azure
    clusters sync the same configuration without it: AKS marks its own default, and a second default of a provisioner
    AKS does not run would take every claim that names no class."""
    base = repo / "kubernetes/base"
    assert "storage-class.yaml" in docs(base / "kustomization.yaml")[0]["resources"]
    shutil.copytree(repo / "kubernetes", tmp_path / "kubernetes")
    for env in ENVS:
        # the platform Application (an ApplicationSet there: its store's values come from the cluster's record)
        [source] = [d["spec"]["template"]["spec"]["source"] for d in docs(repo / f"argocd/applications/{env}-azure/applications.yaml")
                    if d["metadata"]["name"] == f"storefront-eks-platform-{env}-azure"]
        built = tmp_path / f"site-{env}"  # beside a copy of kubernetes/: kustomize takes relative resources only
        built.mkdir()
        (built / "kustomization.yaml").write_text(yaml.safe_dump({"resources": [f"../{source['path']}"],
                                                                  "patches": source["kustomize"]["patches"]}))
        out = subprocess.run(["kubectl", "kustomize", str(built)], capture_output=True, text=True, check=True).stdout
        kinds = {d["kind"] for d in yaml.safe_load_all(out) if d}
        assert "StorageClass" not in kinds and "ClusterSecretStore" in kinds
    [primary] = docs(repo / "argocd/applications/prod/platform.yaml")
    assert "kustomize" not in primary["spec"]["source"]


def test_flux_gives_every_cloud_cluster_its_own_entry_point(tmp_path: Path):
    plan = tmp_path / "flux.plan.md"
    text = (PLANS / "aws-eks-flux.plan.md").read_text()
    plan.write_text(text.replace("**Cloud Provider**: AWS  ", CP + "  ").replace(
        "**Deployment Type**: single-region (us-east-1)", DT))
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git", "--repo-url", "https://github.com/acme/storefront.git"]) == 0
    clusters = dest / "clusters"
    assert sorted(p.name for p in clusters.iterdir() if p.is_dir()) == sorted(ENVS + [f"{e}-azure" for e in ENVS])
    primary, other = clusters / "prod", clusters / "prod-azure"
    assert docs(other / "kustomization.yaml")[0]["resources"] == docs(primary / "kustomization.yaml")[0]["resources"]
    assert "--path=clusters/prod-azure" in (other / "kustomization.yaml").read_text()
    assert docs(other / "sources.yaml") == docs(primary / "sources.yaml")
    # the same layers from the same paths (with patches of the cluster's own secret store)
    for name in ("infrastructure.yaml", "apps.yaml"):
        strip = [{**d, "spec": {k: v for k, v in d["spec"].items() if k not in ("patches", "postBuild")}}
                 for d in docs(other / name)]
        assert strip == docs(primary / name), name
    assert "--path=clusters/<env>-<cloud>" in (clusters / "README.md").read_text()
    assert main(["validate", str(dest), "--strict", "--only", "flux,kustomize,schemas"]) == 0


def test_the_multicloud_repository_validates_strict(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]):
    code, out = validate_strict(repo, monkeypatch, capsys, provider_skips=True)
    assert code == 0, out
    # azurerm cannot be installed here: its roots are skipped with the reason, the AWS roots validated
    assert "terraform/azure/environments/prod: provider registry.terraform.io/hashicorp/azurerm not available" in out \
        or find_terraform_mirror() is None


def test_hcp_terraform_gives_every_cloud_root_its_own_workspace(tmp_path: Path):
    plan = tmp_path / "tfc.plan.md"
    text = (PLANS / "aws-eks-tfc.plan.md").read_text()
    plan.write_text(text.replace("**Cloud Provider**: AWS  ", "**Cloud Provider**: AWS + GCP  ").replace(
        "**Deployment Type**: single-region (us-east-1)", "**Deployment Type**: multi-cloud (AWS primary, GCP)"))
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git"]) == 0
    backends = sorted((dest / "terraform").glob("**/environments/*/backend.tf"))
    workspaces = [hcl_string(b.read_text(), "name") for b in backends]
    assert len(backends) == 6 and len(set(workspaces)) == 6
    assert "storefront-eks-gcp-environments-prod" in workspaces
    assert "`storefront-eks-gcp-environments-prod`" in (dest / "terraform/README.md").read_text()


def test_a_layout_without_terraform_roots_reports_the_line_not_applied(tmp_path: Path):
    plan = tmp_path / "chart.plan.md"
    platform = "**Target Platform**: Kubernetes 1.28+ (EKS, GKE, AKS, minikube)"
    text = (PLANS / "helm-chart-payments.plan.md").read_text()
    assert platform in text
    plan.write_text(text.replace(platform, platform + "  \n**Deployment Type**: multi-cloud (AWS primary, Azure)", 1))
    d = decide(parse_plan(plan))
    line = next(i for i, text in enumerate(plan.read_text().splitlines(), 1) if text.startswith("**Deployment Type**"))
    assert d.answers.clouds == []
    [note] = [n for n in d.not_applied if n.line == line]
    assert note.why.endswith("this helm-chart layout has none")


@pytest.mark.slow
def test_update_moves_a_repository_from_one_cloud_to_two_keeping_user_edits(tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]):
    from render_helpers import USER_EDIT, commit_user_edits, new_from_plan, run_cli, tree

    plan, dest = new_from_plan(tmp_path, "aws-eks-argocd.plan.md", capsys)
    edited = commit_user_edits(dest, "kubernetes/overlays/dev/kustomization.yaml",
                               "terraform/environments/prod/terraform.tfvars")
    before = tree(dest)

    text = plan.read_text()
    assert "**Cloud Provider**: AWS  " in text and "**Deployment Type**: single-region (us-east-1)" in text
    plan.write_text(text.replace("**Cloud Provider**: AWS  ", CP + "  ").replace(
        "**Deployment Type**: single-region (us-east-1)", "**Deployment Type**: multi-cloud (AWS primary, Azure westeurope)"))
    code, _, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err

    after = tree(dest)
    assert all(USER_EDIT in path.read_text() for path in edited)
    added = set(after) - set(before)
    assert {f"terraform/azure/environments/{env}/{name}" for env in ENVS for name in ("main.tf", "backend.tf")} <= added
    assert {"terraform/azure/modules/aks/main.tf", "argocd/applications/prod-azure.yaml",
            "argocd/applications/prod-azure/applications.yaml"} <= added
    assert all(p.startswith(("terraform/azure/", "argocd/applications/")) and ("azure" in p) for p in added), added
    assert set(before) <= set(after)
    changed = {p for p in before if before[p] != after[p]}
    # the primary cloud's roots and modules keep their code and state: only documents, the GitOps wiring and the
    # hub's External Secrets grant (now also the Azure cluster's connection keys) change
    for path in [p for p in changed if p.startswith("terraform/environments/")]:
        assert path.endswith("/main.tf"), path
        old_lines, new_lines = before[path].decode().splitlines(), after[path].decode().splitlines()
        assert [ln for ln in old_lines if ln not in new_lines] == [ln for ln in old_lines if "external_secrets_names" in ln]
        assert [ln for ln in new_lines if ln not in old_lines] == [ln for ln in new_lines if "external_secrets_names" in ln]
        assert "argocd-cluster-${var.environment}-azure" in after[path].decode()
    assert not [p for p in changed if p.startswith(("terraform/modules/", "kubernetes/"))]
    assert changed <= {".copier-answers.yml", "README.md", "terraform/README.md", "argocd/README.md",
                       "argocd/projects/apps.yaml", "argocd/projects/platform.yaml",
                       *(f"argocd/bootstrap/{env}.yaml" for env in ENVS),
                       *(f"terraform/environments/{env}/main.tf" for env in ENVS)}, changed
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert (answers["clouds"], answers["cloud_regions"]) == (["aws", "azure"], {"azure": "westeurope"})
    prod = (dest / "terraform/azure/environments/prod/terraform.tfvars").read_text()
    assert (hcl_string(prod, "region"), hcl_string(prod, "vpc_cidr")) == ("westeurope", "10.1.0.0/16")
