"""The plan's structure tree sets the layout's directory names (answer `paths`)."""
from __future__ import annotations

from testlib import PLANS, REAL_PLANS

from planforge import layout
from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

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
    assert reported == {"infra/platform/": "planforge generates no such directory (beside infra/terraform/)",
                        "infra/platform/values/": "inside infra/platform/, which planforge does not generate"}


def test_a_chart_line_naming_its_parent_sets_the_charts_directory():
    d = decide(parse_plan(PLANS / "todo-chart.plan.md"))  # `helm/todo/` on one tree line (plan.md:20)
    assert d.answers.paths == {"charts": "helm"} and d.answers.chart_name == "todo"
    assert d.provenance["paths"].line == 20


def test_a_terraform_root_is_found_by_its_modules_and_tf_files_when_its_name_says_nothing():
    d = decide(parse_plan(REAL_PLANS / "keygraphhq--shannon--009-terraform-infrastructure.plan.md"))
    assert d.answers.paths == {"terraform": "infrastructure"}
    [networking] = [n for n in d.not_applied if n.text == "infrastructure/modules/networking/"]
    assert networking.line == 57 and "infrastructure/modules/vpc/" in networking.why


def _terraform_children(tmp_path, *children: str):
    plan = tmp_path / "plan.md"
    plan.write_text(TREE_PLAN.read_text().replace("infra/terraform/\n", "infra/terraform/\n" + "".join(
        f"├── {child}\n" for child in children)))
    return decide(parse_plan(plan)), plan.read_text().splitlines()


def test_a_bootstrap_that_installs_argocd_is_not_the_state_root(tmp_path) -> None:
    d, lines = _terraform_children(tmp_path, "bootstrap/           # installs Argo CD into the cluster")
    assert d.answers.paths["tf_bootstrap"] == "state"  # planforge's state bucket root moves out of its way
    [report] = [n for n in d.not_applied if n.text == "infra/terraform/bootstrap/"]
    assert "bootstrap/" in lines[report.line - 1]
    assert report.why == ("the plan's bootstrap/ installs Argo CD into the cluster: planforge's Argo CD bootstrap "
                          "is gitops/argocd/bootstrap/; the state bucket root is infra/terraform/state/")


def test_a_state_directory_described_as_the_state_bucket_is_the_state_root(tmp_path) -> None:
    d, _ = _terraform_children(tmp_path, "state/               # S3 state bucket + lock",
                               "bootstrap/           # installs Argo CD")
    assert d.answers.paths["tf_bootstrap"] == "state"
    assert "infra/terraform/state/" in {a.text for a in d.applied}
    assert [n.text for n in d.not_applied if n.text.startswith("infra/terraform/")] == ["infra/terraform/bootstrap/"]


def test_a_state_directory_without_that_comment_is_not_taken(tmp_path) -> None:
    d, _ = _terraform_children(tmp_path, "state/", "bootstrap/           # one-time setup of the state backend")
    assert "tf_bootstrap" not in d.answers.paths  # the plan's bootstrap/ is the state root, at the layout's name
    assert "infra/terraform/bootstrap/" in {a.text for a in d.applied}
    assert [n.text for n in d.not_applied if n.text.startswith("infra/terraform/")] == ["infra/terraform/state/"]


