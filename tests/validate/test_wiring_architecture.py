"""`wiring/architecture-mismatch`: an AWS instance type given an image of the other CPU architecture (docs/wiring.md
"Architectures").

`tests/fixtures/wiring/architecture/good` holds each kind of pairing that works: an EKS node group module whose
arm64 default image one root keeps for Graviton types (its terraform.tfvars) and another overrides for x86_64 types,
a launch template booting an arm64 SSM image on t4g, an instance on an `aws_ami` filtered to x86_64, the node group
map of terraform-aws-modules/eks (defaults, an arm64 group, a CUSTOM image), and a computed type that is not
followed. `bad` breaks each one; every mismatch is named where its instance type is written.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from testlib import FIXTURES, PLANS, edit_file, plan_group, rendered_copy, validate_wiring

from planforge.validate.wiring.architecture import instance_architecture

CASES = FIXTURES / "wiring" / "architecture"
RULE = "wiring/architecture-mismatch"
REPO_URL = "https://github.com/acme/infra.git"
BAD = {("compute/main.tf", 8), ("compute/main.tf", 27), ("eks/main.tf", 15),
       ("environments/dev/terraform.tfvars", 1), ("environments/prod/terraform.tfvars", 1)}


def test_each_working_pairing_passes(tmp_path: Path) -> None:
    assert validate_wiring(CASES / "good", tmp_path, 0) == []


def test_each_mismatch_is_named_where_its_instance_type_is_written(tmp_path: Path) -> None:
    got = validate_wiring(CASES / "bad", tmp_path, 1)
    assert {(f["file"], f["line"]) for f in got} == BAD
    assert {(f["rule"], f["severity"]) for f in got} == {(RULE, "error")}
    by_place = {(f["file"], f["line"]): f for f in got}
    dev = by_place[("environments/dev/terraform.tfvars", 1)]
    assert "aws_eks_node_group.default: instance type m7g.large (arm64, AWS Graviton) is given ami_type " \
           "AL2023_x86_64_STANDARD (x86_64, environments/dev/main.tf:8)" in dev["message"]
    assert dev["hint"].startswith("give Graviton instance types ami_type AL2023_ARM_64_STANDARD")
    prod = by_place[("environments/prod/terraform.tfvars", 1)]
    assert "instance type c6i.xlarge (x86_64)" in prod["message"] and "r8g" not in prod["message"]
    assert "modules/nodes/variables.tf:20" in prod["message"]  # the module's default image
    assert "SSM parameter /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" \
           in by_place[("compute/main.tf", 8)]["message"]
    assert "BOTTLEROCKET_ARM_64" in by_place[("eks/main.tf", 15)]["hint"]


def test_a_node_group_without_instance_types_is_judged_by_its_launch_template(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(CASES / "good", root)
    nodes = root / "modules" / "nodes" / "main.tf"
    edit_file(nodes, "  instance_types  = var.instance_types\n", "")
    edit_file(nodes, '  name_prefix = "nodes-"\n', '  name_prefix   = "nodes-"\n  instance_type = "m7g.large"\n')
    [got] = validate_wiring(root, tmp_path, 1)  # dev gives the group an x86_64 image, prod keeps the arm64 one
    assert (got["rule"], got["file"], got["line"]) == (RULE, "modules/nodes/main.tf", 3)
    assert "aws_eks_node_group.default: instance type m7g.large" in got["message"] and \
           "environments/dev/main.tf:8" in got["message"]


@pytest.mark.parametrize(("instance_type", "architecture"), [
    ("m7g.large", "arm64"), ("c6gn.xlarge", "arm64"), ("r8g.2xlarge", "arm64"), ("t4g.small", "arm64"),
    ("x2gd.medium", "arm64"), ("im4gn.large", "arm64"), ("g5g.xlarge", "arm64"), ("a1.medium", "arm64"),
    ("mac2-m2pro.metal", "arm64"), ("m6i.large", "x86_64"), ("g4dn.xlarge", "x86_64"), ("c7i-flex.large", "x86_64"),
    ("m7a.large", "x86_64"), ("gr6.4xlarge", "x86_64"), ("t3.large", "x86_64"), ("u-6tb1.56xlarge", "x86_64"),
    ("latest", None), ("Standard_D4ps_v5", None),
])
def test_instance_types_by_processor(instance_type: str, architecture: str | None) -> None:
    assert instance_architecture(instance_type) == architecture


def test_values_terraform_computes_or_cannot_reach_are_not_followed(tmp_path: Path) -> None:
    """Hostile input: a module calling itself, a variable with no value, an unparsable var file, a map of node
    groups that is no map: read as nothing, never a hang or an internal error."""
    root = tmp_path / "repo"
    shutil.copytree(CASES / "bad", root)
    (root / "environments" / "dev" / "terraform.tfvars").write_text('instance_type = "m7g.large\n')
    edit_file(root / "modules" / "nodes" / "main.tf", "", 'module "again" {\n  source = "./"\n}\n')
    edit_file(root / "eks" / "main.tf", "  eks_managed_node_groups = {", "  self_managed_node_groups = [1]\n"
              "  eks_managed_node_groups = {")
    edit_file(root / "compute" / "main.tf", '  filter {\n    name   = "name"', '  filter = 5\n  filters {\n    name   = "name"')
    (root / "compute" / "broken.tf").write_text("variable = 5\n")
    got = validate_wiring(root, tmp_path, 1)
    assert ("environments/dev/terraform.tfvars", 1) not in {(f["file"], f["line"]) for f in got}
    assert {f["rule"] for f in got} == {RULE}


EKS_ARGOCD = PLANS / "aws-eks-argocd.plan.md"
SINGLE = PLANS / "aws-single-iac.plan.md"



@plan_group(EKS_ARGOCD)
def test_a_generated_eks_node_group_boots_its_types_image_and_a_pinned_x86_image_is_caught(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_copy(EKS_ARGOCD, tmp_path_factory, tmp_path / "repo", REPO_URL)
    assert validate_wiring(root, tmp_path, 0) == []
    edit_file(root / "terraform/environments/prod/terraform.tfvars", 'instance_type = "m6i.large"',
              'instance_type = "m7g.large"')
    assert validate_wiring(root, tmp_path, 0) == []  # the module gives Graviton types the arm64 image
    edit_file(root / "terraform/modules/eks/main.tf", 'ami_type        = local.node_ami_type["default"]',
              'ami_type        = "AL2023_x86_64_STANDARD"')
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["rule"], got["file"], got["line"]) == (RULE, "terraform/environments/prod/terraform.tfvars", 10)
    assert "aws_eks_node_group.default" in got["message"] and "terraform/modules/eks/main.tf" in got["message"]


@plan_group(SINGLE)
def test_a_graviton_type_in_a_generated_compute_layer_boots_its_arm64_image(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The compute module picks the Amazon Linux image of its instance type's architecture: switching an environment
    to a Graviton type needs no other edit, and nothing is reported."""
    root = rendered_copy(SINGLE, tmp_path_factory, tmp_path / "repo", REPO_URL)
    assert validate_wiring(root, tmp_path, 0) == []
    edit_file(root / "terraform/environments/dev/terraform.tfvars", 'instance_type = "t3.large"',
              'instance_type = "t4g.large"')
    assert validate_wiring(root, tmp_path, 0) == []
    module = (root / "terraform/modules/compute/main.tf").read_text()
    assert 'al2023-ami-kernel-default-${local.arm64 ? "arm64" : "x86_64"}' in module
