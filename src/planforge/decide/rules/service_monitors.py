"""ServiceMonitors of the plan's Kustomize applications (`ServiceMonitor for orders-api`, a tree's
`servicemonitor-orders-api.yaml`): `apps[].service_monitor`, a ServiceMonitor in each environment's overlay that the
kube-prometheus-stack's Prometheus selects, and the NetworkPolicy letting it scrape past the namespace's default deny.
Without a Prometheus Operator on the cluster, or for chart services, the line is reported."""
from __future__ import annotations

import re

from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.plan.model import plain

_MONITOR = re.compile(r"\bservice\s?monitors?\b", re.I)
_OPERATOR = "kube-prometheus-stack"


def decide_service_monitors(c: Context, structure: str) -> None:
    """Set `service_monitor` of the applications a line asks a ServiceMonitor for."""
    apps: list[Service] = list(c.values.get("apps") or [])
    services: list[Service] = list(c.values.get("services") or [])
    tracked = c.plan.section_lines("complexity tracking")  # justifications, never requests
    asked: dict[str, tuple[int, str]] = {}
    for number, raw in enumerate(c.plan.lines, 1):
        text = plain(raw)
        m = _MONITOR.search(text) if number not in tracked else None
        if m is None:
            continue
        for svc in [*apps, *services]:
            if svc.name not in asked and re.search(rf"(?<!\w){re.escape(svc.name)}(?![\w-])", text, re.I):
                asked[svc.name] = (number, m.group(0))
    if not asked:
        return
    running = [x.name for x in c.values.get("components", [])] + list(c.values.get("installed_components", []))
    built = structure == "multi-tool" and c.values.get("deployment_strategy") != "raw-manifests" and _OPERATOR in running
    portless = {svc.name for svc in [*apps, *services] if not svc.inbound}
    for name, (line, words) in list(asked.items()):
        if name in portless:
            c.unapplied(line, words, f"{name} listens on no port (the plan says so): a ServiceMonitor scrapes a "
                        "Service's port; expose a metrics port and add one yourself")
            asked.pop(name)
        elif name in {a.name for a in apps} and built:
            c.applied(line, words, f"apps.{name}.service_monitor")
        else:
            c.unapplied(line, words, f"ServiceMonitors are generated for the Kustomize applications of a cluster running "
                        f"{_OPERATOR} (a component of the plan); add {name}'s yourself")
    if built:
        c.values["apps"] = [a.model_copy(update={"service_monitor": True}) if a.name in asked else a for a in apps]
