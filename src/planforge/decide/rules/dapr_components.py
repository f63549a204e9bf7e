"""The Dapr Components a plan shows as manifests (`kind: Component` in a code block): the names its applications
call their pub/sub and state store by (`task-events-pubsub`, `task-state`), and its cron input bindings
(`reminder-cron`, schedule `*/1 * * * *`, route `/check-reminders`). The repository's Components take those names,
and each cron binding becomes a Component of its own; without manifests they are `pubsub` and `statestore`, and
there is no binding."""
from __future__ import annotations

import re
from typing import Any

from planforge.decide import text as tx
from planforge.decide.answers import DaprBinding, Provenance
from planforge.decide.context import Context
from planforge.plan.code_blocks import code_blocks

# the schedules Dapr's cron binding takes: `@every 1m`, `@daily`, five or six cron fields
_SCHEDULE = re.compile(r"\A(?:@every \d{1,5}(?:ms|s|m|h)|@(?:yearly|annually|monthly|weekly|daily|midnight|hourly)"
                       r"|[0-9*/,?-]+(?: [0-9*/,?A-Za-z-]+){4,5})\Z")
_SLOTS = {"pubsub": "dapr_pubsub", "state": "dapr_statestore"}


def decide_dapr_components(c: Context) -> None:
    """`dapr_pubsub`, `dapr_statestore` and `dapr_bindings` from the plan's Dapr Component manifests."""
    found = _components(c)
    if not found or not c.values.get("dapr"):
        for name in ("dapr_pubsub", "dapr_statestore"):
            c.default(name, "", "no Dapr Component manifest in the plan: the Component is named after its kind")
        c.default("dapr_bindings", [], "no Dapr cron binding in the plan")
        if found:
            c.unapplied(found[0][0], found[0][1]["name"], "the plan's Dapr Components are generated where its "
                        "services run with Dapr; this repository runs none")
        return
    bindings: list[DaprBinding] = []
    for line, component in found:
        kind = component["type"].split(".")[0]
        answer = _SLOTS.get(kind)
        if answer and not c.values.get(answer) and tx.is_dns_label(component["name"]):
            c.set(answer, component["name"], Provenance(source="plan", line=line, text=tx.quote(c.line_text(line))))
            c.applied(line, component["name"], answer)
            if component["type"] == "state.postgresql":
                _postgres_state(c, line, component["metadata"].get("connectionString"))
        elif component["type"] == "bindings.cron":
            binding = _cron(c, line, component)
            if binding is not None:
                bindings.append(binding)
    for answer in _SLOTS.values():
        if answer not in c.values:
            c.default(answer, "", "no such Component among the plan's manifests: named after its kind")
    if bindings:
        c.set("dapr_bindings", bindings, Provenance(source="plan", line=found[0][0],
                                                    text=tx.quote(c.line_text(found[0][0]))))
    else:
        c.default("dapr_bindings", [], "no Dapr cron binding in the plan")


def _postgres_state(c: Context, line: int, connection: Any) -> None:
    """A PostgreSQL state store the plan shows, with no data store decided: the plan's database is a PostgreSQL the
    services reach by a connection string (external-postgresql), in the Secret the Component names when its key is
    the charts' `connection-string`. Without it the state store would be a Redis nothing installs."""
    if c.values.get("storage") or c.values.get("database_secret"):
        return
    ref = connection if isinstance(connection, dict) else {}
    name = ref.get("name") if ref.get("key") == "connection-string" else None
    prov = Provenance(source="plan", line=line, text=tx.quote(c.line_text(line)),
                      note="the plan's Dapr state store is PostgreSQL, reached by a connection string")
    c.set("storage", "external-postgresql", prov)
    secret = name if isinstance(name, str) and tx.is_dns_label(name) else f"{c.values.get('chart_name') or c.values['project_name']}-db"
    c.set("database_secret", secret, prov)


def _cron(c: Context, line: int, component: dict[str, Any]) -> DaprBinding | None:
    """A cron binding with a schedule Dapr reads, else reported at its line."""
    schedule, route = str(component["metadata"].get("schedule", "")), str(component["metadata"].get("route", ""))
    if not tx.is_dns_label(component["name"]) or not _SCHEDULE.match(schedule) or (
            route and not re.fullmatch(r"/[A-Za-z0-9._/-]*", route)):
        c.unapplied(line, component["name"], "a cron binding is generated with a DNS-label name, a schedule Dapr "
                    "reads (`@every 1m`, five or six cron fields) and an HTTP path as its route")
        return None
    c.applied(line, component["name"], "dapr_bindings")
    return DaprBinding(name=component["name"], schedule=schedule, route=route)


def _components(c: Context) -> list[tuple[int, dict[str, Any]]]:
    """(line of `metadata.name`, {name, type, metadata}) of every Dapr Component in the plan's code blocks."""
    out = []
    for block in code_blocks(c.plan.lines):
        if not any("dapr.io/" in raw for raw in block.lines):
            continue
        for doc in block.documents():
            spec = doc.get("spec") if isinstance(doc, dict) else None
            if not isinstance(spec, dict) or doc.get("kind") != "Component":
                continue
            name, kind = (doc.get("metadata") or {}).get("name"), spec.get("type")
            if not isinstance(name, str) or not isinstance(kind, str):
                continue
            items = spec.get("metadata") if isinstance(spec.get("metadata"), list) else []
            metadata = {str(m.get("name")): m.get("value", m.get("secretKeyRef")) for m in items if isinstance(m, dict)}
            out.append((block.line_of(f"name: {name}"), {"name": name, "type": kind, "metadata": metadata}))
    return out
