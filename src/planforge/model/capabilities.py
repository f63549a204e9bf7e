"""The capability table (data/capabilities.yaml) and the catalog's capabilities, read once."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from planforge.decide.data import catalog, load


@lru_cache(maxsize=None)
def table() -> dict[str, Any]:
    return load("capabilities.yaml")


def built_in(distribution: str) -> list[str]:
    """Capabilities a cluster of this distribution has from its default install."""
    return list((table().get("distributions") or {}).get(distribution) or [])


def bootstrap(gitops: str) -> list[str]:
    """What the GitOps tool's own bootstrap installs on a cluster (`flux bootstrap`)."""
    return list((table().get("bootstrap") or {}).get(gitops) or [])


def object_needs(kind: str) -> list[str]:
    """Capabilities serving a Kubernetes kind (group/Kind): its CRD when a catalog chart installs it, and the
    table's `objects` entry (e.g. the metrics API for a HorizontalPodAutoscaler)."""
    extra = list((table().get("objects") or {}).get(kind) or [])
    crd = f"crd:{kind}"
    return ([crd] if provider(crd) else []) + extra


def provider(capability: str) -> str | None:
    """The catalog component that provides a capability: the table's `providers`, else the chart listing the CRD."""
    named = (table().get("providers") or {}).get(capability)
    if named:
        return named
    return next((e.name for e in catalog().charts.values() if capability in e.capabilities()), None)
