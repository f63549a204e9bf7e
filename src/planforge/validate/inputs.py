"""What `planforge validate` agrees to read: files inside the validated paths, regular, not too large.

A repository under validation is untrusted input (a pull request in CI). Every file planforge
reads itself, and every file or directory it hands to a tool (helm, kustomize, terraform), must
resolve, symlinks included, inside the roots of the run: the PATH arguments (a file argument's
directory), plus the `allow_outside` setting's paths. A file outside is never opened; it becomes an
`input/outside-root` finding at the place that refers to it (the symlink itself, or the line of a
kustomization entry, a module `source`, an Argo CD `path`).

Only regular files are read: a FIFO would block, a device (`/dev/zero`) never ends. Files larger
than the `max_file_size` setting are not read either. The limits and rule ids are documented in
docs/settings.md ("Limits") and docs/discovery.md.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from planforge.validate.base import Check, Finding, Settings, Severity, Status

NAME = "input"
OUTSIDE_ROOT = "input/outside-root"
NOT_REGULAR = "input/not-a-regular-file"
TOO_LARGE = "input/too-large"
TOO_COMPLEX = "input/too-complex"
TOO_DEEP = "input/too-deep"
MAX_DIRECTORY_DEPTH = 100
RULES = {
    "input/missing-path": "a PATH argument does not exist",
    OUTSIDE_ROOT: "a file, symlink or reference resolves outside the validated paths: it is not read "
                  "(allow a trusted location with --allow-outside)",
    NOT_REGULAR: "a FIFO, device or socket where a file is expected: it is not opened",
    TOO_LARGE: "a file (or a tool's output) is larger than the max_file_size setting: it is not read",
    TOO_COMPLEX: "a YAML document nests too deeply, holds too many documents or nodes, or expands too many "
                 "aliases (a 'billion laughs'); a Python file holds too many tokens or nests too deeply: not loaded",
    TOO_DEEP: f"a directory more than {MAX_DIRECTORY_DEPTH} levels below the validated path: not read",
}
MIB = 1024 * 1024
DEFAULT_MAX_FILE_SIZE_MIB = 16
OUTSIDE_HINT = ("keep every file the repository uses inside the validated paths, or trust that location with "
                "--allow-outside PATH (PLANFORGE_ALLOW_OUTSIDE, .planforge.yaml allow_outside)")
_NON_REGULAR_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                      (stat.S_ISSOCK, "a socket"))


class InputError(Exception):
    """A file planforge refuses to read. `rule` is one of RULES; `file`/`line` say where to look."""

    def __init__(self, rule: str, message: str, file: str | None = None, line: int | None = None,
                 hint: str | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint if hint is not None else default_hint(rule)

    def finding(self, file: str | None = None, line: int | None = None) -> Finding:
        return Finding(NAME, self.rule, Severity.ERROR, self.message, file or self.file,
                       line if line is not None else self.line, hint=self.hint)


def default_hint(rule: str) -> str:
    return {
        OUTSIDE_ROOT: OUTSIDE_HINT,
        NOT_REGULAR: "replace it with a regular file, or remove it from the repository",
        TOO_LARGE: "split the file, or raise max_file_size (--max-file-size, PLANFORGE_MAX_FILE_SIZE)",
        TOO_COMPLEX: "write the YAML without deep nesting or heavy alias reuse, or split the file",
        TOO_DEEP: "flatten the directory tree",
    }.get(rule, "")


def _kind_of(mode: int) -> str | None:
    """'a FIFO', 'a socket', ... for what is neither a regular file nor a directory (None otherwise)."""
    for test, kind in _NON_REGULAR_KINDS:
        if test(mode):
            return kind
    return None


@dataclass(frozen=True)
class Bounds:
    """The roots a run may read below (resolved), and the size limit of one file."""

    roots: tuple[str, ...]
    max_file_size: int = DEFAULT_MAX_FILE_SIZE_MIB * MIB  # bytes
    # directory -> its realpath: a file's realpath costs one lstat, not one per path component
    _real_dirs: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def of(cls, roots: Iterable[Path | str], settings: Settings | None = None) -> Bounds:
        """Bounds for `roots` plus the settings' `allow_outside` paths and `max_file_size`."""
        settings = settings if settings is not None else Settings()
        allowed = [*roots, *settings.allow_outside]
        resolved = tuple(dict.fromkeys(os.path.realpath(os.path.expanduser(str(p))) for p in allowed))
        return cls(resolved, int(settings.max_file_size * MIB))

    def union(self, other: Bounds | None) -> Bounds:
        """Bounds that allow what either allows (the larger size limit)."""
        if other is None or other == self:
            return self
        return Bounds(tuple(dict.fromkeys(self.roots + other.roots)), max(self.max_file_size, other.max_file_size))

    def realpath(self, path: Path | str) -> str:
        """`os.path.realpath`, with the realpath of directories cached."""
        text = os.path.abspath(path)
        directory, name = os.path.split(text)
        real_dir = self._real_dirs.get(directory)
        if real_dir is None:
            real_dir = self._real_dirs.setdefault(directory, os.path.realpath(directory))
        if name in ("", ".", ".."):
            return os.path.realpath(text)
        try:
            if stat.S_ISLNK(os.lstat(text).st_mode):
                return os.path.realpath(text)
        except OSError:
            pass
        return os.path.join(real_dir, name)

    def _within(self, real: str) -> bool:
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots)

    def inside(self, path: Path | str) -> bool:
        """Whether `path` resolves (every symlink followed) inside a root. Never opens anything."""
        return self._within(self.realpath(path))

    def check(self, path: Path | str, display: str, *, size: bool = True) -> os.stat_result | None:
        """Raise InputError when `path` resolves outside, is no regular file or directory, or is too large.

        Returns its stat (None when it does not exist: the caller reports that its own way).
        """
        return self._check(self.realpath(path), display, size)

    def _check(self, real: str, display: str, size: bool = True) -> os.stat_result | None:
        if not self._within(real):
            raise InputError(OUTSIDE_ROOT, f"{display} resolves outside the validated paths: not read", display)
        try:
            info = os.stat(real)
        except OSError:
            return None
        kind = _kind_of(info.st_mode)
        if kind is not None:
            raise InputError(NOT_REGULAR, f"{display} is {kind}, not a regular file: not read", display)
        if size and stat.S_ISREG(info.st_mode) and info.st_size > self.max_file_size:
            raise InputError(TOO_LARGE, f"{display} is {size_text(info.st_size)}, more than the "
                                        f"{size_text(self.max_file_size)} limit (max_file_size): not read", display)
        return info

    def read_bytes(self, path: Path | str, display: str | None = None) -> bytes:
        """The content of a regular file inside the roots, at most `max_file_size` bytes, or InputError.

        OSError (missing file, permission) is left to the caller. The file is opened non-blocking and
        checked again once open, so a FIFO swapped in after the check cannot block the read.
        """
        shown = display if display is not None else str(path)
        real = self.realpath(path)
        self._check(real, shown, size=False)  # the size is checked on the open file
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            info = os.fstat(fd)
            kind = _kind_of(info.st_mode)
            if kind is not None:
                raise InputError(NOT_REGULAR, f"{shown} is {kind}, not a regular file: not read", shown)
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(21, "Is a directory", shown)
            if info.st_size > self.max_file_size:
                raise InputError(TOO_LARGE, f"{shown} is {size_text(info.st_size)}, more than the "
                                            f"{size_text(self.max_file_size)} limit (max_file_size): not read", shown)
            os.set_blocking(fd, True)
            chunks: list[bytes] = []
            total = 0
            while chunk := os.read(fd, min(1 << 20, self.max_file_size + 1 - total)):
                chunks.append(chunk)
                total += len(chunk)
                if total > self.max_file_size:
                    raise InputError(TOO_LARGE, f"{shown} is more than the {size_text(self.max_file_size)} limit "
                                                "(max_file_size): not read", shown)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def read_text(self, path: Path | str, display: str | None = None, errors: str = "strict") -> str:
        return self.read_bytes(path, display).decode("utf-8-sig", errors=errors)

    def scan(self, directory: Path, skip: Iterable[str] = (), size: bool = True) -> Iterator[tuple[Path, InputError]]:
        """Every entry below `directory` a tool reading the whole tree would trip over, with its error.

        Symlinks (to files or directories) resolving outside the roots, FIFOs, devices, sockets and,
        with `size`, files above the size limit. Symlinked directories inside the roots are entered
        once; directories named in `skip` are not. Nothing is opened.
        """
        seen: set[str] = set()
        todo = [Path(directory)]
        skipped = set(skip)
        while todo:
            current = todo.pop()
            real = os.path.realpath(current)
            if real in seen:
                continue
            seen.add(real)
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                path = Path(entry.path)
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in skipped:
                        todo.append(path)
                    continue
                try:
                    info = self.check(path, str(path), size=size)
                except InputError as exc:
                    yield path, exc
                    continue
                if info is not None and stat.S_ISDIR(info.st_mode) and entry.name not in skipped:
                    todo.append(path)  # a symlinked directory inside the roots


