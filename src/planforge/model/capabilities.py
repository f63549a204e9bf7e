"""The capability table (data/capabilities.yaml), read once for its two readers: the system model's closure and
the wiring validator's `wiring/controller-missing`. What a Kubernetes object needs from its cluster, and what gives
it (a distribution's built-in capabilities, a GitOps bootstrap, a catalog component)."""
from __future__ import annotations

from functools import cache
from typing import Any

from planforge.decide.data import ChartEntry, catalog, load


def table() -> dict[str, Any]:
    return load("capabilities.yaml")


@cache
def _crd_providers() -> dict[str, str]:
    """`crd:<group>/<Kind>` -> the catalog component whose `crds` list it (the first one)."""
    found: dict[str, str] = {}
    for name, entry in catalog().charts.items():
        for capability in entry.capabilities():
            if capability.startswith("crd:"):
                found.setdefault(capability, name)
    return found


def distributions() -> list[str]:
    """The distributions the table knows."""
    return list(table().get("distributions") or {})


def built_in(distribution: str) -> tuple[str, ...]:
    """Capabilities a cluster of `distribution` has built in."""
    return tuple((table().get("distributions") or {}).get(distribution) or ())


def scaled_node_groups() -> tuple[str, ...]:
    """The managed distributions whose Terraform-built node groups need a node autoscaler."""
    return tuple(table().get("scaled_node_groups") or ())


def declinable() -> tuple[str, ...]:
    """Capabilities a plan may rule out (their provider's row with Required = No): the clusters do without."""
    return tuple(table().get("declinable") or ())


def bootstrap(gitops: str) -> tuple[str, ...]:
    """Capabilities the GitOps tool's bootstrap installs (`flux bootstrap`)."""
    return tuple((table().get("bootstrap") or {}).get(gitops) or ())


def bootstraps() -> list[str]:
    """The GitOps tools whose bootstrap the table lists."""
    return list(table().get("bootstrap") or {})


def object_needs(kind: str) -> tuple[str, ...]:
    """What an object of `kind` ("group/Kind") needs: its CRD when a catalog component or a bootstrap installs it,
    then the table's `objects` entry. A kind nothing known installs needs nothing known."""
    crd = f"crd:{kind}"
    known = crd in _crd_providers() or any(crd in bootstrap(tool) for tool in bootstraps())
    return ((crd,) if known else ()) + tuple((table().get("objects") or {}).get(kind) or ())


def annotation_needs(annotation: str) -> tuple[str, ...]:
    """What a pod annotated `annotation: "true"` needs."""
    return tuple((table().get("annotations") or {}).get(annotation) or ())


def annotations() -> list[str]:
    """The pod annotations the table knows."""
    return list(table().get("annotations") or {})


def provider(capability: str) -> ChartEntry | None:
    """The catalog component that provides `capability` (`providers`, else the chart whose `crds` list it)."""
    name = (table().get("providers") or {}).get(capability) or _crd_providers().get(capability)
    return catalog().charts.get(name) if name else None


def reason(capability: str) -> str:
    """Why a unit needs `capability` (the table's `reasons`), "" when the table gives none."""
    return str((table().get("reasons") or {}).get(capability) or "")


def needs_of(entry: ChartEntry) -> tuple[str, ...]:
    """The capabilities a catalog component's `needs` ask of its cluster (the table's `needs`)."""
    return tuple(c for need in entry.needs for c in (table().get("needs") or {}).get(need) or ())
