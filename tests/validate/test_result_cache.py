"""The result cache: a cached run reports what a --no-cache run reports after any change of the tree, keys cover
one file for a manifest checked on its own, and the cache never opens what the run must not read."""
from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from testlib import require_tool

from planforge.validate.base import Check, Settings
from planforge.validate.runner import list_units, run_validation
from planforge.validate.unit_selection import Selection

ONLY = ["kustomize", "schemas", "policy", "argocd", "flux"]
PROJECT = """apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: team
  namespace: argocd
spec:
  sourceRepos: ["https://github.com/example/infra"]
  destinations:
    - server: https://kubernetes.default.svc
      namespace: web
"""
APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: team
  source:
    repoURL: https://github.com/example/infra
    targetRevision: main
    path: apps/web
  destination:
    server: https://kubernetes.default.svc
    namespace: web
"""
FLUX = """apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m
  url: https://github.com/example/infra
  ref:
    tag: v1.0.0
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra
  namespace: flux-system
spec:
  interval: 10m
  path: ./infra
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""
KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../current\n"


def config_map(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: web\ndata:\n  key: value\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _repository(repo: Path) -> Path:
    """Argo CD and Flux objects naming directories, a kustomize overlay whose resource is a symlinked directory,
    and plain manifests."""
    _write(repo / "argocd/project.yaml", PROJECT)
    _write(repo / "argocd/apps/web.yaml", APPLICATION)
    _write(repo / "apps/web/config.yaml", config_map("web"))
    _write(repo / "clusters/prod/flux.yaml", FLUX)
    _write(repo / "infra/config.yaml", config_map("infra"))
    _write(repo / "k/overlay/kustomization.yaml", KUSTOMIZATION)
    for version in ("v1", "v2"):
        _write(repo / f"k/base-{version}/kustomization.yaml", "resources:\n  - config.yaml\n")
        _write(repo / f"k/base-{version}/config.yaml", config_map(f"base-{version}"))
    (repo / "k/current").symlink_to("base-v1")
    for i in range(3):
        _write(repo / f"plain/m{i}.yaml", config_map(f"m{i}"))
    return repo


def _findings(checks: list[Check]) -> list[tuple[object, ...]]:
    """Each check with its findings, comparable across runs."""
    return sorted(
        (c.validator, c.name, c.target, c.status.value,
         tuple(sorted((f.rule, f.severity.value, f.file or "", f.line or 0, f.message) for f in c.findings)))
        for c in checks)


def _both(repo: Path, only: list[str] = ONLY) -> tuple[list[tuple[object, ...]], list[str]]:
    """The findings of a cached run (and its cache notes), asserted equal to those of a --no-cache run."""
    notes: list[str] = []
    cached = _findings(run_validation([repo], Settings(), only, selection=Selection(use_cache=True), notes=notes))
    fresh = _findings(run_validation([repo], Settings(), only, selection=Selection(use_cache=False)))
    assert cached == fresh
    return cached, notes


def _rules(findings: list[tuple[object, ...]]) -> set[object]:
    return {rule for check in findings for rule, *_ in check[4]}  # type: ignore[misc]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


CHANGES: list[tuple[str, Callable[[Path], None], set[str], set[str]]] = [
    # (what, change, rules that must appear, rules that must be gone)
    ("empty the Application's directory", lambda r: _remove(r / "apps/web/config.yaml"), set(), set()),
    ("remove the empty directory (a fresh clone)", lambda r: _remove(r / "apps/web"), {"argocd/missing-path"}, set()),
    ("add it back, empty", lambda r: (r / "apps/web").mkdir(), set(), {"argocd/missing-path"}),
    ("add a file to it", lambda r: _write(r / "apps/web/more.yaml", config_map("more")), set(), set()),
    ("remove the Flux Kustomization's path", lambda r: _remove(r / "infra"), {"flux/missing-path"}, set()),
    ("add the path back, empty", lambda r: (r / "infra").mkdir(), {"flux/unbuildable-path"}, {"flux/missing-path"}),
    ("add a manifest to it", lambda r: _write(r / "infra/config.yaml", config_map("infra")), set(),
     {"flux/unbuildable-path"}),
    ("retarget the kustomize resource symlink", lambda r: _retarget(r / "k/current", "base-v2"), set(), set()),
    ("point the symlink at a missing directory", lambda r: _retarget(r / "k/current", "base-v3"),
     {"kustomize/build"}, set()),
    ("create that directory, empty", lambda r: (r / "k/base-v3").mkdir(), {"kustomize/build"}, set()),
    ("give it a kustomization", lambda r: _write(r / "k/base-v3/kustomization.yaml", "resources: []\n"), set(),
     {"kustomize/build"}),
    ("remove the kustomization's resource", lambda r: _remove(r / "k/base-v3"), {"kustomize/build"}, set()),
    ("add and remove plain manifests", lambda r: (_write(r / "plain/new.yaml", config_map("new")),
                                                  _remove(r / "plain/m0.yaml")), set(), set()),
    ("empty a plain manifest", lambda r: _write(r / "plain/m1.yaml", ""), set(), set()),
    ("add an empty directory", lambda r: (r / "plain/sub/deeper").mkdir(parents=True), set(), set()),
]


def _retarget(link: Path, target: str) -> None:
    link.unlink()
    link.symlink_to(target)


def test_cached_runs_report_what_uncached_runs_report_across_tree_changes(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("kubectl")
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))
    repo = _repository(tmp_path / "repo")
    before, _ = _both(repo)
    assert not {"argocd/missing-path", "flux/missing-path", "kustomize/build"} & _rules(before)
    for what, change, appear, gone in CHANGES:
        change(repo)
        findings, _ = _both(repo)
        assert appear <= _rules(findings), what
        assert not gone & _rules(findings), what
    again, notes = _both(repo)
    assert again == findings
    assert notes and all(n.startswith("cached: ") for n in notes)  # the unchanged tree came from the cache


