"""An Oracle Cloud plan gets an OKE repository that validates with the real provider: every root passes `terraform
validate` against oracle/oci 8.28.0 (the packed mirror beside the repository), the modules' own tests pass under a
mocked provider, and the layers connect (the state through Object Storage's S3 API, the database reachable from
the nodes and pods, its password in OCI Vault, the ingress load balancer in the subnet Terraform opens)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, plan_group, rendered_copy, rendered_plan, require_tool

OKE = PLANS / "oke-argocd.plan.md"
ENVS = ("staging", "production")


def _block(text: str, kind: str, name: str) -> str:
    return re.search(rf'(?ms)^{kind} "{name}" \{{.*?^\}}', text).group(0)


@plan_group(OKE)
def test_the_roots_connect_cluster_database_vault_and_state(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(OKE, tmp_path_factory)
    for env in ENVS:
        here = root / "terraform/environments" / env
        main = (here / "main.tf").read_text()
        oke = _block(main, "module", "oke")
        assert "pods_subnet_id     = module.vcn.pods_subnet_id" in oke and "node_count         = var.min_size" in oke
        database = _block(main, "module", "database")
        assert "allowed_cidrs  = [module.vcn.nodes_cidr, module.vcn.pods_cidr]" in database
        assert "vault_id       = oci_kms_vault.this.id" in database
        backend = (here / "backend.tf").read_text()
        assert "use_path_style = true" in backend and "AWS_ENDPOINT_URL_S3" in backend and "use_lockfile" not in backend
        variables = (here / "variables.tf").read_text()
        assert "TF_VAR_compartment_id" in _block(variables, "variable", "compartment_id")
        assert '"eu-frankfurt-1"' in _block(variables, "variable", "region")  # EU data residency
    bootstrap = (root / "terraform/bootstrap/main.tf").read_text()
    assert 'versioning     = "Enabled"' in bootstrap and 'access_type    = "NoPublicAccess"' in bootstrap
    assert "compat.objectstorage" in (root / "terraform/bootstrap/outputs.tf").read_text()
    values = yaml.safe_load((root / "argocd/applications/production/ingress-nginx.yaml").read_text())
    annotations = values["spec"]["source"]["helm"]["valuesObject"]["controller"]["service"]["annotations"]
    assert annotations["oci.oraclecloud.com/security-rule-management-mode"] == "None"
    readme = (root / "terraform/README.md").read_text()
    assert "`AWS_ENDPOINT_URL_S3`" in readme and "oci ce cluster create-kubeconfig" in readme
    assert "Precondition, once per tenancy" in readme


def _packed_mirror_env(packed_tf_mirror: Path, tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "terraform.rc"
    config.write_text('provider_installation {\n  filesystem_mirror {\n'
                      f'    path    = "{packed_tf_mirror.as_posix()}"\n'
                      '    include = ["registry.terraform.io/oracle/*"]\n  }\n'
                      '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n')
    return {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}


@plan_group(OKE)
def test_every_root_validates_and_an_unknown_attribute_is_caught(
        tmp_path_factory: pytest.TempPathFactory, packed_tf_mirror: Path, tmp_path: Path) -> None:
    require_tool("terraform")
    from planforge.validate.base import Settings, Severity, Status
    from planforge.validate.runner import run_validation

    root = rendered_copy(OKE, tmp_path_factory, tmp_path / "repo")
    settings = Settings(strict=True, terraform_plugin_mirrors=[packed_tf_mirror], jobs=2)
    checks = run_validation([root], settings, only=["terraform"])
    validated = [c for c in checks if c.name == "validate"]
    assert len(validated) == 3 and all(c.status is Status.PASSED and not c.findings for c in validated), validated
    assert not [f for c in checks for f in c.findings if f.severity is Severity.ERROR]
    main = root / "terraform/environments/staging/main.tf"
    main.write_text(main.read_text().replace("  node_count         = var.min_size\n",
                                             "  node_count         = var.min_size\n  node_taints        = []\n"))
    errors = [f for c in run_validation([root], settings, only=["terraform"]) for f in c.findings
              if f.severity is Severity.ERROR]
    assert any(f.rule == "terraform/validate" and f.file.endswith("staging/main.tf") and "node_taints" in f.message
               for f in errors), errors


@plan_group(OKE)
def test_the_modules_own_tests_pass_offline(tmp_path_factory: pytest.TempPathFactory, packed_tf_mirror: Path,
                                            tmp_path: Path) -> None:
    require_tool("terraform")
    env = _packed_mirror_env(packed_tf_mirror, tmp_path)
    modules = rendered_plan(OKE, tmp_path_factory) / "terraform/modules"
    for name in ("vcn", "oke", "database"):
        module = shutil.copytree(modules / name, tmp_path / name)
        init = subprocess.run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], cwd=module,
                              env=env, capture_output=True, text=True, timeout=300)
        assert init.returncode == 0, init.stderr
        result = subprocess.run(["terraform", "test", "-no-color"], cwd=module, env=env, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0 and " 0 failed" in result.stdout, (name, result.stdout, result.stderr)
