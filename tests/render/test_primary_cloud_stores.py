"""External Secrets on a primary AKS or GKE cluster reads its cloud's store with an identity Terraform creates, and
nothing Terraform creates is a value to paste into Git: AKS gets its workload identity's IDs from a Secret built from
the cluster root's outputs and its Key Vault URL from the vault's name, GKE grants the ServiceAccount itself."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from planforge.cli import main
from render_helpers import generate, kustomize
from testlib import PLANS, injected

AZURE_PLAN = PLANS / "aks-argocd-keyvault.plan.md"
GCP_PLAN = PLANS / "gke-flux-secretmanager.plan.md"
ENVS = ["dev", "staging", "prod"]


REPO_URL = "https://github.com/acme/s.git"


@pytest.fixture(scope="module")
def aks_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(AZURE_PLAN, tmp_path_factory.mktemp("aks") / "repo", REPO_URL)


@pytest.fixture(scope="module")
def gke_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(GCP_PLAN, tmp_path_factory.mktemp("gke") / "repo", REPO_URL)


def wiring(dest: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["validate", str(dest), "--only", "wiring"])
    return code, capsys.readouterr().out


def tfvar(path: Path, name: str) -> str:
    return re.search(rf'^{name}\s*=\s*"([^"]+)"', path.read_text(), re.M).group(1)


def store(dest: Path) -> dict:
    return yaml.safe_load((dest / "kubernetes/base/cluster-secret-store.yaml").read_text())


def test_aks_store_reads_each_environments_own_vault_by_the_name_terraform_gives_it(aks_repo: Path):
    for env in ENVS:
        root = aks_repo / f"terraform/environments/{env}"
        main_tf = root / "main.tf"
        text = main_tf.read_text()
        assert 'name                          = "kvs-${substr(replace(local.name, "-", ""), 0, 20)}"' in text
        assert 'name         = "${var.project}-${var.environment}"' in text
        project = re.search(r'variable "project" \{[^}]*?default\s*=\s*"([^"]+)"', (root / "variables.tf").read_text()).group(1)
        local_name = f"{project}-{tfvar(root / 'terraform.tfvars', 'environment')}"
        vault = "kvs-" + local_name.replace("-", "")[:20]
        assert re.search(r"external_secrets_key_vault_id\s*=\s*azurerm_key_vault\.secrets\.id", text)
        [built] = [d for d in kustomize(aks_repo / f"kubernetes/overlays/{env}") if d["kind"] == "ClusterSecretStore"]
        assert built["spec"]["provider"]["azurekv"]["vaultUrl"] == f"https://{vault}.vault.azure.net/"


def test_aks_identity_ids_come_from_the_cluster_roots_outputs_not_from_git(aks_repo: Path):
    provider = store(aks_repo)["spec"]["provider"]["azurekv"]
    refs = provider["authSecretRef"]
    assert {r["name"] for r in refs.values()} == {"external-secrets-azure-identity"}
    assert {r["key"] for r in refs.values()} == {"client-id", "tenant-id"}
    outputs = (aks_repo / "terraform/environments/prod/outputs.tf").read_text()
    assert 'output "external_secrets_client_id"' in outputs and 'output "external_secrets_tenant_id"' in outputs
    readme = (aks_repo / "README.md").read_text()
    [line] = [ln for ln in readme.splitlines() if "create secret generic external-secrets-azure-identity" in ln]
    assert "output -raw external_secrets_client_id" in line and "output -raw external_secrets_tenant_id" in line
    assert "Values set by you" not in readme
    expected = yaml.safe_load((aks_repo / "validation/post-deploy/expected.yaml").read_text())
    assert expected["secret_stores"] == ["azure-key-vault"]  # the post-deploy suite checks it is Ready
    chart = yaml.safe_load((aks_repo / "argocd/applications/prod/external-secrets.yaml").read_text())
    account = chart["spec"]["source"]["helm"]["valuesObject"]["serviceAccount"]
    assert "annotations" not in account and "podLabels" not in chart["spec"]["source"]["helm"]["valuesObject"]


def test_aks_store_without_a_federated_identity_is_caught(aks_repo: Path, capsys: pytest.CaptureFixture[str]):
    assert wiring(aks_repo, capsys)[0] == 0
    with injected(aks_repo / "terraform/modules/aks/main.tf",
                  'subject             = "system:serviceaccount:external-secrets:external-secrets"',
                  'subject             = "system:serviceaccount:default:app"'):
        code, out = wiring(aks_repo, capsys)
        assert code == 1 and "wiring/identity-missing" in out and "cluster-secret-store.yaml" in out
        # a service principal's secret is static credentials: no cloud identity to bind
        store_file = aks_repo / "kubernetes/base/cluster-secret-store.yaml"
        with injected(store_file, "      authType: WorkloadIdentity\n", "      authType: ServicePrincipal\n"), \
                injected(store_file, "        tenantId:\n", "        clientSecret:\n"):
            code, out = wiring(aks_repo, capsys)
            assert "wiring/identity-missing" not in out, out


def test_gke_grants_the_serviceaccount_itself(gke_repo: Path, capsys: pytest.CaptureFixture[str]):
    module = (gke_repo / "terraform/modules/gke/main.tf").read_text()
    assert 'resource "google_service_account" "external_secrets"' not in module
    assert re.search(r'member\s*=\s*"principal://iam\.googleapis\.com/projects/\$\{data\.google_project\.this\[0\]\.number\}'
                     r'/locations/global/workloadIdentityPools/\$\{var\.project_id\}\.svc\.id\.goog'
                     r'/subject/ns/external-secrets/sa/external-secrets"', module)
    assert "auth" not in store(gke_repo)["spec"]["provider"]["gcpsm"]
    for env in ENVS:
        [release] = [d for d in yaml.safe_load_all((gke_repo / f"infrastructure/controllers/{env}/external-secrets.yaml").read_text())
                     if d and d["kind"] == "HelmRelease"]
        assert "annotations" not in release["spec"]["values"]["serviceAccount"]
    assert wiring(gke_repo, capsys)[0] == 0


def test_gke_grant_reads_each_environments_own_secret_ids(gke_repo: Path):
    """Environments may share one GCP project: the grant's IAM condition limits each cluster to its own key prefix,
    the prefix its ExternalSecrets' keys start with."""
    module = (gke_repo / "terraform/modules/gke/main.tf").read_text()
    assert 'resource.name.startsWith(\\"projects/${data.google_project.this[0].number}/secrets/${prefix}\\")' in module
    for env in ENVS:
        root = gke_repo / f"terraform/environments/{env}"
        text = (root / "main.tf").read_text()
        [prefix] = re.findall(r'external_secrets_name_prefixes = \["([^"]+)"\]', text)
        own = prefix.replace("${var.environment}", tfvar(root / "terraform.tfvars", "environment"))
        keys = [d["spec"]["dataFrom"][0]["extract"]["key"] for app in sorted((gke_repo / "kubernetes/apps").iterdir())
                for d in kustomize(app / "overlays" / env) if d["kind"] == "ExternalSecret"]
        assert keys and all(key.startswith(own) for key in keys), (own, keys)
        assert not any(key.startswith(own) for other in ENVS if other != env
                       for key in [k.replace(f"-{env}-", f"-{other}-") for k in keys])


