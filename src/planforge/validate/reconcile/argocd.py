"""The reconcile plan of an Argo CD entry point (a bootstrap file, or a directory of Applications).

An app-of-apps of this repository (an Application whose directory source holds Applications or AppProjects) is
expanded from the checkout instead of being applied: applied, it would sync its children from the default branch.
Every other Application of one destination cluster is applied, wave by wave, with this repository's sources at the
revision under test and its destination on the kind cluster; a Let's Encrypt issuer its kustomization delivers is
patched to the staging endpoint. Argo CD itself is installed from the chart and values of the repository's own
`argo-cd` Application when it has one.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planforge.catalog import load_catalog
from planforge.errors import UsageError
from planforge.validate.reconcile import stubs
from planforge.validate.reconcile.health import ImageCheck, Provided, group_kind, name_of
from planforge.validate.reconcile.plan import IN_CLUSTER, ReconcilePlan, Target, Unit, spec_of
from planforge.validate.reconcile.sources import (
    find_kustomization,
    is_chart,
    load,
    render_chart,
    render_upstream,
    repository_path,
)

APPLICATION = "argoproj.io/Application"
PROJECT = "argoproj.io/AppProject"
ARGO_CD_CHART = "argo-cd"


def _sources(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = spec_of(obj)
    return [s for s in ([spec.get("source")] + list(spec.get("sources") or [])) if isinstance(s, dict)]


def _values(source: dict[str, Any]) -> dict[str, Any]:
    helm = source.get("helm") or {}
    return helm.get("valuesObject") or yaml.safe_load(helm.get("values") or "") or {}


@dataclass
class _Walk:
    root: Path
    target: Target
    apply: list[dict[str, Any]] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    provided: Provided = field(default_factory=Provided)
    expanded: set[str] = field(default_factory=set)

    def visit(self, objects: list[dict[str, Any]]) -> None:
        for obj in objects:
            self.provided.add(obj)
        for obj in objects:
            kind = group_kind(obj)
            if kind == APPLICATION:
                self._application(obj)
            elif kind == PROJECT:
                self._project(obj)
                self.apply.append(obj)
            else:
                self.apply.append(obj)

    def _project(self, obj: dict[str, Any]) -> None:
        """Let the project read the revision under test's URL and deploy to the kind cluster."""
        spec = spec_of(obj)
        repos = list(spec.get("sourceRepos") or [])
        if any(self.target.is_own(url) for url in repos) and self.target.repository_url not in repos:
            spec["sourceRepos"] = repos + [self.target.repository_url]
        destinations = [d for d in spec.get("destinations") or [] if isinstance(d, dict)]
        spec["destinations"] = destinations + [{"server": IN_CLUSTER, "namespace": d.get("namespace", "*")}
                                               for d in destinations if d.get("server") != IN_CLUSTER]

    def _delivered(self, app: dict[str, Any], source: dict[str, Any], unit: Unit) -> list[dict[str, Any]] | None:
        """What one source delivers (None: an app-of-apps, expanded here instead)."""
        namespace = str((spec_of(app).get("destination") or {}).get("namespace") or "default")
        release = str((source.get("helm") or {}).get("releaseName") or name_of(app))
        try:
            if not self.target.is_own(source.get("repoURL")):
                if not source.get("chart"):
                    return []
                return render_upstream(str(source.get("repoURL")), str(source["chart"]),
                                       str(source.get("targetRevision")), release, namespace, _values(source))
            if source.get("path") is None:
                return []
            path = repository_path(self.root, str(source["path"]))
            if is_chart(path):
                files = [repository_path(path, str(f), within=self.root)
                         for f in (source.get("helm") or {}).get("valueFiles") or []]
                return render_chart(path, self.root, release, namespace, files, _values(source))
        except UsageError as exc:
            unit.notes.append(f"its chart is not rendered here: {exc}")
            return []
        objects = load(path, self.root, source.get("directory"))
        if path.is_dir() and find_kustomization(path) is None and any(
                group_kind(o) in (APPLICATION, PROJECT) for o in objects):
            key = f"{path}:{source.get('directory')}"
            if key not in self.expanded:
                self.expanded.add(key)
                self.visit(objects)
            return None
        if find_kustomization(path) is not None:
            self._patch_issuers(source, objects)
        return objects

    def _patch_issuers(self, source: dict[str, Any], objects: list[dict[str, Any]]) -> None:
        """Point the Let's Encrypt issuers a kustomization delivers at the staging endpoint (Argo CD's kustomize
        patches, applied to what it builds)."""
        for obj in objects:
            if ops := stubs.acme_ops(obj):
                group, kind = group_kind(obj).rsplit("/", 1)
                kustomize = source.setdefault("kustomize", {})
                kustomize.setdefault("patches", []).append(
                    {"target": {"group": group, "kind": kind, "name": name_of(obj)}, "patch": json.dumps(ops)})

    def _application(self, obj: dict[str, Any]) -> None:
        unit = Unit(obj, namespace_default=str((spec_of(obj).get("destination") or {}).get("namespace") or "default"))
        for source in _sources(obj):
            delivered = self._delivered(obj, source, unit)
            if delivered is None:
                return
            unit.objects += delivered
        for delivered_obj in unit.objects:
            self.provided.add(delivered_obj)
        for source in _sources(obj):
            if self.target.is_own(source.get("repoURL")):
                source["repoURL"] = self.target.repository_url
                source["targetRevision"] = self.target.revision
        sync = spec_of(obj).setdefault("syncPolicy", {}) or {}
        if not sync.get("automated"):
            unit.notes.append("it has no automated sync: the reconcile syncs it")
            sync["automated"] = {"prune": False, "selfHeal": False}
            spec_of(obj)["syncPolicy"] = sync
        self.units.append(unit)


