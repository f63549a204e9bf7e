"""Azure App Service (`compute: app-service`): what the plan says that its web apps and their plan can carry.

- An environment's instance type is its App Service plan's SKU, as Azure writes it (`P1v3`, `B2`). Free and Shared
  plans (F1, D1) have no virtual network integration, which the private database and internal apps need: refused.
  A Basic plan does not autoscale: it runs its minimum (one when none is stated), and a stated range is reported.
- App Service runs web apps: a worker with no inbound port would fail the platform's start-up ping, and nothing runs
  a scheduled job. Both are reported at their line and not generated.
- On any other compute, an App Service SKU the plan states is reported and no VM takes it.
"""
from __future__ import annotations

import re

from planforge.decide.answers import EnvironmentSizing, Service
from planforge.decide.context import Context
from planforge.decide.rules.capacity import instance_type_line

_SKU = re.compile(r"^(?:P[0-5]m?v[2-4]|I[1-6]m?v2|F1|D1|B[1-3]|S[1-3])$", re.I)
_NO_VNET = re.compile(r"^[FD]1$", re.I)
_BASIC = re.compile(r"^B[1-3]$", re.I)
_JOB = ("App Service runs no scheduled jobs: {name} would need a scheduler and a container that exits; run it as "
        "an Azure Container Apps job")
_WEB_APP = ("App Service runs web apps, which answer HTTP on their port: a worker with no inbound port fails the "
            "start-up ping and is restarted; give {name} an HTTP port and health path, or run it on Azure Container "
            "Apps")


def decide_app_service(c: Context) -> None:
    sizing: list[EnvironmentSizing] = c.values.get("environment_sizing", [])
    if c.values.get("compute") != "app-service":
        _drop_skus(c, sizing)
        return
    for s in sizing:
        if s.instance_type and _SKU.match(s.instance_type):
            written, line = s.instance_type, instance_type_line(c, s)
            s.instance_type = azure_sku(written)
            _check_sku(c, s, written, line)
    apps: list[Service] = c.values.get("apps", [])
    line = c.provenance["apps"].line if "apps" in c.provenance else None
    for app in [a for a in apps if not a.inbound]:
        if line is not None:
            c.unapplied(line, app.name, (_JOB if app.schedule else _WEB_APP).format(name=app.name))
        apps.remove(app)


def azure_sku(sku: str) -> str:
    """The SKU as Azure names it: the tier letter capital, the rest lowercase (`p1MV3` -> `P1mv3`)."""
    return sku[0].upper() + sku[1:].lower()


def _check_sku(c: Context, s: EnvironmentSizing, written: str, line: int | None) -> None:
    """Refuse a plan without virtual network integration; a Basic plan runs one size (`written` at `line`)."""
    if _NO_VNET.match(s.instance_type or ""):
        c.problem(c.field_at(line) if line else None, "environment_sizing",
                  f"{s.instance_type} (Free or Shared App Service plan) in {s.name} has no virtual network "
                  "integration, which the private database and internal apps need",
                  "name B1 or larger (P0v3 or larger in production)", line=line)
    elif _BASIC.match(s.instance_type or ""):
        if s.max_size > (s.min_size or 1) and line:
            c.unapplied(line, written, f"a Basic App Service plan does not autoscale: {s.name} runs "
                        f"{s.min_size or 1} instance(s); name S1 or larger to scale out to {s.max_size}")
        s.min_size = s.max_size = s.min_size or 1  # what a Basic plan runs, stated or not


def _drop_skus(c: Context, sizing: list[EnvironmentSizing]) -> None:
    for s in sizing:
        if s.instance_type and _SKU.match(s.instance_type):
            line = instance_type_line(c, s)
            if line:
                c.applied_phrases.pop((line, s.instance_type), None)
                c.unapplied(line, s.instance_type, "an App Service plan SKU: this plan's applications do not run on "
                            "Azure App Service, and no VM takes it")
            s.instance_type = None

