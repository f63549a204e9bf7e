"""`planforge validate` progress: totals and the running check on a terminal for a text report on stdout, quiet otherwise."""
from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest

from planforge.cli import main

CLEAN = Path(__file__).resolve().parents[1] / "fixtures" / "kustomize" / "clean"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("options", "shown"), [
    ([], True),
    (["--format", "json"], False),
    (["-o", "report.txt"], False),
])
def test_progress_names_units_only_for_a_text_report_on_stdout(options: list[str], shown: bool, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(CLEAN, repo)
    monkeypatch.chdir(tmp_path)
    stderr = _Tty()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["validate", "--only", "schemas", "--no-cache", str(repo), *options]) == 0
    assert ("validating 2 units: 4 checks to run" in stderr.getvalue()) is shown
    assert ("] schemas " in stderr.getvalue()) is shown
