"""`wiring/storageclass-missing`: claims whose StorageClass nothing provides, and classes whose CSI driver nothing
installs (docs/wiring.md "Storage classes").

`tests/fixtures/wiring/storage/good` is an EKS cluster with the EBS CSI add-on and a default class: claims on a class
it defines (a manifest, a Terraform `kubernetes_storage_class_v1`), on EKS's own gp2, on the default class (no class),
on no class at all (""), a StatefulSet's claim template and a catalog chart's values. `bad` drops the add-on and the
default class and names classes nothing defines.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from planforge.validate.wiring import storage
from testlib import FIXTURES, PLANS, REPO, edit_file, plan_group, rendered_copy, validate_wiring

CASES = FIXTURES / "wiring" / "storage"
RULE = "wiring/storageclass-missing"
REPO_URL = "https://github.com/acme/infra.git"
BAD = {("argocd/monitoring.yaml", 19), ("k8s/claims.yaml", 20), ("k8s/claims.yaml", 32), ("k8s/claims.yaml", 43),
       ("k8s/database.yaml", 23), ("k8s/storage-class.yaml", 5), ("terraform/main.tf", 13)}
CLAIM = """apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: orders-data
  namespace: orders
spec:
  storageClassName: {name}
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 10Gi
"""
GP3 = """apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: gp3
provisioner: ebs.csi.aws.com
parameters:
  type: gp3
