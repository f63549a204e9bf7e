"""Many roots in one `terraform validate`: each provider set's schema is loaded once.

The roots that require the same providers (same `required_providers` in their module trees and the same
lock file) are copied into the scratch directory and called as modules (`module "m0" { source = ... }`)
of one generated configuration, beside the copy. Every input variable of a wrapped root gets
`var.unknown`, an unknown value, as `terraform validate` gives a root's variables.

Terraform's diagnostics are then split among the roots by file: a diagnostic in a module file belongs
to every root whose module tree calls that module, once per call. When that count does not match, or
when Terraform stopped before validating (a configuration error: the sentinel `output` of the generated
file, an undeclared local value, is then missing), the roots concerned are validated on their own, so
that every root gets exactly the findings a run of its own would give.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from planforge.validate.base import Target
from planforge.validate.terraform.configs import ConfigTree

# Warnings Terraform gives a wrapped root's own files only because they are now a child module's.
CHILD_ONLY_WARNINGS = ("Backend configuration ignored", "Redundant empty provider block")
SENTINEL = "Reference to undeclared local value"
FILE = "main.tf"
_MEMBER_PREFIX = re.compile(r"\bmodule\.m\d+\.(?=module\.)")
_MEMBER = re.compile(r"\bmodule\.m\d+\b")


@dataclass
class Member:
    """One configuration of an aggregate: its validation key and the root that stands for it."""

    key: str
    target: Target


@dataclass
class Group:
    """The configurations validated together; `results` (key -> diagnostics) once the first root asked."""

    members: list[Member] = field(default_factory=list)
    results: dict[str, list[dict]] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Layout:
    """Where an aggregate's copy lives and how its paths map back to the repository."""

    base: Path  # the repository directory the copy starts at
    src: Path  # the copy of `base`
    directory: Path  # the generated configuration
    sentinel_line: int
    calls: dict[str, tuple[str, Path]]  # module name -> its source in the configuration, the root it copies

    def original(self, filename: str) -> Path:
        """The repository path of a file Terraform names (relative to `directory`)."""
        path = Path(os.path.normpath(self.directory / filename))
        return self.base / path.relative_to(self.src) if path.is_relative_to(self.src) else path


def obstacle(configs: ConfigTree, root: Path) -> str | None:
    """Why a root cannot be validated as a module of an aggregate, or None."""
    config = configs.config(root)
    tree = configs.module_tree(root)
    if any(not call.is_local for d in tree for call in configs.config(d).modules.values()):
        return "it calls non-local modules (installed by its own `terraform init`)"
    if config.has_import:
        return "it has `import` blocks (allowed in a root module only)"
    if any("configuration_aliases" in spec for spec in config.required_providers.values()):
        return "it declares `configuration_aliases` (a module called without `providers` would lack them)"
    if any(v.sensitive for v in config.variables.values()) and not all(o.sensitive for o in config.outputs.values()):
        return ("it has sensitive variables and outputs not marked sensitive (\"Output refers to sensitive values\" "
                "is checked in a root module only)")
    if list(root.glob("*.tftest.hcl")) or list(root.glob("tests/*.tftest.hcl")):
        return "it has test files (`terraform validate` checks them in a root module only)"
    return None


def provider_set(configs: ConfigTree, root: Path) -> str:
    """The providers a root requires (its module tree's `required_providers`) and its lock file, as a hash."""
    requirements = sorted({(name, spec) for d in configs.module_tree(root)
                           for name, spec in configs.config(d).required_providers.items()})
    lock = root / ".terraform.lock.hcl"
    digest = hashlib.sha256(json.dumps(requirements).encode())
    if lock.is_file() and configs.readable(lock):
        digest.update(lock.read_bytes())
    return digest.hexdigest()


def call_counts(configs: ConfigTree, root: Path) -> Counter[Path]:
    """Directory of the module tree -> how many module calls lead there from the root (the root: 1)."""
    counts: Counter[Path] = Counter()

    def walk(directory: Path, stack: tuple[Path, ...]) -> None:
        counts[directory] += 1
        for child in configs.config(directory).local_module_dirs().values():
            if child not in stack and child.is_dir() and configs.inside(child):
                walk(child, (*stack, child))

    walk(root.resolve(), (root.resolve(),))
    return counts


