"""The git repository around a validated path: what Terraform module sources may read beyond that path.

A module repository's examples call the module at its top (`source = "../../"`): validating `examples/`
alone must read the module, and nothing else outside. The repository root is the nearest directory, from
the validated path upwards, that holds `.git` (a directory with `HEAD`, or a `gitdir:` file for a worktree
or submodule). git itself is never run: a repository's config can make it run programs. Outside any
repository nothing is widened.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from planforge.validate.base import Context
from planforge.validate.inputs import Bounds

_GITDIR_PREFIX = b"gitdir:"


def repository_root(path: Path) -> Path | None:
    """The nearest directory at or above `path` (resolved) holding a `.git` directory or gitdir file, or None."""
    current = Path(os.path.realpath(path))
    if not current.is_dir():
        current = current.parent
    for directory in (current, *current.parents):
        if _holds_git(directory / ".git"):
            return directory
    return None


def _holds_git(dot_git: Path) -> bool:
    """Whether `dot_git` is a git directory (with HEAD) or a `gitdir:` file; symlinks are not followed."""
    try:
        mode = os.lstat(dot_git).st_mode
    except OSError:
        return False
    if stat.S_ISDIR(mode):
        return (dot_git / "HEAD").is_file()
    if not stat.S_ISREG(mode):
        return False
    try:
        with dot_git.open("rb") as fh:
            return fh.read(len(_GITDIR_PREFIX)) == _GITDIR_PREFIX
    except OSError:
        return False


def module_bounds(ctx: Context, previous: Bounds | None = None) -> Bounds:
    """The run's bounds widened by the git repository of the validated path `ctx.root` (and `previous`'s)."""
    bounds = ctx.bounds.union(previous)
    repository = repository_root(ctx.root)
    if repository is None:
        return bounds
    return bounds.union(Bounds((str(repository),), bounds.max_file_size))
