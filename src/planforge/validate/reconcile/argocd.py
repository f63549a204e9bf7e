"""The reconcile plan of an Argo CD entry point (a bootstrap file, or a directory of Applications).

An app-of-apps of this repository (an Application whose directory source holds Applications or AppProjects) is
expanded from the checkout instead of being applied: applied, it would sync its children from the default branch.
Every other Application is applied with this repository's sources at the revision under test and its destination
on the kind cluster. Argo CD itself is installed from the chart and values of the repository's own `argo-cd`
Application when it has one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planforge.catalog import load_catalog
from planforge.errors import UsageError
from planforge.validate.reconcile.health import ImageCheck, Provided, group_kind, name_of
from planforge.validate.reconcile.plan import IN_CLUSTER, ReconcilePlan, Target, Unit, spec_of, stubs_for
from planforge.validate.reconcile.sources import find_kustomization, is_chart, load, render_chart, repository_path

APPLICATION = "argoproj.io/Application"
PROJECT = "argoproj.io/AppProject"
ARGO_CD_CHART = "argo-cd"


def _sources(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = spec_of(obj)
    return [s for s in ([spec.get("source")] + list(spec.get("sources") or [])) if isinstance(s, dict)]


def _wave(unit: Unit) -> int:
    try:
        return int(((unit.obj.get("metadata") or {}).get("annotations") or {}).get("argocd.argoproj.io/sync-wave", 0))
    except (TypeError, ValueError):
        return 0


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

    def _render(self, app: dict[str, Any], source: dict[str, Any], chart: Path) -> list[dict[str, Any]]:
        """`helm template` of a chart of this repository with the Application's values (value files beside it)."""
        helm = source.get("helm") or {}
        values = helm.get("valuesObject") or yaml.safe_load(helm.get("values") or "") or {}
        files = [repository_path(chart, str(f), within=self.root) for f in helm.get("valueFiles") or []]
        namespace = str((spec_of(app).get("destination") or {}).get("namespace") or "default")
        return render_chart(chart, self.root, str(helm.get("releaseName") or name_of(app)), namespace, files, values)

    def _project(self, obj: dict[str, Any]) -> None:
        """Let the project read the revision under test's URL and deploy to the kind cluster."""
        spec = spec_of(obj)
        repos = list(spec.get("sourceRepos") or [])
        if any(self.target.is_own(url) for url in repos) and self.target.repository_url not in repos:
            spec["sourceRepos"] = repos + [self.target.repository_url]
        destinations = [d for d in spec.get("destinations") or [] if isinstance(d, dict)]
        spec["destinations"] = destinations + [{"server": IN_CLUSTER, "namespace": d.get("namespace", "*")}
                                               for d in destinations if d.get("server") != IN_CLUSTER]

    def _application(self, obj: dict[str, Any]) -> None:
        own = [s for s in _sources(obj) if self.target.is_own(s.get("repoURL")) and s.get("path") is not None]
        delivered: list[dict[str, Any]] = []
        notes: list[str] = []
        for source in own:
            path = repository_path(self.root, str(source["path"]))
            if is_chart(path):
                try:
                    delivered += self._render(obj, source, path)
                except UsageError as exc:
                    notes.append(f"its chart is not rendered here: {exc}")
                continue
            objects = load(path, self.root, source.get("directory"))
            if path.is_dir() and find_kustomization(path) is None and any(
                    group_kind(o) in (APPLICATION, PROJECT) for o in objects):
                key = f"{path}:{source.get('directory')}"
                if key not in self.expanded:
                    self.expanded.add(key)
                    self.visit(objects)
                return
            delivered += objects
        for delivered_obj in delivered:
            self.provided.add(delivered_obj)
        unit = Unit(obj, objects=delivered, notes=notes)
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
        self.apply.append(obj)


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
    skipped = {id(unit.obj) for unit in walk.units if unit.skipped}
    walk.apply = [obj for obj in walk.apply if id(obj) not in skipped]


def _identity(obj: dict[str, Any]) -> tuple[str, str, str]:
    return group_kind(obj), str((obj.get("metadata") or {}).get("namespace") or ""), name_of(obj)


def _argocd_chart(units: list[Unit]) -> tuple[str, dict[str, Any]]:
    """The chart version and values of the repository's own Argo CD Application, else the catalog's pin."""
    for unit in units:
        for source in _sources(unit.obj):
            if source.get("chart") == ARGO_CD_CHART:
                helm = source.get("helm") or {}
                values = helm.get("valuesObject") or yaml.safe_load(helm.get("values") or "") or {}
                return str(source.get("targetRevision")), values
    return str(load_catalog()["charts"][ARGO_CD_CHART]["version"]), {}


def argocd_plan(root: Path, entry: Path, target: Target, image_available: ImageCheck) -> ReconcilePlan:
    walk = _Walk(root, target)
    walk.visit(load(entry, root))
    walk.apply = list({_identity(obj): obj for obj in walk.apply}.values())
    walk.units = list({_identity(unit.obj): unit for unit in walk.units}.values())
    for unit in walk.units:
        unit.decide_health(walk.provided, image_available)
    _one_cluster(walk)
    units = sorted(walk.units, key=_wave)
    delivered = walk.apply + [obj for unit in units for obj in unit.objects]
    return ReconcilePlan("argocd", entry.relative_to(root).as_posix(), walk.apply, units, stubs_for(delivered),
                         argocd_chart=_argocd_chart([unit for unit in units if not unit.skipped]))
