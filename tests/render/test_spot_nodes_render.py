"""An environment on spot capacity gets `spot_nodes = true` in its root, which passes it to the eks module (its node
group's capacity_type); the others stay on-demand. Each environment's database gets the size its column states. Every
root validates with the real Terraform."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from render_helpers import generate, validate_strict
from testlib import FIXTURES


def test_the_spot_environment_root_asks_for_spot_nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    repo = generate(FIXTURES / "reviewed/aws-eks-payments.plan.md", tmp_path / "repo",
                    "https://github.com/acme/payments.git")
    envs = repo / "infra/terraform/envs"
    spot = {e: re.search(r"(?m)^spot_nodes = (\w+)$", (envs / e / "terraform.tfvars").read_text()).group(1)
            for e in ("dev", "staging", "prod")}
    assert spot == {"dev": "true", "staging": "false", "prod": "false"}
    # each environment's database takes its own size from the environments table
    sizes = {e: re.search(r"(?m)^db_storage_gb\s+= (\d+)", (envs / e / "terraform.tfvars").read_text()).group(1)
             for e in ("dev", "staging", "prod")}
    assert sizes == {"dev": "20", "staging": "100", "prod": "200"}
    assert re.search(r"(?m)^  spot_nodes\s+= var\.spot_nodes$", (envs / "dev/main.tf").read_text())
    code, report = validate_strict(repo, monkeypatch, capsys, "--only", "terraform")
    assert code == 0, report
