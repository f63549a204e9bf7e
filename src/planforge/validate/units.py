"""Validation units: what `--list-units`, `--changed-since`, `--shard` and the result cache work on.

A unit is something one validator call checks, named by a stable, path-based id `kind:path`
(docs/units.md): a Terraform root or module, a Helm chart and each of its values files, a
kustomization, a GitOps app directory (Argo CD Applications / Flux objects), an Ansible tree and
its playbooks, a CloudFormation template, a Pulumi project, and the plain manifests of a directory
no other unit holds. Each unit lists the files it reads (`paths`, root-relative) and the units it
depends on (`depends_on`): a Terraform root its local modules, a kustomization its bases, a GitOps
directory what its apps point at, a values file its chart, a chart its `file://` dependencies. Units
are computed from the validators' own discovery (`Target`s).

For the result cache a unit also records the shape of its directory (`entries`: every directory below it,
empty ones too, and where a symlinked directory leads) and the paths it names that may or may not exist
(`probes`: a kustomization's entries, a module `source`, a chart's `file://` dependency).
"""
from __future__ import annotations

import bisect
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from planforge.errors import UsageError
from planforge.validate.base import Target, Validator
from planforge.validate.gitcmd import DIFF_OPTIONS, run_git
from planforge.validate.inputs import Bounds, walk
from planforge.validate.manifests import (
    MANIFEST_SUFFIXES,
    kustomization_references,
    load_documents,
    load_kustomization,
)

SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "__pycache__"}
# Estimated cost of one unit, by kind (relative: a Terraform root loads a provider schema).
COSTS = {
    "terraform-root": 20, "terraform-module": 2, "helm-chart": 6, "helm-values": 3, "kustomization": 3,
    "gitops": 1, "ansible-tree": 8, "ansible-playbook": 4, "cloudformation-template": 2, "pulumi-project": 3,
    "manifests": 1,
}
DIR_KINDS = ("terraform-root", "terraform-module", "helm-chart", "kustomization", "ansible-tree", "pulumi-project")
SETTINGS_FILES = (".planforge.yaml", ".planforge.yml")
PROJECT_HOLDERS = ("manifests", "gitops", "kustomization")  # units whose manifests may define AppProjects


@dataclass(frozen=True)
class Unit:
    """One validation unit. `paths` and `depends_on` are sorted; `cost` is an estimate for sharding."""

    id: str
    kind: str
    paths: tuple[str, ...]
    depends_on: tuple[str, ...]
    cost: int
    entries: tuple[str, ...] = ()  # the directories of a directory unit ("dir/", "link -> where"), for cache keys
    probes: tuple[str, ...] = ()  # root-relative paths it names whose existence and kind change its result

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "paths": list(self.paths), "depends_on": list(self.depends_on),
                "cost": self.cost}


def unit_id(kind: str, path: str) -> str:
    return f"{kind}:{path or '.'}"


@dataclass
class _Draft:
    kind: str
    path: str  # root-relative POSIX path ("" = the root)
    is_dir: bool
    files: set[str] = field(default_factory=set)
    depends: set[str] = field(default_factory=set)
    entries: set[str] = field(default_factory=set)
    probes: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        return unit_id(self.kind, self.path)


