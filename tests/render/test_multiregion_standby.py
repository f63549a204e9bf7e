"""A multi-tenant standby region once failed over: the standby cluster's tenant pods get the standby region's own pod
security group (Argo CD: per-site ApplicationSets reading the hub's record of the standby region's parameters; Flux:
the standby cluster's parameter store reads its own region), and their database egress goes to the standby
region's tenant database network (its read replica), as `kubectl kustomize` renders what the standby cluster gets.
The wiring validator catches a standby site whose egress still names the primary region's network."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from render_helpers import database_egress_cidrs, kustomize, run_wiring, validate_strict
from testlib import PLANS, hcl_string, yaml_documents as docs

from planforge.cli import main

ARGO_PLAN = PLANS / "multi-tenant-multiregion.plan.md"
FLUX_PLAN = PLANS / "multi-tenant-flux.plan.md"
REPO_URL = "https://github.com/acme/tenants.git"
TENANTS = ["acme", "globex", "initech"]
ENVS = ["prod", "staging"]
SITE = "prod-eu-west-1"
PROJECT = "tenant-isolation"  # the multi-tenant plans' project: the Flux Kustomizations carry its name
STANDBY_CLUSTER = "tenant-isolation-prod-eu-west-1"
STORE = "tenant-isolation-parameters"


def standby_database_cidrs(repo: Path) -> dict[str, str]:
    return {t: hcl_string((repo / f"terraform/tenants/{t}/{SITE}.tfvars").read_text(), "database_cidr")
            for t in TENANTS}


@pytest.fixture(scope="module")
def argo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("standby-argo") / "repo"
    assert main(["new", str(ARGO_PLAN), str(dest), "--no-git", "--repo-url", REPO_URL]) == 0
    return dest


@pytest.fixture(scope="module")
def flux(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("standby-flux")
    plan = base / "plan.md"
    plan.write_text(FLUX_PLAN.read_text().replace(
        "**Deployment Type**: single-region (eu-central-1)",
        "**Deployment Type**: multi-region (eu-central-1 primary, eu-west-1 standby)"))
    dest = base / "repo"
    assert main(["new", str(plan), str(dest), "--no-git", "--repo-url", REPO_URL]) == 0
    return dest


def site_documents(repo: Path) -> list[dict]:
    return docs(repo / f"argocd/applications/{SITE}/applications.yaml")


def application(repo: Path, path: str) -> dict:
    [app] = [d for d in site_documents(repo) if d["kind"] == "Application" and d["spec"]["source"].get("path") == path]
    return app


def test_the_hub_records_the_standby_regions_pod_security_groups_from_that_regions_parameters(argo: Path):
    objects = docs(argo / "kubernetes/cluster-config/pod-security-groups.yaml")
    stores = {d["metadata"]["name"]: d["spec"]["provider"]["aws"]["region"] for d in objects
              if d["kind"] == "ClusterSecretStore"}
    assert stores == {STORE: "eu-central-1", f"{STORE}-{SITE}": "eu-west-1"}
    [record] = [d for d in objects if d["kind"] == "ExternalSecret"]
    annotations = yaml.safe_load(record["spec"]["target"]["template"]["templateFrom"][0]["literal"])
    data = {d["secretKey"]: d for d in record["spec"]["data"]}
    for tenant in TENANTS:
        key = f"{tenant}_prod_eu_west_1"
        assert annotations[f"{tenant}-{SITE}"] == "{{ ." + key + " }}"
        assert data[key]["sourceRef"] == {"storeRef": {"kind": "ClusterSecretStore", "name": f"{STORE}-{SITE}"}}
        assert data[key]["remoteRef"]["key"] == f"/tenant-isolation/prod/pod-security-groups/{tenant}"
        # the primary's IDs still come from the primary region's store (the ExternalSecret's own)
        assert "sourceRef" not in data[f"{tenant}_prod"]


def test_argocd_sends_each_tenants_security_groups_to_the_standby_cluster_with_the_standby_group(
        argo: Path, tmp_path: Path):
    appsets = {d["metadata"]["name"]: d for d in site_documents(argo) if d["kind"] == "ApplicationSet"}
    assert sorted(appsets) == [f"tenant-isolation-tenant-{t}-security-groups-eu-west-1" for t in TENANTS]
    for tenant in TENANTS:
        appset = appsets[f"tenant-isolation-tenant-{tenant}-security-groups-eu-west-1"]
        # generated from the hub's record (the only cluster Secret with the label), sent to the standby by name
        assert appset["spec"]["generators"] == [{"clusters": {"selector": {"matchLabels": {
            "tenant-isolation/pod-security-groups": "true"}}}}]
        spec = appset["spec"]["template"]["spec"]
        assert spec["destination"] == {"name": STANDBY_CLUSTER, "namespace": "default"}
        assert spec["source"]["path"] == f"kubernetes/tenants/{tenant}/security-groups"
        assert spec["source"]["targetRevision"] != "HEAD"
        # what Argo CD renders once the generator has filled in the standby region's annotation
        annotation = '{{ index .metadata.annotations "' + f"{tenant}-{SITE}" + '" }}'
        patches = [{**p, "patch": p["patch"].replace(annotation, "sg-0standby")}
                   for p in spec["source"]["kustomize"]["patches"]]
        assert sum("sg-0standby" in p["patch"] for p in patches) == 1
        rendered = kustomize(argo / f"kubernetes/tenants/{tenant}/security-groups", patches, tmp_path / tenant)
        assert [(d["kind"], d["metadata"]["namespace"], d["spec"]["securityGroups"]["groupIds"]) for d in rendered] == [
            ("SecurityGroupPolicy", f"{tenant}-prod", ["sg-0standby"])]
    # the primary's ApplicationSets are unchanged: every environment, the primary annotations
    [primary] = [d for d in docs(argo / "argocd/applications/platform/tenant-acme.yaml")
                 if d["kind"] == "ApplicationSet"]
    assert "eu-west-1" not in yaml.safe_dump(primary)


def test_the_standby_clusters_configuration_reads_its_own_region_and_leaves_the_hub_record_out(
        argo: Path, tmp_path: Path):
    app = application(argo, "kubernetes/cluster-config")
    assert app["spec"]["destination"]["name"] == STANDBY_CLUSTER
    standby = kustomize(argo / "kubernetes/cluster-config", app["spec"]["source"]["kustomize"]["patches"],
                        tmp_path / "standby")
    primary = kustomize(argo / "kubernetes/cluster-config", None, tmp_path / "primary")
    store = [d for d in standby if d["kind"] == "ClusterSecretStore" and d["metadata"]["name"] == STORE]
    assert [d["spec"]["provider"]["aws"]["region"] for d in store] == ["eu-west-1"]
    assert not [d for d in standby if d["metadata"].get("namespace") == "argocd"]
    assert [d["metadata"]["name"] for d in primary if d["metadata"].get("namespace") == "argocd"] == [
        "tenant-isolation-cluster"]


def test_argocd_sends_the_standby_tenants_database_egress_to_the_standby_region(argo: Path, tmp_path: Path):
    own = standby_database_cidrs(argo)
    for tenant in TENANTS:
        app = application(argo, f"kubernetes/tenants/{tenant}")
        rendered = kustomize(argo / f"kubernetes/tenants/{tenant}", app["spec"]["source"]["kustomize"]["patches"],
                             tmp_path / tenant)
        assert database_egress_cidrs(rendered) == {f"{tenant}-{e}": [own[tenant]] for e in ENVS}
        assert own[tenant].startswith("10.1.")


def test_flux_standby_configuration_reads_its_region_and_sends_egress_to_the_standby_databases(
        flux: Path, tmp_path: Path):
    layers = {d["metadata"]["name"]: d for d in docs(flux / f"clusters/{SITE}/infrastructure.yaml")}
    configs = flux / "infrastructure/configs/prod"
    assert layers[f"{PROJECT}-infra-configs"]["spec"]["path"] == "./infrastructure/configs/prod"
    standby = kustomize(configs, layers[f"{PROJECT}-infra-configs"]["spec"]["patches"], tmp_path / "standby")
    primary = kustomize(configs, None, tmp_path / "primary")
    own = standby_database_cidrs(flux)
    assert database_egress_cidrs(standby) == {f"{t}-{e}": [own[t]] for t in TENANTS for e in ENVS}
    assert all(cidrs[0].startswith("10.0.") for cidrs in database_egress_cidrs(primary).values())

    def region(objects: list[dict]) -> list[str]:
        return [d["spec"]["provider"]["aws"]["region"] for d in objects
                if d["kind"] == "ClusterSecretStore" and d["metadata"]["name"] == STORE]
    assert (region(standby), region(primary)) == (["eu-west-1"], ["eu-central-1"])
    # the standby's pod security group IDs come through that store, substituted as on the primary
    ids = layers[f"{PROJECT}-pod-security-group-ids"]
    assert ids["spec"]["path"] == "./infrastructure/configs/prod/pod-security-groups"
    assert {"kind": "Secret", "name": "acme-pod-security-group"} in \
        layers[f"{PROJECT}-tenant-acme-security-groups"]["spec"]["postBuild"]["substituteFrom"]
    [es] = [d for d in docs(configs / "pod-security-groups/secrets.yaml")
            if d["metadata"]["name"] == "acme-pod-security-group"]
    assert es["spec"]["secretStoreRef"]["name"] == STORE


def test_the_flux_multi_tenant_multiregion_repository_validates_strict(
        flux: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    code, out = validate_strict(flux, monkeypatch, capsys)
    assert code == 0 and "flux:" in out and "wiring:" in out, out


@pytest.mark.parametrize(("repo_name", "site_file"), [
    ("argo", f"argocd/applications/{SITE}/applications.yaml"), ("flux", f"clusters/{SITE}/infrastructure.yaml")])
def test_wiring_catches_a_standby_site_whose_egress_names_the_primary_regions_network(
        repo_name: str, site_file: str, request: pytest.FixtureRequest, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]):
    repo = tmp_path / "repo"
    shutil.copytree(request.getfixturevalue(repo_name), repo)
    code, out = run_wiring(repo, capsys)
    assert code == 0, out
    site = repo / site_file
    text = site.read_text()
    own = standby_database_cidrs(repo)["acme"]
    primary = hcl_string((repo / "terraform/tenants/acme/prod.tfvars").read_text(), "database_cidr")
    assert own in text
    site.write_text(text.replace(own, primary))
    code, out = run_wiring(repo, capsys)
    assert code == 1 and "[wiring/database-egress]" in out and site_file in out and "eu-west-1" in out, out
