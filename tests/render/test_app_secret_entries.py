"""A secrets manager entry the plan names for applications reaches the repository: their ExternalSecrets read it in
every environment (another cloud's cluster in that store's spelling), the cluster's External Secrets identity may read
it, and the README lists it once with the command that creates it."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from render_helpers import generate, validate_strict
from testlib import PLANS

FIELD = "**Custom Applications**: orders-api, web-frontend\n"
SENTENCE = "orders-api reads its database URL from the Secrets Manager secret acme/<env>/orders-db.\n"


def plan_with_entry(plan: str, tmp_path: Path) -> Path:
    text = (PLANS / plan).read_text(encoding="utf-8")
    assert FIELD in text
    path = tmp_path / plan
    path.write_text(text.replace(FIELD, f"{FIELD}\n{SENTENCE}"), encoding="utf-8")
    return path


def read_entry(overlay: Path) -> tuple[str, str]:
    """The entry an overlay's ExternalSecret reads, and the variable its one value becomes ("": a JSON object)."""
    [secret] = [d for d in yaml.safe_load_all((overlay / "externalsecret.yaml").read_text()) if d]
    spec = secret["spec"]
    if "data" in spec:
        [one] = spec["data"]
        return one["remoteRef"]["key"], one["secretKey"]
    return spec["dataFrom"][0]["extract"]["key"], ""


def test_the_named_entry_is_read_readable_and_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    repo = generate(plan_with_entry("aws-eks-argocd.plan.md", tmp_path), tmp_path / "repo",
                    "https://github.com/acme/infra.git")
    apps = repo / "kubernetes/apps"
    for env in ("dev", "prod"):
        # "its database URL": one value, which External Secrets cannot read as a JSON object (extract)
        assert read_entry(apps / f"orders-api/overlays/{env}") == (f"acme/{env}/orders-db", "DATABASE_URL")
        assert read_entry(apps / f"web-frontend/overlays/{env}") == (f"storefront-eks/{env}/web-frontend", "")
        root = (repo / f"terraform/environments/{env}/main.tf").read_text()
        assert 'external_secrets_names = ["storefront-eks/${var.environment}/*", "acme/${var.environment}/orders-db"]' in root
    section = (repo / "README.md").read_text().split("## Secrets in aws-secrets-manager", 1)[1].split("\n## ", 1)[0]
    assert section.count("--name acme/prod/orders-db ") == 1 and "(orders-api, prod, one value: DATABASE_URL)" in section
    assert "--name acme/prod/orders-db --secret-string 'DATABASE_URL-value'" in section
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report


def test_another_clouds_cluster_reads_it_in_its_stores_spelling(tmp_path: Path) -> None:
    repo = generate(plan_with_entry("multicloud-aws-azure.plan.md", tmp_path), tmp_path / "repo",
                    "https://github.com/acme/infra.git")
    docs = [d for d in yaml.safe_load_all((repo / "argocd/applications/prod-azure/applications.yaml").read_text()) if d]
    patches = {d["metadata"]["name"]: d["spec"]["source"]["kustomize"]["patches"] for d in docs
               if "kustomize" in d["spec"].get("source", {})}
    [orders] = [p for name, p in patches.items() if name.startswith("orders-api")]
    assert "value: acme-prod-orders-db" in orders[0]["patch"]  # Key Vault names take no '/'
    assert "path: /spec/data/0/remoteRef/key" in orders[0]["patch"]  # its one value, not an object
    [web] = [p for name, p in patches.items() if name.startswith("web-frontend")]
    assert "value: storefront-eks-prod-web-frontend" in web[0]["patch"]
    # the README lists the entries that cluster reads, in the vault its root creates, beside the primary store's
    readme = (repo / "README.md").read_text()
    section = readme.split("## Secrets in aws-secrets-manager", 1)[1].split("\n## ", 1)[0]
    azure = section.split("On the azure clusters", 1)[1]
    assert ("- `acme-prod-orders-db` (orders-api, prod-azure, one value: DATABASE_URL): `az keyvault secret set --vault-name kvs-storefronteksprod "
            "--name acme-prod-orders-db ") in azure
    assert "`storefront-eks-dev-web-frontend` (web-frontend, dev-azure)" in azure
    root = (repo / "terraform/azure/environments/prod/main.tf").read_text()
    assert 'name                          = "kvs-${substr(replace(local.name, "-", ""), 0, 20)}"' in root