@dataclass
class UnitMap:
    """The units of one validated root, and which unit each validator target belongs to."""

    root: Path
    units: dict[str, Unit]
    owner: dict[tuple[str, str], str]  # (validator, target display) -> unit id
    dir_units: dict[str, list[str]]  # root-relative directory -> ids of the directory units there
    real: Callable[[str], str] = os.path.realpath  # the run's `Bounds.realpath`

    def unit_of(self, target: Target) -> str | None:
        """The unit a target belongs to (None for a kind of target units do not know: it always runs)."""
        return self.owner.get((target.validator, _rel(target, self.root, self.real)))

    def closure(self, ids: Iterable[str]) -> list[str]:
        """`ids` and every unit they depend on, transitively."""
        seen: set[str] = set()
        todo = list(ids)
        while todo:
            current = todo.pop()
            if current in seen or current not in self.units:
                continue
            seen.add(current)
            todo.extend(self.units[current].depends_on)
        return sorted(seen)

    def dependents(self, ids: Iterable[str]) -> set[str]:
        """`ids` and every unit that depends on one of them, transitively."""
        reverse: dict[str, set[str]] = {}
        for unit in self.units.values():
            for dep in unit.depends_on:
                reverse.setdefault(dep, set()).add(unit.id)
        selected: set[str] = set()
        todo = [i for i in ids if i in self.units]
        while todo:
            current = todo.pop()
            if current in selected:
                continue
            selected.add(current)
            todo.extend(reverse.get(current, ()))
        return selected

    def touched_by(self, changed: Iterable[str]) -> set[str]:
        """Units that read one of the changed root-relative files (a deleted file: the directory unit holding it)."""
        by_file: dict[str, set[str]] = {}
        for unit in self.units.values():
            for path in unit.paths:
                by_file.setdefault(path, set()).add(unit.id)
        hit: set[str] = set()
        for path in changed:
            if path in SETTINGS_FILES:
                return set(self.units)
            if path in by_file:
                hit |= by_file[path]
                continue
            holder = _deepest_dir(path, self.dir_units)
            if holder is not None:
                hit |= set(self.dir_units[holder])
        return hit


def _posix(path: PurePosixPath | Path) -> str:
    """A relative path as POSIX text, "" for the root itself."""
    text = path.as_posix()
    return "" if text == "." else text


def _rel(target: Target, root: Path, real: Callable[[str], str]) -> str:
    rel = _relative(target.path, root, real)
    return target.path.as_posix() if rel is None else rel


def _deepest_dir(path: str, dirs: dict[str, list[str]]) -> str | None:
    return _enclosing(PurePosixPath(path).parent, dirs)


def _enclosing(directory: PurePosixPath, dirs: dict[str, list[str]]) -> str | None:
    """The deepest directory of `dirs` at or above `directory`."""
    for candidate in (directory, *directory.parents):
        key = _posix(candidate)
        if key in dirs:
            return key
    return None


def build_units(root: Path, targets: dict[str, list[Target]], validators: dict[str, Validator],
                bounds: Bounds) -> UnitMap:
    """The units of `root` from each validator's discovered targets (validator name -> targets).

    Kustomizations and GitOps manifests are read within `bounds`, through the manifests loader.
    """
    b = _Builder(root.resolve(), bounds.realpath)
    b.terraform(targets.get("terraform", []))
    b.helm(targets.get("helm", []))
    for t in targets.get("kustomize", []):
        b.own("kustomize", t, b.add("kustomization", _rel(t, b.root, b.real), True))
    b.gitops(targets)
    b.ansible(targets.get("ansible", []))
    b.cloudformation(targets.get("cloudformation", []))
    b.pulumi(targets.get("pulumi", []))
    dir_units = b.dir_units()
    _assign_files(b.root, b.drafts, dir_units)
    b.manifests(targets, dir_units)
    _terraform_depends(b.root, b.drafts, validators.get("terraform"))
    _helm_depends(b.root, b.drafts)
    _kustomize_depends(b.root, b.drafts, dir_units, bounds)
    _gitops_depends(b.root, b.drafts, dir_units, bounds)
    _gitops_shared(b.root, b.drafts, b.gitops_tools, bounds)
    units = {d.id: _unit(d, b.drafts) for d in b.drafts.values()}
    return UnitMap(b.root, dict(sorted(units.items())), b.owner, dir_units, bounds.realpath)


