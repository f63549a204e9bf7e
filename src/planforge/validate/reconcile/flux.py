"""The reconcile plan of a Flux entry point (a cluster directory such as `clusters/dev`).

Objects the entry holds are rewritten in place before they are applied; objects a Kustomization of this repository
applies from Git are rewritten by patches added to that Kustomization's `spec.patches`, so Flux itself applies them
changed. Changes: this repository's GitRepositories fetch the revision under test; a Kustomization whose objects
cannot be healthy on kind stops waiting for them (`wait: false`, health checks of the rest kept); a HelmRelease whose
chart renders such objects is installed without waiting for its workloads (`disableWait`) and still awaited; an ACME
issuer of Let's Encrypt uses its staging endpoint; a Kustomization that substitutes variables from a Secret kind will
not hold, or depends on a skipped one, is suspended.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planforge.errors import UsageError
from planforge.validate.reconcile import stubs
from planforge.validate.reconcile.health import ImageCheck, Provided, group_kind, name_of, namespace_of
from planforge.validate.reconcile.plan import GIT_SECRET, Ops, ReconcilePlan, Target, Unit, apply_ops, spec_of
from planforge.validate.reconcile.sources import load, render_chart, render_upstream, repository_path

KUSTOMIZATION = "kustomize.toolkit.fluxcd.io/Kustomization"
HELM_RELEASE = "helm.toolkit.fluxcd.io/HelmRelease"
GIT_REPOSITORY = "source.toolkit.fluxcd.io/GitRepository"
CHART_SOURCES = ("source.toolkit.fluxcd.io/HelmRepository", "source.toolkit.fluxcd.io/OCIRepository")
HEALTH_CHECKED_KINDS = {"HelmRelease", "Kustomization", "Deployment", "StatefulSet", "DaemonSet"}
NO_WAIT = {"spec": {"install": {"disableWait": True}, "upgrade": {"disableWait": True}}}


def _git_ops(obj: dict[str, Any], target: Target) -> Ops:
    ops: Ops = [{"op": "add", "path": "/spec/url", "value": target.repository_url},
                {"op": "add", "path": "/spec/ref",
                 "value": {"name": target.ref} if target.ref else {"commit": target.revision}}]
    if target.credential:
        ops.append({"op": "add", "path": "/spec/secretRef", "value": {"name": GIT_SECRET}})
    elif "secretRef" in spec_of(obj):
        ops.append({"op": "remove", "path": "/spec/secretRef"})
    return ops


def _merge(into: dict[str, Any], change: dict[str, Any]) -> None:
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _key(obj: dict[str, Any], namespace: str) -> str:
    return f"{namespace_of(obj, namespace)}/{name_of(obj)}"


@dataclass
class _Walk:
    root: Path
    entry: Path
    target: Target
    units: list[Unit] = field(default_factory=list)
    provided: Provided = field(default_factory=Provided)
    own_sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # namespace/name -> this repository's
    chart_sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind:namespace/name -> Helm/OCI source
    child_patches: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # id(unit) -> its children's patches
    walked: set[str] = field(default_factory=set)

    def visit(self, objects: list[dict[str, Any]], parent: Unit | None) -> None:
        namespace = parent.namespace_default if parent else "flux-system"
        for obj in objects:
            self.provided.add(obj)
            if group_kind(obj) == GIT_REPOSITORY and self.target.is_own(spec_of(obj).get("url")):
                self.own_sources[_key(obj, namespace)] = obj
                self.change(obj, parent, _git_ops(obj, self.target))
            elif group_kind(obj) in CHART_SOURCES:
                self.chart_sources[f"{obj['kind']}:{_key(obj, namespace)}"] = obj
            elif ops := stubs.acme_ops(obj):
                self.change(obj, parent, ops)
        for obj in objects:
            if group_kind(obj) == KUSTOMIZATION:
                self._unit(obj, parent)
            elif group_kind(obj) == HELM_RELEASE and parent is None:
                self.units.append(Unit(obj, namespace_default=namespace_of(obj, "flux-system")))

    def change(self, obj: dict[str, Any], parent: Unit | None, ops: Ops | dict[str, Any]) -> None:
        """Rewrite an object (JSON patch operations, or a merge): in place when the entry holds it, else by a patch
        of the Kustomization applying it."""
        if parent is None:
            apply_ops(obj, ops) if isinstance(ops, list) else _merge(obj, ops)
            return
        group, kind = group_kind(obj).rsplit("/", 1)
        patch = json.dumps(ops) if isinstance(ops, list) else yaml.safe_dump(
            {"apiVersion": obj.get("apiVersion"), "kind": kind, "metadata": {"name": name_of(obj)}, **ops})
        self.child_patches.setdefault(id(parent), []).append(
            {"target": {"group": group, "kind": kind, "name": name_of(obj)}, "patch": patch})

    def _unit(self, obj: dict[str, Any], parent: Unit | None) -> None:
        unit = Unit(obj, parent=parent)
        unit.namespace_default = str(unit.spec.get("targetNamespace") or "")
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

    def render(self, unit: Unit, release: dict[str, Any]) -> None:
        """Render a HelmRelease's chart (a path of this repository, or a published chart) with its values."""
        spec = spec_of(release)
        chart = (spec.get("chart") or {}).get("spec") or {}
        ref = chart.get("sourceRef") or spec.get("chartRef") or {}
        key = f"{ref.get('namespace') or namespace_of(release, 'flux-system')}/{ref.get('name')}"
        release_name = str(spec.get("releaseName") or name_of(release))
        namespace = str(spec.get("targetNamespace") or namespace_of(release, "default"))
        values = spec.get("values") or {}
        try:
            if ref.get("kind") == "GitRepository" and key in self.own_sources:
                files = [repository_path(self.root, str(f)) for f in chart.get("valuesFiles") or []]
                objects = render_chart(repository_path(self.root, str(chart.get("chart") or "")), self.root,
                                       release_name, namespace, files, values)
            elif f"{ref.get('kind')}:{key}" in self.chart_sources:
                source = spec_of(self.chart_sources[f"{ref.get('kind')}:{key}"])
                name = str(chart.get("chart") or str(source.get("url", "")).rsplit("/", 1)[-1])
                version = str(chart.get("version") or (source.get("ref") or {}).get("tag") or "")
                objects = render_upstream(str(source.get("url")), name, version, release_name, namespace, values)
            else:
                return
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
    """References of what a unit that stops waiting still checks: its releases and workloads that can be healthy
    (a release installed without waiting counts), its children."""
    refs = []
    for obj in unit.objects:
        namespace = namespace_of(obj, unit.namespace_default)
        healthy = obj.get("kind") == "HelmRelease" or not unit.reasons_of.get(id(obj))
        if obj.get("kind") in HEALTH_CHECKED_KINDS and namespace and healthy:
            refs.append({"apiVersion": obj.get("apiVersion"), "kind": obj.get("kind"), "name": name_of(obj),
                         "namespace": namespace})
    refs += [{"apiVersion": child.obj.get("apiVersion"), "kind": "Kustomization", "name": child.name,
              "namespace": child.namespace} for child in children if not child.skipped]
    return refs


