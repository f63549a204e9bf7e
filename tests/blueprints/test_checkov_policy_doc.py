"""docs/policy.md lists, each with its reason, exactly the checkov checks the blueprints keep failing: the ids the
last `bash scripts/checkov.sh --record` run failed (tests/fixtures/checkov/failed-check-ids.txt)."""
from __future__ import annotations

import re

from testlib import REPO

FIXTURE = REPO / "tests/fixtures/checkov/failed-check-ids.txt"


def listed() -> dict[str, str]:
    """check id -> reason, from the table of docs/policy.md's checkov section."""
    section = (REPO / "docs/policy.md").read_text(encoding="utf-8").split("## checkov findings kept on purpose", 1)[1]
    return {m[1]: m[3] for m in re.finditer(r"^\| `(CKV[A-Z0-9_]+)` \| ([^|]+) \| (.+) \|$", section, re.M)}


def test_policy_doc_lists_exactly_the_checks_the_last_run_failed():
    failed = {line for line in FIXTURE.read_text().splitlines() if line and not line.startswith("#")}
    assert failed and set(listed()) == failed


def test_every_listed_check_has_a_reason():
    assert all(len(reason) > 40 for reason in listed().values())