def test_gke_reading_another_environments_secret_is_caught(gke_repo: Path, capsys: pytest.CaptureFixture[str]):
    assert wiring(gke_repo, capsys)[0] == 0
    overlay = gke_repo / "kubernetes/apps/web-frontend/overlays/prod/externalsecret.yaml"
    with injected(overlay, "key: storefront-gke-prod-web-frontend", "key: storefront-gke-dev-web-frontend"):
        code, out = wiring(gke_repo, capsys)
        assert code == 1 and "wiring/secret-not-granted" in out and "GCP Secret Manager key 'storefront-gke-dev-" in out


def test_gke_project_id_is_the_one_value_set_by_you(gke_repo: Path, capsys: pytest.CaptureFixture[str]):
    assert store(gke_repo)["spec"]["provider"]["gcpsm"]["projectID"] == "PROJECT_ID"
    assert "gcp-service-account" not in (gke_repo / "README.md").read_text()
    with injected(gke_repo / "README.md", "- `PROJECT_ID` is set by you", "- `PROJECT_ID` is"):
        code, out = wiring(gke_repo, capsys)
        assert code == 1 and "wiring/placeholder-value" in out and "cluster-secret-store.yaml" in out


def test_gke_grant_for_another_serviceaccount_is_caught(gke_repo: Path, capsys: pytest.CaptureFixture[str]):
    with injected(gke_repo / "terraform/modules/gke/main.tf", "/subject/ns/external-secrets/sa/external-secrets",
                  "/subject/ns/default/sa/app"):
        code, out = wiring(gke_repo, capsys)
        assert code == 1 and "wiring/identity-missing" in out and "principal://" in out


@pytest.mark.parametrize("plan", ["multi-tenant-azure", "multi-tenant-gcp"])
def test_a_vault_store_gives_external_secrets_no_cloud_identity(plan: str, tmp_path: Path):
    dest = tmp_path / "repo"
    assert main(["new", str(PLANS / f"{plan}.plan.md"), str(dest), "--no-git"]) == 0
    chart = yaml.safe_load((dest / "argocd/applications/platform/external-secrets.yaml").read_text())
    assert "annotations" not in chart["spec"]["source"]["helm"]["valuesObject"]["serviceAccount"]
    readme = (dest / "README.md").read_text()
    assert "external_secrets_client_id" not in readme and "gcp-service-account" not in readme


def test_multi_tenant_key_vaults_are_placeholders_until_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    text = (PLANS / "multi-tenant-azure.plan.md").read_text()
    plan = tmp_path / "plan.md"
    plan.write_text(text.replace("**Secrets Management**: HashiCorp Vault", "**Secrets Management**: Azure Key Vault"))
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git"]) == 0
    acme = yaml.safe_load((dest / "kubernetes/tenants/acme/secret-store.yaml").read_text())["spec"]["provider"]["azurekv"]
    assert acme["authSecretRef"]["clientId"]["name"] == "external-secrets-azure-identity"
    readme = dest / "README.md"
    listed = f"- `{acme['vaultUrl']}` is set by you"
    assert listed in readme.read_text() and "create secret generic external-secrets-azure-identity" in readme.read_text()
    assert wiring(dest, capsys)[0] == 0
    with injected(readme, listed, "- x"):
        code, out = wiring(dest, capsys)
        assert code == 1 and "wiring/placeholder-value" in out and "tenants/acme/secret-store.yaml" in out
