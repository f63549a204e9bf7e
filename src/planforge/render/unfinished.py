"""A trace of an update under way, so the next run can say that one did not finish.

`copier update` rewrites the work tree in place. Before it starts, planforge writes
`planforge-update-in-progress` into the repository's git directory (never part of the work
tree, so `git status` and `git clean` leave it alone) and removes it once the update has
finished or has been undone. A run killed in between (`kill -9`, power loss) leaves it: the
next `planforge update` names that run and, when the work tree still holds its changes,
refuses until they are discarded or committed.
"""
from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from planforge.errors import Problem, UsageError
from planforge.render.template import git

MARKER = "planforge-update-in-progress"
DISCARD_HINT = ("`git status` shows what it changed; discard that with `git checkout -- . && git clean -fd`, or "
                "keep it aside with `git stash -u`, then rerun")


@dataclass(frozen=True)
class Unfinished:
    """The update a marker describes."""

    pid: int
    started: str  # UTC, ISO 8601
    head: str  # the commit the update started from

    def describe(self) -> str:
        return (f"the update started {self.started} (pid {self.pid}, at commit {self.head[:12]}) did not finish "
                "(it was interrupted or failed)")


def _marker(dest: Path) -> Path:
    return Path(git("rev-parse", "--absolute-git-dir", cwd=dest).stdout.strip()) / MARKER


def _head(dest: Path) -> str:
    return git("rev-parse", "--verify", "-q", "HEAD", cwd=dest, check=False).stdout.strip()


def previous_update(dest: Path, dirty: bool) -> str | None:
    """A warning naming an interrupted earlier update (its changes gone: the work tree is clean), or None.

    With changes in the work tree (`dirty`), refuse: they are probably the interrupted update's."""
    path = _marker(dest)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        unfinished = Unfinished(int(data["pid"]), str(data["started"]), str(data["head"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        unfinished = Unfinished(0, "at an unknown time", "")
    if dirty:
        raise UsageError(f"{dest}: {unfinished.describe()}; the work tree still holds the changes it made "
                         "(nothing was changed)", [Problem("interrupted update", file=dest, hint=DISCARD_HINT)])
    path.unlink(missing_ok=True)
    moved = unfinished.head and unfinished.head != _head(dest)
    return (f"{dest}: {unfinished.describe()}; the work tree is clean now, so this update starts afresh"
            + ("; HEAD has moved since: if a commit took in part of that update, review it (`git log -p`)"
               if moved else ""))


@contextlib.contextmanager
def update_in_progress(dest: Path) -> Iterator[None]:
    """Mark DEST's update as under way; the mark stays when the block ends with an exception."""
    path = _marker(dest)
    record = {"pid": os.getpid(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "head": _head(dest)}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    yield
    path.unlink(missing_ok=True)


def finished(dest: Path) -> None:
    """The update was undone after all: nothing unfinished is left in DEST."""
    _marker(dest).unlink(missing_ok=True)
