"""The decided answers -> the closed system model; what the closure adds reaches the answers the template renders.

The template still renders from answers: a component the closure adds joins `components` (with its catalog pin and
the note "added: required by <unit>"), so every GitOps tool and structure installs it the way it installs the
plan's own components; the model is rebuilt from the final answers, and its closure must then add nothing.
"""
from __future__ import annotations

import re

from planforge.decide.answers import Answers, Provenance
from planforge.decide.context import Context
from planforge.decide.data import catalog
import planforge.model.build as build
import planforge.model.capabilities as caps
import planforge.model.closure as closing
from planforge.model.units import Placement, SystemModel, Unit


def decide_system(c: Context) -> tuple[Answers, SystemModel]:
    """Close the model of the decided answers; problems for requirements nothing can meet."""
    _installed_already(c)
    answers = Answers(**c.values)
    model = build.build_model(answers, c.provenance)
    outside = _managed_broker(c, answers, [u.name for u in model.by_kind("cluster")])
    closure = closing.close(_with(model, outside), excluded=_excluded(c))
    for unit_id, capability, why in closure.refused:
        if capability in caps.declinable():
            continue  # the plan declines it (Required = No): its clusters do without, nothing is refused
        unit = closure.model.get(unit_id)
        line = unit.provenance.line if unit else None
        c.problem(None, "components", f"{unit_id} needs {capability} on its cluster and {why}",
                  f"add a Deployment Components row that provides {capability}, or drop what needs it", line=line)
    if not closure.added:
        _cluster_features(c, closure.model)
        return _broker_outside(c, answers, closure.model, outside), closure.model
    components = list(c.values.get("components") or [])
    clusters = [u.name for u in closure.model.by_kind("cluster")]
    by_platform = answers.structure == "helm-chart" and answers.gitops == "none"
    for unit in closure.added:
        e = catalog().charts[unit.name]
        only = unit.placement.clusters if by_platform and set(clusters) - set(unit.placement.clusters) else []
        components.append(e.component(f"added: {_required_by(unit)}", platforms=only))
    c.values["components"] = components
    answers = Answers(**c.values)
    model = closing.close(_with(build.build_model(answers, c.provenance), outside)).model
    added = {u.id: u for u in closure.added}
    model.units = [added.get(u.id, u) if u.kind == "component" else u for u in model.units]
    _cluster_features(c, model)
    return _broker_outside(c, answers, model, outside), model


def _cluster_features(c: Context, model: SystemModel) -> None:
    """Deployment Components rows naming what a cluster does itself (node autoscaling: `cluster_features`): applied
    where every cluster has its capability (built in, or from the component the closure installs), reported where
    not. A row naming a tool the catalog does not hold (Karpenter) is reported with the one that does the job."""
    clusters = model.by_kind("cluster")
    for row in c.plan.components:
        feature = catalog().feature(row.name) if row.required else None
        if feature is None:
            continue
        capability = catalog().feature_capability[feature]
        installer = next((u for u in model.units if u.kind == "component" and capability in u.provides), None)
        without = [u.name for u in clusters if capability not in model.provided_on(u.name)]
        if not clusters or len(without) == len(clusters):
            distribution = c.values.get("kubernetes_distribution", "none")
            c.unapplied(row.line, row.name, f"nothing installs a node autoscaler on {distribution} clusters here: "
                        "each node group stays at its minimum size (the plan's lower node figure) until one "
                        "(cluster-autoscaler or Karpenter, with its cloud identity) is installed")
        elif without:
            c.unapplied(row.line, row.name, f"the clusters {', '.join(without)} (a standby region's or another "
                        "cloud's) get no node autoscaler: the one installed names its environment's primary cluster, "
                        "so their node groups stay at their minimum size")
        elif installer is not None and catalog().chart(row.name) is None:
            c.unapplied(row.line, row.name, f"{row.name} is not in the component catalog: {installer.name} resizes "
                        "the node groups between the plan's node figures instead")
        else:
            c.applied(row.line, row.name, "components" if installer else "environment_sizing")


def _broker_outside(c: Context, answers: Answers, model: SystemModel, outside: list[Unit]) -> Answers:
    """`kafka_managed` when the plan's broker runs outside the clusters and no component of theirs is one too (a plan
    may name Redpanda Cloud for later and install Redpanda now): the pub/sub then points at the service."""
    wanted = f"kafka-broker:{answers.kafka}"
    if not outside or any(wanted in u.provides for u in model.units if not u.existing):
        return answers
    c.from_line("kafka_managed", True, outside[0].provenance.line)
    return Answers(**c.values)


def _with(model: SystemModel, units: list[Unit]) -> SystemModel:
    model.units.extend(units)
    return model


