"""An Oracle Cloud plan gets an OKE repository that validates with the real provider: every root passes `terraform
validate` against oracle/oci 8.28.0 (the packed mirror beside the repository), the modules' own tests pass under a
mocked provider, and the layers connect (the state through Object Storage's S3 API, the database reachable from
the nodes and pods, its password in OCI Vault, the ingress load balancer in the subnet Terraform opens)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cloud_roots import assert_module_tests_pass, assert_roots_validate_and_catch, hcl_block
from testlib import PLANS, plan_group, rendered_copy, rendered_plan, require_tool

OKE = PLANS / "oke-argocd.plan.md"
ENVS = ("staging", "production")


@plan_group(OKE)
def test_the_roots_connect_cluster_database_vault_and_state(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(OKE, tmp_path_factory)
    for env in ENVS:
        here = root / "terraform/environments" / env
        main = (here / "main.tf").read_text()
        oke = hcl_block(main, "module", "oke")
        assert "pods_subnet_id     = module.vcn.pods_subnet_id" in oke and "node_count         = var.min_size" in oke
        database = hcl_block(main, "module", "database")
        assert "allowed_cidrs  = [module.vcn.nodes_cidr, module.vcn.pods_cidr]" in database
        assert "vault_id       = oci_kms_vault.this.id" in database
        backend = (here / "backend.tf").read_text()
        assert "use_path_style = true" in backend and "AWS_ENDPOINT_URL_S3" in backend and "use_lockfile" not in backend
        variables = (here / "variables.tf").read_text()
        assert "TF_VAR_compartment_id" in hcl_block(variables, "variable", "compartment_id")
        assert '"eu-frankfurt-1"' in hcl_block(variables, "variable", "region")  # EU data residency
    bootstrap = (root / "terraform/bootstrap/main.tf").read_text()
    assert 'versioning     = "Enabled"' in bootstrap and 'access_type    = "NoPublicAccess"' in bootstrap
    assert "compat.objectstorage" in (root / "terraform/bootstrap/outputs.tf").read_text()
    values = yaml.safe_load((root / "argocd/applications/production/ingress-nginx.yaml").read_text())
    annotations = values["spec"]["source"]["helm"]["valuesObject"]["controller"]["service"]["annotations"]
    assert annotations["oci.oraclecloud.com/security-rule-management-mode"] == "None"
    readme = (root / "terraform/README.md").read_text()
    assert "`AWS_ENDPOINT_URL_S3`" in readme and "oci ce cluster create-kubeconfig" in readme
    assert "Precondition, once per tenancy" in readme
    assert "oci bastion session create-port-forwarding" in readme and "enforces them only once Calico runs" in readme


@plan_group(OKE)
def test_every_root_validates_and_an_unknown_attribute_is_caught(
        tmp_path_factory: pytest.TempPathFactory, packed_tf_mirror: Path, tmp_path: Path) -> None:
    require_tool("terraform")
    root = rendered_copy(OKE, tmp_path_factory, tmp_path / "repo")
    assert_roots_validate_and_catch(root, packed_tf_mirror, "  node_count         = var.min_size\n", "node_taints")


@plan_group(OKE)
def test_the_modules_own_tests_pass_offline(tmp_path_factory: pytest.TempPathFactory, packed_tf_mirror: Path,
                                            tmp_path: Path) -> None:
    require_tool("terraform")
    modules = rendered_plan(OKE, tmp_path_factory) / "terraform/modules"
    assert_module_tests_pass(modules, ("vcn", "oke", "database"), packed_tf_mirror, "oracle", tmp_path)
