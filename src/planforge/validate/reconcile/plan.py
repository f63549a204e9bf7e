"""What a reconcile applies and awaits, decided from the checkout before anything touches a cluster.

The entry point (a Flux cluster directory, or an Argo CD bootstrap file or directory) is walked as its controller
would (`flux`, `argocd`): every Flux Kustomization and Argo CD Application becomes a unit, and what it delivers is
built from the checkout (charts rendered with their values). Sources of this repository are pointed at the revision
under test. A unit whose objects cannot be healthy on kind (`health.reasons`) is applied without awaiting their
health; a unit that cannot be reconciled there at all is skipped; what kind lacks is stubbed (`stubs`). Each carries
its reason.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from planforge.validate.argocd import normalize_repo_url
from planforge.validate.reconcile import health
from planforge.validate.reconcile.health import ImageCheck, name_of
from planforge.validate.reconcile.stubs import Stub

IN_CLUSTER = "https://kubernetes.default.svc"
GIT_SECRET = "planforge-reconcile-git"
Ops = list[dict[str, Any]]


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
    """A Flux Kustomization (or a HelmRelease the entry point holds) or an Argo CD Application the reconcile awaits;
    a GitRepository of this repository when its revision is checked."""

    obj: dict[str, Any]  # as applied (rewritten)
    objects: list[dict[str, Any]] = field(default_factory=list)  # what it delivers from this repository
    parent: Unit | None = None  # the Flux Kustomization whose path holds it (None: the entry point applies it)
    namespace_default: str = ""  # where its objects without a namespace go
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
        return name_of(self.obj)

    @property
    def namespace(self) -> str:
        return health.namespace_of(self.obj, "argocd" if self.kind == "Application" else "flux-system")

    @property
    def spec(self) -> dict[str, Any]:
        return spec_of(self.obj)

    @property
    def wave(self) -> int:
        try:
            return int(((self.obj.get("metadata") or {}).get("annotations") or {}).get("argocd.argoproj.io/sync-wave", 0))
        except (TypeError, ValueError):
            return 0

    @property
    def status(self) -> str:
        return "skipped" if self.skipped else "applied" if self.apply_only else "healthy"

    def placed(self) -> Iterator[tuple[dict[str, Any], str]]:
        """Every object the unit delivers (a chart's included) with the namespace it lands in."""
        for obj in [self.obj, *self.objects]:
            if obj is not self.obj:
                yield obj, health.namespace_of(obj, self.namespace_default)
            release_namespace = str(spec_of(obj).get("targetNamespace") or health.namespace_of(obj, "default"))
            for child in self.rendered.get(id(obj), []):
                yield child, health.namespace_of(child, release_namespace)

    def decide_health(self, image_available: ImageCheck, controller: str) -> None:
        """Why each delivered object (a chart's objects counted for its release) cannot be healthy on kind."""
        for obj in [self.obj, *self.objects]:
            if obj is self.obj and self.kind == "Kustomization":
                continue
            found = health.reasons(obj, image_available, controller)
            found += [f"{obj.get('kind')} {name_of(obj)} renders {reason}" for child in self.rendered.get(id(obj), [])
                      for reason in health.reasons(child, image_available, controller)]
            self.reasons_of[id(obj)] = found

    def reasons(self, leave_out: tuple[str, ...] = ()) -> list[str]:
        """The reasons of its objects, each once, those of the kinds `leave_out` left out."""
        found: list[str] = []
        for obj in [self.obj, *self.objects]:
            if obj.get("kind") not in leave_out:
                found += [r for r in self.reasons_of.get(id(obj), []) if r not in found]
        return found


@dataclass
class ReconcilePlan:
    controller: str  # "flux" or "argocd"
    entry: str
    apply: list[dict[str, Any]]  # the entry's objects, rewritten, in order (Argo CD: without its Applications)
    units: list[Unit]
    stubs: list[Stub] = field(default_factory=list)  # what stands in for the cloud's or the team's part
    argocd_chart: tuple[str, dict[str, Any]] | None = None  # (chart version, values) Argo CD is installed with
    git_namespaces: list[str] = field(default_factory=list)  # where this repository's GitRepositories read it
    sources: list[Unit] = field(default_factory=list)  # GitRepositories whose fetched revision is checked

    @property
    def awaited(self) -> list[Unit]:
        return [unit for unit in self.units if not unit.skipped]


def spec_of(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    return spec


def apply_ops(obj: dict[str, Any], ops: Ops) -> None:
    """Apply JSON patch operations (add, replace, remove of object members) to `obj` in place."""
    for op in ops:
        *parents, last = op["path"].strip("/").split("/")
        node = obj
        for key in parents:
            node = node.setdefault(key, {})
        if op["op"] == "remove":
            node.pop(last, None)
        else:
            node[last] = copy.deepcopy(op["value"])
