"""Component figures: the replica count a Deployment Components row states (`ingress-nginx | Yes | 2 replicas in
production`) is that component's, in the environment it names or in every one.

A count lands at the values key the catalog names for the chart (`replicas:` in includes/components.yaml); a chart
without one, a range or an environment the output lacks is reported at its line. The figures on no component's
row are left to the applications' and services' rule.
"""
from __future__ import annotations

from planforge.decide.answers import Component
from planforge.decide.context import Context
from planforge.decide.data import catalog
from planforge.decide.environments import environment_named
from planforge.plan.figures import Figure


def decide_component_replicas(c: Context, replicas: list[Figure]) -> list[Figure]:
    """Apply the replica figures of the components' rows; the other figures, for the workload rule."""
    rows = {p.line: name for name, p in c.component_rows.items()}
    components = {comp.name: comp.model_copy(deep=True) for comp in c.values.get("components", [])}
    rest = [f for f in replicas if rows.get(f.line) not in components]
    # an environment's own count first: a count for every environment fills the others (`1 replica, 3 in production`)
    own = sorted((f for f in replicas if f not in rest), key=lambda f: not _environment_word(f))
    changed = False
    for f in own:
        changed |= _apply(c, f, components[rows[f.line]])
    if changed:
        c.values["components"] = list(components.values())
    return rest


def _environment_word(f: Figure) -> str:
    """The environment a figure names (`in production`), "" for every one."""
    return f.environment or (f.subject if f.scope == "environment" else "")


def _apply(c: Context, f: Figure, comp: Component) -> bool:
    """Set the component's count in the figure's environments, or report why not; whether it was set."""
    environments = c.values.get("environments", [])
    word = _environment_word(f)
    env = environment_named(word, environments) if word else ""
    entry = catalog().charts.get(comp.name)  # an upstream chart the plan names has no catalog entry
    key = entry.replicas if entry is not None else ""
    why = (f"{comp.name}'s values carry no replica count planforge writes: set it in its values" if not key else
           f"{word!r} is not an environment of the output" if env is None else
           "a component runs a fixed count: state one number" if f.low is None or f.low != f.high else "")
    if why:
        c.unapplied(f.line, f.words, why)
        return False
    if env and comp.replicas.get(env, int(f.low)) != int(f.low):
        c.unapplied(f.line, f.words, f"{comp.name} runs {comp.replicas[env]} in {env}, stated first")
        return False
    targets = [env] if env else [e for e in environments if e not in comp.replicas]
    counts = {**comp.replicas, **{e: int(f.low) for e in targets}}
    comp.replicas = {e: counts[e] for e in environments if e in counts}  # in the environments' order
    c.applied(f.line, f.words, f"components.{comp.name}.replicas")
    return True