"""
EBS_ADDON = """
resource "aws_eks_addon" "ebs_csi" {
  cluster_name = aws_eks_cluster.this.name
  addon_name   = "aws-ebs-csi-driver"
}
"""


def copy(case: str, tmp_path: Path) -> Path:
    root = tmp_path / case
    shutil.copytree(CASES / case, root)
    return root


def test_claims_on_classes_the_repository_or_the_cluster_provides_pass(tmp_path: Path) -> None:
    assert validate_wiring(CASES / "good", tmp_path, 0) == []


def test_each_class_nothing_provides_and_each_driver_nothing_installs_is_named(tmp_path: Path) -> None:
    got = validate_wiring(CASES / "bad", tmp_path, 1)
    assert {(f["file"], f["line"]) for f in got} == BAD
    assert {(f["rule"], f["severity"]) for f in got} == {(RULE, "error")}
    by_place = {(f["file"], f["line"]): f for f in got}
    undefined = by_place[("k8s/claims.yaml", 32)]
    assert "claims StorageClass io2, which the repository does not define and Amazon EKS does not create (it has: " \
           "gp2)" in undefined["message"]
    assert undefined["hint"].startswith("define a StorageClass io2 (provisioner ebs.csi.aws.com")
    assert "aws-ebs-csi-driver EKS add-on" in undefined["hint"]
    assert "served by the Amazon EBS CSI driver" in by_place[("k8s/claims.yaml", 20)]["message"]  # gp2
    assert "efs.csi.aws.com (the Amazon EFS CSI driver)" in by_place[("terraform/main.tf", 13)]["message"]
    assert by_place[("argocd/monitoring.yaml", 19)]["json_path"].startswith("spec.source.helm.valuesObject.prometheus")
    unnamed = by_place[("k8s/claims.yaml", 43)]  # the claim that names no class, on an EKS cluster with no default
    assert "names no StorageClass, so it takes the cluster's default one, and Amazon EKS marks no class default" \
           in unnamed["message"]
    assert "storageclass.kubernetes.io/is-default-class" in unnamed["hint"]


def test_installing_the_driver_leaves_only_the_classes_nobody_defines(tmp_path: Path) -> None:
    root = copy("bad", tmp_path)
    with (root / "terraform" / "main.tf").open("a") as main:
        main.write(EBS_ADDON.replace("aws_eks_addon", "helm_release").replace("addon_name  ", "chart       "))
    got = {(f["file"], f["line"]) for f in validate_wiring(root, tmp_path, 1)}
    assert got == BAD - {("k8s/claims.yaml", 20), ("k8s/storage-class.yaml", 5)}


def test_a_driver_documented_as_installed_is_accepted(tmp_path: Path) -> None:
    root = copy("bad", tmp_path)
    with (root / "README.md").open("a") as readme:
        readme.write("- aws-ebs-csi-driver and aws-efs-csi-driver are already installed by the platform team.\n")
    got = {(f["file"], f["line"]) for f in validate_wiring(root, tmp_path, 1)}
    assert got == {("argocd/monitoring.yaml", 19), ("k8s/claims.yaml", 32), ("k8s/claims.yaml", 43),
                   ("k8s/database.yaml", 23)}


def test_each_distribution_has_its_own_classes(tmp_path: Path) -> None:
    """On AKS, managed-csi is there and gp3 is not; a repository naming no distribution is not judged."""
    root = tmp_path / "repo"
    edit_file(root / "k8s" / "claims.yaml", CLAIM.format(name="managed-csi") + "---\n" + CLAIM.format(name="gp3")
              .replace("orders-data", "orders-cache"), None)
    edit_file(root / "terraform" / "main.tf", 'resource "azurerm_kubernetes_cluster" "this" {\n  name = "data"\n}\n',
              None)
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["rule"], got["file"], got["line"]) == (RULE, "k8s/claims.yaml", 19)
    assert "AKS does not create (it has: azurefile, azurefile-csi" in got["message"]
    (root / "terraform" / "main.tf").unlink()
    assert validate_wiring(root, tmp_path, 0) == []


def test_the_template_and_the_rule_agree_on_which_distributions_have_a_default_class() -> None:
    """The template gives a cluster a default class (and charts a volume) from layout.yml's list, the rule judges
    from data/storage.yaml: one fact in two places that must not drift (the template does not read the package)."""
    layout = yaml.safe_load((REPO / "layout.yml").read_text(encoding="utf-8"))
    distributions, _ = storage.table()
    assert set(layout["default_class_distributions"]) == {key for key, d in distributions.items() if d.has_default}
    assert {key for key, d in distributions.items() if d.created_only} == {"eks"}


def test_substituted_and_malformed_values_are_not_read(tmp_path: Path) -> None:
    root = copy("good", tmp_path)
    edit_file(root / "k8s" / "claims.yaml", "storageClassName: gp2", "storageClassName: ${storage_class}")
    edit_file(root / "k8s" / "database.yaml", "  volumeClaimTemplates:\n", "  volumeClaimTemplates: 3\n  ignored:\n")
    edit_file(root / "k8s" / "storage-class.yaml", "name: gp3", "name: [gp3]")
    edit_file(root / "k8s" / "other-class.yaml", GP3.replace("name: gp3", "name: st1")
              .replace("provisioner: ebs.csi.aws.com", "provisioner: [ebs.csi.aws.com]"), None)
    got = validate_wiring(root, tmp_path, 1)  # gp3 is defined nowhere now: its claim and the chart's are named
    assert {(f["rule"], f["file"], f["line"]) for f in got} == {(RULE, "k8s/claims.yaml", 8),
                                                                 (RULE, "argocd/monitoring.yaml", 19)}


EKS_ARGOCD = PLANS / "aws-eks-argocd.plan.md"
AKS = PLANS / "aks-argocd-keyvault.plan.md"



@plan_group(EKS_ARGOCD)
def test_a_generated_eks_repository_gives_claims_a_default_class_and_its_driver(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The eks module installs the EBS CSI driver; the cluster configuration defines the default gp3 class."""
    root = rendered_copy(EKS_ARGOCD, tmp_path_factory, tmp_path / "repo", REPO_URL)
    claim = root / "kubernetes/apps/orders-api/base/pvc.yaml"
    edit_file(claim, CLAIM.format(name="gp3") + "---\n" + CLAIM.replace("  storageClassName: {name}\n", "")
              .replace("orders-data", "orders-cache"), None)
    assert validate_wiring(root, tmp_path, 0) == []
    edit_file(root / "terraform/modules/eks/main.tf", 'addon_name   = "aws-ebs-csi-driver"', 'addon_name   = "other"')
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["rule"], got["file"]) == (RULE, "kubernetes/base/storage-class.yaml")
    assert "nothing in the repository installs" in got["message"] and "aws-ebs-csi-driver" in got["hint"]
    (root / "kubernetes/base/storage-class.yaml").unlink()
    edit_file(root / "kubernetes/base/kustomization.yaml", "  - storage-class.yaml\n", "")
    got = validate_wiring(root, tmp_path, 1)
    assert {(f["rule"], f["file"], f["line"]) for f in got} == {(RULE, "kubernetes/apps/orders-api/base/pvc.yaml", 7),
                                                                 (RULE, "kubernetes/apps/orders-api/base/pvc.yaml", 18)}


@plan_group(AKS)
def test_a_claim_on_a_generated_aks_repository_may_name_the_aks_classes_only(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_copy(AKS, tmp_path_factory, tmp_path / "repo", REPO_URL)
    claim = root / "kubernetes/base/pvc.yaml"
    edit_file(claim, CLAIM.format(name="managed-csi-premium"), None)
    assert validate_wiring(root, tmp_path, 0) == []
    edit_file(claim, "storageClassName: managed-csi-premium", "storageClassName: gp3")
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["rule"], got["file"]) == (RULE, "kubernetes/base/pvc.yaml")
