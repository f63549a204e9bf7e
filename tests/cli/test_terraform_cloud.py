"""State Backend: Terraform Cloud / HCP Terraform, from the plan to a validated repository: every Terraform root
gets a `cloud {}` block with the plan's organization and a workspace (or tag) of its own, no state bootstrap
root, `terraform validate` offline, and a duplicated workspace caught by `terraform/shared-state`."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from testlib import PLANS, generate_repo

from planforge.cli import main
from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan, parse_text

TFC_PLANS = ["aws-eks-tfc", "multi-tenant-tfc"]
CLOUD = re.compile(r'cloud \{\s*organization = "([^"]*)"\s*workspaces \{\s*(name|tags) = (.*?)\s*\}', re.S)


def line_of(path: Path, words: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if words in line)


def root_blocks(repo: Path) -> dict[str, tuple[str, str, str]]:
    """Terraform root directory -> (organization, name|tags, value) of its cloud block, for every root."""
    roots = {p.parent for p in (repo / "terraform").rglob("*.tf") if "modules" not in p.relative_to(repo).parts}
    blocks = {}
    for root in sorted(roots):
        text = "".join(p.read_text() for p in sorted(root.glob("*.tf")))
        found = CLOUD.findall(text)
        assert len(found) == 1, f"{root}: {found}"
        assert "backend" not in re.sub(r"(?m)^\s*#.*$", "", text).split("cloud {")[0].split("terraform {")[-1]
        blocks[str(root.relative_to(repo))] = found[0]
    return blocks


def test_the_backend_and_organization_come_from_the_plan():
    plan = PLANS / "aws-eks-tfc.plan.md"
    d = decide(parse_plan(plan))
    a = d.answers
    assert (a.state_backend, a.state_locking, a.tfc_organization, a.state_bootstrap) == (
        "terraform-cloud", "native", "acme", False)
    line = line_of(plan, "**State Backend**: Terraform Cloud (organization acme)")
    assert {d.provenance[n].line for n in ("state_backend", "tfc_organization", "state_bootstrap")} == {line}
    assert "no state storage to create" in d.provenance["state_bootstrap"].describe()


def test_the_organization_may_be_stated_on_another_line():
    plan = PLANS / "multi-tenant-tfc.plan.md"
    d = decide(parse_plan(plan))
    assert (d.answers.state_backend, d.answers.tfc_organization) == ("terraform-cloud", "acme")
    assert d.provenance["state_backend"].line == line_of(plan, "**State Backend**: HCP Terraform")
    assert d.provenance["tfc_organization"].line == line_of(plan, "TFC org acme")


@pytest.mark.parametrize("value", ["HCP Terraform", "TFC", "Terraform Cloud"])
def test_a_missing_organization_is_refused_with_the_line_and_a_fix(value: str):
    text = (PLANS / "aws-eks-tfc.plan.md").read_text().replace("Terraform Cloud (organization acme)", value)
    with pytest.raises(RefusedError) as exc:
        decide(parse_text(text, "p.md"))
    [problem] = [p for p in exc.value.problems if "organization" in p.message]
    assert problem.line == 22 and problem.field == "State Backend"
    assert "Terraform Cloud (organization acme)" in (problem.hint or "")


def test_a_backend_ruling_terraform_cloud_out_is_not_terraform_cloud():
    text = (PLANS / "aws-eks-tfc.plan.md").read_text().replace("Terraform Cloud (organization acme)",
                                                                "S3+DynamoDB (not Terraform Cloud)")
    a = decide(parse_text(text, "p.md")).answers
    assert (a.state_backend, a.state_locking, a.tfc_organization, a.state_bootstrap) == ("s3", "dynamodb", "", True)


@pytest.mark.parametrize("plan", TFC_PLANS)
def test_every_root_has_a_cloud_block_of_its_own(plan: str, tmp_path_factory: pytest.TempPathFactory):
    repo = generate_repo(plan, tmp_path_factory)
    blocks = root_blocks(repo)
    assert len(blocks) >= 3
    assert {org for org, _, _ in blocks.values()} == {"acme"}
    assert len({(kind, value) for _, kind, value in blocks.values()}) == len(blocks)  # no two roots share
    assert not (repo / "terraform" / "bootstrap").exists()
    assert not list(repo.rglob("backend*.hcl"))
    readme = (repo / "terraform" / "README.md").read_text()
    for needed in ("terraform login", "TF_TOKEN_app_terraform_io", "TF_API_TOKEN", "execution mode", "tfe_workspace"):
        assert needed in readme


def test_environment_roots_are_named_by_their_path(tmp_path_factory: pytest.TempPathFactory):
    blocks = root_blocks(generate_repo("aws-eks-tfc", tmp_path_factory))
    assert blocks == {f"terraform/environments/{e}": ("acme", "name", f'"storefront-eks-environments-{e}"')
                      for e in ("dev", "staging", "prod")}


def test_multi_environment_roots_select_tagged_workspaces(tmp_path_factory: pytest.TempPathFactory):
    blocks = root_blocks(generate_repo("multi-tenant-tfc", tmp_path_factory))
    assert blocks["terraform/tenants/acme"] == ("acme", "tags", '["tenant-isolation-tenants-acme"]')
    assert blocks["terraform/shared/networking"] == ("acme", "tags", '["tenant-isolation-shared-networking"]')


@pytest.mark.slow
@pytest.mark.parametrize("plan", TFC_PLANS)
def test_the_repository_validates_strict_offline(plan: str, tmp_path_factory: pytest.TempPathFactory,
                                                 tf_mirror: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", str(tf_mirror))
    monkeypatch.delenv("TF_TOKEN_app_terraform_io", raising=False)
    repo = generate_repo(plan, tmp_path_factory)
    capsys.readouterr()
    code = main(["validate", str(repo), "--strict", "--fail-on-skip"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert re.search(r"terraform: \d+ checks", out) and "0 skipped" in out


@pytest.mark.slow
def test_a_duplicated_workspace_is_caught_with_both_files(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
                                                          tf_mirror: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", str(tf_mirror))
    repo = tmp_path / "repo"
    shutil.copytree(generate_repo("aws-eks-tfc", tmp_path_factory), repo)
    envs = repo / "terraform" / "environments"
    shutil.copy(envs / "prod" / "backend.tf", envs / "dev" / "backend.tf")
    capsys.readouterr()
    assert main(["validate", str(repo), "--only", "terraform", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert '"terraform/shared-state"' in out
    for root in ("dev", "prod"):
        assert f"terraform/environments/{root}/backend.tf" in out
