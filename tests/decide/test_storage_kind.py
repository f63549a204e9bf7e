"""The data store a Storage field states: a kind it rules out (`N/A in-cluster`) is not the one taken, an existing
database is an external one, and its connection string's Secret is the one the plan names."""
from __future__ import annotations

import pytest
from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_text

TODO_CHART = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")
STORAGE = "**Storage**: SQLite on a PersistentVolumeClaim (1Gi) mounted by the backend"


@pytest.mark.parametrize(("storage", "kind", "secret"), [
    ("N/A in-cluster. The API talks to the existing Postgres at `orders-db.internal.acme.io:5432`; the connection "
     "string is provided through the Kubernetes Secret `shop-api-db`", "external-postgresql", "shop-api-db"),
    ("Neon serverless PostgreSQL (external)", "external-postgresql", "todo-db"),
    ("PostgreSQL 16 in-cluster (StatefulSet) with a 8Gi PersistentVolumeClaim", "in-cluster-postgresql", ""),
])
def test_the_storage_field_decides_the_kind_and_its_secret(storage: str, kind: str, secret: str) -> None:
    assert STORAGE in TODO_CHART
    a = decide(parse_text(TODO_CHART.replace(STORAGE, f"**Storage**: {storage}"))).answers
    assert (a.storage, a.database_secret) == (kind, secret)
