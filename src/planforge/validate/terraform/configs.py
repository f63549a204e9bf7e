"""The configuration directories of a run, each scanned once, and what the input bounds allow of them."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from planforge.validate.inputs import Bounds, InputError
from planforge.validate.terraform.hclconfig import TF_SUFFIXES, ConfigDir, ModuleCall, scan_config_dir

if TYPE_CHECKING:  # the file-read checker parses HCL expressions (lark): imported when a root is read
    from planforge.validate.terraform.filereads import RefusedRead

SKIP_DIRS = {"node_modules", "__pycache__"}


class ConfigTree:
    """Scanned configuration directories (safe to use from several threads) within `bounds`."""

    def __init__(self) -> None:
        self._scans: dict[Path, ConfigDir] = {}
        self._reads: dict[Path, list[RefusedRead]] = {}
        self._lock = threading.Lock()
        self.bounds: Bounds | None = None  # what may be read: the run's (set by discovery)
        # what module sources, and the files of modules outside `bounds`, may read: `bounds` widened by the
        # git repository of each validated path (`repository`; set by discovery)
        self.module_bounds: Bounds | None = None

    def config(self, path: Path) -> ConfigDir:
        path = path.resolve()
        with self._lock:
            cached = self._scans.get(path)
        if cached is None:
            cached = scan_config_dir(path, self.bounds_for(path))
            with self._lock:
                self._scans[path] = cached
        return cached

    def module_tree(self, path: Path) -> list[Path]:
        """`path` and every directory reachable through local module sources (existing ones)."""
        seen: list[Path] = []
        todo = [path.resolve()]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.append(current)
            for child in self.config(current).local_module_dirs().values():
                if child.is_dir() and child not in seen and self.inside(child):
                    todo.append(child)
        return seen

    def inside(self, path: Path) -> bool:
        """Whether a module source may lead to `path`."""
        bounds = self.module_bounds or self.bounds
        return bounds is None or bounds.inside(path)

    def bounds_for(self, directory: Path) -> Bounds | None:
        """The bounds of a configuration directory's files: the run's, or `module_bounds` for a module outside them."""
        if self.bounds is None or self.module_bounds is None or self.bounds.inside(directory):
            return self.bounds
        return self.module_bounds

    def readable(self, file: Path) -> bool:
        """Whether the bounds let `file` be read (call after discovery has set them)."""
        try:
            bounds = self.bounds_for(file.parent)
            assert bounds is not None
            bounds.check(file, file.name)
            return True
        except InputError:
            return False

    def outside_sources(self, config: ConfigDir) -> list[tuple[str, ModuleCall]]:
        """Local module calls whose `source` resolves outside the validated paths (never read)."""
        return [(name, call) for name, call in config.modules.items()
                if call.is_local and not self.inside(config.path / call.source)]

    def refused_reads(self, directory: Path) -> list[RefusedRead]:
        """The file function calls of a configuration directory that could read outside the validated paths."""
        config = self.config(directory)
        with self._lock:
            cached = self._reads.get(config.path)
        if cached is None:
            bounds = self.bounds or Bounds.of([config.path])
            from planforge.validate.terraform.filereads import refused_reads

            cached = refused_reads(config.path, config.files, self.module_tree(config.path), bounds)
            with self._lock:
                self._reads[config.path] = cached
        return cached

    def tree_problems(self, directory: Path) -> list[tuple[Path, InputError]]:
        """Entries of a configuration directory (and its subdirectories without .tf files) that Terraform
        would read but the bounds refuse: symlinks leading outside, FIFOs, devices, files too large."""
        bounds = self.bounds_for(directory)
        if bounds is None:
            return []
        found = list(self.config(directory).refused)
        known = {p for p, _ in found}
        for path, exc in bounds.scan(directory, skip=SKIP_DIRS):
            relative = path.relative_to(directory)
            if path in known or any(part.startswith(".") for part in relative.parts[:-1]):
                continue
            if any(has_tf_files(directory.joinpath(*relative.parts[:i])) for i in range(1, len(relative.parts))):
                continue  # in a nested configuration: its own target reports it
            found.append((path, exc))
        return found


def has_tf_files(directory: Path) -> bool:
    try:
        return any(name.endswith(TF_SUFFIXES) for name in os.listdir(directory))
    except OSError:
        return False


def is_config_dir(path: Path) -> bool:
    return path.is_dir() and any(p.name.endswith(TF_SUFFIXES) for p in path.iterdir() if p.is_file())
