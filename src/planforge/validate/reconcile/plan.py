"""What a reconcile applies and awaits, decided from the checkout before anything touches a cluster.

The entry point (a Flux cluster directory, or an Argo CD bootstrap file or directory) is walked as its controller
would (`flux`, `argocd`): every Flux Kustomization and Argo CD Application becomes a unit, and what it delivers from
this repository is built from the checkout. Sources of this repository are pointed at the revision under test. A unit
whose objects cannot be healthy on kind (`health.reasons`) is applied without awaiting their health; a unit that
cannot be reconciled there at all is skipped. Each carries its reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planforge.validate.argocd import normalize_repo_url
from planforge.validate.reconcile import health
from planforge.validate.reconcile.health import ImageCheck, Provided

IN_CLUSTER = "https://kubernetes.default.svc"
GIT_SECRET = "planforge-reconcile-git"


@dataclass(frozen=True)
class Target:
    """The revision under test: where the cluster fetches it from and whether it needs a credential."""

    repository_url: str
    revision: str
    own_urls: frozenset[str]  # normalised URLs the repository's objects name it by
    credential: bool = False
    ref: str | None = None  # a Git reference that holds the revision (a pull request's refs/pull/<n>/head)

    def is_own(self, url: object) -> bool:
        if not isinstance(url, str):
            return False
        return normalize_repo_url(url) in self.own_urls or normalize_repo_url(url) == normalize_repo_url(
            self.repository_url)


@dataclass(eq=False)
class Unit:
    """A Flux Kustomization (or a HelmRelease the entry point holds) or an Argo CD Application the reconcile awaits."""

    obj: dict[str, Any]  # as applied (rewritten)
    objects: list[dict[str, Any]] = field(default_factory=list)  # what it delivers from this repository
    parent: Unit | None = None  # the Flux Kustomization whose path holds it (None: the entry point applies it)
    rendered: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # id(HelmRelease) -> its chart's objects
    reasons_of: dict[int, list[str]] = field(default_factory=dict)  # id(object) -> why it cannot be healthy
    apply_only: list[str] = field(default_factory=list)  # why its health is not awaited
    skipped: str | None = None  # why it is not reconciled at all
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind"))

    @property
    def name(self) -> str:
        return health.name_of(self.obj)

    @property
    def namespace(self) -> str:
        return health.namespace_of(self.obj, "argocd" if self.kind == "Application" else "flux-system")

    @property
    def spec(self) -> dict[str, Any]:
        return spec_of(self.obj)

    @property
    def status(self) -> str:
        return "skipped" if self.skipped else "applied" if self.apply_only else "healthy"

    def decide_health(self, provided: Provided, image_available: ImageCheck) -> None:
        """Collect why the unit's objects (and, for a chart, the unit itself) cannot be healthy on kind."""
        for obj in [self.obj, *self.objects]:
            if obj is self.obj and self.kind == "Kustomization":
                continue
            found = health.reasons(obj, provided, image_available)
            found += [f"{obj.get('kind')} {health.name_of(obj)} renders {reason}"
                      for child in self.rendered.get(id(obj), []) for reason in health.reasons(child, provided,
                                                                                             image_available)]
            self.reasons_of[id(obj)] = found
            self.apply_only.extend(reason for reason in found if reason not in self.apply_only)


@dataclass
class ReconcilePlan:
    controller: str  # "flux" or "argocd"
    entry: str
    apply: list[dict[str, Any]]  # the entry's objects, rewritten, in order
    units: list[Unit]
    stubs: list[dict[str, Any]] = field(default_factory=list)  # stub definitions of platform kinds
    argocd_chart: tuple[str, dict[str, Any]] | None = None  # (chart version, values) Argo CD is installed with

    @property
    def awaited(self) -> list[Unit]:
        return [unit for unit in self.units if not unit.skipped]


def spec_of(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    return spec


def stubs_for(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [health.stub_definition(key) for key in health.platform_kinds_in(objects)]
