"""The reconcile plan of a Flux entry point (a cluster directory such as `clusters/dev`).

Objects the entry holds are rewritten in place before they are applied; objects a Kustomization of this repository
applies from Git are rewritten by JSON patches added to that Kustomization's `spec.patches`, so Flux itself applies
them changed. Changes: this repository's GitRepository fetches the revision under test; a Kustomization whose objects
cannot be healthy on kind stops waiting for them (`wait: false`, health checks of the rest kept); one that substitutes
variables from a Secret kind will not hold, or depends on a skipped one, is suspended.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planforge.errors import UsageError
from planforge.validate.reconcile.health import ImageCheck, Provided, group_kind, name_of, namespace_of
from planforge.validate.reconcile.plan import GIT_SECRET, ReconcilePlan, Target, Unit, spec_of, stubs_for
from planforge.validate.reconcile.sources import load, render_chart, repository_path

KUSTOMIZATION = "kustomize.toolkit.fluxcd.io/Kustomization"
HELM_RELEASE = "helm.toolkit.fluxcd.io/HelmRelease"
GIT_REPOSITORY = "source.toolkit.fluxcd.io/GitRepository"
HEALTH_CHECKED_KINDS = {"HelmRelease", "Kustomization", "Deployment", "StatefulSet", "DaemonSet"}
Ops = list[dict[str, Any]]


def _git_ops(obj: dict[str, Any], target: Target) -> Ops:
    ops: Ops = [{"op": "add", "path": "/spec/url", "value": target.repository_url},
                {"op": "add", "path": "/spec/ref", "value": {"name": target.ref} if target.ref else {"commit": target.revision}}]
    if target.credential:
        ops.append({"op": "add", "path": "/spec/secretRef", "value": {"name": GIT_SECRET}})
    elif "secretRef" in spec_of(obj):
        ops.append({"op": "remove", "path": "/spec/secretRef"})
    return ops


def _apply_ops(obj: dict[str, Any], ops: Ops) -> None:
    spec = spec_of(obj)
    for op in ops:
        key = op["path"].removeprefix("/spec/")
        if op["op"] == "remove":
            spec.pop(key, None)
        else:
            spec[key] = copy.deepcopy(op["value"])


@dataclass
class _Walk:
    root: Path
    entry: Path
    target: Target
    units: list[Unit] = field(default_factory=list)
    provided: Provided = field(default_factory=Provided)
    own_sources: set[str] = field(default_factory=set)  # namespace/name of this repository's GitRepositories
    child_patches: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # id(unit) -> its children's patches
    walked: set[str] = field(default_factory=set)

    def visit(self, objects: list[dict[str, Any]], parent: Unit | None) -> None:
        for obj in objects:
            self.provided.add(obj)
            if group_kind(obj) == GIT_REPOSITORY and self.target.is_own(spec_of(obj).get("url")):
                self.own_sources.add(f"{namespace_of(obj, 'flux-system')}/{name_of(obj)}")
                self.change(obj, parent, _git_ops(obj, self.target))
        for obj in objects:
            if group_kind(obj) == KUSTOMIZATION:
                self._unit(obj, parent)
            elif group_kind(obj) == HELM_RELEASE and parent is None:
                release = Unit(obj)
                self.units.append(release)
                self._render(release, obj)

    def change(self, obj: dict[str, Any], parent: Unit | None, ops: Ops) -> None:
        """Rewrite an object: in place when the entry holds it, else by a patch of the Kustomization applying it."""
        if parent is None:
            _apply_ops(obj, ops)
            return
        group, kind = group_kind(obj).rsplit("/", 1)
        self.child_patches.setdefault(id(parent), []).append(
            {"target": {"group": group, "kind": kind, "name": name_of(obj)}, "patch": json.dumps(ops)})

    def _unit(self, obj: dict[str, Any], parent: Unit | None) -> None:
        unit = Unit(obj, parent=parent)
        self.units.append(unit)
        ref = unit.spec.get("sourceRef") or {}
        source = f"{ref.get('namespace') or unit.namespace}/{ref.get('name')}"
        path = str(unit.spec.get("path") or ".")
        if ref.get("kind") != "GitRepository" or source not in self.own_sources:
            unit.notes.append(f"its source {ref.get('kind')} {ref.get('name')} is not this repository: not built here")
            return
        if repository_path(self.root, path) == self.entry:
            unit.skipped = ("it applies the entry point itself (flux bootstrap's Kustomization), which the reconcile "
                            "applies from the checkout")
            return
        if f"{source}:{path}" in self.walked:
            return
        self.walked.add(f"{source}:{path}")
        delivered = load(repository_path(self.root, path), self.root)
        self.visit(delivered, unit)
        unit.objects = [o for o in delivered if group_kind(o) != KUSTOMIZATION]
        for release in (o for o in unit.objects if group_kind(o) == HELM_RELEASE):
            self._render(unit, release)

    def _render(self, unit: Unit, release: dict[str, Any]) -> None:
        """Render a HelmRelease whose chart is a path of this repository, with its values, for its health."""
        chart = (spec_of(release).get("chart") or {}).get("spec") or {}
        ref = chart.get("sourceRef") or {}
        source = f"{ref.get('namespace') or namespace_of(release, unit.namespace)}/{ref.get('name')}"
        if ref.get("kind") != "GitRepository" or source not in self.own_sources:
            return
        try:
            path = repository_path(self.root, str(chart.get("chart") or ""))
            files = [repository_path(self.root, str(f)) for f in chart.get("valuesFiles") or []]
            objects = render_chart(path, self.root, str(spec_of(release).get("releaseName") or name_of(release)),
                                   str(spec_of(release).get("targetNamespace") or namespace_of(release)), files,
                                   spec_of(release).get("values") or {})
        except UsageError as exc:
            unit.notes.append(f"HelmRelease {name_of(release)} not rendered here: {exc}")
            return
        unit.rendered[id(release)] = objects
        for obj in objects:
            self.provided.add(obj)


def _skip(walk: _Walk) -> None:
    """Suspend what cannot reconcile on kind: a substitution from a Secret or ConfigMap kind will not hold, then
    whatever depends on (or is applied by) a suspended Kustomization."""
    for unit in walk.units:
        for ref in (unit.spec.get("postBuild") or {}).get("substituteFrom") or []:
            missing = walk.provided.missing(str(ref.get("kind")), str(ref.get("name"))) if isinstance(ref, dict) \
                and not ref.get("optional") else None
            if missing and not unit.skipped:
                unit.skipped = f"it substitutes variables from {missing}"
    changed = True
    while changed:
        changed = False
        skipped = {unit.name for unit in walk.units if unit.skipped}
        for unit in walk.units:
            if unit.skipped:
                continue
            blocked = [d.get("name") for d in unit.spec.get("dependsOn") or [] if d.get("name") in skipped]
            if blocked:
                unit.skipped = f"it depends on {blocked[0]}, which is not reconciled"
            elif unit.parent is not None and unit.parent.skipped:
                unit.skipped = f"{unit.parent.name}, which applies it, is not reconciled"
            changed = changed or bool(unit.skipped)


def _health_checks(unit: Unit, children: list[Unit]) -> list[Any]:
    """References of what a unit that stops waiting still checks: its objects that can be healthy, its children."""
    default = str(unit.spec.get("targetNamespace") or "")
    refs = []
    for obj in unit.objects:
        namespace = namespace_of(obj, default)
        if obj.get("kind") in HEALTH_CHECKED_KINDS and namespace and not unit.reasons_of.get(id(obj)):
            refs.append({"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "name": name_of(obj),
                         "namespace": namespace})
    refs += [{"apiVersion": child.obj.get("apiVersion"), "kind": "Kustomization", "name": child.name,
              "namespace": child.namespace} for child in children if not child.skipped]
    return refs


def _rewrite(walk: _Walk) -> None:
    """Write each unit's decision into it (children first, so a parent's patches carry its children's)."""
    for unit in reversed(walk.units):
        if unit.kind == "HelmRelease":
            if unit.apply_only:  # installed once its manifests apply: the chart's workloads are not awaited
                for phase in ("install", "upgrade"):
                    unit.spec.setdefault(phase, {})["disableWait"] = True
            continue
        children = [u for u in walk.units if u.parent is unit]
        if any(child.skipped for child in children):
            unit.apply_only.extend(f"Kustomization {c.name} is suspended" for c in children if c.skipped)
        ops: list[dict[str, Any]] = []
        if unit.skipped:
            ops.append({"op": "add", "path": "/spec/suspend", "value": True})
        elif unit.apply_only:
            ops += [{"op": "add", "path": "/spec/wait", "value": False},
                    {"op": "add", "path": "/spec/healthChecks",
                     "value": _health_checks(unit, children)}]
        patches = walk.child_patches.get(id(unit))
        if patches:
            ops.append({"op": "add", "path": "/spec/patches", "value": list(unit.spec.get("patches") or []) + patches})
        if ops:
            walk.change(unit.obj, unit.parent, ops)


def flux_plan(root: Path, entry: Path, target: Target, image_available: ImageCheck) -> ReconcilePlan:
    walk = _Walk(root, entry, target)
    objects = load(entry, root)
    walk.visit(objects, None)
    for unit in walk.units:
        unit.decide_health(walk.provided, image_available)
    _skip(walk)
    _rewrite(walk)
    delivered = objects + [obj for unit in walk.units for obj in unit.objects]
    return ReconcilePlan("flux", entry.relative_to(root).as_posix(), objects, _dependencies_first(walk.units),
                         stubs_for(delivered))


def _dependencies_first(units: list[Unit]) -> list[Unit]:
    """The units in an order that waits for a Kustomization's dependencies (and parent) before it."""
    by_name = {unit.name: unit for unit in units}
    ordered: list[Unit] = []

    def place(unit: Unit, seen: frozenset[str]) -> None:
        if unit in ordered or unit.name in seen:
            return
        before = [by_name[d.get("name")] for d in unit.spec.get("dependsOn") or [] if d.get("name") in by_name]
        for earlier in before + ([unit.parent] if unit.parent else []):
            place(earlier, seen | {unit.name})
        ordered.append(unit)

    for unit in units:
        place(unit, frozenset())
    return ordered
