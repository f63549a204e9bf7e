"""Which directories are Ansible trees, and their playbooks, inventories and collection requirements
(the rules of docs/discovery.md, "Ansible")."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planforge.validate.ansible.config import Honoured, Setting, honoured_paths, read_config, settings_of
from planforge.validate.ansible.rules import NAME, PLAYBOOK, TREE
from planforge.validate.base import Context, Target
from planforge.validate.inputs import Bounds, InputError, walk
from planforge.validate.manifests import safe_load

YAML_SUFFIXES = (".yml", ".yaml")
SKIP_DIRS = {"node_modules", "__pycache__"}
# Directories of a tree that hold no playbooks (roles, variables, inventories, installed collections).
NOT_PLAYBOOK_DIRS = {"roles", "inventories", "inventory", "group_vars", "host_vars", "collections", "molecule",
                     "files", "templates", "vars", "defaults", "tasks", "handlers", "meta"}
INVENTORY_DIRS = ("inventories", "inventory")
INVENTORY_FILES = ("hosts.yml", "hosts.yaml", "hosts.ini", "hosts")
IMPORT_KEYS = ("import_playbook", "ansible.builtin.import_playbook")
PLAY_KEYS = ("hosts", *IMPORT_KEYS)
SITE = ("site.yml", "site.yaml")
REQUIREMENTS = ("requirements.yml", "requirements.yaml", "collections/requirements.yml",
                "collections/requirements.yaml")


@dataclass
class Tree:
    """One Ansible tree: its directory, config file, inventories and the collections it requires."""

    path: Path
    config: Path | None
    inventories: list[Path] = field(default_factory=list)
    playbooks: list[Path] = field(default_factory=list)  # the entry playbooks: none imports another's
    requirements: Path | None = None
    collections: list[str] = field(default_factory=list)  # "namespace.name" listed in requirements
    settings: list[Setting] = field(default_factory=list)  # the config's settings, read as data
    honoured: Honoured = field(default_factory=Honoured)  # its path settings inside the validated paths

    @property
    def collections_paths(self) -> list[Path]:
        """The config's `collections_path` entries inside the validated paths."""
        return self.honoured.paths.get("collections_path", [])


def discover_targets(ctx: Context) -> list[Target]:
    """One `ansible-tree` target per tree (lint) and one `ansible-playbook` target per entry playbook
    (syntax-check; it loads the playbooks it imports, and reports their errors at their own file and line)."""
    targets: list[Target] = []
    for tree in find_trees(ctx.root.resolve(), ctx.bounds):
        targets.append(Target(NAME, TREE, tree.path, ctx.display(tree.path), {"tree": tree}))
        targets.extend(Target(NAME, PLAYBOOK, p, ctx.display(p), {"tree": tree}) for p in tree.playbooks)
    return targets


def find_trees(root: Path, bounds: Bounds) -> list[Tree]:
    """Every Ansible tree under `root` (a tree's own subdirectories are not searched for more trees)."""
    trees: list[Tree] = []
    for dirpath, dirnames, filenames in walk(root):
        here = Path(dirpath)
        if _is_tree(here, set(dirnames), set(filenames), bounds):
            trees.append(load_tree(here, bounds))
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
    return trees


def _is_tree(path: Path, dirs: set[str], files: set[str], bounds: Bounds) -> bool:
    if "ansible.cfg" in files:
        return True
    if "playbooks" in dirs and dirs.intersection(INVENTORY_DIRS):
        return True
    return any(name in files and is_playbook(path / name, bounds) for name in SITE)


def load_tree(path: Path, bounds: Bounds) -> Tree:
    config_path = path / "ansible.cfg"
    has_config = config_path.is_file()
    tree = Tree(path, config_path if has_config else None)
    if has_config:
        tree.settings = settings_of(*read_config(config_path, bounds))
        tree.honoured = honoured_paths(path, tree.settings, bounds)
    tree.inventories = _inventories(path, tree.honoured.paths.get("inventory", []))
    tree.playbooks = entry_playbooks(_playbooks(path, bounds), bounds)
    tree.requirements = next((path / r for r in REQUIREMENTS if (path / r).is_file()), None)
    if tree.requirements is not None:
        tree.collections = required_collections(tree.requirements, bounds)
    return tree


def is_playbook(path: Path, bounds: Bounds, by_place: bool = False) -> bool:
    """A YAML file whose top level is a non-empty list of plays (`hosts` or `import_playbook`); with `by_place`
    (a file in `playbooks/`, a `site.yml`), also one that does not parse, so that its syntax error is reported."""
    try:
        data = safe_load(bounds.read_text(path))
    except (UnicodeDecodeError, yaml.YAMLError):
        return by_place
    except (OSError, InputError):
        return False
    return (isinstance(data, list) and bool(data)
            and all(isinstance(p, dict) and any(k in p for k in PLAY_KEYS) for p in data))


def required_collections(path: Path, bounds: Bounds) -> list[str]:
    """The collection names a requirements file lists (`collections:` entries, strings or `name:`)."""
    data = _load_yaml(path, bounds)
    entries = data.get("collections") if isinstance(data, dict) else None
    names: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        name = entry.get("name") if isinstance(entry, dict) else entry
        if isinstance(name, str) and name.count(".") == 1:
            names.append(name)
    return names


def _playbooks(tree: Path, bounds: Bounds) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in walk(tree):
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith(".") and d not in SKIP_DIRS and d not in NOT_PLAYBOOK_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            by_place = name in SITE or Path(dirpath).name == "playbooks"
            if name.endswith(YAML_SUFFIXES) and is_playbook(path, bounds, by_place):
                found.append(path)
    return found


def entry_playbooks(playbooks: list[Path], bounds: Bounds) -> list[Path]:
    """The playbooks no other one imports by a literal path (`import_playbook: baseline.yml`, static, so its
    syntax check loads the imported one). A playbook only a cycle of imports reaches stays an entry."""
    imports = {p: _imports(p, bounds) for p in playbooks}
    imported = {q for targets in imports.values() for q in targets}
    reached: set[Path] = set()
    stack = [p for p in playbooks if p not in imported]
    while stack:
        for q in imports.get(stack.pop(), ()):
            if q not in reached:
                reached.add(q)
                stack.append(q)
    return [p for p in playbooks if p not in reached]


def _imports(playbook: Path, bounds: Bounds) -> set[Path]:
    """The playbooks a playbook imports by a literal path (a templated one is not followed)."""
    plays = _load_yaml(playbook, bounds)
    found: set[Path] = set()
    for play in plays if isinstance(plays, list) else []:
        target = next((play[k] for k in IMPORT_KEYS if k in play), None) if isinstance(play, dict) else None
        if isinstance(target, str) and "{{" not in target and "{%" not in target:
            found.add(Path(os.path.normpath(playbook.parent / target)))
    return found


def _inventories(tree: Path, configured: list[Path]) -> list[Path]:
    found: list[Path] = []
    for base in (tree / d for d in INVENTORY_DIRS):
        if not base.is_dir():
            continue
        for env in sorted(p for p in base.iterdir() if p.is_dir()):
            hosts = next((env / f for f in INVENTORY_FILES if (env / f).is_file()), None)
            if hosts is not None:
                found.append(hosts)
    if found:
        return found
    return [p for p in configured if p.exists()]


def _load_yaml(path: Path, bounds: Bounds) -> Any:
    try:
        return safe_load(bounds.read_text(path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, InputError):
        return None
