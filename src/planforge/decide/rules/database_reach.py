"""Which applications reach the database (`only claims-api and claims-worker may reach PostgreSQL (5432)`): in a
multi-tool repository each Kustomize application's namespace gets its own database egress (blueprints:
kubernetes/base/policies), so the applications a sentence names as the only ones keep it and the others lose it
(`apps[].database_access`). A statement about one application (`storefront (no database access)`) is read with its
other statements (rules/app_statements)."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.decide.rules.statements import sentence_matches
from planforge.yamlio import package_data

# `only A and B may reach PostgreSQL`, `only the API can connect to the database`
_ONLY = re.compile(r"\bonly\s++(?P<who>[^.;:]{1,200}?)\s++(?:may|can|are\s++allowed\s++to|is\s++allowed\s++to)\s++"
                   r"(?:reach|access|connect\s++to|talk\s++to|use|query)\s++(?:the\s++)?"
                   r"(?:PostgreSQL|Postgres|MySQL|MariaDB|database|DB|RDS|Aurora|Cloud\s++SQL)\b", re.I)


# the database's port stated after it (`Cloud SQL (private IP, TCP 5432)`, `PostgreSQL (5432)`)
_PORT_AFTER = re.compile(r"\s*+\((?:[^()]{0,60}?,\s*+)?(?:TCP\s++|port\s++)?(\d{2,5})\)", re.I)


def decide_database_reach(c: Context, structure: str) -> None:
    """Set `database_access` of the applications from the first sentence naming the only ones that reach the database."""
    apps: list[Service] = list(c.values.get("apps") or [])
    if not apps:
        return
    for p, m in sentence_matches(c.plan, _ONLY):
        named = tx.names_in([a.name for a in apps], m.group("who"))
        if not named:
            continue
        line = p.line_at(m.start())
        if structure != "multi-tool":
            c.unapplied(line, m.group(0), "every application here reaches the database alike: no policy of this "
                        "repository narrows who does")
            return
        c.values["apps"] = [a.model_copy(update={"database_access": a.name in named}) for a in apps]
        c.applied(line, m.group(0), "apps.database_access")
        port = _PORT_AFTER.match(p.text, m.end())
        if port and int(port.group(1)) == package_data("wiring.yaml")["engine_ports"].get(c.values.get("database_engine")):
            c.applied(p.line_at(port.start(1)), port.group(0).strip(" ()"), "apps.database_access")  # its egress port
        return