def _rewrite(walk: _Walk) -> None:
    """Write each unit's decision into it (children first, so a parent's patches carry its children's)."""
    for unit in reversed(walk.units):
        releases = [unit.obj] if unit.kind == "HelmRelease" else [o for o in unit.objects if o.get("kind") == "HelmRelease"]
        for release in releases:
            if unit.reasons_of.get(id(release)):
                walk.change(release, None if release is unit.obj else unit, NO_WAIT)
                unit.notes.append(f"HelmRelease {name_of(release)} is installed without waiting for its workloads")
        if unit.kind == "HelmRelease":
            unit.apply_only = unit.reasons()
            continue
        children = [u for u in walk.units if u.parent is unit]
        unit.apply_only = unit.reasons(leave_out=("HelmRelease",))
        unit.notes += [r for r in unit.reasons() if r not in unit.apply_only]
        unit.apply_only += [f"Kustomization {c.name} is suspended" for c in children if c.skipped]
        ops: Ops = []
        if unit.skipped:
            ops.append({"op": "add", "path": "/spec/suspend", "value": True})
        elif unit.apply_only:
            ops += [{"op": "add", "path": "/spec/wait", "value": False},
                    {"op": "add", "path": "/spec/healthChecks", "value": _health_checks(unit, children)}]
        patches = walk.child_patches.get(id(unit))
        if patches:
            ops.append({"op": "add", "path": "/spec/patches", "value": list(unit.spec.get("patches") or []) + patches})
        if ops:
            walk.change(unit.obj, unit.parent, ops)


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


def flux_plan(root: Path, entry: Path, target: Target, image_available: ImageCheck) -> ReconcilePlan:
    walk = _Walk(root, entry, target)
    objects = load(entry, root)
    walk.visit(objects, None)
    for unit in walk.units:
        for release in [unit.obj] if unit.kind == "HelmRelease" else unit.objects:
            if group_kind(release) == HELM_RELEASE:
                walk.render(unit, release)
        unit.decide_health(image_available, "flux")
    _skip(walk)
    _rewrite(walk)
    placed = [pair for unit in walk.units if not unit.skipped for pair in unit.placed()]
    checked = [Unit(obj) for key, obj in walk.own_sources.items() if any(obj is o for o in objects)] \
        if target.ref else []
    return ReconcilePlan(
        "flux", entry.relative_to(root).as_posix(), objects, _dependencies_first(walk.units),
        stubs.definitions([obj for obj, _ in placed] + objects) + stubs.secrets(placed, walk.provided),
        git_namespaces=sorted({key.split("/")[0] for key in walk.own_sources}), sources=checked)
