"""Multi-cloud: another cloud's cluster reads its own cloud's secret store (Key Vault, Secret Manager) as an identity
its Terraform root creates, never the primary's store; the values known only once that root is applied reach the
cluster without a hand edit (Argo CD: the hub's store key, the cluster Secret's annotations and ApplicationSets with
the clusters generator; Flux: postBuild substitution from one ConfigMap)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
import yaml
from testlib import PLANS, generate_repo, require_tool, yaml_documents as docs

from planforge.cli import main

ENVS = ["dev", "prod", "staging"]
AZURE_FIELDS = {"client_id", "vault_url"}
GCP_FIELDS = {"project_id"}
ANNOTATION = re.compile(r'\{\{ index \.metadata\.annotations "([^"]+)" \}\}')


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_repo("multicloud-aws-azure", tmp_path_factory)


@pytest.fixture(scope="module")
def gcp_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = (PLANS / "multicloud-aws-azure.plan.md").read_text()
    base = tmp_path_factory.mktemp("gcp")
    plan = base / "plan.md"
    plan.write_text(text.replace("**Cloud Provider**: AWS + Azure", "**Cloud Provider**: AWS + GCP").replace(
        "multi-cloud (AWS primary in us-east-1, Azure)", "multi-cloud (AWS primary in us-east-1, GCP)"))
    assert main(["new", str(plan), str(base / "repo"), "--no-git", "--repo-url", "https://github.com/acme/s.git"]) == 0
    return base / "repo"


def plain(value):
    """python-hcl2's parse with its quotes taken off keys and strings, and its block markers left out."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def tf(path: Path) -> dict:
    return plain(hcl2.loads(path.read_text()))


def store_fields(main_tf: Path) -> set[str]:
    """The fields of the root's local.external_secrets_store."""
    [store] = [b["external_secrets_store"] for b in tf(main_tf).get("locals", []) if "external_secrets_store" in b]
    return set(store)


def resources(main_tf: Path, kind: str) -> dict:
    return {name: body for block in tf(main_tf).get("resource", []) for k, v in block.items() if k == kind
            for name, body in v.items()}


def registration(repo: Path, site: str) -> dict:
    [secret] = docs(repo / f"argocd/applications/{site}/cluster.yaml")
    return secret


def site_docs(repo: Path, site: str) -> list[dict]:
    return docs(repo / f"argocd/applications/{site}/applications.yaml")


def go_render(text: str, annotations: dict[str, str]) -> str:
    """What the ApplicationSet controller makes of the template's annotation reads."""
    return ANNOTATION.sub(lambda m: annotations[m.group(1)], text)


def test_the_azure_root_creates_the_identity_and_a_vault_and_writes_them_to_the_hub(repo: Path):
    for env in ENVS:
        root = repo / f"terraform/azure/environments/{env}"
        main_tf = root / "main.tf"
        [aks] = [b["aks"] for b in tf(main_tf)["module"] if "aks" in b]
        assert aks["external_secrets"] is True
        assert aks["external_secrets_key_vault_id"] == "${azurerm_key_vault.secrets.id}"
        vault = resources(main_tf, "azurerm_key_vault")["secrets"]
        assert vault["rbac_authorization_enabled"] is True and vault["purge_protection_enabled"] is True
        assert store_fields(main_tf) == AZURE_FIELDS
        secret = resources(main_tf, "aws_secretsmanager_secret")["external_secrets"]
        assert secret["provider"] == "${aws.argocd_hub}"
        assert secret["name"] == f"storefront-eks/external-secrets-{env}-azure"
        version = resources(main_tf, "aws_secretsmanager_secret_version")["external_secrets"]
        assert version["secret_string"] == "${jsonencode(local.external_secrets_store)}"
        assert 'alias  = "argocd_hub"' in main_tf.read_text() and 'region = "us-east-1"' in main_tf.read_text()
        assert "aws" in tf(root / "versions.tf")["terraform"][0]["required_providers"][0]
        outputs = {k for b in tf(root / "outputs.tf")["output"] for k in b}
        assert {"external_secrets_store", "external_secrets_client_id"} <= outputs
    # the primary's roots are as before: no store of another cloud, no hub write of their own
    assert "external_secrets_store" not in (repo / "terraform/environments/prod/main.tf").read_text()


def test_the_aks_module_scopes_the_identity_to_the_vault_it_is_given(repo: Path):
    identity = (repo / "terraform/azure/modules/aks/main.tf").read_text()
    assert "coalesce(var.external_secrets_key_vault_id, var.key_vault_id," in identity


