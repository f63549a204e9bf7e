"""GitOps onto clusters that exist already: `IaC Tools: none` with the clusters said to exist, no Terraform, the
clusters as existing units, and a repository (Flux or Argo CD) that passes `planforge validate --strict`."""
from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from render_helpers import validate_strict
from testlib import PLANS, generate_repo, line_of, refused, validate_wiring

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan

FLUX = "gitops-only-existing"
ARGOCD = "gitops-only-existing-argocd"
IAC_LINE = "**IaC Tools**: none (the clusters are managed by the platform-infra repository)"


def _text(plan: str) -> str:
    return (PLANS / f"{plan}.plan.md").read_text()


@pytest.mark.parametrize("plan", [FLUX, ARGOCD])
def test_no_terraform_and_the_clusters_are_existing_units(plan: str):
    decided = decide(parse_plan(PLANS / f"{plan}.plan.md"))
    a = decided.answers
    assert (a.iac_tool, a.existing_clusters, a.state_backend) == ("none", True, "none")
    assert "terraform" not in a.blueprints and "kubernetes" in a.blueprints
    clusters = decided.model.by_kind("cluster")
    assert [u.name for u in clusters] == ["staging", "production"]  # as the tree spells them (clusters/production/)
    assert all(u.existing and u.path == "" and f"cluster:{u.name}" in u.provides for u in clusters)
    assert not [u for u in decided.model.units if u.kind.startswith("terraform")]
    assert decided.model.unmet() == []
    why = decided.provenance["iac_tool"]
    assert why.line == line_of(_text(plan), "**IaC Tools**") and "clusters exist already" in why.note


def test_flux_bootstrapped_already_is_an_existing_controller():
    decided = decide(parse_plan(PLANS / f"{FLUX}.plan.md"))
    assert decided.answers.flux_bootstrapped
    assert decided.provenance["flux_bootstrapped"].line == line_of(_text(FLUX), "**Constraints**")
    flux = decided.model.by_kind("controller")
    assert [u.name for u in flux] == ["flux@staging", "flux@production"] and all(u.existing and not u.path for u in flux)


def test_plan_show_json_shows_the_existing_clusters():
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["plan", "show", "--json", str(PLANS / f"{FLUX}.plan.md")]) == 0
    units = json.loads(out.getvalue())["model"]["units"]
    assert {u["id"]: u["existing"] for u in units if u["kind"] == "cluster"} == {"cluster:staging": True,
                                                                                  "cluster:production": True}
    assert not [u for u in units if u["kind"].startswith("terraform")]


def test_no_iac_tool_without_existing_clusters_is_refused_with_what_to_write():
    text = _text(FLUX).replace(IAC_LINE, "**IaC Tools**: none").replace("EKS 1.30 (existing)", "EKS 1.30") \
        .replace("AWS (existing EKS clusters, eu-west-1)", "AWS (eu-west-1)").replace("no cluster creation; ", "")
    [problem] = refused(text)
    assert (problem.field, problem.line) == ("IaC Tools", line_of(text, "**IaC Tools**"))
    assert "(existing)" in problem.hint and "Terraform" in problem.hint


@pytest.mark.parametrize(("old", "new", "field"), [
    ("**Secrets Management**: Kubernetes Secrets", "**Secrets Management**: AWS Secrets Manager", "secrets_manager"),
    ("**Scale/Scope**:", "**Storage**: Amazon RDS PostgreSQL 16\n**Scale/Scope**:", "storage"),
])
def test_what_terraform_would_create_is_refused_on_existing_clusters(old: str, new: str, field: str):
    text = _text(FLUX).replace(old, new)
    [problem] = refused(text)
    assert problem.field == field and "no Terraform" in problem.message


def test_a_single_iac_plan_cannot_go_without_an_iac_tool():
    text = _text(FLUX).replace("**Structure Decision**: GitOps-only repository (no Terraform): Flux monorepo",
                               "**Structure Decision**: Option 1: single-iac")
    problems = refused(text)
    assert any(p.field == "IaC Tools" and "multi-tool" in p.message for p in problems)


@pytest.fixture(scope="module", params=[FLUX, ARGOCD])
def repo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_repo(request.param, tmp_path_factory)


def test_the_repository_validates_strict_without_terraform(repo: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]):
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report
    assert "0 errors, 0 warnings, 0 infos, 0 skipped" in report
    assert not (repo / "terraform").exists()
    texts = [p.read_text() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts
             and p.name != ".copier-answers.yml"]
    assert not [t for t in texts if "terraform -chdir" in t or "terraform apply" in t or "terraform output" in t]
    readme = (repo / "README.md").read_text()
    assert "## Existing clusters" in readme and "### Inputs this repository needs" in readme
    assert "Everything here is ordinary Kubernetes" in readme
    assert "plan.md:17: IaC Tools: none" in readme or "plan.md:17: IaC Tools: N/A" in readme


def test_flux_is_not_bootstrapped_twice(tmp_path_factory: pytest.TempPathFactory):
    repo = generate_repo(FLUX, tmp_path_factory)
    docs = "\n".join(p.read_text() for p in [repo / "README.md", *(repo / "clusters").rglob("*") ] if p.is_file())
    assert "flux bootstrap" not in docs
    assert "flux create kustomization platform-gitops" in (repo / "clusters" / "README.md").read_text()


def test_without_the_bootstrapped_line_the_readme_bootstraps_flux(tmp_path: Path):
    plan = tmp_path / "plan.md"
    plan.write_text(_text(FLUX).replace("; Flux is bootstrapped by the platform team", ""))
    decided = decide(parse_plan(plan))
    assert not decided.answers.flux_bootstrapped
    assert all(not u.existing for u in decided.model.by_kind("controller"))
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git"]) == 0
    assert "flux bootstrap git" in (dest / "clusters" / "README.md").read_text()


def test_the_readme_saying_flux_runs_already_is_what_meets_its_crds(tmp_path: Path,
                                                                     tmp_path_factory: pytest.TempPathFactory):
    repo = shutil.copytree(generate_repo(FLUX, tmp_path_factory), tmp_path / "repo")
    assert validate_wiring(repo, tmp_path, 0) == []
    for readme in (repo / "README.md", repo / "clusters" / "README.md"):
        kept = [ln for ln in readme.read_text().splitlines() if "Flux already" not in ln and "runs on the clusters already" not in ln]
        readme.write_text("\n".join(kept))
    findings = validate_wiring(repo, tmp_path, 1)
    assert {f["rule"] for f in findings} == {"wiring/controller-missing"}
    assert {f["file"].split("/")[0] for f in findings} == {"clusters", "infrastructure"}
    assert all("Flux runs on the clusters already" in f["hint"] for f in findings)
