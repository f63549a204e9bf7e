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

_DATABASE = tx.DATABASE_WORDS
# `only A and B may reach PostgreSQL`, `only the API can connect to the database`
_ONLY = re.compile(r"\bonly\s++(?P<who>[^.;:]{1,200}?)\s++(?:may|can|are\s++allowed\s++to|is\s++allowed\s++to)\s++"
                   r"(?:reach|access|connect\s++to|talk\s++to|use|query)\s++(?:the\s++)?" + _DATABASE, re.I)

# `ledger-api → Aurora PostgreSQL`
_ARROW = re.compile(r"(?<![\w-])(?P<who>[a-z0-9][\w-]*+)`?\s*+(?:→|->)\s*+(?:the\s++)?(?:Aurora\s++|Amazon\s++|Azure\s++)?"
                    + _DATABASE, re.I)
# `ledger-web must not be able to open a connection to it`, after the database in its sentence (`Nothing else may
# reach the database: ..., and ledger-web must not ...`), or `web must never reach the database`
_DENIED = re.compile(r"\b" + _DATABASE + r"[^.;]{0,300}?(?<![\w-])(?P<who>[a-z0-9][\w-]*+)\s++(?:must|may|can|should)\s++"
                     r"(?:not|never)\s++(?:be\s++able\s++to\s++)?(?:reach|access|connect\s++to|open\s++a\s++connection\s++to"
                     r"|talk\s++to|query|use)\s++(?:it|them)\b"
                     r"|(?<![\w-])(?P<who2>[a-z0-9][\w-]*+)\s++(?:must|may|can|should)\s++(?:not|never)\s++"
                     r"(?:be\s++able\s++to\s++)?(?:reach|access|connect\s++to|open\s++a\s++connection\s++to|talk\s++to|query|use)"
                     r"\s++(?:the\s++)?" + _DATABASE, re.I)


def decide_database_reach(c: Context, structure: str) -> None:
    """Set `database_access` of the applications from the first sentence naming the only ones that reach the database,
    then take it from each one a sentence says must not reach it."""
    apps: list[Service] = list(c.values.get("apps") or [])
    if not apps:
        return
    _only(c, structure, apps)
    _denied(c, structure)
    _arrows(c, structure)


def _arrows(c: Context, structure: str) -> None:
    """A network rule `ledger-api → Aurora PostgreSQL on TCP 5432` states the egress an application that reaches the
    database gets in a multi-tool repository, on the engine's port: record it."""
    reaching = {a.name.lower(): a.name for a in c.values["apps"] if a.database_access}
    for p, m in sentence_matches(c.plan, _ARROW):
        who = reaching.get(m.group("who").lower())
        port = tx.PORT_AFTER.match(p.text, m.end())
        if structure == "multi-tool" and who is not None and port and int(port.group("port")) == _engine_port(c):
            c.applied(p.line_at(m.start()), p.text[m.start():port.end()], f"apps.{who}.database_access")


def _denied(c: Context, structure: str) -> None:
    apps: list[Service] = list(c.values.get("apps") or [])
    names = {a.name.lower(): a.name for a in apps}
    for p, m in sentence_matches(c.plan, _DENIED):
        who = names.get((m.group("who") or m.group("who2")).lower())
        if who is None:
            continue
        line = p.line_at(m.start("who") if m.group("who") else m.start("who2"))
        words = m.group(0)[m.start("who" if m.group("who") else "who2") - m.start():]
        if structure != "multi-tool":
            c.unapplied(line, words, "every application here reaches the database alike: no policy of this "
                        "repository narrows who does")
            continue
        c.values["apps"] = [a.model_copy(update={"database_access": False}) if a.name == who else a
                            for a in c.values["apps"]]
        c.applied(line, words, f"apps.{who}.database_access")


def _only(c: Context, structure: str, apps: list[Service]) -> None:
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
        port = tx.PORT_AFTER.match(p.text, m.end())
        if port and int(port.group("port")) == _engine_port(c):
            c.applied(p.line_at(port.start("port")), port.group(0).strip(" :()"), "apps.database_access")  # its egress port
        return


def _engine_port(c: Context) -> int | None:
    """The port of the database engine the plan names (wiring.yaml `engine_ports`)."""
    return package_data("wiring.yaml")["engine_ports"].get(c.values.get("database_engine"))
