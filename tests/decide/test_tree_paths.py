"""The plan's structure tree sets the layout's directory names (answer `paths`)."""
from __future__ import annotations

from testlib import PLANS, REAL_PLANS

from planforge import layout
from planforge.decide import decide
from planforge.plan import parse_plan

TREE_PLAN = PLANS / "tree-layout.plan.md"


def test_tree_names_become_paths_with_their_lines() -> None:
    decided = decide(parse_plan(TREE_PLAN))
    a = decided.answers
    assert a.paths == {"terraform": "infra/terraform", "tf_environments": "envs", "kubernetes": "deploy/k8s",
                       "argocd": "gitops/argocd"}
    prov = decided.provenance["paths"]
    assert prov.source == "plan" and "infra/terraform/" in prov.text
    dirs = layout.dirs(a.to_copier_data())
    assert dirs["tf_environments"] == "infra/terraform/envs"
    assert dirs["tf_modules"] == "infra/terraform/modules"
    assert dirs["k8s_overlays"] == "deploy/k8s/overlays"
    assert dirs["argocd_apps"] == "gitops/argocd/applications"
    row = next(d for d in a.decisions if d.name == "paths")
    assert "terraform = infra/terraform" in row.value and row.source.startswith("plan.md:")


def test_tree_directories_planforge_does_not_generate_are_not_applied() -> None:
    decided = decide(parse_plan(TREE_PLAN))
    lines = TREE_PLAN.read_text().splitlines()
    reports = [n for n in decided.not_applied if n.text == "gitops/argocd/reports/"]
    assert len(reports) == 1
    assert lines[reports[0].line - 1].strip().endswith("reports/")
    assert "applications/" in reports[0].why
    applied = {a.text for a in decided.applied}
    # environments, modules and the blueprint's own directories are generated: applied, not reported
    assert {"infra/terraform/envs/prod/", "infra/terraform/modules/vpc/", "deploy/k8s/overlays/dev/"} <= applied
    assert not [n for n in decided.not_applied if n.text.startswith(("infra/", "deploy/"))]


def test_a_tree_with_the_layout_names_overrides_nothing() -> None:
    answers = decide(parse_plan(PLANS / "aws-eks-argocd.plan.md")).answers
    assert answers.paths == {}
    assert "paths" not in answers.to_copier_data()
    assert "paths" not in [d.name for d in answers.decisions]


def test_a_tree_path_the_answer_rules_refuse_keeps_the_layout_name(tmp_path) -> None:
    deep = "a/b/c/d/e/f/g/h/terraform/"  # nine parts: more than a layout path may have
    plan = tmp_path / "plan.md"
    plan.write_text(TREE_PLAN.read_text().replace("infra/terraform/\n", deep + "\n"))
    answers = decide(parse_plan(plan)).answers
    assert "terraform" not in answers.paths
    assert answers.paths["kubernetes"] == "deploy/k8s"


def test_a_directory_beside_a_nested_root_is_not_applied(tmp_path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(TREE_PLAN.read_text().replace("deploy/k8s/\n", "infra/platform/\n└── values/\n\ndeploy/k8s/\n"))
    decided = decide(parse_plan(plan))
    reported = {n.text: n.why for n in decided.not_applied if n.text.startswith("infra/")}
    assert reported == {"infra/platform/": "planforge generates no such directory (beside infra/terraform/)"}


def test_a_chart_line_naming_its_parent_sets_the_charts_directory():
    d = decide(parse_plan(PLANS / "todo-chart.plan.md"))  # `helm/todo/` on one tree line (plan.md:20)
    assert d.answers.paths == {"charts": "helm"} and d.answers.chart_name == "todo"
    assert d.provenance["paths"].line == 20


def test_a_terraform_root_is_found_by_its_modules_and_tf_files_when_its_name_says_nothing():
    d = decide(parse_plan(REAL_PLANS / "keygraphhq--shannon--009-terraform-infrastructure.plan.md"))
    assert d.answers.paths == {"terraform": "infrastructure"}
    [networking] = [n for n in d.not_applied if n.text == "infrastructure/modules/networking/"]
    assert networking.line == 57 and "generates no such directory" in networking.why