@dataclass
class _Builder:
    """The units being built for one root, and which unit each target belongs to."""

    root: Path
    real: Callable[[str], str]  # the run's `Bounds.realpath`
    drafts: dict[str, _Draft] = field(default_factory=dict)
    owner: dict[tuple[str, str], str] = field(default_factory=dict)
    gitops_tools: dict[str, set[str]] = field(default_factory=dict)  # gitops unit id -> validators of its files

    def add(self, kind: str, path: str, is_dir: bool) -> _Draft:
        return self.drafts.setdefault(unit_id(kind, path), _Draft(kind, path, is_dir))

    def own(self, validator: str, target: Target, draft: _Draft) -> None:
        self.owner[(validator, _rel(target, self.root, self.real))] = draft.id

    def terraform(self, targets: list[Target]) -> None:
        for t in targets:
            kind = "terraform-root" if t.kind == "terraform-root" else "terraform-module"
            self.own("terraform", t, self.add(kind, _rel(t, self.root, self.real), True))

    def helm(self, targets: list[Target]) -> None:
        from planforge.validate.helm.charts import values_files  # the Helm validator's own list

        for t in targets:
            chart = self.add("helm-chart", _rel(t, self.root, self.real), True)
            self.own("helm", t, chart)
            for values in values_files(t.path):
                rel = _relative(values, self.root, self.real)
                if rel is not None:
                    unit = self.add("helm-values", rel, False)
                    unit.files.add(rel)
                    unit.depends.add(chart.id)

    def gitops(self, targets: dict[str, list[Target]]) -> None:
        for name in ("argocd", "flux"):
            for t in targets.get(name, []):
                rel = _rel(t, self.root, self.real)
                draft = self.add("gitops", _posix(PurePosixPath(rel).parent), False)
                draft.files.add(rel)
                self.own(name, t, draft)
                self.gitops_tools.setdefault(draft.id, set()).add(name)

    def ansible(self, targets: list[Target]) -> None:
        for t in targets:
            if t.kind == "ansible-tree":
                self.own("ansible", t, self.add("ansible-tree", _rel(t, self.root, self.real), True))
                continue
            draft = self.add("ansible-playbook", _rel(t, self.root, self.real), False)
            draft.files.add(_rel(t, self.root, self.real))
            draft.depends.add(unit_id("ansible-tree", _relative(t.extra["tree"].path, self.root, self.real) or ""))
            self.own("ansible", t, draft)

    def cloudformation(self, targets: list[Target]) -> None:
        """A template's unit reads the template and the nested templates it names (`extra["nested"]`)."""
        for t in targets:
            rel = _rel(t, self.root, self.real)
            draft = self.add("cloudformation-template", rel, False)
            draft.files.add(rel)
            for nested in t.extra.get("nested", []):
                draft.probes.add(_probe(self.root, self.root / nested))
                inside = _relative(self.root / nested, self.root, self.real)
                if inside:
                    draft.files.add(inside)
            self.own("cloudformation", t, draft)

    def pulumi(self, targets: list[Target]) -> None:
        """A project's unit is its directory; the stack files it reads elsewhere (`stackConfigDir`) join its paths."""
        for t in targets:
            draft = self.add("pulumi-project", _rel(t, self.root, self.real), True)
            draft.files.update(t.extra.get("stack_files", []))
            self.own("pulumi", t, draft)

    def dir_units(self) -> dict[str, list[str]]:
        """Directory -> the ids of the directory units there, in DIR_KINDS order."""
        found: dict[str, list[str]] = {}
        for draft in self.drafts.values():
            if draft.is_dir:
                found.setdefault(draft.path, []).append(draft.id)
        for ids in found.values():
            ids.sort(key=lambda i: DIR_KINDS.index(self.drafts[i].kind))
        return found

    def manifests(self, targets: dict[str, list[Target]], dir_units: dict[str, list[str]]) -> None:
        """Schemas and policy targets: a GitOps file's unit, else the deepest directory unit, else its directory."""
        gitops_files = {f: d.id for d in self.drafts.values() if d.kind == "gitops" for f in d.files}
        for name in ("schemas", "policy"):
            for t in targets.get(name, []):
                rel = _rel(t, self.root, self.real)
                holder = _deepest_dir(rel, dir_units)
                if rel in gitops_files:
                    self.owner[(name, rel)] = gitops_files[rel]
                elif holder is not None:
                    self.owner[(name, rel)] = dir_units[holder][0]
                else:
                    draft = self.add("manifests", _posix(PurePosixPath(rel).parent), False)
                    draft.files.add(rel)
                    self.owner[(name, rel)] = draft.id  # as `own`, without resolving the path again


