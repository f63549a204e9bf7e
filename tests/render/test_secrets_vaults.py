"""The Key Vaults a plan names for its environments (`Key Vault per environment: `kv-claims-dev`, ...`) are the ones
each AKS root creates and each environment's ClusterSecretStore reads (before: kvs-<project><env>, the plan's names
dropped without a word); the repository validates strictly."""
from __future__ import annotations

from pathlib import Path

import pytest
from testlib import FIXTURES, find_terraform_mirror, plan_group, rendered_plan

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

CLAIMS = FIXTURES / "reviewed/aks-argocd-claims.plan.md"
NAMED = "Key Vault per environment: `kv-claims-dev`, `kv-claims-stg`, `kv-claims-prod`."


def test_each_environment_takes_the_vault_its_name_names() -> None:
    d = decide(parse_plan(CLAIMS))
    assert {s.name: s.secrets_vault for s in d.answers.environment_sizing} == {
        "dev": "kv-claims-dev", "staging": "kv-claims-stg", "prod": "kv-claims-prod"}
    assert not [n for n in d.not_applied if "kv-claims" in n.text]


def test_a_vault_no_root_creates_is_reported() -> None:
    text = CLAIMS.read_text(encoding="utf-8")
    assert NAMED in text
    d = decide(parse_text(text.replace("**Secrets Management**: Azure Key Vault", "**Secrets Management**: HashiCorp "
                                       "Vault"), "plan.md"))
    assert not any(s.secrets_vault for s in d.answers.environment_sizing)
    assert {n.text for n in d.not_applied} >= {"kv-claims-dev", "kv-claims-stg", "kv-claims-prod"}


@plan_group(CLAIMS)
def test_the_roots_and_the_secret_stores_use_the_plans_vaults(tmp_path_factory: pytest.TempPathFactory,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str],
                                                              packed_tf_mirror: Path) -> None:
    repo = rendered_plan(CLAIMS, tmp_path_factory)
    for env, vault in (("dev", "kv-claims-dev"), ("staging", "kv-claims-stg"), ("prod", "kv-claims-prod")):
        tfvars = (repo / f"terraform/environments/{env}/terraform.tfvars").read_text()
        assert f'secrets_vault_name = "{vault}"' in tfvars
    assert "vaultUrl: https://kv-claims-dev.vault.azure.net/" in (repo / "kubernetes/base/cluster-secret-store.yaml").read_text()
    assert "value: https://kv-claims-prod.vault.azure.net/" in (repo / "kubernetes/overlays/prod/kustomization.yaml").read_text()
    # strictly, `terraform validate` of every root included (azurerm from the packed mirror)
    mirrors = [m for m in (find_terraform_mirror(), packed_tf_mirror) if m is not None]
    monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", ":".join(str(m) for m in mirrors))
    capsys.readouterr()
    code = main(["validate", str(repo), "--strict", "--fail-on-skip"])
    assert code == 0, capsys.readouterr().out
