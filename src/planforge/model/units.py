"""The system model: the units a plan's system is made of, what each needs and what each gives.

A unit is one part of the system (a cluster, a catalog component, an application, a GitOps entry, a Terraform
root, ...). `requires` and `provides` are capabilities (data/capabilities.yaml): a unit's requirement is met on
each cluster it is placed on by a unit placed on that cluster (or the cluster itself) that provides it. A unit
the plan says already exists is `existing`: it provides, and renders nothing.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from planforge.decide.answers import Provenance

UnitKind = Literal[
    "terraform-root", "terraform-module", "cloudformation-stack", "pulumi-stack", "cluster", "network", "database",
    "registry", "secret-store",
    "object-storage", "dns", "identity", "k8s-app", "chart", "upstream-release", "component", "controller",
    "gitops-entry", "ansible-role", "ci-workflow",
]


class Param(BaseModel):
    """One parameter of a unit and where its value came from."""

    value: Any
    provenance: Provenance


class Placement(BaseModel):
    """Where a unit runs or is applied: environments, the clusters (cluster unit names) and regions."""

    environments: list[str] = Field(default_factory=list)
    clusters: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)


class Unit(BaseModel):
    kind: UnitKind
    name: str
    path: str = ""  # its directory or file in the generated repository; "" when it has none of its own
    existing: bool = False  # the plan says it exists already: it provides, it renders nothing
    params: dict[str, Param] = Field(default_factory=dict)
    requires: list[str] = Field(default_factory=list)
    # a requirement that holds on some of its clusters only (capability -> those clusters), e.g. a chart's
    # HorizontalPodAutoscaler that only managed platforms turn on; every other requirement holds on every cluster
    only_on: dict[str, list[str]] = Field(default_factory=dict)
    provides: list[str] = Field(default_factory=list)
    provenance: Provenance
    placement: Placement = Field(default_factory=Placement)

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.name}"


class Unmet(BaseModel):
    """A requirement nothing in the model meets: the unit, the capability and the cluster it is missing on."""

    unit: str
    capability: str
    cluster: str


class SystemModel(BaseModel):
    units: list[Unit] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """`plan show --json`'s `model` (docs/plan-json.md): each unit with its id."""
        return {"units": [{"id": u.id, **u.model_dump(mode="json")} for u in self.units]}

    def added(self) -> list[Unit]:
        """The units the closure added: required by another unit, not stated by the plan."""
        return [u for u in self.units if u.provenance.source == "required"]

    def by_kind(self, kind: str) -> list[Unit]:
        return [u for u in self.units if u.kind == kind]

    def get(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def provided_on(self, cluster: str) -> set[str]:
        """Every capability some unit gives on this cluster (the cluster unit's own included)."""
        out: set[str] = set()
        for u in self.units:
            if (u.kind == "cluster" and u.name == cluster) or cluster in u.placement.clusters:
                out.update(u.provides)
        return out

    def unmet(self) -> list[Unmet]:
        """Every (unit, capability, cluster) no unit on that cluster provides, in unit order."""
        out: list[Unmet] = []
        for u in self.units:
            for cluster in u.placement.clusters or ([u.name] if u.kind == "cluster" else []):
                have = self.provided_on(cluster)
                out.extend(Unmet(unit=u.id, capability=c, cluster=cluster) for c in u.requires
                           if c not in have and cluster in u.only_on.get(c, [cluster]))
        return out
