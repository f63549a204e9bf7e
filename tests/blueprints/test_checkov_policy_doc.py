"""The checkov checks kept on purpose are one list, includes/checkov-kept.yaml (generated repositories skip exactly
those ids in .checkov.yaml): docs/policy.md shows it as a table, each with its reason, and it holds exactly the ids
the last `bash scripts/checkov.sh --record` run failed (tests/fixtures/checkov/failed-check-ids.txt)."""
from __future__ import annotations

import re

import yaml
from testlib import REPO

FIXTURE = REPO / "tests/fixtures/checkov/failed-check-ids.txt"


def kept() -> dict[str, tuple[str, str]]:
    """check id -> (resource, reason), from the data file."""
    data = yaml.safe_load((REPO / "includes/checkov-kept.yaml").read_text(encoding="utf-8"))
    return {check["id"]: (check["resource"], check["reason"]) for check in data["kept"]}


def listed() -> dict[str, tuple[str, str]]:
    """check id -> (resource, reason), from the table of docs/policy.md's checkov section."""
    section = (REPO / "docs/policy.md").read_text(encoding="utf-8").split("## checkov findings kept on purpose", 1)[1]
    return {m[1]: (m[2].strip(), m[3].strip())
            for m in re.finditer(r"^\| `(CKV[A-Z0-9_]+)` \| ([^|]+) \| (.+) \|$", section, re.M)}


def test_kept_checks_are_exactly_the_checks_the_last_run_failed():
    failed = {line for line in FIXTURE.read_text().splitlines() if line and not line.startswith("#")}
    assert failed and set(kept()) == failed


def test_policy_doc_shows_the_kept_checks_as_they_are_in_the_data_file():
    assert listed() == kept()


def test_every_kept_check_has_a_reason():
    assert all(len(reason) > 40 for _, reason in kept().values())