def write_aggregate(configs: ConfigTree, members: list[Member], work: Path, ignore) -> Layout:  # type: ignore[no-untyped-def]
    """Copy the members' module trees under `work/src` and write the configuration calling them in `work/aggregate`."""
    trees = {d for m in members for d in configs.module_tree(m.target.path)}
    base = Path(os.path.commonpath([str(d) for d in trees]))
    src, directory = work / "src", work / "aggregate"
    for old in (src, directory):
        if old.exists():
            shutil.rmtree(old)
    for tree_dir in sorted(trees):
        if not any(tree_dir.is_relative_to(other) for other in trees if other != tree_dir):
            shutil.copytree(tree_dir, src / tree_dir.relative_to(base), dirs_exist_ok=True, ignore=ignore)
    directory.mkdir(parents=True)
    lock = members[0].target.path / ".terraform.lock.hcl"
    if lock.is_file() and configs.readable(lock):
        shutil.copyfile(lock, directory / lock.name)
    lines = ['variable "unknown" {', '  description = "An unknown value, as terraform validate gives root variables."', "}"]
    calls: dict[str, tuple[str, Path]] = {}
    for i, member in enumerate(members):
        config = configs.config(member.target.path)
        copied = src / member.target.path.resolve().relative_to(base)
        calls[f"m{i}"] = (os.path.relpath(copied, directory), member.target.path.resolve())
        lines += ["", f'module "m{i}" {{', f'  source = "{calls[f"m{i}"][0]}"']
        lines += [f"  {name} = var.unknown" for name in sorted(config.variables)]
        lines.append("}")
    lines += ["", 'output "planforge_sentinel" {']
    lines.append("  value = local.planforge_sentinel")
    sentinel_line = len(lines)
    lines.append("}")
    (directory / FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Layout(base, src, directory, sentinel_line, calls)


@dataclass
class Split:
    """Diagnostics of an aggregate per member key; the keys whose share is uncertain; whether Terraform validated."""

    results: dict[str, list[dict]]
    uncertain: set[str]
    error_keys: set[str]
    validated: bool


def split_diagnostics(configs: ConfigTree, members: list[Member], layout: Layout, diagnostics: list[dict]) -> Split:
    """Give each member the diagnostics of its files, with filenames relative to its root (as its own run would)."""
    counts = {m.key: call_counts(configs, m.target.path) for m in members}
    roots = {m.key: m.target.path.resolve() for m in members}
    split = Split({m.key: [] for m in members}, set(), set(), False)
    distinct: dict[str, tuple[dict, int]] = {}
    for diag in map(_as_own, diagnostics):
        text = json.dumps(diag, sort_keys=True)
        distinct[text] = (diag, distinct.get(text, (diag, 0))[1] + 1)
    everyone = set(split.results)
    for diag, count in distinct.values():
        filename = (diag.get("range") or {}).get("filename")
        if not filename:
            split.uncertain |= everyone
            continue
        path = layout.original(filename)
        start = (diag.get("range") or {}).get("start") or {}
        if path == layout.directory / FILE:
            line = start.get("line")
            if diag.get("summary") == SENTINEL and line == layout.sentinel_line:
                split.validated = True
            else:
                split.uncertain |= everyone
            continue
        if diag.get("summary") in CHILD_ONLY_WARNINGS and path.parent in roots.values():
            continue
        owners = {key: c[path.parent] for key, c in counts.items() if c[path.parent]}
        if diag.get("severity") != "warning":
            split.error_keys |= set(owners) or everyone
        if sum(owners.values()) != count:
            split.uncertain |= set(owners) or everyone
            continue
        for key, times in owners.items():
            moved = {**diag, "range": {**diag["range"], "filename": os.path.relpath(path, roots[key])}}
            split.results[key] += [moved] * times
    return split


def _as_own(diag: dict) -> dict:
    """A diagnostic's text as a root's own run words it: `module.m3.module.kms` -> `module.kms`,
    `module.m3` -> `the root module`."""
    def own(text: object) -> object:
        if not isinstance(text, str):
            return text
        return _MEMBER.sub("the root module", _MEMBER_PREFIX.sub("", text))

    return {**diag, "summary": own(diag.get("summary")), "detail": own(diag.get("detail"))}