def test_an_apps_base_and_overlays_are_taken_from_the_tree_and_other_places_reported(tmp_path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(TREE_PLAN.read_text().replace("deploy/k8s/\n├── base/\n", (
        "deploy/k8s/\n├── apps/\n│   └── ledger-api/\n│       ├── base/\n│       ├── overlays/\n"
        "│       │   ├── dev/\n│       │   └── qa/\n│       └── charts/\n├── base/\n")))
    d = decide(parse_plan(plan))
    applied = {a.text for a in d.applied}
    assert {"deploy/k8s/apps/ledger-api/base/", "deploy/k8s/apps/ledger-api/overlays/dev/"} <= applied
    reported = {n.text: n.why for n in d.not_applied if n.text.startswith("deploy/")}
    assert reported == {
        "deploy/k8s/apps/ledger-api/overlays/qa/":
            "planforge generates no such directory in deploy/k8s/apps/ledger-api/ (it has: base/, overlays/)",
        "deploy/k8s/apps/ledger-api/charts/":
            "planforge generates no such directory in deploy/k8s/apps/ledger-api/ (it has: base/, overlays/)"}


def test_module_directories_name_the_module_generated_instead():
    d = decide(parse_plan(REAL_PLANS / "keygraphhq--shannon--009-terraform-infrastructure.plan.md"))
    why = {n.text: n.why for n in d.not_applied if n.text.startswith("infrastructure/modules/")}
    assert why["infrastructure/modules/networking/"] == (
        "a module directory keeps the catalog's name: planforge's vpc module doing this is infrastructure/modules/vpc/")
    assert why["infrastructure/modules/dns/"].startswith("the module catalog has no dns module (the modules generated "
                                                         "in infrastructure/modules/: compute/, database/, kms/, vpc/)")
    assert "infrastructure/modules/database/" not in why  # every root instantiates it


def test_directories_outside_every_layout_directory_are_reported_each_on_its_line():
    plan = REAL_PLANS / "traffic-tacos--deployment-repo--001-argocd-deployment.plan.md"
    d = decide(parse_plan(plan))
    lines = plan.read_text().splitlines()
    why = {n.text: (n.line, n.why) for n in d.not_applied if n.text.startswith("helm-charts/")}
    assert set(why) == {"helm-charts/", "helm-charts/argocd-config/", "helm-charts/argocd-config/templates/",
                        "helm-charts/custom-applications/"}
    assert all(lines[line - 1].strip().lstrip("│├└─ ").startswith(text.rstrip("/").rpartition("/")[2])
               for text, (line, _) in why.items())
    assert why["helm-charts/"][1] == ("planforge generates no such directory (the repository's top-level "
                                      "directories: .github/, cluster-issuers/, manifests/, validation/)")
    assert why["helm-charts/custom-applications/"][1] == "inside helm-charts/, which planforge does not generate"


def test_a_helm_charts_directory_is_the_charts_directory(tmp_path):
    plan = tmp_path / "plan.md"
    plan.write_text((PLANS / "todo-chart.plan.md").read_text().replace("helm/todo/", "deploy/helm-charts/todo/"))
    d = decide(parse_plan(plan))
    assert d.answers.paths == {"charts": "deploy/helm-charts"} and d.answers.chart_name == "todo"
    assert not [n for n in d.not_applied if n.text.startswith("deploy/")]


def test_a_workloads_source_directory_is_reported_as_its_source():
    """Without a delivery workflow (the plan's deploy workflows left out); with one, the directory is what it builds."""
    path = REAL_PLANS / "baselhussain--q4-hackathon-project-phase5--008-kafka-dapr.plan.md"
    text = path.read_text(encoding="utf-8")
    delivered = decide(parse_text(text, "plan.md"))
    assert delivered.answers.delivery == "github-actions" and "backend/" not in {n.text for n in delivered.not_applied}
    assert ("backend/" in {a.text for a in delivered.applied}) and "backend" in [b.context for b in delivered.answers.builds]
    workflows = ("    ├── build-test.yml             # NEW: Build and test workflow\n"
                 "    ├── deploy-staging.yml         # NEW: Deploy to staging\n"
                 "    └── deploy-production.yml      # NEW: Deploy to production\n")
    assert workflows in text
    d = decide(parse_text(text.replace(workflows, ""), "plan.md"))
    assert d.answers.delivery == "none"
    why = {n.text: n.why for n in d.not_applied}
    assert why["backend/"] == ("the backend workload's source: planforge deploys its image and generates no "
                               "source directory")
    assert why["backend/app/routers/"] == "inside backend/, which planforge does not generate"


def test_a_database_module_every_root_instantiates_is_not_reported_as_unused() -> None:
    """A single-iac root builds its database whatever the engine; only a multi-tool repository leaves it unused."""
    plan = REAL_PLANS / "keygraphhq--shannon--009-terraform-infrastructure.plan.md"
    decided = decide(parse_plan(plan))
    assert decided.answers.structure == "single-iac" and not decided.answers.database_engine
    assert not [n for n in decided.not_applied if "no root instantiates" in n.why]
    assert "infrastructure/modules/database/" in {a.text for a in decided.applied}


def test_a_multi_tool_database_module_without_an_engine_is_reported_as_unused(tmp_path) -> None:
    text = TREE_PLAN.read_text()
    assert "modules/" in text and "PostgreSQL" not in text
    decided = decide(parse_plan(TREE_PLAN))
    assert decided.answers.structure == "multi-tool" and not decided.answers.database_engine
    plan = tmp_path / "plan.md"
    plan.write_text(text.replace("│   └── vpc/\n", "│   ├── vpc/\n│   └── rds/\n", 1))
    notes = [n for n in decide(parse_plan(plan)).not_applied if "no root instantiates" in n.why]
    assert [n.text for n in notes] == ["infra/terraform/modules/rds/"]
