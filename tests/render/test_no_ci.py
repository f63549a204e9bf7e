"""A plan that rules out a CI pipeline (`must not introduce CI/CD pipeline`) gets no GitHub Actions workflow of its
own; its README says the pre-commit hooks validate every commit instead, and the repository still validates clean."""
from __future__ import annotations

import pytest
from render_helpers import validate_strict
from testlib import PLANS, REAL_PLANS, plan_group, rendered_plan

from planforge.decide import decide
from planforge.plan import parse_text

RADIOSO = REAL_PLANS / "radioso-ai--radioso--018-terraform-gcp-deploy.plan.md"
SINGLE = (PLANS / "aws-single-iac.plan.md").read_text(encoding="utf-8")
CONSTRAINTS = "**Constraints**: SOC2, data residency EU, budget < $4k/month"


@pytest.mark.parametrize(("statement", "ci"), [
    ("no CI/CD pipeline", False),
    ("must not introduce CI/CD pipeline", False),
    ("CI is out of scope", False),
    ("without a CI pipeline", False),
    ("no CI secrets in the repository", True),
    ("CI/CD via GitHub Actions", True),
])
def test_only_a_plan_ruling_ci_out_loses_the_workflows(statement: str, ci: bool) -> None:
    assert CONSTRAINTS in SINGLE
    decided = decide(parse_text(SINGLE.replace(CONSTRAINTS, f"{CONSTRAINTS}; {statement}")))
    assert decided.answers.ci_workflows is ci


@plan_group(RADIOSO)
def test_no_workflow_and_the_readme_says_what_validates(tmp_path_factory: pytest.TempPathFactory,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    repo = rendered_plan(RADIOSO, tmp_path_factory)
    assert [p for p in (repo / ".github").rglob("*") if p.is_file()] == []
    readme = (repo / "README.md").read_text(encoding="utf-8")
    assert ".github/workflows" not in readme
    assert "The plan rules out a CI pipeline, so this repository has no workflow of its own" in readme
    assert "- **ci_workflows**: no — plan.md:19:" in readme
    assert (repo / ".pre-commit-config.yaml").is_file()
    code, report = validate_strict(repo, monkeypatch, capsys, provider_skips=True)  # google: no provider here
    assert code == 0, report


def test_a_repository_with_ci_keeps_its_workflows(tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = rendered_plan(PLANS / "aws-single-iac.plan.md", tmp_path_factory)
    assert {p.name for p in (repo / ".github/workflows").iterdir()} >= {"validate.yml", "template-update.yml"}
