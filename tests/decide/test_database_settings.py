"""A weekly maintenance window and allow-listed extensions reach the database modules that take them; the
database settings the output does not build are reported at their lines."""
from __future__ import annotations

import pytest
from testlib import FIXTURES

from planforge.decide import decide
from planforge.plan import parse_text

CLAIMS = (FIXTURES / "reviewed/aks-argocd-claims.plan.md").read_text(encoding="utf-8")
LEDGER = (FIXTURES / "reviewed/aws-eks-ledger.plan.md").read_text(encoding="utf-8")
WINDOW = "- Maintenance window Sunday 02:00 UTC."
LEDGER_AT = "deletion protection on in prod."


def test_the_claims_window_and_extensions_are_the_azure_servers() -> None:
    d = decide(parse_text(CLAIMS, "plan.md"))
    assert (d.answers.database_maintenance, d.answers.database_extensions) == ("sun:02:00", ["pgcrypto", "uuid-ossp"])
    assert not [n for n in d.not_applied if "Maintenance" in n.text or "Extensions" in n.text]


@pytest.mark.parametrize("words, when", [
    ("Maintenance window Sunday 02:00 UTC.", "sun:02:00"), ("maintenance window: Sat 11pm UTC.", "sat:23:00"),
    ("Maintenance window Tuesday at 4:30.", "tue:04:30"), ("maintenance window sun 03:00-04:00 UTC.", "sun:03:00"),
])
def test_each_way_of_writing_a_window_is_read_on_aws(words: str, when: str) -> None:
    d = decide(parse_text(LEDGER.replace(LEDGER_AT, f"{LEDGER_AT} {words}"), "plan.md"))
    assert d.answers.database_maintenance == when


def test_a_window_in_another_zone_is_reported_not_read() -> None:
    d = decide(parse_text(LEDGER.replace(LEDGER_AT, f"{LEDGER_AT} Maintenance window Sunday 02:00 CET."), "plan.md"))
    assert d.answers.database_maintenance == ""
    assert any(n.text.startswith("Maintenance window Sunday 02:00 CET") for n in d.not_applied)


def test_extensions_where_no_module_allow_lists_them_are_reported() -> None:
    d = decide(parse_text(LEDGER.replace(LEDGER_AT, f"{LEDGER_AT} Extensions allow-listed: pgcrypto."), "plan.md"))
    assert d.answers.database_extensions == []
    [said] = [n for n in d.not_applied if n.text.startswith("Extensions allow-listed")]
    assert "CREATE EXTENSION" in said.why


def test_the_clusters_window_is_not_the_databases() -> None:
    """`**Kubernetes**: DOKS 1.31 (...), maintenance window Sunday 03:00 UTC` (harbor) was reported as the database's
    window; on AWS the same words on the cluster's line set the database's."""
    field = next(line for line in LEDGER.splitlines() if line.startswith("**Kubernetes**"))
    d = decide(parse_text(LEDGER.replace(field, f"{field}, maintenance window Sunday 03:00 UTC"), "plan.md"))
    assert d.answers.database_maintenance == ""
    assert [n.why.split(" (")[0] for n in d.not_applied if n.text == "maintenance window Sunday 03:00 UTC"] == [
        "the Kubernetes cluster keeps its service's default maintenance window"]
