"""The user's edits an update must not lose, found by comparing with the last generation.

`copier update` carries the user's edits over as a text diff (`git diff` then `git apply`).
Two kinds of edit do not survive that:

- a file the template no longer renders is deleted, edited or not;
- a file git sees as binary (a NUL byte: UTF-16 text, images) has no text diff, so Copier's
  patch skips it and the file is left as the new template renders it: the edit is reverted.

Both are found by comparing the committed file (HEAD; the work tree was clean) with what the
template rendered at the last generation (`last`, a render of the recorded answers at the
recorded template commit): a file that differs, or that the template did not render, is the
user's. Those are put back from HEAD.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from planforge.render.template import git

_SYMLINK_MODE = "120000"
_EXECUTABLE_MODE = "100755"


def nul_list(paths: list[str]) -> str:
    return "".join(f"{p}\0" for p in paths)


def restore(dest: Path, paths: list[str]) -> None:
    """Put back the committed version of paths the update deleted or changed."""
    git("checkout", "HEAD", "--pathspec-from-file=-", "--pathspec-file-nul", cwd=dest, input=nul_list(paths),
        env={"GIT_LITERAL_PATHSPECS": "1"})


def deleted_files(dest: Path) -> list[str]:
    """Tracked files the update deleted from the work tree."""
    return sorted(filter(None, git("ls-files", "--deleted", "-z", cwd=dest).stdout.split("\0")))


def binary_changes(dest: Path) -> list[str]:
    """Tracked files the update changed that git diffs as binary (so Copier could not carry an edit over)."""
    out = git("diff", "--numstat", "--no-renames", "-z", "HEAD", cwd=dest).stdout
    return sorted(entry.split("\t", 2)[2] for entry in filter(None, out.split("\0")) if entry.startswith("-\t-\t"))


def _committed(dest: Path) -> dict[str, tuple[str, str]]:
    """path -> (mode, blob id) of every file in HEAD."""
    out = git("ls-tree", "-r", "-z", "--full-tree", "HEAD", cwd=dest).stdout
    entries = {}
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, _, blob = meta.split()
        entries[path] = (mode, blob)
    return entries


def _blob_id(path: Path, algorithm: str) -> str:
    data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
    return hashlib.new(algorithm, b"blob %d\0" % len(data) + data).hexdigest()


def _same_as_rendered(rendered: Path, mode: str, blob: str, algorithm: str) -> bool:
    if not (rendered.is_file() or rendered.is_symlink()):
        return False
    if rendered.is_symlink() != (mode == _SYMLINK_MODE) or _blob_id(rendered, algorithm) != blob:
        return False
    return rendered.is_symlink() or bool(rendered.stat().st_mode & 0o111) == (mode == _EXECUTABLE_MODE)


def edited_since_generation(dest: Path, last: Path, paths: list[str]) -> list[str]:
    """The paths whose committed content or mode differs from the last generation's render in `last`."""
    fmt = git("rev-parse", "--show-object-format", cwd=dest, check=False).stdout.strip()
    algorithm = "sha256" if fmt == "sha256" else "sha1"
    committed = _committed(dest)
    return [rel for rel in paths if not _same_as_rendered(last / rel, *committed.get(rel, ("", "")), algorithm)]


def keep_binary_edits(dest: Path, last: Path, changed: list[str]) -> list[str]:
    """Put back every edited file among `changed` (binary ones the update rewrote); return those the template
    changed too, whose new version is therefore not applied (an edit the template did not touch is kept, which
    is what a merge gives)."""
    edited = edited_since_generation(dest, last, changed)
    template_changed = [rel for rel in edited
                        if not (last / rel).is_file() or (last / rel).read_bytes() != _read(dest / rel)]
    if edited:
        restore(dest, edited)
    return template_changed


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
