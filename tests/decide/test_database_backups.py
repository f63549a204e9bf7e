"""Production's geo-redundant backups (Azure's PostgreSQL copies them to the pair of its region) stay in the region
where the plan keeps its data or its backups there; a residency naming a wider area (`the EU`) says nothing of them."""
from __future__ import annotations

import pytest
from testlib import PLANS, line_of

from planforge.decide import decide
from planforge.plan import parse_text

PERMITS = PLANS / "azure-permits.plan.md"  # Azure, a managed PostgreSQL, `data must stay in the EU`


@pytest.mark.parametrize("said", ["all patient data stays in swedencentral", "no geo-redundant backups",
                                  "backups must remain in the region"])
def test_a_statement_keeping_data_in_the_region_keeps_the_backups_there(said: str) -> None:
    text = PERMITS.read_text().replace("data must stay in the EU", said)
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.database_backups_in_region is True
    assert d.provenance["database_backups_in_region"].line == line_of(text, said)


def test_a_residency_of_a_wider_area_keeps_geo_redundant_backups() -> None:
    assert decide(parse_text(PERMITS.read_text(), "plan.md")).answers.database_backups_in_region is False


def test_a_databases_tables_geo_backup_column_saying_no_for_production() -> None:
    text = PERMITS.read_text() + ("\n## Database\n\n| Env | SKU | Geo-redundant backup |\n|---|---|---|\n"
                                  "| dev | B_Standard_B1ms | no |\n| prod | GP_Standard_D4ds_v5 | no (GDPR) |\n")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.database_backups_in_region is True
    assert d.provenance["database_backups_in_region"].line == line_of(text, "| prod | GP_Standard_D4ds_v5")