def size_text(n: int) -> str:
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{n} bytes"


def outside_finding(display: str, line: int | None, what: str) -> Finding:
    """`input/outside-root` at a reference: `what` names it ("kustomization resource '../../x'")."""
    return Finding(NAME, OUTSIDE_ROOT, Severity.ERROR, f"{what} resolves outside the validated paths: not read",
                   display, line, hint=OUTSIDE_HINT)


def walk(top: Path | str) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk(top)` (top-down: prune by editing `dirnames`), iterative and bounded: directories more than
    MAX_DIRECTORY_DEPTH levels below `top` are not entered (`too_deep_directories` names them).
    Symlinked directories are listed in `dirnames` but not followed; unreadable directories are skipped."""
    todo: list[tuple[str, int]] = [(os.fspath(top), 0)]
    while todo:
        current, depth = todo.pop()
        try:
            with os.scandir(current) as entries:
                listed = list(entries)
        except OSError:
            continue
        dirnames = [e.name for e in listed if _is_dir(e)]
        filenames = [e.name for e in listed if not _is_dir(e)]
        yield current, dirnames, filenames
        if depth < MAX_DIRECTORY_DEPTH:
            todo.extend((os.path.join(current, name), depth + 1) for name in reversed(dirnames)
                        if not os.path.islink(os.path.join(current, name)))


def too_deep_directories(top: Path | str, skip: Iterable[str] = ()) -> list[str]:
    """The directories below `top` that `walk` does not enter (MAX_DIRECTORY_DEPTH levels down), sorted."""
    skipped = set(skip)
    found: list[str] = []
    for current, dirnames, _ in walk(top):
        dirnames[:] = [d for d in dirnames if d not in skipped]
        if os.path.relpath(current, top).count(os.sep) + 1 == MAX_DIRECTORY_DEPTH and current != os.fspath(top):
            found.extend(os.path.join(current, d) for d in dirnames if not os.path.islink(os.path.join(current, d)))
    return sorted(found)


def depth_checks(root: Path, skip: Iterable[str] = ()) -> list[Check]:
    """A failed check with an `input/too-deep` finding per directory below `root` that `walk` leaves out;
    no check when there is none."""
    findings = [Finding(NAME, TOO_DEEP, Severity.ERROR, f"{shown} is more than {MAX_DIRECTORY_DEPTH} directories "
                                                        "below the validated path: it is not read", shown,
                        hint=default_hint(TOO_DEEP))
                for shown in (Path(d).relative_to(root).as_posix() for d in too_deep_directories(root, skip))]
    return [Check(NAME, "directory-depth", ".", Status.FAILED, findings)] if findings else []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
