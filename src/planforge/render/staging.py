"""Writing a generated repository all-or-nothing.

`Staging(dest)` is a directory BESIDE DEST (same filesystem): `.<name>.planforge-tmp-<pid>-XXXX`
(inside DEST, as `.planforge-tmp-<pid>-XXXX`, only when DEST is a mount point or only DEST is
writable). Everything is
rendered and committed there, then renamed into place: a DEST that did not exist appears in
one rename, so even `kill -9` never leaves it half-written. Merging into a non-empty DEST
(`--force`) moves each entry with a rename and journals what it displaced, so a failure moves
everything back. Copier's own temporary clones go inside the staging directory too
(`tempfile.tempdir`), so one `rmtree` removes every trace, and a directory left by a killed
run (its process is gone) is removed by the next run for the same DEST. `scratch(dest)` is
the same private temporary directory for `update`, which changes DEST in place.

`interruptible()` turns SIGTERM/SIGHUP/SIGINT into `Interrupted` while a run is under way,
so the cleanup in `finally`/`__exit__` runs; the cleanup itself runs with those signals
blocked.
"""
from __future__ import annotations

import contextlib
import errno
import glob
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

MARK = ".planforge-tmp-"
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
# Causes a user can fix, named in one sentence instead of a traceback.
_IO_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO)
# How git words some of them without the system's message.
_GIT_WORDINGS = {"Out of diskspace": errno.ENOSPC}


class Interrupted(KeyboardInterrupt):
    """A signal stopped the run; `signum` gives the exit status 128 + signum."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Raise `Interrupted` on SIGINT/SIGTERM/SIGHUP (not ignored ones); restore the handlers after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous = {}
    for sig in _SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP until the block (a cleanup) is done."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def io_cause(exc: BaseException | None) -> str | None:
    """'No space left on device', 'Read-only file system', ... when that is why `exc` happened."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _IO_ERRNOS:
            return os.strerror(exc.errno)
        text = f"{exc} {getattr(exc, 'stderr', '') or ''}"
        for number in _IO_ERRNOS:
            if os.strerror(number) in text:
                return os.strerror(number)
        for wording, number in _GIT_WORDINGS.items():
            if wording in text:
                return os.strerror(number)
        exc = exc.__cause__ or exc.__context__
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def remove_stale(dest: Path) -> list[Path]:
    """Remove staging and scratch directories for DEST whose run is gone (killed with SIGKILL, power loss)."""
    pattern = f".{glob.escape(dest.name)}{MARK}*"
    candidates = [*dest.parent.glob(pattern), *Path(tempfile.gettempdir()).glob(pattern)]
    if dest.is_dir():
        candidates += dest.glob(f"{MARK}*")
    removed = []
    for path in candidates:
        pid = path.name.split(MARK, 1)[1].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _is_mount_point(path: Path) -> bool:
    try:
        return path.is_dir() and path.stat().st_dev != path.parent.stat().st_dev
    except OSError:
        return False


@contextlib.contextmanager
def scratch(dest: Path) -> Iterator[Path]:
    """A private temporary directory for a run that changes DEST in place, where `tempfile` (and so Copier)
    puts everything while the block runs: beside DEST, else (DEST's parent is not writable) in the system's
    temporary directory, never inside DEST's work tree. Removed when the block ends, however it ends."""
    dest = Path(dest).absolute()
    prefix = f".{dest.name}{MARK}{os.getpid()}-"
    try:
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=dest.parent))
    except PermissionError:
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=tempfile.gettempdir()))
    old, tempfile.tempdir = tempfile.tempdir, str(path)
    try:
        yield path
    finally:
        with signals_blocked():
            tempfile.tempdir = old
            shutil.rmtree(path, ignore_errors=True)


class Staging:
    """A staging directory for DEST; `tree` is where to render. See the module docstring."""

    def __init__(self, dest: Path):
        self.dest = Path(dest).absolute()
        self.path: Path | None = None
        self.leftover: Path | None = None  # a staging directory the cleanup could not remove
        self._created_parents: list[Path] = []
        self._journal: list[tuple[Path, Path]] = []  # (where it is now, where it goes back to)
        self._old_tempdir: str | None = None

    @property
    def inside(self) -> bool:
        """Staged inside DEST (a mount point): DEST cannot be replaced by a rename."""
        return self.path is not None and self.path.parent == self.dest

    @property
    def tree(self) -> Path:
        assert self.path is not None
        return self.path / "tree"

    def __enter__(self) -> Staging:
        missing = self.dest.parent
        while not missing.exists():
            self._created_parents.append(missing)
            missing = missing.parent
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(self.dest)
        inside = f"{MARK}{os.getpid()}-"
        if _is_mount_point(self.dest):
            self.path = Path(tempfile.mkdtemp(prefix=inside, dir=self.dest))
        else:
            try:
                self.path = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}{inside}", dir=self.dest.parent))
            except PermissionError:
                if not self.dest.is_dir():  # DEST's parent is not ours but DEST is: stage inside it
                    raise
                self.path = Path(tempfile.mkdtemp(prefix=inside, dir=self.dest))
        (self.path / "tmp").mkdir()
        self._old_tempdir, tempfile.tempdir = tempfile.tempdir, str(self.path / "tmp")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        with signals_blocked():
            tempfile.tempdir = self._old_tempdir
            if exc is not None:
                self._rollback()
            if self.path is not None:
                shutil.rmtree(self.path, ignore_errors=True)
                if self.path.exists():
                    self.leftover = self.path
            if exc is not None:
                for parent in self._created_parents:
                    with contextlib.suppress(OSError):
                        parent.rmdir()

    def place(self) -> None:
        """DEST absent or an empty directory: rename the staged tree onto it (atomic)."""
        os.rename(self.tree, self.dest)

    def merge(self) -> None:
        """Move the staged tree into a non-empty DEST; entries it replaces go aside until the end."""
        assert self.path is not None
        aside = self.path / "aside"
        aside.mkdir()
        self._merge(self.tree, self.dest, aside)

    def _merge(self, source: Path, target_dir: Path, aside: Path) -> None:
        for entry in sorted(source.iterdir()):
            target = target_dir / entry.name
            if entry.is_dir() and not entry.is_symlink() and target.is_dir() and not target.is_symlink():
                self._merge(entry, target, aside)
                continue
            if target.exists() or target.is_symlink():
                kept = aside / str(len(self._journal))
                os.rename(target, kept)
                self._journal.append((kept, target))
            os.rename(entry, target)
            self._journal.append((target, entry))

    def replaced(self) -> list[Path]:
        """After `merge`: the files in DEST it replaced with different content (a directory: each file in it)."""
        assert self.path is not None
        found = []
        for now, before in self._journal:
            if now.parent != self.path / "aside":
                continue  # a placed entry, not a displaced one
            old_files = [now] if now.is_symlink() or not now.is_dir() else sorted(
                p for p in now.rglob("*") if p.is_symlink() or not p.is_dir())
            for old in old_files:
                target = before / old.relative_to(now)
                if _content(old) != _content(target):
                    found.append(target)
        return found

    def _rollback(self) -> None:
        """Undo `merge`: move every placed entry back into staging and every displaced one back."""
        for now, before in reversed(self._journal):
            with contextlib.suppress(OSError):
                os.rename(now, before)
        self._journal.clear()


def _content(path: Path) -> bytes | None:
    """A file's bytes (a symlink: its target), None when it is not a file."""
    if path.is_symlink():
        return b"-> " + os.readlink(path).encode()
    return path.read_bytes() if path.is_file() else None