def test_the_cluster_secret_carries_what_the_root_writes_as_annotations(repo: Path):
    fields = store_fields(repo / "terraform/azure/environments/prod/main.tf")
    for env in ENVS:
        spec = registration(repo, f"{env}-azure")["spec"]
        assert [d["extract"]["key"] for d in spec["dataFrom"]] == [
            f"storefront-eks/argocd-cluster-{env}-azure", f"storefront-eks/external-secrets-{env}-azure"]
        template = spec["target"]["template"]
        assert template["metadata"]["labels"].items() >= {
            "argocd.argoproj.io/secret-type": "cluster", "storefront-eks/environment": env,
            "storefront-eks/cloud": "azure"}.items()
        assert set(template["data"]) == {"name", "server", "config"}
        [annotations] = [t for t in template["templateFrom"] if t["target"] == "Annotations"]
        literal = yaml.safe_load(annotations["literal"])
        # each annotation is one field the root writes, read from the ExternalSecret's data
        assert {v: k for k, v in literal.items()} == {f"{{{{ .{f} }}}}": f"storefront-eks/{f.replace('_', '-')}"
                                                      for f in fields}


def test_the_azure_cluster_gets_its_store_and_identity_from_applicationsets(repo: Path):
    for env in ENVS:
        annotations = set(yaml.safe_load(
            registration(repo, f"{env}-azure")["spec"]["target"]["template"]["templateFrom"][0]["literal"]))
        sets = {d["metadata"]["name"]: d for d in site_docs(repo, f"{env}-azure") if d["kind"] == "ApplicationSet"}
        assert set(sets) == {f"storefront-eks-platform-{env}-azure", f"external-secrets-{env}-azure"}
        for appset in sets.values():
            [generator] = appset["spec"]["generators"]
            assert generator["clusters"]["selector"]["matchLabels"] == {
                "storefront-eks/environment": env, "storefront-eks/cloud": "azure"}
            assert appset["spec"]["goTemplate"] is True
            assert appset["spec"]["template"]["spec"]["destination"]["name"] == f"storefront-eks-{env}-azure"
            assert set(ANNOTATION.findall(yaml.safe_dump(appset))) <= annotations
        chart = sets[f"external-secrets-{env}-azure"]["spec"]["template"]["spec"]["source"]["helm"]
        values = yaml.safe_load(chart["values"])
        assert "valuesObject" not in chart
        assert values["serviceAccount"] == {
            "name": "external-secrets",
            "annotations": {"azure.workload.identity/client-id":
                            '{{ index .metadata.annotations "storefront-eks/client-id" }}'}}
        assert values["podLabels"] == {"azure.workload.identity/use": "true"}


