"""Merge conflict markers (`input/conflict-marker`): reported in any file of a directory PATH, at the line of each
`<<<<<<<`, once per run (shard 1 of a sharded run); a clean repository gets no extra check."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from testlib import FIXTURES

from planforge.validate.base import Settings, Status
from planforge.validate.runner import run_validation
from planforge.validate.unit_selection import Selection
from planforge.validate.validator_choice import rule_descriptions

DEFECT = FIXTURES / "input" / "conflict-marker"


def _conflicts(checks) -> list[dict]:
    return sorted(({"file": f.file, "line": f.line} for c in checks for f in c.findings
                   if f.rule == "input/conflict-marker"), key=lambda f: (f["file"], f["line"]))


def test_every_conflict_is_reported_at_its_line(tmp_path: Path) -> None:
    repo = shutil.copytree(DEFECT, tmp_path / "repo")
    (repo / "expected.yaml").unlink()
    checks = run_validation([str(repo)], Settings(), only=["schemas"])
    expected = yaml.safe_load((DEFECT / "expected.yaml").read_text(encoding="utf-8"))
    assert _conflicts(checks) == expected
    [check] = [c for c in checks if c.name == "conflict-markers"]
    assert check.status is Status.FAILED and all(f.hint for f in check.findings)
    assert "input/conflict-marker" in rule_descriptions()


def test_a_clean_repository_has_no_conflict_check(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("a line with <<<<<<< inside is no marker\n=======\n", encoding="utf-8")
    (tmp_path / "blob.bin").write_bytes(b"\0\n<<<<<<< HEAD\n")
    checks = run_validation([str(tmp_path)], Settings(), only=["schemas"])
    assert [c for c in checks if c.name == "conflict-markers"] == []


def test_a_sharded_run_scans_in_its_first_shard_only(tmp_path: Path) -> None:
    repo = shutil.copytree(DEFECT, tmp_path / "repo")
    first = run_validation([str(repo)], Settings(), only=["schemas"], selection=Selection(shard=(1, 2)))
    second = run_validation([str(repo)], Settings(), only=["schemas"], selection=Selection(shard=(2, 2)))
    assert len(_conflicts(first)) == 2 and _conflicts(second) == []


def test_a_file_path_is_not_scanned_beside_it(tmp_path: Path) -> None:
    repo = shutil.copytree(DEFECT, tmp_path / "repo")
    (repo / "ok.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}\n", encoding="utf-8")
    checks = run_validation([str(repo / "ok.yaml")], Settings(), only=["schemas"])
    assert _conflicts(checks) == []