def _unit(draft: _Draft, drafts: dict[str, _Draft]) -> Unit:
    depends = sorted(x for x in draft.depends if x in drafts and x != draft.id)
    return Unit(draft.id, draft.kind, tuple(sorted(draft.files)), tuple(depends),
                COSTS[draft.kind] + len(draft.files) // 10, tuple(sorted(draft.entries)), tuple(sorted(draft.probes)))


def _assign_files(root: Path, drafts: dict[str, _Draft], dir_units: dict[str, list[str]]) -> None:
    """Every file under a directory unit belongs to the deepest one (a chart's values files to their own units),
    and so does every directory (its `entries`: empty ones too; a symlinked one with where it leads)."""
    if not dir_units:
        return
    values_paths = {d.path for d in drafts.values() if d.kind == "helm-values"}
    for dirpath, dirnames, filenames in walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel_dir = _posix(Path(dirpath).relative_to(root))
        owner = _enclosing(PurePosixPath(rel_dir), dir_units)
        if owner is not None:
            for uid in dir_units[owner]:
                drafts[uid].entries.update(_directory_entries(root, dirpath, rel_dir, dirnames))
        for name in filenames:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            holder = _deepest_dir(rel, dir_units)
            if holder is not None and rel not in values_paths:
                for uid in dir_units[holder]:
                    drafts[uid].files.add(rel)


def _directory_entries(root: Path, dirpath: str, rel_dir: str, dirnames: list[str]) -> list[str]:
    """The shape entries of one directory: itself, and each symlinked subdirectory with where it leads
    (`walk` does not enter those)."""
    found = [f"{rel_dir}/"]
    for name in dirnames:
        full = os.path.join(dirpath, name)
        if os.path.islink(full):
            found.append(f"{rel_dir}/{name} -> {os.path.relpath(os.path.realpath(full), root)}")
    return found


def _probe(root: Path, path: Path) -> str:
    """A path a unit names, relative to `root` without following symlinks (`..` when it leads outside)."""
    return PurePosixPath(os.path.normpath(os.path.relpath(os.path.abspath(path), root))).as_posix()


def _terraform_depends(root: Path, drafts: dict[str, _Draft], validator: Any) -> None:
    configs = getattr(validator, "configs", None)
    if configs is None:
        return
    by_path = {d.path: d.id for d in drafts.values() if d.kind.startswith("terraform-")}
    for draft in drafts.values():
        if draft.kind.startswith("terraform-"):
            for module in configs.config(root / draft.path).local_module_dirs().values():
                draft.probes.add(_probe(root, module))
                rel = _relative(module, root)
                if rel in by_path:
                    draft.depends.add(by_path[rel])


def _relative(path: Path, root: Path, realpath: Callable[[str], str] = os.path.realpath) -> str | None:
    """`path` (every symlink followed) relative to `root` ("" for the root), None outside it.

    On strings: called for every target, and `Path.resolve().relative_to()` costs several `Path` objects;
    `realpath` is the run's `Bounds.realpath` where there is one (directories resolved once)."""
    real, top = realpath(str(path)), str(root)
    if real == top:
        return ""
    prefix = top.rstrip(os.sep) + os.sep
    return real[len(prefix):].replace(os.sep, "/") if real.startswith(prefix) else None


def _objects(path: Path, bounds: Bounds) -> list[Any]:
    """The objects of a manifest file ([] when it cannot be read or parsed: the schemas validator reports it)."""
    try:
        return [doc.obj for doc in load_documents(path, bounds=bounds)]
    except (UsageError, OSError):
        return []


def _kustomize_depends(root: Path, drafts: dict[str, _Draft], dir_units: dict[str, list[str]], bounds: Bounds) -> None:
    """A kustomization depends on the directory units it references; other files it reads join its paths."""
    for draft in [d for d in drafts.values() if d.kind == "kustomization"]:
        _follow_kustomization(root, root / draft.path, draft, dir_units, bounds, set())


def _follow_kustomization(root: Path, directory: Path, draft: _Draft, dir_units: dict[str, list[str]],
                          bounds: Bounds, seen: set[Path]) -> None:
    from planforge.validate.kustomize import find_kustomization

    kustomization = find_kustomization(directory)
    if kustomization is None or directory in seen:
        return
    seen.add(directory)
    for _, entry in kustomization_references(load_kustomization(kustomization, bounds)):
        draft.probes.add(_probe(root, directory / entry))
        rel = _relative(directory / entry, root, bounds.realpath)
        if rel is None or rel == draft.path:
            continue
        full = root / rel
        if full.is_dir():
            if rel in dir_units:
                draft.depends.add(dir_units[rel][0])
            else:  # a Component (not a unit of its own): its files are the overlay's
                draft.files.update(_files_under(root, full))
                _follow_kustomization(root, full, draft, dir_units, bounds, seen)
        elif full.is_file() and _deepest_dir(rel, dir_units) != draft.path:
            draft.files.add(rel)


def _helm_depends(root: Path, drafts: dict[str, _Draft]) -> None:
    """A chart depends on the charts its `file://` dependencies name (Helm copies them under charts/)."""
    from planforge.validate.helm.charts import chart_metadata  # the Helm validator's own reading

    charts = {d.path: d for d in drafts.values() if d.kind == "helm-chart"}
    for draft in charts.values():
        for dep in chart_metadata(root / draft.path).get("dependencies") or []:
            repository = dep.get("repository") if isinstance(dep, dict) else None
            if not isinstance(repository, str) or not repository.startswith("file://"):
                continue
            where = root / draft.path / repository.removeprefix("file://")
            draft.probes.add(_probe(root, where))
            rel = _relative(where, root)
            if rel is not None and rel in charts:
                draft.depends.add(charts[rel].id)


def _files_under(root: Path, directory: Path) -> set[str]:
    found: set[str] = set()
    for dirpath, dirnames, filenames in walk(directory):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        found.update(_relative(Path(dirpath) / f, root) or "" for f in filenames)
    found.discard("")
    return found


def _gitops_paths(obj: Any) -> list[Any]:
    """The repository paths an Argo CD Application / ApplicationSet or a Flux Kustomization points at."""
    if not isinstance(obj, dict) or not isinstance(obj.get("spec"), dict):
        return []
    spec = obj["spec"]
    template = spec.get("template", {}).get("spec", {}) if isinstance(spec.get("template"), dict) else {}
    found = [spec.get("path")]
    for holder in (spec, template if isinstance(template, dict) else {}):
        sources = [holder.get("source")] + list(holder.get("sources") or [])
        found += [s.get("path") for s in sources if isinstance(s, dict)]
    return [p for p in found if isinstance(p, str) and p and "{{" not in p]


def _gitops_depends(root: Path, drafts: dict[str, _Draft], dir_units: dict[str, list[str]], bounds: Bounds) -> None:
    """A GitOps directory depends on every unit at or under the paths its objects point at."""
    at: dict[str, list[str]] = {path: [ids[0]] for path, ids in dir_units.items()}
    for d in drafts.values():
        if d.kind in ("gitops", "manifests"):
            at.setdefault(d.path, []).append(d.id)
    places = sorted(at)
    for draft in [d for d in drafts.values() if d.kind == "gitops"]:
        for file in sorted(draft.files):
            for obj in _objects(root / file, bounds):
                for path in _gitops_paths(obj):
                    rel = _relative(root / path.removeprefix("./"), root, bounds.realpath)
                    if rel is not None:
                        for where in _at_or_under(places, rel):
                            draft.depends.update(at[where])


def _at_or_under(places: list[str], rel: str) -> list[str]:
    """The sorted directory `places` equal to `rel` or below it (all of them for the root)."""
    if rel == "":
        return places
    first = bisect.bisect_left(places, rel)
    exact = places[first:first + 1] if places[first:first + 1] == [rel] else []
    # "rel/..." sort between "rel/" and "rel0" ("0" follows "/")
    return exact + places[bisect.bisect_left(places, rel + "/"):bisect.bisect_left(places, rel + "0")]


def _gitops_shared(root: Path, drafts: dict[str, _Draft], tools: dict[str, set[str]], bounds: Bounds) -> None:
    """What Argo CD and Flux checks read across directories: an Application its AppProject (in any unit holding
    manifests: plain, GitOps or a kustomization's), a Flux object the sources and dependencies in other Flux
    directories."""
    argocd = any("argocd" in names for names in tools.values())
    projects = [d.id for d in drafts.values() if argocd and d.kind in PROJECT_HOLDERS and _holds_project(root, d, bounds)]
    flux = sorted(uid for uid, names in tools.items() if "flux" in names)
    for uid, names in tools.items():
        if "argocd" in names:
            drafts[uid].depends.update(projects)
        if "flux" in names:
            drafts[uid].depends.update(flux)


def _holds_project(root: Path, draft: _Draft, bounds: Bounds) -> bool:
    return any(isinstance(obj, dict) and obj.get("kind") == "AppProject"
               for f in sorted(draft.files) if f.endswith(MANIFEST_SUFFIXES) for obj in _objects(root / f, bounds))


def shard_groups(units: dict[str, Unit]) -> dict[str, list[str]]:
    """Units that run in one validator call stay together: a chart with its values files."""
    groups: dict[str, list[str]] = {}
    for unit in units.values():
        head = unit.depends_on[0] if unit.kind == "helm-values" and unit.depends_on else unit.id
        groups.setdefault(head, []).append(unit.id)
    return groups


def shard(units: dict[str, Unit], index: int, count: int) -> set[str]:
    """Shard `index` (1-based) of `count`: longest group first onto the least loaded shard; deterministic."""
    groups = shard_groups(units)
    costs = {head: sum(units[i].cost for i in ids) for head, ids in groups.items()}
    loads = [0] * count
    chosen: set[str] = set()
    for head in sorted(groups, key=lambda h: (-costs[h], h)):
        target = min(range(count), key=lambda s: (loads[s], s))
        loads[target] += costs[head]
        if target == index - 1:
            chosen.update(groups[head])
    return chosen


def changed_files(root: Path, ref: str) -> list[str]:
    """Files changed since `ref` (`git diff REF...HEAD`, plus uncommitted and untracked files), root-relative.

    `HEAD` before the first commit (what a pre-commit hook sees then) is every file: nothing is committed yet.
    A ref git does not know (a shallow clone) is a usage error naming the fix.
    """
    top = run_git(root, ["rev-parse", "--show-toplevel"])
    if top is None:
        raise UsageError(f"--changed-since needs a git repository: {root} is not inside one.")
    unborn = ref == "HEAD" and run_git(root, ["rev-parse", "--verify", "--quiet", "HEAD"]) is None
    commands = ([["ls-files", "--cached", "--others", "--exclude-standard", "-z", "--full-name"]] if unborn else
                [["diff", *DIFF_OPTIONS, "--name-only", "-z", f"{ref}...HEAD"],
                 ["diff", *DIFF_OPTIONS, "--name-only", "-z", "HEAD"],
                 ["ls-files", "--others", "--exclude-standard", "-z", "--full-name"]])
    if not unborn and run_git(root, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"]) is None:
        raise UsageError(
            f"--changed-since: git does not know the ref '{ref}' (a shallow clone?). Fetch the history first: "
            "`git fetch --unshallow` (or `fetch-depth: 0` in actions/checkout), and fetch the branch the ref names.")
    names: set[str] = set()
    for args in commands:
        out = run_git(Path(top.strip()), args)
        names.update(n for n in (out or "").split("\0") if n)
    top_path = Path(top.strip()).resolve()
    found = []
    for name in sorted(names):
        rel = _relative(top_path / name, root.resolve())
        if rel is not None and rel:
            found.append(rel)
    return found