def _destination(unit: Unit) -> str:
    destination = unit.spec.get("destination") or {}
    return str(destination.get("server") or destination.get("name") or IN_CLUSTER)


def _one_cluster(walk: _Walk) -> None:
    """Reconcile the Applications of one destination cluster (the in-cluster one when any Application has it), on
    kind; skip the others: on one cluster, two sites' copies of a component would fight over the same objects."""
    if not walk.units:
        return
    destinations = [_destination(unit) for unit in walk.units]
    chosen = IN_CLUSTER if IN_CLUSTER in destinations else destinations[0]
    for unit, destination in zip(walk.units, destinations):
        if destination != chosen:
            unit.skipped = (f"its destination {destination} is another cluster (this reconcile runs "
                            f"{'the in-cluster destination' if chosen == IN_CLUSTER else chosen}'s Applications)")
            continue
        if destination != IN_CLUSTER:
            unit.notes.append(f"its destination {destination} is the kind cluster here")
            unit.spec["destination"] = {"server": IN_CLUSTER, "namespace": (unit.spec.get("destination") or {}).get(
                "namespace")}


def _identity(obj: dict[str, Any]) -> tuple[str, str, str]:
    return group_kind(obj), str((obj.get("metadata") or {}).get("namespace") or ""), name_of(obj)


def _argocd_chart(units: list[Unit]) -> tuple[str, dict[str, Any]]:
    """The chart version and values of the repository's own Argo CD Application, else the catalog's pin."""
    for unit in units:
        for source in _sources(unit.obj):
            if source.get("chart") == ARGO_CD_CHART:
                return str(source.get("targetRevision")), _values(source)
    return str(load_catalog()["charts"][ARGO_CD_CHART]["version"]), {}


def argocd_plan(root: Path, entry: Path, target: Target, image_available: ImageCheck) -> ReconcilePlan:
    walk = _Walk(root, target)
    walk.visit(load(entry, root))
    walk.apply = list({_identity(obj): obj for obj in walk.apply}.values())
    walk.units = list({_identity(unit.obj): unit for unit in walk.units}.values())
    _one_cluster(walk)
    for unit in walk.units:
        unit.decide_health(image_available, "argocd")
        unit.apply_only = unit.reasons()
    units = sorted(walk.units, key=lambda unit: unit.wave)
    awaited = [unit for unit in units if not unit.skipped]
    placed = [pair for unit in awaited for pair in unit.placed()]
    return ReconcilePlan("argocd", entry.relative_to(root).as_posix(), walk.apply, units,
                         stubs.definitions([obj for obj, _ in placed] + walk.apply)
                         + stubs.secrets(placed, walk.provided),
                         argocd_chart=_argocd_chart(awaited))
