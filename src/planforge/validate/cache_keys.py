"""What a target's result-cache key covers: exactly what its checks read, so keys cost time linear in the
repository.

- A manifest checked on its own (schemas, policy): that file.
- A target of a directory unit (Terraform, Helm, Kustomize, Ansible; `planforge.validate.units`): the files of its
  unit and of every unit it depends on, their directories (empty ones too; a symlinked directory with where it
  leads), and the state of each path they name that may or may not exist (missing, a directory, a file, outside).
  A chart's target covers its values units too (one Helm call renders them).
- An Argo CD or Flux target: the whole validated root (its shape and every file's content). Their rules read
  every manifest of the repository (the AppProjects, the Flux objects of every cluster), the directories any
  Application or Kustomization names, generator globs over the tree and the repository's own URL, so nothing
  narrower is exact; those checks are cheap and run in-process.

Each digest is computed once per run: a unit shared by many targets, the whole root shared by every Argo CD and
Flux target, a file shared by several units (`ResultCache.file_part`).
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import Any

from planforge.validate.base import Target
from planforge.validate.inputs import Bounds, walk
from planforge.validate.result_cache import ResultCache
from planforge.validate.units import SKIP_DIRS, UnitMap

PER_FILE = ("schemas", "policy")  # their "manifest" targets read one file
WHOLE_ROOT = ("argocd", "flux")  # their targets read across the whole repository
REPOSITORY_FILES = (".git/config",)  # read by the Argo CD and Flux validators (the origin URL), below a skipped dir


class TargetKeys:
    """The result-cache keys of the targets of one validated root."""

    def __init__(self, cache: ResultCache, units: UnitMap, bounds: Bounds):
        self.cache = cache
        self.units = units
        self.bounds = bounds
        self._unit_digests: dict[str, str] = {}
        self._root_digest: str | None = None

    def key(self, target: Target, group: list[str], extra: Any) -> str:
        """The key of `target`, whose checks cover the units of `group` (its unit first)."""
        return self.cache.key(f"{target.validator} {target.kind} {target.display}", self._digests(target, group),
                              extra)

    def _digests(self, target: Target, group: list[str]) -> list[str]:
        root = self.units.root
        if target.validator in PER_FILE and target.kind == "manifest":
            rel = os.path.relpath(os.path.abspath(target.path), root)
            return [self.cache.digest(root, self.bounds, files=[PurePosixPath(rel).as_posix()])]
        if target.validator in WHOLE_ROOT:
            return [self._whole_root()]
        return [self._unit(uid) for uid in self.units.closure(group)]

    def _unit(self, uid: str) -> str:
        digest = self._unit_digests.get(uid)
        if digest is None:
            unit = self.units.units[uid]
            digest = self.cache.digest(self.units.root, self.bounds, unit.paths, unit.entries, unit.probes)
            self._unit_digests[uid] = digest
        return digest

    def _whole_root(self) -> str:
        if self._root_digest is None:
            files, entries = tree_shape(self.units.root)
            self._root_digest = self.cache.digest(self.units.root, self.bounds, files + list(REPOSITORY_FILES),
                                                  entries)
        return self._root_digest


def tree_shape(root: Path) -> tuple[list[str], list[str]]:
    """Every file below `root` (root-relative), and every directory as an entry ("dir/"; a symlinked directory
    as "dir -> where", not entered). Directories planforge never reads (.git, .terraform, ...) are left out."""
    files: list[str] = []
    entries: list[str] = []
    for dirpath, dirnames, filenames in walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        rel_dir = PurePosixPath(os.path.relpath(dirpath, root)).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        entries.append(prefix or "./")
        for name in dirnames:
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                entries.append(f"{prefix}{name} -> {os.path.relpath(os.path.realpath(full), root)}")
        files.extend(prefix + name for name in filenames)
    return files, entries
