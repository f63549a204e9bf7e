"""Failures of `new` and `update` a user can act on, each as one paragraph (exit 2), no traceback or git dump:
a full disk, a read-only or forbidden destination, and a destination another process created meanwhile."""
from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from planforge.errors import PlanforgeError, Problem, UsageError
from planforge.render.source import TemplateSource
from planforge.render.staging import Staging, io_cause

_GIT_WRITE_FAILURES = ("unable to write file", "Could not reset index file")
# rename(2) onto a directory someone filled, or onto something that is no longer a directory.
TAKEN_ERRNOS = (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR)


def _tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and ".git" not in f.parts)


def _git_out_of_space(exc: BaseException, dest: Path, template: TemplateSource) -> str | None:
    """git checking the template out into the staging directory reports a full disk as "unable to write file",
    without the errno, and removes its half-written checkout first: the disk was full when the space left
    beside DEST is less than the template's size."""
    text = f"{exc} {getattr(exc, 'stderr', '') or ''}"
    local = Path(template.cache or template.src)
    if not any(marker in text for marker in _GIT_WRITE_FAILURES) or not local.is_dir():
        return None
    where = dest if dest.exists() else next(p for p in dest.parents if p.exists())
    return os.strerror(errno.ENOSPC) if shutil.disk_usage(where).free < _tree_size(local) else None


def failed_path(exc: BaseException | None) -> str | None:
    """The file an OSError in `exc`'s chain was about, if it names one."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.filename:
            return str(exc.filename)
        exc = exc.__cause__ or exc.__context__
    return None


def _while_writing(exc: BaseException) -> str:
    path = failed_path(exc)
    return f" while writing {path}" if path else ""


def new_io_failure(exc: BaseException, dest: Path, existed: bool, staging: Staging,
                   template: TemplateSource) -> PlanforgeError | None:
    """Disk full, read-only, no permission during `new`: one paragraph naming the cause, None for other errors."""
    cause = io_cause(exc) or _git_out_of_space(exc, dest, template)
    if cause is None:
        return None
    state = "is unchanged" if existed else "was not created"
    left = (f" Remove the staging directory {staging.leftover} by hand (it could not be removed)."
            if staging.leftover else "")
    return UsageError(f"cannot write the generated repository next to or into {dest}: {cause}{_while_writing(exc)}. "
                      f"{dest} {state}; nothing was written.{left} Free some space or choose a writable DEST, "
                      "then rerun.")


def update_io_failure(exc: BaseException, dest: Path, undo: Callable[[], bool] | None,
                      restore_hint: str) -> PlanforgeError | None:
    """Disk full, read-only, no permission during `update`: `undo` the partial update (None: it had not started),
    and one paragraph saying whether it could be undone. None (nothing undone) for other errors."""
    cause = io_cause(exc)
    if cause is None:
        return None
    if undo is None:
        state = "nothing was changed (the update had not started)"
    elif undo():
        state = "the partial update was undone, so its work tree is unchanged"
    else:
        state = f"the update did not finish and could not be undone; once the cause is fixed, {restore_hint}"
    return UsageError(f"cannot update {dest}: {cause}{_while_writing(exc)}. In {dest}, {state}. "
                      "Free some space or make it writable, then rerun.")


def destination_taken(dest: Path) -> UsageError:
    """Another process (a second `planforge new`) created DEST while this run was rendering."""
    return UsageError(
        f"{dest} was created by another process while this run was rendering it (two `planforge new` into one "
        f"DEST?); this run wrote nothing and left {dest} as the other one made it",
        [Problem("destination taken", file=dest, hint="check what DEST holds (`git log`); to render again, "
                                                      "choose an empty DEST or pass --force")],
    )
