"""File contents follow layout.yml: with every directory renamed or moved, the generated
repository still validates (its references, Argo CD source paths, Kustomize resources and
Terraform module sources follow the directories) and no content names an old path."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from render_helpers import validate_strict
from testlib import PLANS, copy_template

from planforge import layout
from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan

# Every directory of the table moves: new top-level roots, nesting, and new leaf names.
MOVED_DIRS = {
    "terraform": "infra/terraform", "tf_modules": "mods", "tf_bootstrap": "state-init", "tf_environments": "envs",
    "tf_live": "workspace-root", "tf_shared": "common", "tf_tenants": "customers",
    "kubernetes": "deploy/k8s", "k8s_base": "core", "k8s_overlays": "stages", "k8s_cluster_config": "cluster-wide",
    "k8s_tenants": "teams", "k8s_components": "addons", "k8s_database": "db", "k8s_apps": "workloads",
    "argocd": "gitops/argocd", "argocd_apps": "apps", "argocd_platform": "plat", "argocd_bootstrap": "boot",
    "argocd_projects": "appprojects", "charts": "helm", "dapr": "deploy/dapr", "platform": "deploy/platform",
    "flux_clusters": "gitops/fleet", "flux_infrastructure": "gitops/platform", "flux_controllers": "releases",
    "flux_configs": "settings", "flux_tenants": "gitops/tenant-sync",
    "ansible": "hosts/config", "ansible_inventories": "inventory-sets", "ansible_playbooks": "plays",
    "ansible_roles": "host-roles", "cert_issuers": "tls/issuers",
    "cloudformation": "infra/cfn", "cfn_stacks": "nested", "cfn_parameters": "env-params", "pulumi": "infra/pulumi",
}
MOVED_NESTED = {"app_base": "{app}/common", "app_overlays": "{app}/per-env/{env}"}
CASES = {
    "multi-tool-argocd": "aws-eks-argocd",
    "multi-tool-flux": "aws-eks-flux",
    "multi-tenant": "multi-tenant-saas",
    "multi-tenant-flux": "multi-tenant-flux",
    "single-iac": "aws-single-iac",
    "helm-chart": "helm-chart-payments",
    "onprem-ansible": "onprem-k3s-ansible",
}


@pytest.fixture(scope="module")
def moved_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = copy_template(tmp_path_factory.mktemp("moved") / "template")
    table = yaml.safe_load((template / layout.LAYOUT_FILE).read_text(encoding="utf-8"))
    assert set(MOVED_DIRS) == set(table["dirs"]), "a directory of layout.yml is not moved by this test"
    for name, path in MOVED_DIRS.items():
        table["dirs"][name]["path"] = path
    for name, path in MOVED_NESTED.items():
        table["nested"][name]["path"] = path
    (template / layout.LAYOUT_FILE).write_text(yaml.safe_dump(table, sort_keys=False), encoding="utf-8")
    return template


def _old_paths(plan: Path) -> list[str]:
    """The default layout's directories that this plan's repository has."""
    answers = decide(parse_plan(plan)).answers.to_copier_data()
    return sorted((p for p in layout.dirs(answers).values() if p), key=len, reverse=True)


def _leftovers(dest: Path, old: list[str], *, default_references: bool = True) -> list[str]:
    # an old path as a path of its own (not the tail of a longer one, e.g. infra/terraform/ or .terraform/)
    patterns = [re.compile(r"(?<![\w./-])" + re.escape(p) + r"/") for p in old]
    if default_references:  # the default layout's relative references (../../base, ../../modules/x)
        patterns.append(re.compile(r"\.\./(base|database|modules|bootstrap|argocd)\b"))
    found = []
    for file in sorted(dest.rglob("*")):
        if not file.is_file() or file.name == ".copier-answers.yml":
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            quoted = re.search(r"plan\.md:\d+:", line)  # the README quoting the plan's own words
            if not quoted and any(p.search(line) for p in patterns):
                found.append(f"{file.relative_to(dest)}:{number}: {line.strip()}")
    return found


@pytest.mark.parametrize("case", sorted(CASES))
def test_moved_layout_validates(case: str, moved_template: Path, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    plan = PLANS / f"{CASES[case]}.plan.md"
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git", "--template", str(moved_template)]) == 0
    capsys.readouterr()
    roots = [MOVED_DIRS[name] for name, d in layout.load_layout()["dirs"].items() if not d.get("parent")]
    assert any((dest / p).is_dir() for p in roots), "the moved top-level directories were not generated"
    assert not _leftovers(dest, _old_paths(plan)), "\n".join(_leftovers(dest, _old_paths(plan)))
    code, out = validate_strict(dest, monkeypatch, capsys)
    assert code == 0, out


def test_the_plans_tree_sets_the_generated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "repo"
    assert main(["new", str(PLANS / "tree-layout.plan.md"), str(dest), "--no-git"]) == 0
    capsys.readouterr()
    for path in ("infra/terraform/modules/vpc", "infra/terraform/envs/dev", "infra/terraform/envs/prod",
                 "deploy/k8s/base", "deploy/k8s/overlays/prod", "gitops/argocd/applications"):
        assert (dest / path).is_dir(), path
    assert not [p for p in ("terraform", "kubernetes", "argocd") if (dest / p).exists()]
    old = ["terraform", "kubernetes", "argocd"]
    assert not _leftovers(dest, old, default_references=False), _leftovers(dest, old, default_references=False)
    code, out = validate_strict(dest, monkeypatch, capsys)
    assert code == 0, out
