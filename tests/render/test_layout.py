"""layout.yml: Copier's computed values agree with planforge.layout, computed values
are never stored, and repositories generated before the layout table update cleanly.
"""
from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import pytest
import yaml
from copier import run_copy, run_update
from render_helpers import PLANS, git, tree
from testlib import REPO, copy_template, render_copy

from planforge.decide import decide
from planforge.plan import parse_plan
from planforge import layout
from planforge.render.engine import render_new
from planforge.render.template import TemplateSource

# The last template before the layout table (copier.yml + blueprints/ with symlinks).
BEFORE_LAYOUT = "21a21d5"
DUMP = "layout-dump.json"
CASES = {
    "multi-tenant": ("multi-tenant-saas", {}),
    "multi-tenant-gke": ("multi-tenant-saas", {"cloud": "gcp", "region": "europe-west1", "kubernetes_distribution": "gke",
                                               "state_backend": "gcs",
                                               "state_locking": "none", "secrets_manager": "gcp-secret-manager"}),
    "multi-tenant-no-cluster": ("multi-tenant-saas", {"kubernetes_distribution": "none"}),
    "multi-tool": ("aws-eks-argocd", {}),
    "multi-tool-azure": ("aws-eks-argocd", {"cloud": "azure", "region": "westeurope", "kubernetes_distribution": "aks",
                                            "state_backend": "azurerm",
                                            "state_locking": "none", "secrets_manager": "azure-key-vault"}),
    "multi-tool-azure-statements": ("aws-eks-argocd", {"cloud": "azure", "region": "westeurope",
                                                       "kubernetes_distribution": "aks",
                                                       "state_backend": "azurerm", "state_locking": "none",
                                                       "secrets_manager": "kubernetes", "state_bootstrap": False,
                                                       "storage": "in-cluster-postgresql", "compliance": [],
                                                       "customer_managed_kms": False}),
    "multi-tool-raw": ("aws-eks-argocd", {"deployment_strategy": "raw-manifests", "components": []}),
    "multi-tool-workspaces": ("aws-eks-argocd", {"terraform_roots": "workspaces"}),
    "multi-tool-multicloud": ("multicloud-aws-azure", {}),
    "multi-tool-tree-paths": ("aws-eks-argocd", {"paths": {"terraform": "infra/terraform", "tf_environments": "envs",
                                                           "kubernetes": "deploy/k8s", "k8s_apps": "workloads"}}),
    "single-iac-workspaces": ("aws-single-iac", {"terraform_roots": "workspaces"}),
    "single-iac": ("aws-single-iac", {}),
    "single-iac-gcp": ("aws-single-iac", {"cloud": "gcp", "region": "europe-west1", "state_backend": "gcs",
                                          "state_locking": "none",
                                          "secrets_manager": "gcp-secret-manager"}),
    "helm-chart": ("helm-chart-payments", {}),
    "helm-chart-dapr": ("event-driven-dapr", {"chart_layout": "per-service"}),
    "helm-chart-no-gitops": ("helm-chart-payments", {"gitops": "none"}),
    "onprem-k3s-ansible": ("onprem-k3s-ansible", {}),
    "hybrid-aws-onprem": ("hybrid-aws-onprem", {}),
}


def answers_for(case: str):
    plan, overrides = CASES[case]
    answers = decide(parse_plan(PLANS / f"{plan}.plan.md")).answers
    return answers.model_validate({**answers.model_dump(), **overrides})


