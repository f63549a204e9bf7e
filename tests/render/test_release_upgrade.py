"""`planforge update` from the last release before the system model: a repository that release generated, with
the team's edits committed, is updated by this planforge and template; every edit is kept, nothing conflicts, and
the one file the new template no longer renders (the multi-tenant Argo CD `root.yaml`) is kept and listed, as
the upgrade notes of docs/templates.md say."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from render_helpers import PLANS, copy_template, git, run_cli

from planforge.render.template import TEMPLATE_ITEMS
from testlib import REPO

pytestmark = pytest.mark.slow

# The last release before the system model (the landing that preceded it).
PREVIOUS_RELEASE = "c1c8843b111cbbbf02af0352e028dbb0efda6ee3"
PLAN = PLANS / "multi-tenant-saas.plan.md"
README_EDIT = "Owned by the SaaS platform team."
YAML_EDIT = "# reviewed by the platform team\n"
TF_EDIT = "# network owned by the platform team\n"
EDITED_FILES = ("kubernetes/cluster-config/kustomization.yaml", "terraform/shared/networking/main.tf",
                "argocd/bootstrap/root.yaml")


def _previous_release(dest: Path) -> Path:
    """planforge's sources and template at PREVIOUS_RELEASE, unpacked into dest."""
    have = subprocess.run(["git", "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"], cwd=REPO, capture_output=True)
    if have.returncode != 0:
        pytest.skip(f"the previous release {PREVIOUS_RELEASE[:7]} is not in this clone's history (a shallow clone)")
    archive = subprocess.run(["git", "archive", "--format=tar", PREVIOUS_RELEASE, "src", *TEMPLATE_ITEMS],
                             cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _tagged(template: Path, tag: str) -> None:
    git("add", "-A", cwd=template)
    git("commit", "-q", "-m", f"template {tag}", cwd=template)
    git("tag", tag, cwd=template)


def _previous_metadata(old: Path) -> Path:
    """The package metadata the previous release installed with: it read its `Repository` URL from there, which this
    planforge's package no longer declares (planforge does not own that address)."""
    meta = old / "metadata" / "planforge-0.1.0.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text("Metadata-Version: 2.1\nName: planforge\nVersion: 0.1.0\n"
                                   "Project-URL: Repository, https://github.com/planforge/planforge\n")
    return meta.parent


def _generate_with_the_previous_release(old: Path, template: Path, dest: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(old / "src"), str(_previous_metadata(old))])}
    proc = subprocess.run([sys.executable, "-m", "planforge", "new", str(PLAN), str(dest), "--template",
                           str(template)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (dest / "argocd/bootstrap/root.yaml").is_file()  # the old multi-tenant bootstrap


def _edit(dest: Path) -> None:
    readme = dest / "README.md"
    readme.write_text(readme.read_text().replace("\n", f"\n\n{README_EDIT}\n", 1))
    for rel in EDITED_FILES:
        path = dest / rel
        path.write_text(path.read_text() + (TF_EDIT if rel.endswith(".tf") else YAML_EDIT))
    git("commit", "-qam", "team edits", cwd=dest)


def _upgrade_notes() -> str:
    docs = (REPO / "docs" / "templates.md").read_text()
    return docs[docs.index("### Upgrade notes"):].split("\n## ", 1)[0]


def test_an_edited_repository_of_the_previous_release_updates_keeping_every_edit(tmp_path: Path, capsys) -> None:
    old = _previous_release(tmp_path / "old")
    template = tmp_path / "template"
    template.mkdir()
    for item in TEMPLATE_ITEMS:  # the old planforge wants its template beside its sources too
        copy = shutil.copytree if (old / item).is_dir() else shutil.copy2
        copy(old / item, template / item)
    git("init", "-q", "-b", "main", cwd=template)
    _tagged(template, "v1")
    dest = tmp_path / "repo"
    _generate_with_the_previous_release(old, template, dest)
    _edit(dest)

    git("rm", "-rq", ".", cwd=template)
    copy_template(template)
    _tagged(template, "v2")
    code, out, err = run_cli("update", str(dest), "--plan", str(PLAN), capsys=capsys)

    assert code == 1, err  # an edited file the template no longer renders is kept and listed
    assert "Traceback" not in err and "internal error" not in err
    assert "argocd/bootstrap/root.yaml: you edited this file and the template no longer renders it: kept" in err
    assert "argocd/bootstrap/root.yaml" in _upgrade_notes()
    assert README_EDIT in (dest / "README.md").read_text()
    for rel in EDITED_FILES:
        assert (dest / rel).read_text().endswith(TF_EDIT if rel.endswith(".tf") else YAML_EDIT), rel
    conflicted = subprocess.run(["git", "grep", "-l", "-E", "^(<<<<<<< |>>>>>>> )"], cwd=dest, capture_output=True,
                                text=True).stdout
    assert conflicted == "", f"conflicts: {conflicted}"
    # what the new template adds: one bootstrap per environment's cluster, Argo CD keeping itself current
    assert {"argocd/bootstrap/staging.yaml", "argocd/bootstrap/prod.yaml",
            "argocd/applications/platform/argo-cd.yaml"} <= set(out.split())
    assert "_commit: v2" in (dest / ".copier-answers.yml").read_text()
