"""The application database as the plan names it (`Database `claims``, `a database named orders`) is the database
the repository creates; before, the name was dropped without a word and every module created `app`."""
from __future__ import annotations

import pytest
from testlib import FIXTURES, PLANS, REAL_PLANS, line_of

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

STORAGE = "**Storage**: Managed PostgreSQL 16, 50 GB"


def _decided(sentence: str, plan: str = "doks-argocd.plan.md"):
    text = (PLANS / plan).read_text(encoding="utf-8")
    storage = next(raw for raw in text.splitlines() if raw.startswith("**Storage**"))
    text = text.replace(storage, f"{storage}\n\n{sentence}\n", 1)
    return decide(parse_text(text, "plan.md")), line_of(text, sentence)


@pytest.mark.parametrize(("sentence", "name"), [
    ("- Database `claims`, owned by application role `claims_app`.", "claims"),
    ("The API stores orders in a PostgreSQL database named `orders`.", "orders"),
    ("DB name: taskly_prod", "taskly_prod"),
    ("| Database name | ledger |", "ledger"),
    # no name: a database's engine, a word of the sentence, a name no database takes
    ("The database is PostgreSQL 16.", ""),
    ("Database name is chosen by the API team.", ""),
    ("Each environment has a database `per` environment.", ""),
    ("A database `orders-db` per environment.", ""),
    ("A database named orders-db.", ""),
])
def test_the_named_database_is_the_one_created(sentence: str, name: str) -> None:
    d, line = _decided(sentence)
    assert d.answers.database_name == name
    if name:
        assert d.provenance["database_name"].line == line
        assert not [n for n in d.not_applied if n.line == line and n.text == name]


def test_real_and_reviewed_plans_name_their_databases() -> None:
    assert decide(parse_plan(REAL_PLANS / "radioso-ai--radioso--018-terraform-gcp-deploy.plan.md")
                  ).answers.database_name == "hivec"
    assert decide(parse_plan(FIXTURES / "reviewed/aks-argocd-claims.plan.md")).answers.database_name == "claims"


def test_an_oci_database_system_creates_none_so_the_name_is_reported() -> None:
    d, line = _decided("- Database `claims`.", "oke-argocd.plan.md")
    assert d.answers.database_name == ""
    [note] = [n for n in d.not_applied if n.line == line]
    assert note.text == "claims" and "creates no application database" in note.why