def _quiet(fn, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(quiet=True, unsafe=False, skip_tasks=True, defaults=True, overwrite=True, **kwargs)


@pytest.fixture(scope="module")
def dump_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The common frame plus one file that prints the computed values."""
    template = copy_template(tmp_path_factory.mktemp("layout") / "template", ())
    names = ", ".join(f"'{n}': {n}" for n in layout.COMPUTED)
    (template / "blueprints" / f"{DUMP}.jinja").write_text("{{ {" + names + "} | tojson }}")
    return template


@pytest.mark.parametrize("case", sorted(CASES))
def test_python_loader_agrees_with_copier(case: str, dump_template: Path, tmp_path: Path) -> None:
    answers = answers_for(case)
    # planforge's worker (testlib.render_copy): the frame compiled once for all the cases, not once a case
    render_copy(dump_template, tmp_path, layout.copier_data(answers), skip_tasks=True, overwrite=True)
    computed = json.loads((tmp_path / DUMP).read_text())
    data = answers.to_copier_data()
    assert computed["blueprints"] == layout.blueprints(answers.structure, answers.gitops, answers.iac_tool, answers.ansible)
    assert computed["blueprints"] == data["blueprints"]  # what decide chose today
    assert computed["tf_modules"] == layout.terraform_modules(data)
    assert set(computed["flags"]) == layout.flags(data)
    assert computed["dirs"] == layout.dirs(data)
    assert computed["files"] == layout.files(data)
    recorded = yaml.safe_load((tmp_path / ".copier-answers.yml").read_text())
    assert not set(layout.COMPUTED) & set(recorded), "computed values must not be stored"


def test_computed_values_passed_as_data_are_not_stored(dump_template: Path, tmp_path: Path) -> None:
    """Plain `copier copy --data-file` of an old answers file (with `blueprints`) stores no
    computed value either; planforge never passes them (a value passed as data would
    override the table)."""
    data = answers_for("multi-tool").to_copier_data()
    _quiet(run_copy, src_path=str(dump_template), dst_path=tmp_path, data=data)
    recorded = yaml.safe_load((tmp_path / ".copier-answers.yml").read_text())
    assert "blueprints" not in recorded
    assert "blueprints" not in layout.copier_data(answers_for("multi-tool"))


def _template_history(root: Path) -> Path:
    """A template repository: v1 = the template before the layout table, v2 = this one."""
    repo = root / "template"
    repo.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", BEFORE_LAYOUT, "copier.yml", "blueprints"], cwd=REPO,
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(repo)], input=archive, check=True)
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "template before the layout table", cwd=repo)
    git("tag", "v1", cwd=repo)
    git("rm", "-rq", ".", cwd=repo)
    copy_template(repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "template with the layout table", cwd=repo)
    git("tag", "v2", cwd=repo)
    return repo


@pytest.mark.slow
@pytest.mark.parametrize("case", ["multi-tenant", "helm-chart"])
def test_update_from_the_template_before_the_layout_keeps_edits(case: str, tmp_path: Path) -> None:
    if subprocess.run(["git", "cat-file", "-e", BEFORE_LAYOUT], cwd=REPO).returncode != 0:
        pytest.skip(f"commit {BEFORE_LAYOUT} is not in this clone's history")
    template = _template_history(tmp_path)
    answers = answers_for(case)
    dest = tmp_path / "repo"
    # Generated by the old template, which asked for (and stored) `blueprints`.
    _quiet(run_copy, src_path=str(template), dst_path=dest, data=answers.to_copier_data(), vcs_ref="v1")
    assert "blueprints" in yaml.safe_load((dest / ".copier-answers.yml").read_text())
    git("init", "-q", "-b", "main", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "generated", cwd=dest)
    readme = dest / "README.md"
    edit = "\nOur own notes: keep this line across template updates.\n"
    readme.write_text(readme.read_text() + edit)
    git("commit", "-qam", "user edit", cwd=dest)

    _quiet(run_update, dst_path=dest, vcs_ref="v2", conflict="inline")

    assert readme.read_text().endswith(edit)
    after = tree(dest)
    assert [p for p in after if p.endswith(".rej")] == []
    assert [p for p, data in after.items() if b"<<<<<<< " in data] == []
    assert "blueprints" not in yaml.safe_load((dest / ".copier-answers.yml").read_text())
    # Apart from the edit and the answers file, the update gives what v2 generates.
    fresh = tmp_path / "fresh"
    # v1 asked no `not_applied` question, so it recorded none and the update renders none
    render_new(answers.model_copy(update={"not_applied": []}), fresh, TemplateSource(str(template), "v2"), init_git=False)
    expected = {p: d for p, d in tree(fresh).items() if p != ".copier-answers.yml"}
    expected["README.md"] = expected["README.md"] + edit.encode()
    assert {p: d for p, d in after.items() if p != ".copier-answers.yml"} == expected