def test_a_manifest_checked_on_its_own_is_keyed_on_its_file_alone(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    for i in range(20):
        _write(repo / f"m{i:02d}.yaml", config_map(f"m{i}"))
    _both(repo, ["schemas", "policy"])
    _write(repo / "m07.yaml", config_map("changed"))
    _, notes = _both(repo, ["schemas", "policy"])
    assert len(notes) == 2 * 19 and not any(n.endswith("m07.yaml (unchanged since its last validation)")
                                            for n in notes)


@contextmanager
def _opened() -> Iterator[list[str]]:
    """Every path opened (open(), os.open) while the block runs, as its realpath."""
    seen: list[str] = []
    active = [True]

    def hook(event: str, args: tuple[object, ...]) -> None:
        if active[0] and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            seen.append(os.path.realpath(os.fsdecode(args[0])))  # type: ignore[arg-type]

    sys.addaudithook(hook)  # audit hooks cannot be removed: this one goes quiet after the block
    try:
        yield seen
    finally:
        active[0] = False


def test_the_cache_never_opens_a_file_outside_or_over_the_size_limit(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))
    secret = tmp_path / "outside" / "secret.yaml"
    _write(secret, config_map("secret"))
    repo = _repository(tmp_path / "repo")
    (repo / "plain/leak.yaml").symlink_to(secret)
    (repo / "k/base-v1/leak.yaml").symlink_to(secret)  # in a kustomize unit's files
    big = repo / "plain/big.yaml"
    with big.open("wb") as handle:  # sparse: 20 GiB that cost no disk
        handle.truncate(20 * 1024 ** 3)
    (repo / "k/base-v1/big.yaml").symlink_to(big)
    runs = {}
    for name, selection in (("uncached", Selection(use_cache=False)), ("cold", Selection(use_cache=True)),
                            ("warm", Selection(use_cache=True))):
        with _opened() as opened:
            runs[name] = _findings(run_validation([repo], Settings(), ONLY, selection=selection))
        assert str(secret) not in opened, name  # nobody opens what lies outside
        opens = opened.count(str(big))  # the validators open it to see its size, read nothing, and refuse it
        if name == "uncached":
            validators_opens = opens
        assert opens <= validators_opens, name  # the cache adds no open of its own
    assert runs["cold"] == runs["warm"] == runs["uncached"]
    files = {(rule, file) for check in runs["warm"] for rule, _, file, *_ in check[4]}  # type: ignore[misc]
    assert ("input/outside-root", "plain/leak.yaml") in files
    assert ("input/too-large", "plain/big.yaml") in files


