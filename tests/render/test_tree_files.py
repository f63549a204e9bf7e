"""Every entry of a plan's tree is in the repository at its path or reported at its line (README "Not applied"),
and no entry reported as missing is in the repository."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testlib import PLANS, REAL_PLANS, per_plan, rendered_plan

from planforge.decide import decide
from planforge.decide.answers import Decided
from planforge.errors import RefusedError
from planforge.plan import parse_plan
from planforge.render.tree_files import account_tree_files, missing_why

PLAN_FILES = sorted(PLANS.glob("*.plan.md")) + sorted(REAL_PLANS.glob("*.plan.md"))


def _recorded_not_applied(repo: Path) -> list[dict]:
    return yaml.safe_load((repo / ".copier-answers.yml").read_text(encoding="utf-8"))["not_applied"] or []


@pytest.mark.parametrize("plan", per_plan(PLAN_FILES, id_width=48))
def test_each_tree_entry_is_generated_or_reported(plan: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    try:
        repo = rendered_plan(plan, tmp_path_factory)
    except RefusedError:
        pytest.skip("planforge refuses this plan: no repository to compare its tree with")
    decided = decide(parse_plan(plan))
    reported = {(n["line"], n["text"]) for n in _recorded_not_applied(repo)}
    accounted = {(a.line, a.text) for a in decided.applied if a.answer in ("builds", "existing")}
    reported_dirs = [text for _, text in reported if text.endswith("/")]
    unaccounted, contradicted = [], []
    for t in parse_plan(plan).source_paths:
        present = (repo / t.path).is_dir() if t.path.endswith("/") else (repo / t.path).is_file()
        is_reported = (t.line, t.path) in reported
        if is_reported and present and not t.path.endswith("/"):
            contradicted.append(f"{t.line}: {t.path}")
        covered = is_reported or any(t.path.startswith(d) for d in reported_dirs) or (t.line, t.path) in accounted
        if not present and not covered:
            unaccounted.append(f"{t.line}: {t.path}")
    assert unaccounted == [], "tree entries neither generated nor reported"
    assert contradicted == [], "tree files reported as missing that the repository has"


def test_a_flat_terraform_root_of_the_tree_is_reported_file_by_file() -> None:
    """radioso's tree puts one root's files straight in infra/terraform/; planforge's roots are below it."""
    plan = REAL_PLANS / "radioso-ai--radioso--018-terraform-gcp-deploy.plan.md"
    from planforge.render import resolve_template

    decided = account_tree_files(decide(parse_plan(plan)), resolve_template(None, None))
    notes = {n.text: n.why for n in decided.answers.not_applied}
    assert notes["infra/terraform/apis.tf"].startswith("planforge generates no apis.tf in infra/terraform/ (it has "
                                                       "there: README.md, bootstrap/, environments/, modules/)")
    # a file of that name deeper down: where it is
    assert notes["infra/terraform/main.tf"].startswith("planforge writes main.tf in infra/terraform/bootstrap/, "
                                                       "infra/terraform/environments/prod/, ")
    assert notes["infra/terraform/main.tf"].endswith(", not in infra/terraform/")
    # `# Existing - NOT modified`: the application repository's, not planforge's to generate
    assert "infra/docker-compose.yml" not in notes
    assert decided.not_applied == decided.answers.not_applied
    assert [n.line for n in decided.not_applied] == sorted(n.line for n in decided.not_applied)
    # `variables.tf  # Project ID, region, bucket name` of a file the repository has: its comment is no statement
    # left out (decide alone lists its words as read by no rule)
    bootstrap_comments = [n for n in decide(parse_plan(plan)).not_applied if n.line in (59, 60)]
    assert bootstrap_comments and "infra/terraform/bootstrap/variables.tf" not in notes
    assert not [n for n in decided.not_applied if n.line in (59, 60)]


@pytest.mark.parametrize(("path", "why"), [
    ("chart/deployment.yaml", "planforge writes deployment.yaml in chart/templates/, not in chart/"),
    ("chart/templates/backend-deployment.yaml",
     "planforge writes one deployment.yaml in chart/templates/ for every workload, not a file per workload"),
    ("CLAUDE.md", "planforge generates no CLAUDE.md at the repository's top level (it has there: README.md, chart/)"),
    ("chart/ci/values-gpu.yaml", "planforge generates no chart/ci/ directory (chart/ has: templates/, values.yaml)"),
    ("ops/runbooks/restore.md", "planforge generates no ops/runbooks/ directory (the repository's top level has: "
                                "README.md, chart/)"),
])
def test_the_reason_names_what_the_directory_holds(path: str, why: str) -> None:
    rendered = frozenset({"README.md", "chart/values.yaml", "chart/templates/deployment.yaml",
                          "chart/templates/service.yaml"})
    assert missing_why(path, rendered) == why


def test_nothing_is_rendered_to_check_a_plan_whose_tree_names_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    decided = Decided.model_construct(tree_files=[], not_applied=[])
    monkeypatch.setattr("planforge.render.tree_files.rendered_paths", lambda *a: pytest.fail("rendered"))
    assert account_tree_files(decided, None) is decided
