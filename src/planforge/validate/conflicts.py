"""Merge conflict markers left in any file of a validated directory (`input/conflict-marker`).

A `copier update` (or a git merge) that cannot apply a change leaves `<<<<<<<` ... `=======` ... `>>>>>>>`
in the file; the other validators would report a parse error, or nothing at all for a file they do not
read (a README, a script). This check reads every regular text file inside the bounds once and reports
each conflict at its opening line. Binary files (a NUL byte) and directories no validator reads
(`.git`, `.terraform`, ...) are passed over.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

from planforge.validate.base import Check, Finding, Severity, Status
from planforge.validate.inputs import NAME, Bounds, InputError, walk
from planforge.validate.units import SKIP_DIRS

CONFLICT_MARKER = "input/conflict-marker"
RULES = {CONFLICT_MARKER: "a merge conflict (`<<<<<<<` ... `>>>>>>>`) left in a file by copier update or git"}
_OPENING = re.compile(rb"^<{7}(?: |$)", re.M)
_HINT = ("resolve the conflict: keep the right side, delete the `<<<<<<<`, `=======` and `>>>>>>>` lines, "
         "then validate again")


def conflict_checks(root: Path, bounds: Bounds) -> list[Check]:
    """A failed check with a finding per conflict (file and line of its `<<<<<<<`) when any file below `root`
    holds one; no check otherwise (a clean repository's reports are unchanged)."""
    start = time.perf_counter()
    findings: list[Finding] = []
    for path in _files(root):
        shown = path.relative_to(root).as_posix()
        try:
            data = bounds.read_bytes(path, shown)
        except (InputError, OSError):
            continue  # refused or unreadable: the validators reading it report that
        if b"\0" in data[:8192]:
            continue
        for m in _OPENING.finditer(data):
            line = data.count(b"\n", 0, m.start()) + 1
            findings.append(Finding(NAME, CONFLICT_MARKER, Severity.ERROR,
                                    "merge conflict marker: the file holds both sides of an unresolved change",
                                    shown, line, hint=_HINT))
    if not findings:
        return []
    return [Check(NAME, "conflict-markers", ".", Status.FAILED, findings, time.perf_counter() - start)]


def _files(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        found.extend(Path(dirpath) / name for name in sorted(filenames))
    return found
