"""Closure: every requirement of the model is met before anything is rendered.

A requirement no unit on that cluster provides gets the catalog component that provides it, placed on the
clusters that lack it, with provenance "required by <unit>" (the External Secrets operator for a secret store,
metrics-server for a HorizontalPodAutoscaler on a cluster without one, Dapr's control plane, Argo CD). A
requirement that nothing in the catalog provides, or whose provider the plan excludes (a Deployment Components
row with Required = No), is refused with the plan line and a fix.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from planforge.decide.answers import Provenance
from planforge.model import capabilities as caps
import planforge.model.build as build
from planforge.model.units import Param, SystemModel, Unit



@dataclass
class Closure:
    """The closed model, what the closure added, and what it could not meet."""

    model: SystemModel
    added: list[Unit] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (unit id, capability, why)


def close(model: SystemModel, excluded: dict[str, Provenance] | None = None) -> Closure:
    """Add a provider for every unmet requirement (to a fixed point); `excluded` maps a component the plan rules
    out to the plan line that does."""
    excluded = excluded or {}
    result = Closure(model=model.model_copy(deep=True))
    for _ in range(10):  # providers may need providers (a chart needing cert-manager); the catalog is shallow
        unmet = result.model.unmet()
        if not unmet:
            break
        progressed = False
        for gap in unmet:
            if gap.capability in result.model.provided_on(gap.cluster):
                continue
            entry = caps.provider(gap.capability)
            name = entry.name if entry else None
            if name is None or name in excluded:
                why = (f"the plan excludes {name} at line {excluded[name].line}" if name in excluded
                       else "nothing in the catalog provides it")
                if (gap.unit, gap.capability, why) not in result.refused:
                    result.refused.append((gap.unit, gap.capability, why))
                continue
            progressed |= _place(result, name, gap.unit, gap.capability, gap.cluster)
        if not progressed:
            break
    return result


def _place(result: Closure, name: str, requirer: str, capability: str, cluster: str) -> bool:
    """Put the component on `cluster`: extend a unit the closure added already, or add it."""
    existing = result.model.get(f"component:{name}")
    if existing is not None:
        requirers = existing.params.get("required_by")
        if requirers is not None and requirer not in requirers.value:
            requirers.value.append(requirer)
        if cluster in existing.placement.clusters:
            return False
        existing.placement.clusters.append(cluster)
        return True
    requiring = result.model.get(requirer)
    why = caps.reason(capability)
    note = f"needs {capability}" + (f": {why}" if why else "")
    origin = Provenance(source="required", by=requirer, note=note)
    unit = build.component_unit(name, origin, list(requiring.placement.environments) if requiring else [], [cluster])
    unit.params["required_by"] = Param(value=[requirer], provenance=origin)
    result.model.units.append(unit)
    result.added.append(unit)
    return True