def test_module_sources_and_chart_dependencies_appearing_or_disappearing(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("terraform")
    require_tool("helm")
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    _write(repo / "tf/root/main.tf", 'module "shared" {\n  source = "../shared"\n}\n')
    _write(repo / "tf/shared/main.tf", 'variable "name" {\n  default = "x"\n}\n')
    _write(repo / "charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n"
           "  - name: lib\n    version: 1.0.0\n    repository: file://../lib\n")
    _write(repo / "charts/app/templates/config.yaml", config_map("app"))
    _write(repo / "charts/lib/Chart.yaml", "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n")
    only = ["terraform", "helm"]
    clean, _ = _both(repo, only)
    steps: list[Callable[[Path], None]] = [
        lambda r: _remove(r / "tf/shared"), lambda r: (r / "tf/shared").mkdir(),
        lambda r: _write(r / "tf/shared/main.tf", 'variable "name" {\n  default = "x"\n}\n'),
        lambda r: _remove(r / "charts/lib"), lambda r: (r / "charts/lib").mkdir(),
        lambda r: _write(r / "charts/lib/Chart.yaml", "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n"),
    ]
    seen = [clean]
    for step in steps:
        step(repo)
        seen.append(_both(repo, only)[0])
    assert seen[-1] == seen[3] == clean and seen[1] != clean and seen[4] != clean  # the changes were seen


def test_units_read_hostile_yaml_within_the_limits(tmp_path: Path) -> None:
    """What the units (and so the cache keys) read of kustomizations, charts and GitOps files goes through the
    bounded loader: a deeply nested kustomization, Chart.yaml and Application list units, no RecursionError."""
    repo = tmp_path / "repo"
    deep = "a: " + "[" * 3000 + "]" * 3000 + "\n"  # yaml.safe_load: RecursionError
    _write(repo / "k/kustomization.yaml", "resources:\n  - ../base\n" + deep)
    _write(repo / "base/kustomization.yaml", "resources: []\n")
    _write(repo / "charts/app/Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n" + deep)
    _write(repo / "argocd/app.yaml", APPLICATION + "  extra: " + deep)
    units = {u.id for u in list_units([repo], Settings(), ["kustomize", "helm", "argocd"])}
    assert {"kustomization:k", "kustomization:base", "helm-chart:charts/app"} <= units


def test_applications_depend_on_app_projects_wherever_they_are(tmp_path: Path) -> None:
    """An AppProject built by a kustomization is a dependency of the Applications (--changed-since selects them)."""
    repo = tmp_path / "repo"
    _write(repo / "argocd/apps/web.yaml", APPLICATION)
    _write(repo / "argocd/projects/project.yaml", PROJECT)
    _write(repo / "argocd/projects/kustomization.yaml", "resources:\n  - project.yaml\n")
    _write(repo / "apps/web/config.yaml", config_map("web"))
    units = {u.id: u for u in list_units([repo], Settings(), ["kustomize", "argocd"])}
    assert "kustomization:argocd/projects" in units["gitops:argocd/apps"].depends_on


def test_a_warm_run_locates_fields_as_a_fresh_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository-wide rule reads documents the cache kept: their source text still gives each finding its
    line (a Namespace's name on line 4 of its document, not the document's first line)."""
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))
    repo = tmp_path / "repo"
    _write(repo / "namespaces.yaml", "".join(
        f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-{i}\n" for i in range(2)))
    fresh = _findings(run_validation([repo], Settings(), ["policy"], selection=Selection(use_cache=False)))
    run_validation([repo], Settings(), ["policy"], selection=Selection(use_cache=True))
    notes: list[str] = []
    warm = _findings(run_validation([repo], Settings(), ["policy"], selection=Selection(use_cache=True), notes=notes))
    assert notes and warm == fresh
    lines = sorted(f[3] for check in warm if check[1].startswith("default-deny[") for f in check[4])
    assert lines == [5, 10]
