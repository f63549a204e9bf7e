"""The checkov checks kept on purpose are one list, includes/checkov-kept.yaml (generated repositories skip the ids
of their clouds in .checkov.yaml): docs/policy.md shows it as a table, each with where it applies and its reason, and
it holds exactly the (applies, id) pairs the last `bash scripts/checkov.sh --record` run failed
(tests/fixtures/checkov/failed-check-ids.txt)."""
from __future__ import annotations

import re

import yaml
from testlib import REPO

FIXTURE = REPO / "tests/fixtures/checkov/failed-check-ids.txt"


def kept() -> dict[tuple[str, str], tuple[str, str]]:
    """(applies, check id) -> (resource, reason), from the data file."""
    data = yaml.safe_load((REPO / "includes/checkov-kept.yaml").read_text(encoding="utf-8"))
    return {(check["applies"], check["id"]): (check["resource"], check["reason"]) for check in data["kept"]}


def listed() -> dict[tuple[str, str], tuple[str, str]]:
    """(applies, check id) -> (resource, reason), from the table of docs/policy.md's checkov section."""
    section = (REPO / "docs/policy.md").read_text(encoding="utf-8").split("## checkov findings kept on purpose", 1)[1]
    return {(m[2], m[1]): (m[3].strip(), m[4].strip())
            for m in re.finditer(r"^\| `(CKV[A-Z0-9_]+)` \| (\w+) \| ([^|]+) \| (.+) \|$", section, re.M)}


def test_kept_checks_are_exactly_the_checks_the_last_run_failed():
    failed = {tuple(line.split()) for line in FIXTURE.read_text().splitlines() if line and not line.startswith("#")}
    assert failed and set(kept()) == failed


def test_every_kept_check_applies_to_a_cloud_or_to_kubernetes():
    assert {applies for applies, _ in kept()} == {"aws", "azure", "gcp", "kubernetes"}


def test_policy_doc_shows_the_kept_checks_as_they_are_in_the_data_file():
    assert listed() == kept()


def test_every_kept_check_has_a_reason():
    assert all(len(reason) > 40 for _, reason in kept().values())
