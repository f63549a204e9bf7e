"""The name the plan gives the application database (`Database `claims`, owned by ...`, `a PostgreSQL database named
orders`, `| Database name | orders |`): `database_name`, the database the managed database module creates (else
`app`) and the in-cluster database's (else the project's name). Before, the stated name was dropped without a word and
the applications' connection strings, written against it, named a database that did not exist. Read where the
repository creates the database; an OCI PostgreSQL DB system creates none (the service has no such argument), so
there it is reported.

The application's user (`The application connects as user `harbor_app``, a database table's `User` column naming one
for every environment) is `database_user`, the role DigitalOcean's database module creates (else `app`); elsewhere
the applications sign in as the cloud's identity or the module's own user, so it is reported."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context
from planforge.decide.environments import environment_rows
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


# `connects as user `harbor_app``, `database user `app_rw``, `| User | harbor_app |`
_USER = re.compile(r"\b(?:as|database|db|app(?:lication)?)\s++user\s++`([A-Za-z_][A-Za-z0-9_-]{0,62})`", re.I)
_USER_LABEL = re.compile(r"^\W*(?:(?:app(?:lication)?|database|db)\s+)?user(?:\s*name)?\W*$", re.I)


def decide_database_user(c: Context) -> None:
    """Set `database_user` from the first line naming the application's database user, or a database table's User
    column naming one for every environment."""
    c.default("database_user", "", "the database module's own application user (app): the plan names none")
    if not c.values.get("database_engine"):
        return
    stated = [(line, m.group(1)) for line, _ in lines_naming(c.plan, r"\buser\b")
              for m in [_USER.search(c.plan.lines[line - 1])] if m]
    for row in environment_rows(c.plan, c.values.get("environments", [])):
        names = {cell.text.strip("` ") for cell in row.cells}
        if _USER_LABEL.match(row.label.replace("`", "")) and len(names) == 1 and row.cells:
            stated.append((row.cells[0].line, names.pop()))
    for line, name in sorted(stated)[:1]:
        if c.values.get("cloud") != "digitalocean" or "in-cluster" in c.values.get("storage", ""):
            c.unapplied(line, name, "the applications sign in as the database module's own user (or the cloud's "
                        f"identity): create {name} in the database and give the applications its credentials")
        elif name.lower() in ("doadmin", "default", "postgres", "root", "admin"):
            c.unapplied(line, name, f"{name} is one of the database's own roles: the applications get a user of "
                        "their own (app)")
        else:
            c.stated("database_user", name, line, name)
