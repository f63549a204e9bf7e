"""`wiring/secret-not-granted`: an ExternalSecret reading AWS Secrets Manager or SSM Parameter Store as the External
Secrets controller's own identity asks for a key its environment's Terraform grant does not cover (docs/wiring.md
"Secret grants").

`tests/fixtures/wiring/grants/good` has two environment roots whose eks module call grants `shop/<env>/*`, one hub
connection by exact name and the SSM path `/shop/<env>/pod-security-groups`, and per-environment overlays reading
exactly those; one item reads through a store that assumes its own role. `bad` makes prod read dev's key, a name that
only shares the granted one's prefix and a parameter outside the path.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from testlib import FIXTURES, PLANS, edit_file, plan_group, rendered_copy, validate_wiring

CASES = FIXTURES / "wiring" / "grants"
RULE = "wiring/secret-not-granted"
REPO_URL = "https://github.com/acme/infra.git"
EKS_ARGOCD = PLANS / "aws-eks-argocd.plan.md"
PROD = "k8s/overlays/prod/secrets.yaml"


def test_keys_inside_each_environments_grant_pass(tmp_path: Path) -> None:
    assert validate_wiring(CASES / "good", tmp_path, 0) == []


def test_each_key_outside_its_environments_grant_is_named(tmp_path: Path) -> None:
    got = validate_wiring(CASES / "bad", tmp_path, 1)
    assert {(f["rule"], f["file"], f["line"]) for f in got} == {(RULE, PROD, 14), (RULE, PROD, 30), (RULE, PROD, 53)}
    by_line = {f["line"]: f for f in got}
    assert "reads AWS Secrets Manager key 'shop/dev/api'" in by_line[14]["message"]
    assert "no Terraform grant of environment prod covers (granted: shop/prod/*, shop/argocd-cluster-prod-eu-west-1 " \
           "(terraform/environments/prod/main.tf:5))" in by_line[14]["message"]
    assert "external_secrets_names" in by_line[30]["hint"]  # an exact name grants that secret, not what it prefixes
    assert "SSM Parameter Store key '/shop/prod/security-groups/orders'" in by_line[53]["message"]
    assert "/shop/prod/pod-security-groups/*" in by_line[53]["message"]


def test_a_policy_the_rule_cannot_read_silences_it(tmp_path: Path) -> None:
    root = tmp_path / "bad"
    shutil.copytree(CASES / "bad", root)
    (root / "terraform/environments/prod/iam.tf").write_text(
        'resource "aws_iam_role_policy" "extra" {\n  name   = "extra"\n  role   = "external-secrets"\n'
        '  policy = data.aws_iam_policy_document.extra.json # secretsmanager:GetSecretValue on shop/*\n}\n')
    assert validate_wiring(root, tmp_path, 0) == []


@plan_group(EKS_ARGOCD)
def test_a_generated_repository_reading_another_environments_secret_fails(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_copy(EKS_ARGOCD, tmp_path_factory, tmp_path / "repo", REPO_URL)
    assert validate_wiring(root, tmp_path, 0) == []
    edit_file(root / "kubernetes/apps/web-frontend/overlays/prod/externalsecret.yaml",
              "key: storefront-eks/prod/", "key: storefront-eks/dev/")
    [found] = validate_wiring(root, tmp_path, 1)
    assert found["rule"] == RULE
    assert found["file"] == "kubernetes/apps/web-frontend/overlays/prod/externalsecret.yaml"
    assert "storefront-eks/prod/* (terraform/environments/prod/main.tf:" in found["message"]


RECORD = """apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: cluster-record
  namespace: argocd
spec:
  secretStoreRef:
    kind: ClusterSecretStore
    name: parameters
  target:
    name: cluster-record
  data:
    - secretKey: orders_dev
      remoteRef:
        key: /shop/dev/pod-security-groups/orders
    - secretKey: orders_prod
      remoteRef:
        key: /shop/prod/pod-security-groups/orders
"""


def test_one_externalsecret_needs_one_environments_grant_for_all_its_keys(tmp_path: Path) -> None:
    """Outside an environment's directory, every cluster applies the ExternalSecret and reads all of its keys: each
    key granted to some environment is not enough."""
    root = tmp_path / "good"
    shutil.copytree(CASES / "good", root)
    edit_file(root / "k8s/base/record.yaml", RECORD, None)
    [found] = validate_wiring(root, tmp_path, 1)
    # a tie: the first environment is the one named, and the key of the other is the one it lacks
    assert (found["rule"], found["file"], found["line"]) == (RULE, "k8s/base/record.yaml", 18)
    assert "no environment's grant covers together (environment dev's covers the most and lacks this one: " \
           "/shop/dev/pod-security-groups/*" in found["message"]
    for env in ("dev", "prod"):  # a grant of every environment's path, as the multi-tenant cluster record needs
        edit_file(root / f"terraform/environments/{env}/main.tf", "/${var.environment}/pod-security-groups",
                  "/*/pod-security-groups")
    assert validate_wiring(root, tmp_path, 0) == []