def _managed_broker(c: Context, answers: Answers, clusters: list[str]) -> list[Unit]:
    """A Kafka broker the plan runs as a service outside its clusters (`managed_broker`, e.g. Redpanda Cloud): an
    existing unit on every cluster, so the closure installs no broker in them."""
    if answers.kafka == "none":
        return []
    pattern = re.compile(caps.table()["managed_broker"], re.I)
    summary = c.plan.section("summary")
    skip = range(summary.line, summary.end_line + 1) if summary else range(0)
    line = next((n for n, text in enumerate(c.plan.lines, 1) if n not in skip and pattern.search(text)), None)
    if line is None:
        return []
    origin = Provenance(source="plan", line=line, text=c.line_text(line))
    return [Unit(kind="upstream-release", name="managed-kafka", existing=True, provenance=origin,
                 provides=[f"kafka-broker:{answers.kafka}"],
                 placement=Placement(environments=list(answers.environments), clusters=clusters))]


def _required_by(unit: Unit) -> str:
    """Why the closure added a unit: the unit that needs it, or how many of one kind do (`required by 2
    gitops-entry units`: a text that does not change when an environment is renamed)."""
    requirers = unit.params["required_by"].value
    kinds = {r.split(":", 1)[0] for r in requirers}
    if len(requirers) > 1 and len(kinds) == 1:
        return f"required by {len(requirers)} {kinds.pop()} units ({unit.provenance.note})"
    return unit.provenance.describe()


def _installed_already(c: Context) -> None:
    """Components the plan says its clusters run already (`installed_already`: a components row's notes, or a
    clause of a Technical Context field naming catalog components): out of `components` (nothing installs them
    twice), into `installed_components` (the model holds them as existing)."""
    pattern = re.compile(caps.table()["installed_already"], re.I)
    found: dict[str, Provenance] = {}
    for row in c.plan.components:
        entry = catalog().chart(row.name)
        if entry is not None and row.required is not False and pattern.search(row.notes):
            found.setdefault(entry.name, Provenance(source="plan", line=row.line, text=row.text))
    for f in [*c.plan.fields, *c.plan.other_fields]:
        for conjunct in _conjuncts(f.plain):
            said = pattern.search(conjunct)
            # a negation counts within the listed item saying it (`..., not yet present), metrics-server (already
            # installed)` says metrics-server is installed)
            if said and not re.search(r"\bnot\b", conjunct[conjunct.rfind(",", 0, said.start()) + 1:said.start()], re.I):
                for _, name in catalog().mentioned(conjunct):
                    found.setdefault(name, Provenance(source="plan", line=f.line, text=f"{f.label}: {f.plain}"))
    if not found:
        c.default("installed_components", [], "the plan says no component runs on its clusters already")
        return
    c.values["components"] = [x for x in c.values.get("components") or [] if x.name not in found]
    cites = list(dict.fromkeys(found.values()))
    c.set("installed_components", list(found), cites[0].model_copy(update={"more": tuple(cites[1:])}))


# A part of a sentence that says something of its own (it has a verb); a part without one (a name of a list)
# belongs to the part after it: "Argo CD, cert-manager and metrics-server are already installed".
_VERB = re.compile(r"\b(?:is|are|was|were|be|runs?|adds?|installs?|installed|deploys?|deployed|has|have|will|must|"
                   r"should|needs?|provides?|provided|comes?|gets?|uses?)\b", re.I)


def _conjuncts(text: str) -> list[str]:
    """The parts of a field's text that each state one thing: split at sentence marks, at commas and at
    "but"/"while"/"whereas"/", and"; a part without a verb joins the part after it."""
    parts = [p.strip() for p in re.split(r"[;:.](?:\s|$)|,|\b(?:but|while|whereas)\b", text) if p and p.strip()]
    out: list[str] = []
    pending = ""
    for part in parts:
        if _VERB.search(part):
            out.append(f"{pending}, {part}" if pending else part)
            pending = ""
        else:
            pending = f"{pending}, {part}" if pending else part
    return out + ([pending] if pending else [])


def _excluded(c: Context) -> dict[str, Provenance]:
    """Catalog components the plan rules out (a components row with Required = No, `cluster-autoscaler / Karpenter`
    naming each of them) -> that row."""
    out: dict[str, Provenance] = {}
    for row in c.plan.components:
        for name in re.split(r"\s*(?:/|,|&|\+|\bor\b)\s*", row.name) if row.required is False else []:
            entry = catalog().chart(name)
            if entry is not None:
                out[entry.name] = Provenance(source="plan", line=row.line, text=row.text)
    return out


def cite_added(provenance: dict[str, Provenance], model: SystemModel) -> dict[str, Provenance]:
    """The components answer cites what the closure added after the plan's own lines (or alone, when the plan
    names no component)."""
    added = [u.provenance for u in model.added() if u.kind == "component"]
    if not added:
        return provenance
    prov = provenance.get("components")
    if prov is None or prov.source != "plan":
        first, *rest = added
        return {**provenance, "components": first.model_copy(update={"more": tuple(rest)})}
    return {**provenance, "components": prov.model_copy(update={"more": (*prov.more, *added)})}
