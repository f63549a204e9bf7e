"""The plan's weekly maintenance window and allow-listed extensions are the Azure server's (the module's
maintenance_window block and azure.extensions), in Terraform that formats clean; strict validation, Terraform
included, runs in test_secrets_vaults on the same render."""
from __future__ import annotations

import subprocess

import pytest
from testlib import FIXTURES, plan_group, rendered_plan, require_tool

CLAIMS = FIXTURES / "reviewed/aks-argocd-claims.plan.md"


@plan_group(CLAIMS)
def test_the_server_takes_the_plans_window_and_extensions(tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = rendered_plan(CLAIMS, tmp_path_factory)
    root = (repo / "terraform/environments/prod/main.tf").read_text()
    assert "maintenance_window    = { day_of_week = 0, start_hour = 2, start_minute = 0 }" in root
    assert 'extensions            = ["pgcrypto", "uuid-ossp"]' in root
    module = (repo / "terraform/modules/database/main.tf").read_text()
    assert '"azure.extensions" = join(",", [for e in var.extensions : upper(e)])' in module
    terraform = require_tool("terraform")
    fmt = subprocess.run([terraform, "fmt", "-check", "-recursive", str(repo / "terraform")], capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
