"""Component figures: what a Deployment Components row states of a catalog component is that component's, in the
environment it names or in every one.

- A replica count (`ingress-nginx | Yes | 2 replicas in production`): its `replicas`.
- How long metrics are kept (`kube-prometheus-stack | Yes | metrics kept 15 days`): its `retention_days`; a metrics
  retention on no component's row (`Metrics are retained 30 days`) is every metrics store's of the output.
- The size of its volume (`kube-prometheus-stack | Yes | 50 GiB of storage`): its `storage_gb`; a size on another line
  naming one component of the output that keeps a volume (`Prometheus keeps 15 days on a 50 GiB volume`) is that one's.

Each lands at the values key the catalog names for the chart (`replicas:`, `retention:`, `storage:` in
includes/components.yaml);
a chart without one, a range or an environment the output lacks is reported at its line. The replica counts on no
component's row are left to the applications' and services' rule.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from planforge.decide.answers import Component
from planforge.decide.context import Context
from planforge.decide.data import catalog
from planforge.decide.environments import environment_named
from planforge.plan.figures import Figure


@dataclass(frozen=True)
class _Setting:
    """One figure a component takes: the Component field, the catalog key naming its values key, and the words."""

    field: str
    catalog_key: str
    missing: str  # why a chart without the key takes none ({name}: the component)
    one_value: str  # why a range is not applied
    unit: str  # after the number: `runs 3 in prod`, `keeps 15 days in prod`


REPLICAS = _Setting("replicas", "replicas", "{name}'s values carry no replica count planforge writes: set it in its "
                    "values", "a component runs a fixed count: state one number", "")
RETENTION = _Setting("retention_days", "retention", "{name} keeps no metrics planforge sets a retention for: set it "
                     "where your metrics are kept", "a retention is one number of days: state one", " days")

STORAGE = _Setting("storage_gb", "storage", "{name}'s values carry no volume size planforge writes: set it in its "
                   "values", "a volume has one size: state one", " GiB")


def decide_component_storage(c: Context, storage: list[Figure]) -> list[Figure]:
    """Apply the storage sizes of the components' rows, and of lines naming one component of the output that keeps
    a volume (`Prometheus keeps 15 days on a 50 GiB volume`); the other figures, for the database's rule."""
    rows = {p.line: name for name, p in c.component_rows.items()}
    components = _components(c)
    targeted, rest = [], []
    for f in storage:
        named = rows.get(f.line)
        if named not in components:
            stores = {n for _pos, n in catalog().mentioned(c.line_text(f.line))
                      if n in components and _values_key(components[n], STORAGE)}
            named = stores.pop() if len(stores) == 1 else None
        if named is None:
            rest.append(f)
        else:
            targeted.append((f, [components[named]]))
    _apply_all(c, STORAGE, targeted, components)
    return rest


def decide_component_replicas(c: Context, replicas: list[Figure]) -> list[Figure]:
    """Apply the replica figures of the components' rows; the other figures, for the workload rule."""
    rows = {p.line: name for name, p in c.component_rows.items()}
    components = _components(c)
    rest = [f for f in replicas if rows.get(f.line) not in components]
    _apply_all(c, REPLICAS, [(f, [components[rows[f.line]]]) for f in replicas if f not in rest], components)
    return rest


def decide_metrics_retention(c: Context, figures: list[Figure]) -> None:
    """Apply how long metrics are kept: a component row's to that component, another line's to every component
    of the output that keeps metrics; reported when the output keeps none."""
    rows = {p.line: name for name, p in c.component_rows.items()}
    components = _components(c)
    stores = [comp for comp in components.values() if _values_key(comp, RETENTION)]
    targeted = []
    for f in figures:
        if rows.get(f.line) in components:
            targeted.append((f, [components[rows[f.line]]]))
        elif stores:
            targeted.append((f, stores))
        else:
            c.unapplied(f.line, f.words, "no component of the output keeps metrics (kube-prometheus-stack's "
                        "Prometheus does): set the retention where your metrics are kept")
    _apply_all(c, RETENTION, targeted, components)


def _components(c: Context) -> dict[str, Component]:
    return {comp.name: comp.model_copy(deep=True) for comp in c.values.get("components", [])}


def _apply_all(c: Context, setting: _Setting, targeted: list[tuple[Figure, list[Component]]],
               components: dict[str, Component]) -> None:
    """Apply each figure to its components, an environment's own figure first: a figure for every environment fills
    the others (`1 replica, 3 in production`)."""
    changed = False
    for f, targets in sorted(targeted, key=lambda pair: not pair[0].environment_word):
        changed |= any([_apply(c, setting, f, comp) for comp in targets])
    if changed:
        c.values["components"] = list(components.values())


def _values_key(comp: Component, setting: _Setting) -> str:
    entry = catalog().charts.get(comp.name)  # an upstream chart the plan names has no catalog entry
    return getattr(entry, setting.catalog_key) if entry is not None else ""


def _apply(c: Context, setting: _Setting, f: Figure, comp: Component) -> bool:
    """Set the component's figure in the figure's environments, or report why not; whether it was set."""
    environments = c.values.get("environments", [])
    word = f.environment_word
    env = environment_named(word, environments) if word else ""
    stated: dict[str, int] = getattr(comp, setting.field)
    why = (setting.missing.format(name=comp.name) if not _values_key(comp, setting) else
           f"{word!r} is not an environment of the output" if env is None else
           setting.one_value if f.low is None or f.low != f.high else "")
    if why:
        c.unapplied(f.line, f.words, why)
        return False
    value = math.ceil(f.low)
    if env and stated.get(env, value) != value:
        c.unapplied(f.line, f.words, f"{comp.name} has {stated[env]}{setting.unit} in {env}, stated first")
        return False
    targets = [env] if env else [e for e in environments if e not in stated]
    merged = {**stated, **{e: value for e in targets}}
    setattr(comp, setting.field, {e: merged[e] for e in environments if e in merged})  # in the environments' order
    c.applied(f.line, f.words, f"components.{comp.name}.{setting.field}")
    return True