def test_no_manifest_of_the_azure_cluster_reads_the_primary_store(repo: Path, tmp_path: Path):
    """The patches, applied as Argo CD and kustomize apply them, give the cluster an Azure Key Vault store named
    azure-key-vault and point every app's ExternalSecret at it under Key Vault's key names."""
    require_tool("kubectl")
    shutil.copytree(repo / "kubernetes", tmp_path / "kubernetes")
    annotations = {"storefront-eks/client-id": "11111111-2222-3333-4444-555555555555",
                   "storefront-eks/vault-url": "https://kvs-storefront.vault.azure.net/"}
    built = []
    for doc in site_docs(repo, "dev-azure"):
        spec = doc["spec"]["template"]["spec"] if doc["kind"] == "ApplicationSet" else doc["spec"]
        source = spec["source"]
        if "path" not in source or not source["path"].startswith("kubernetes/"):
            continue
        patches = [{"target": p["target"], "patch": go_render(p["patch"], annotations)}
                   for p in source.get("kustomize", {}).get("patches", [])]
        (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(
            {"resources": [source["path"]], "patches": patches}))
        out = subprocess.run(["kubectl", "kustomize", str(tmp_path)], capture_output=True, text=True, check=True)
        built += [d for d in yaml.safe_load_all(out.stdout) if d]
    [store] = [d for d in built if d["kind"] == "ClusterSecretStore"]
    assert store["metadata"]["name"] == "azure-key-vault"
    assert store["spec"]["provider"] == {"azurekv": {
        "vaultUrl": "https://kvs-storefront.vault.azure.net/", "authType": "WorkloadIdentity",
        "serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}}}
    secrets = [d for d in built if d["kind"] == "ExternalSecret"]
    assert sorted(s["spec"]["dataFrom"][0]["extract"]["key"] for s in secrets) == [
        "storefront-eks-dev-orders-api", "storefront-eks-dev-web-frontend"]
    assert {s["spec"]["secretStoreRef"]["name"] for s in secrets} == {"azure-key-vault"}
    # the primary cluster keeps its own store
    primary = docs(repo / "kubernetes/base/cluster-secret-store.yaml")[0]
    assert primary["metadata"]["name"] == "aws-secrets-manager"


def test_the_gke_root_and_cluster_use_the_gke_identity_and_secret_manager(gcp_repo: Path):
    main_tf = gcp_repo / "terraform/gcp/environments/prod/main.tf"
    [gke] = [b["gke"] for b in tf(main_tf)["module"] if "gke" in b]
    assert gke["external_secrets"] is True
    assert store_fields(main_tf) == GCP_FIELDS
    assert resources(main_tf, "aws_secretsmanager_secret")["external_secrets"]["name"] == \
        "storefront-eks/external-secrets-prod-gcp"
    # the ServiceAccount itself is the IAM principal (Workload Identity Federation for GKE): no annotation to carry
    grant = resources(main_tf.parent.parent.parent / "modules/gke/main.tf", "google_project_iam_member")["external_secrets"]
    assert grant["member"].endswith("/subject/ns/external-secrets/sa/external-secrets")
    docs_by_kind = {(d["kind"], d["metadata"]["name"]): d for d in site_docs(gcp_repo, "prod-gcp")}
    chart = docs_by_kind[("Application", "external-secrets-prod-gcp")]
    assert "annotations" not in chart["spec"]["source"]["helm"]["valuesObject"]["serviceAccount"]
    platform = docs_by_kind[("ApplicationSet", "storefront-eks-platform-prod-gcp")]
    # the store's patch, then the one leaving out the EBS default StorageClass (GKE marks its own default)
    patch, storage = platform["spec"]["template"]["spec"]["source"]["kustomize"]["patches"]
    assert storage["target"] == {"group": "storage.k8s.io", "kind": "StorageClass", "name": "gp3"}
    ops = yaml.safe_load(patch["patch"])
    assert ops[0] == {"op": "replace", "path": "/metadata/name", "value": "gcp-secret-manager"}
    assert ops[1]["value"] == {"gcpsm": {"projectID": '{{ index .metadata.annotations "storefront-eks/project-id" }}'}}
    template = registration(gcp_repo, "prod-gcp")["spec"]["target"]["template"]
    literal = yaml.safe_load(template["templateFrom"][0]["literal"])
    assert set(literal) == {f"storefront-eks/{f.replace('_', '-')}" for f in GCP_FIELDS}


def test_flux_substitutes_the_store_and_identity_from_one_configmap(tmp_path: Path):
    text = (PLANS / "aws-eks-flux.plan.md").read_text()
    plan = tmp_path / "flux.plan.md"
    plan.write_text(text.replace("**Cloud Provider**: AWS  ", "**Cloud Provider**: AWS + Azure  ").replace(
        "**Deployment Type**: single-region (us-east-1)",
        "**Deployment Type**: multi-cloud (AWS primary in us-east-1, Azure)"))
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git", "--repo-url", "https://github.com/acme/s.git"]) == 0
    fields = store_fields(dest / "terraform/azure/environments/prod/main.tf")
    layers = {d["metadata"]["name"]: d["spec"] for d in docs(dest / "clusters/prod-azure/infrastructure.yaml")}
    for name, kind in (("storefront-eks-infra-controllers", "HelmRelease"),
                       ("storefront-eks-infra-configs", "ClusterSecretStore")):
        spec = layers[name]
        assert spec["postBuild"]["substituteFrom"] == [{"kind": "ConfigMap", "name": "external-secrets-store"}]
        # besides, the components layer leaves out Cluster Autoscaler (its values name the primary EKS cluster)
        autoscaler = [p for p in spec["patches"] if p["target"].get("name") == "cluster-autoscaler"]
        assert len(autoscaler) == (name == "storefront-eks-infra-controllers")
        # and the configuration layer leaves out the EBS default StorageClass (AKS marks its own default)
        storage = [p for p in spec["patches"] if p["target"]["kind"] == "StorageClass"]
        assert len(storage) == (name == "storefront-eks-infra-configs")
        [patch] = [p for p in spec["patches"] if p not in autoscaler + storage]
        assert patch["target"]["kind"] == kind
        assert set(re.findall(r"\$\{(\w+)\}", patch["patch"])) <= fields
    assert "azure-key-vault" in layers["storefront-eks-infra-configs"]["patches"][0]["patch"]
    # the primary cluster substitutes nothing
    assert all("postBuild" not in d["spec"] for d in docs(dest / "clusters/prod/infrastructure.yaml"))
    apps = docs(dest / "clusters/prod-azure/apps.yaml")
    assert {yaml.safe_load(d["spec"]["patches"][0]["patch"])[0]["value"] for d in apps} == {"azure-key-vault"}
    readme = (dest / "clusters/README.md").read_text()
    assert "create configmap external-secrets-store" in readme and "output -json external_secrets_store" in readme
    assert "standby region None" not in (dest / "clusters/prod-azure/kustomization.yaml").read_text()
    assert main(["validate", str(dest), "--strict", "--only", "flux,kustomize,schemas,wiring"]) == 0
