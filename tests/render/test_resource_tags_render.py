"""The plan's resource tags reach every AWS and Azure root and the GCP provider's default labels, over planforge's own tag of the same key, and the
lookups that find the shared network by its tags follow them (a multi-tenant root's `data "aws_vpc"`)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from testlib import PLANS, require_tool

from planforge.decide import decide
from planforge.plan import parse_text
from planforge.render.engine import render_new
from planforge.render.template import resolve_template
from planforge.validate.base import Settings, Severity, Status
from planforge.validate.runner import run_validation

TAGS = ("All cloud resources carry the tags `Project=payments`, `Environment=<env>`, `Owner=platform-team` and "
        "`CostCenter=CC-4471`.")
STATED = {"Project": '"payments"', "Owner": '"platform-team"', "CostCenter": '"CC-4471"'}


def _tagged(plan: str, tmp_path: Path) -> Path:
    text = (PLANS / f"{plan}.plan.md").read_text(encoding="utf-8").replace(
        "**Constraints**:", f"**Tagging**: {TAGS}\n**Constraints**:", 1)
    dest = tmp_path / "repo"
    render_new(decide(parse_text(text, "plan.md")).answers, dest, resolve_template(None, None), init_git=False)
    return dest


def _map(text: str, opening: str) -> dict[str, str]:
    """The `key = value` lines of the map that opens with `opening` (`tags = {`)."""
    body = re.search(re.escape(opening) + r"\n(.*?)\n\s*\}", text, re.S)
    assert body, opening
    return dict(re.match(r"\s*(\S+)\s*=\s*(.+)", row).groups() for row in body.group(1).splitlines())


def _validated(paths: list[Path], mirrors: list[Path]) -> None:
    checks = run_validation(paths, Settings(strict=True, jobs=2, terraform_plugin_mirrors=mirrors), only=["terraform"])
    validated = [c for c in checks if c.name == "validate"]
    assert validated and all(c.status is Status.PASSED for c in validated), validated
    assert not [f for c in checks for f in c.findings if f.severity is Severity.ERROR]


def test_aws_default_tags_carry_the_plans_and_the_shared_network_is_found_by_them(tmp_path: Path, tf_mirror: Path):
    terraform = require_tool("terraform")
    repo = _tagged("multi-tenant-flux", tmp_path)
    roots = [repo / "terraform/shared/networking", repo / "terraform/shared/cluster", repo / "terraform/tenants/acme"]
    for root in roots:
        tags = _map((root / "providers.tf").read_text(), "tags = {")
        # the plan's keys replace planforge's own of the same name in another case; the others stay
        assert tags == {**STATED, "Environment": "var.environment", "tenant": "var.tenant", "managed-by": '"terraform"'}
    for root in roots[1:]:
        lookup = _map((root / "main.tf").read_text(), 'data "aws_vpc" "shared" {\n  tags = {')
        assert lookup == {"Project": '"payments"', "Environment": "var.environment", "stack": '"shared-networking"'}
    subprocess.run([terraform, "fmt", "-check", "-recursive", str(repo / "terraform")], check=True, capture_output=True)
    _validated([repo / "terraform"], [tf_mirror])
    # the ingress controller's load balancer is the cluster's, out of the provider's reach: its annotation tags it
    annotations = {path.parent.name: re.findall(r"additional-resource-tags: \"(.*)\"", path.read_text())
                   for path in repo.rglob("ingress-nginx.yaml")}
    assert annotations and all(annotations.values()), annotations
    for env, (tags,) in annotations.items():
        assert tags == f"Project=payments,Environment={env},managed-by=kubernetes,Owner=platform-team,CostCenter=CC-4471"


def test_azure_resources_carry_the_plans_tags(tmp_path: Path, packed_tf_mirror: Path):
    terraform = require_tool("terraform")
    repo = _tagged("aks-argocd-keyvault", tmp_path)
    main = (repo / "terraform/environments/prod/main.tf").read_text()
    assert _map(main, "  tags = {") == {**STATED, "Environment": "var.environment", "tenant": "var.tenant",
                                         "managed-by": '"terraform"'}
    assert _map((repo / "terraform/bootstrap/main.tf").read_text(), "  tags = {")["Environment"] == '"global"'
    subprocess.run([terraform, "fmt", "-check", "-recursive", str(repo / "terraform")], check=True, capture_output=True)
    _validated([repo / "terraform"], [packed_tf_mirror])


def test_gcp_default_labels_carry_the_plans_labels(tmp_path: Path):
    """The google provider's default labels (GCP roots validate with static checks only: no provider here)."""
    terraform = require_tool("terraform")
    text = (PLANS / "gke-flux-secretmanager.plan.md").read_text(encoding="utf-8").replace(
        "**Constraints**:", "**Labels**: All resources labelled team=commerce and cost-center=cc-42\n**Constraints**:", 1)
    dest = tmp_path / "repo"
    render_new(decide(parse_text(text, "plan.md")).answers, dest, resolve_template(None, None), init_git=False)
    labels = _map((dest / "terraform/environments/prod/providers.tf").read_text(), "default_labels = {")
    assert labels == {"project": "var.project", "environment": "var.environment", "tenant": "var.tenant",
                      "managed-by": '"terraform"', "team": '"commerce"', "cost-center": '"cc-42"'}
    subprocess.run([terraform, "fmt", "-check", "-recursive", str(dest / "terraform")], check=True, capture_output=True)


@pytest.mark.parametrize("plan", ["aws-eks-argocd"])
def test_without_stated_tags_the_roots_keep_planforges_own(plan: str, tmp_path: Path):
    dest = tmp_path / "repo"
    render_new(decide(parse_text((PLANS / f"{plan}.plan.md").read_text(encoding="utf-8"), "plan.md")).answers, dest,
               resolve_template(None, None), init_git=False)
    tags = _map((dest / "terraform/environments/prod/providers.tf").read_text(), "tags = {")
    assert tags == {"project": "var.project", "environment": "var.environment", "tenant": "var.tenant",
                    "managed-by": '"terraform"'}
