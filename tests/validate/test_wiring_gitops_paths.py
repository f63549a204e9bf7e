"""`wiring/empty-gitops-path`: GitOps source paths of this repository that do not exist once it is pushed (docs/wiring.md
"Rules"): an empty directory, which git does not commit (a missing one is `argocd/missing-path` / `flux/missing-path`).

`tests/fixtures/wiring/gitops-paths/good` has Argo CD Applications on directories with files (directly, below, only a
`.gitkeep`), a multi-source Application with a `ref` and a chart source, an ApplicationSet whose path its generator
fills in, an Application and a Flux Kustomization reading other repositories, and a Flux Kustomization of this one.
`bad` points an Application, one source of the multi-source one, the ApplicationSet and the Flux Kustomization at
directories that are not there: empty directories cannot be committed as fixtures, so the tests make them empty.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from testlib import FIXTURES, PLANS, plan_group, rendered_copy, validate_wiring

CASES = FIXTURES / "wiring" / "gitops-paths"
RULE = "wiring/empty-gitops-path"
REPO_URL = "https://github.com/acme/infra.git"
BAD = {("argocd/apps/multi.yaml", 15), ("argocd/apps/set.yaml", 23), ("argocd/apps/web.yaml", 11),
       ("clusters/staging/apps.yaml", 8)}


BAD_PATHS = ("apps/api", "apps/all", "apps/web-v2", "apps/frontend")


def copy(case: str, tmp_path: Path) -> Path:
    """The case copied; `bad`'s source paths made empty directories (as a checkout shows them before a push)."""
    root = tmp_path / case
    shutil.copytree(CASES / case, root)
    if case == "bad":
        for path in BAD_PATHS:
            (root / path).mkdir(parents=True)
    return root


def test_paths_with_committed_files_pass(tmp_path: Path) -> None:
    assert validate_wiring(CASES / "good", tmp_path, 0) == []


def test_each_empty_path_is_named_at_its_field(tmp_path: Path) -> None:
    got = validate_wiring(copy("bad", tmp_path), tmp_path, 1)
    assert {(f["file"], f["line"]) for f in got} == BAD
    assert {(f["rule"], f["severity"]) for f in got} == {(RULE, "error")}
    by_file = {f["file"]: f for f in got}
    assert "path 'apps/api' is an empty directory: git does not commit it, so it is missing from the clone the " \
           "controller fetches: Argo CD fails the Application: app path does not exist" \
           in by_file["argocd/apps/multi.yaml"]["message"]
    assert by_file["argocd/apps/multi.yaml"]["json_path"] == "spec.sources[1].path"
    assert "Flux fails the Kustomization: kustomization path not found" in by_file["clusters/staging/apps.yaml"][
        "message"]
    assert all(f["hint"].startswith("commit the manifests") for f in got)


def test_a_missing_path_is_left_to_the_gitops_validators(tmp_path: Path) -> None:
    """Not there at all: `argocd/missing-path` and `flux/missing-path` name it; this rule does not repeat them."""
    assert validate_wiring(CASES / "bad", tmp_path, 0) == []


@pytest.mark.parametrize("inside", ["", "sub/deeper"])
def test_an_empty_directory_is_named_as_git_does_not_commit_it(tmp_path: Path, inside: str) -> None:
    root = copy("bad", tmp_path)
    (root / "apps" / "web-v2" / inside).mkdir(parents=True, exist_ok=True)
    got = {f["file"]: f for f in validate_wiring(root, tmp_path, 1)}
    assert set(got) == {file for file, _line in BAD}
    assert "path 'apps/web-v2' is an empty directory: git does not commit it, so it is missing from the clone the " \
           "controller fetches" in got["argocd/apps/web.yaml"]["message"]
    (root / "apps" / "web-v2" / inside / ".gitkeep").write_text("")
    assert "argocd/apps/web.yaml" not in {f["file"] for f in validate_wiring(root, tmp_path, 1)}


def test_the_repositorys_own_url_decides_which_sources_are_its_own(tmp_path: Path) -> None:
    """`.planforge.yaml` names the repository: the sources of another URL are no longer taken for it, however their
    paths look here."""
    root = copy("bad", tmp_path)
    (root / ".planforge.yaml").write_text("repo_url: https://github.com/acme/other.git\n")
    assert [f["file"] for f in validate_wiring(root, tmp_path, 1)] == ["clusters/staging/apps.yaml"]  # flux-system
    (root / ".planforge.yaml").write_text("repo_url: git@github.com:acme/fleet.git\n")
    assert {(f["file"], f["line"]) for f in validate_wiring(root, tmp_path, 1)} == BAD


def test_paths_leaving_the_repository_are_not_read(tmp_path: Path) -> None:
    """Hostile input: a path up and out of the repository and one through a symlink to an empty directory outside:
    neither is read, nothing of the outside is named."""
    outside = tmp_path / "outside-empty"
    outside.mkdir()
    root = copy("good", tmp_path)
    (root / "apps" / "linked").symlink_to(outside)
    for name, path in (("escape", "../outside-empty"), ("linked", "apps/linked")):
        (root / "argocd" / "apps" / f"{name}.yaml").write_text(
            (root / "argocd" / "apps" / "web.yaml").read_text().replace("name: web", f"name: {name}")
            .replace("path: apps/web", f"path: {path}"))
    assert validate_wiring(root, tmp_path, 0) == []
    assert "outside-empty" not in (tmp_path / "report.json").read_text()


EKS_ARGOCD = PLANS / "aws-eks-argocd.plan.md"
EKS_FLUX = PLANS / "aws-eks-flux.plan.md"



def emptied(directory: Path) -> None:
    """Every file below `directory` deleted, its directories kept: what a checkout shows after a `git rm`."""
    for path in sorted(directory.rglob("*"), reverse=True):
        if not path.is_dir():
            path.unlink()


@pytest.mark.parametrize(("plan", "directory", "named"), [
    pytest.param(EKS_ARGOCD, "kubernetes/apps/orders-api/overlays/dev", "argocd/applications/dev/orders-api.yaml",
                 marks=plan_group(EKS_ARGOCD), id="argocd"),
    pytest.param(EKS_FLUX, "kubernetes/apps/web-frontend/overlays/dev", "clusters/dev/apps.yaml",
                 marks=plan_group(EKS_FLUX), id="flux"),
])
def test_an_emptied_directory_of_a_generated_repository_is_caught(
        plan: Path, directory: str, named: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_copy(plan, tmp_path_factory, tmp_path / "repo", REPO_URL)
    assert validate_wiring(root, tmp_path, 0) == []
    emptied(root / directory)
    got = validate_wiring(root, tmp_path, 1)
    assert [(f["file"], f["severity"]) for f in got] == [(named, "error")]
    assert f"path '{'./' if plan == EKS_FLUX else ''}{directory}' is an empty directory" in got[0]["message"]
