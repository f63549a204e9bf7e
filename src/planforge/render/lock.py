"""One `planforge new` or `planforge update` at a time per repository.

The lock is an exclusive `flock` on the destination directory itself: no lock file to leave
behind, and the kernel releases it when its holder exits, even after `kill -9`. A second run
does not wait: updates start from a clean work tree and leave their changes uncommitted, so a
run that waited would be refused as soon as the first one finished. It exits 2 naming the
holder (its pid and program, from `/proc/locks` where the system has one). On a file system
that cannot lock directories (some network file systems) planforge runs unlocked.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from planforge.errors import Problem, UsageError

_UNSUPPORTED = (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.EBADF)


@contextlib.contextmanager
def repository_lock(dest: Path) -> Iterator[None]:
    """Hold DEST (an existing directory) for this run; refuse when another run holds it."""
    fd = _locked_fd(Path(dest))
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)


def _locked_fd(dest: Path) -> int | None:
    while True:
        fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(os.fstat(fd))
            os.close(fd)
            raise _busy(dest, holder) from None
        except OSError as exc:
            os.close(fd)
            if exc.errno in _UNSUPPORTED:
                return None
            raise
        # DEST renamed over between open and flock (a `new` placing its tree): lock the directory there now.
        if _same_file(os.fstat(fd), dest):
            return fd
        os.close(fd)


def _same_file(held: os.stat_result, dest: Path) -> bool:
    try:
        now = dest.stat()
    except FileNotFoundError:
        return True  # gone: the run finds out itself
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def _holder(held: os.stat_result) -> str:
    """'pid 1234 (planforge)' for the process holding a flock on this inode, '' when unknown."""
    device = f"{os.major(held.st_dev):02x}:{os.minor(held.st_dev):02x}:{held.st_ino}"
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return ""
    for line in lines:
        fields = line.split()
        if "->" in fields or len(fields) < 6 or fields[1] != "FLOCK" or fields[5] != device:
            continue
        pid = fields[4]
        try:
            program = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            program = ""
        return f"pid {pid}" + (f" ({program})" if program else "")
    return ""


def _busy(dest: Path, holder: str) -> UsageError:
    who = f"another planforge run ({holder})" if holder else "another planforge run"
    return UsageError(
        f"{dest} is in use by {who}: one `planforge new` or `planforge update` at a time per repository "
        "(nothing was changed)",
        [Problem("repository locked", file=dest, hint="wait for the other run to finish, review what it changed "
                                                     "(`git status`), then rerun")],
    )
