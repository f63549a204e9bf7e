"""Every environment on one cluster (`single DOKS cluster`, `one cluster for all environments`): the chart's release
of each environment goes to a namespace of its own, named like the environment when the plan names its namespaces
so (`Namespace: staging`, `kubectl create namespace production`), else `<chart>-<env>`. Without it each environment
has a cluster of its own and the release keeps the chart's name as its namespace (`release_namespaces: chart`).

Built for a helm-chart repository installed without a GitOps tool, whose clusters exist outside it; elsewhere the
repository gives each environment a cluster of its own and the statement is reported as not applied."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context

if TYPE_CHECKING:
    from planforge.decide.rules.statements import Statement

# A namespace a plan line names: `Namespace: staging`, `namespace staging`, `--namespace=staging`, `-n staging`.
_NAMESPACE = re.compile(r"(?:\bnamespace\b[:=]?[ \t]{0,4}|--namespace[= ]|[ \t]-n[ \t]{1,4})[\"'`]?([a-z0-9][a-z0-9-]{0,62})\b",
                        re.I)


def decide_shared_cluster(c: Context, structure: str, s: Statement) -> None:
    """`release_namespaces` from a shared-cluster statement: `env` when the plan names a namespace after each
    environment, else `chart-env`."""
    environments = list(c.values.get("environments") or [])
    if len(environments) < 2:
        c.applied(s.line, s.words, "environments")  # one environment: its cluster is the single cluster
        return
    if structure != "helm-chart" or c.values.get("gitops") != "none":
        c.unapplied(s.line, s.words, "planforge gives each environment a cluster of its own in this repository; "
                    "environments sharing one cluster, each in its own namespace, are built for a helm-chart "
                    "repository installed without a GitOps tool")
        return
    named = _namespace_lines(c, environments)
    value = "env" if named else "chart-env"
    where = (f"each environment's release in the namespace named like it, as line {named} names them" if named
             else "each environment's release in <chart>-<env>: the plan names no namespace after an environment")
    c.set("release_namespaces", value, Provenance(source="plan", line=s.line, text=tx.quote(c.line_text(s.line)),
                                                  note=where))
    c.applied(s.line, s.words, "release_namespaces")


def _namespace_lines(c: Context, environments: list[str]) -> int | None:
    """The first plan line naming a namespace after an environment, when every environment has such a line."""
    first: dict[str, int] = {}
    for number, raw in enumerate(c.plan.lines, 1):
        for m in _NAMESPACE.finditer(raw):
            name = m.group(1).lower()
            if name in environments:
                first.setdefault(name, number)
    return min(first.values()) if set(first) == set(environments) else None
