"""The name the plan gives the application database (`Database `claims`, owned by ...`, `a PostgreSQL database named
orders`, `| Database name | orders |`): `database_name`, the database the managed database module creates (else
`app`) and the in-cluster database's (else the project's name). Before, the stated name was dropped without a word and
the applications' connection strings, written against it, named a database that did not exist. Read where the
repository creates the database; an OCI PostgreSQL DB system creates none (the service has no such argument), so
there it is reported."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context
from planforge.decide.rules.tools import lines_naming

_IDENTIFIER = r"([A-Za-z_][A-Za-z0-9_]{0,62})"
# As written: `database `claims``, `PostgreSQL database `orders``; `database named orders`, `DB name: orders`,
# `| Database name | orders |`
_NAMED = re.compile(r"\b(?:database|db)\s++`" + _IDENTIFIER + r"`"
                    r"|\b(?:database|db)\s++(?:named|called)\s++`?" + _IDENTIFIER + r"(?![\w.-])"
                    r"|\b(?:database|db)\s++name\b\s*+(?:[:=|]\s*+)?`?" + _IDENTIFIER + r"(?![\w.-])", re.I)
# Words a `database <word>` clause holds that name no database: `database name is ...`, `DB name | Engine`
_NOT_NAMES = frozenset({"is", "are", "the", "a", "an", "of", "per", "for", "and", "engine", "server", "instance",
                        "cluster", "name", "names", "user", "users", "postgres", "postgresql", "mysql"})


def decide_database_name(c: Context) -> None:
    """Set `database_name` from the first line naming the application database."""
    c.default("database_name", "", "the database module's own (app), or the project's name for an in-cluster "
              "database: the plan names none")
    if not c.values.get("database_engine"):
        return
    for line, text in lines_naming(c.plan, r"\b(?:database|db)\b"):
        for m in _NAMED.finditer(c.plan.lines[line - 1]):
            name = next(g for g in m.groups() if g)
            if name.lower() in _NOT_NAMES:
                continue
            if c.values.get("cloud") == "oci" and "in-cluster" not in c.values.get("storage", ""):
                c.unapplied(line, name, "an OCI PostgreSQL DB system creates no application database: create "
                            f"{name} with its administrator once it runs (terraform output database_password_secret_id)")
                return
            c.set("database_name", name, Provenance(source="plan", line=line, text=tx.quote(text)))
            c.applied(line, name, "database_name")
            return
