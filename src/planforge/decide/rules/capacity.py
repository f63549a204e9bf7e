"""Capacity rule: the pods the plan states must fit the nodes it states (runs right after the figure rules).

Per environment of a Terraform-managed cluster whose node type is in data/instances.yaml (stated, or the blueprint's
default for the cloud and environment), three checks:
- one pod's memory or CPU request (the limit when no request is stated) fits a node's allocatable room;
- the applications' minimum replicas times their stated requests fit the maximum node count;
- the pod count the plan states fits the maximum node count times the pods a node runs.
A stated instance type that fails is a problem naming the figure's line and a fix; a default type moves up its
family to the smallest size that holds every figure, and the sizing answer's provenance says so. Unknown types
and applications without stated requests are not checked.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from planforge.decide.answers import EnvironmentSizing, Service
from planforge.decide.context import Context
from planforge.decide.data import load
from planforge.decide.environments import is_production
from planforge.layout import load_layout

_CLUSTER_STRUCTURES = ("multi-tool", "multi-tenant")
_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|m)?$")
_RESOURCE_ANSWER = re.compile(r"^((?:apps|services)\.[^.]+)\.(memory|cpu)_(request|limit)")
_MEBIBYTES = {"Ki": 1 / 1024, "Mi": 1.0, "Gi": 1024.0, "Ti": 1048576.0, "": 1 / 1048576}


@dataclass(frozen=True)
class NodeType:
    name: str
    family: tuple[str, ...]  # the family's sizes, smallest first
    memory_mi: float  # allocatable memory (capacity minus the reserve)
    cpu_m: float  # allocatable CPU in millicores
    max_pods: int


@dataclass(frozen=True)
class Capacities:
    types: dict[str, dict[str, NodeType]]  # cloud -> type name -> its capacity
    defaults: dict[str, tuple[str, str]]  # cloud -> (non-production type, production type)
    pod_security_group_defaults: dict[str, tuple[str, str]]  # the same, for a multi-tenant EKS cluster (no t family)
    pod_security_group_refused: dict[str, tuple[re.Pattern[str], ...]]  # cloud -> types without trunking
    pod_security_group_fix: dict[str, str]  # cloud -> the type a refusal proposes
    node_defaults: dict[bool, tuple[int, int]]  # production? -> (min, max) nodes


@lru_cache(maxsize=None)
def capacities() -> Capacities:
    data = load("instances.yaml")
    reserve = data["reserve"]
    types: dict[str, dict[str, NodeType]] = {}
    for cloud, entry in data["clouds"].items():
        types[cloud] = {}
        for sizes in entry["families"].values():
            family = tuple(sizes)
            for name, (vcpu, memory_gib, max_pods) in sizes.items():
                types[cloud][name] = NodeType(
                    name=name, family=family,
                    memory_mi=memory_gib * 1024 * (1 - reserve["memory_fraction"]) - reserve["memory_gib"] * 1024,
                    cpu_m=vcpu * 1000 * (1 - reserve["cpu_fraction"]), max_pods=int(max_pods))
    nodes = load_layout()["default_node_range"]
    return Capacities(
        types=types, defaults={cloud: tuple(e["defaults"]) for cloud, e in data["clouds"].items()},  # type: ignore[misc]
        pod_security_group_defaults={cloud: tuple(e["pod_security_group_defaults"])  # type: ignore[misc]
                                     for cloud, e in data["clouds"].items() if "pod_security_group_defaults" in e},
        pod_security_group_refused={cloud: tuple(re.compile(p) for p in e.get("pod_security_group_refused", []))
                                    for cloud, e in data["clouds"].items()},
        pod_security_group_fix={cloud: e["pod_security_group_fix"] for cloud, e in data["clouds"].items()
                                if "pod_security_group_fix" in e},
        node_defaults={False: tuple(nodes["other"]), True: tuple(nodes["production"])})  # type: ignore[misc]


@dataclass(frozen=True)
class Need:
    """What one application asks of the nodes in one environment: a resource per pod and the replicas at least."""

    service: str
    resource: str  # memory | cpu
    per_pod: float  # Mi or millicores
    quantity: str  # as the answer holds it, e.g. "2Gi"
    line: int  # the plan line stating it
    replicas: int


@dataclass(frozen=True)
class Shortfall:
    key: tuple[str, str]  # (check, what it is about): the same shortfall on another node type has the same key
    line: int
    what: str
    fix: str  # {type}: where the fix names an instance type of the family that resolves it


def decide_capacity(c: Context) -> None:
    """Check every environment's nodes against the plan's requests and pod count."""
    cloud = c.values.get("cloud", "none")
    caps = capacities()
    if c.values.get("structure") not in _CLUSTER_STRUCTURES or cloud not in caps.types:
        return
    stating = _stating(c)
    found: dict[tuple[int, str, str], list[str]] = {}
    moved: dict[str, list[str]] = {}  # why a default type moved up -> the environments it moved in
    pod_security_groups = c.values.get("structure") == "multi-tenant" and c.values.get("kubernetes_distribution") == "eks"
    defaults = caps.pod_security_group_defaults[cloud] if pod_security_groups else caps.defaults[cloud]
    if pod_security_groups:
        _refuse_untrunked(c, cloud, c.values.get("environment_sizing", []))
    for s in c.values.get("environment_sizing", []):
        # the plan's pod count is the scale of the environments it sizes: a non-production one it left at the
        # default range (its node count read as production's scale) runs fewer
        pods = _pods(c) if s.min_size is not None or is_production(s.name) else None
        shortfalls, why = _environment(cloud, s, _needs(c, s.name, stating), pods, defaults)
        for short in shortfalls:
            found.setdefault((short.line, short.what, short.fix), []).append(s.name)
        if why:
            moved.setdefault(why, []).append(s.name)
    for (line, what, fix), envs in found.items():
        c.problem(c.field_at(line), "environment_sizing", f"{what} in {', '.join(envs)}", fix, line=line)
    if moved:
        prov = c.provenance["environment_sizing"]
        notes = [prov.note or "", *(f"{', '.join(envs)}: {why}" for why, envs in moved.items())]
        c.provenance["environment_sizing"] = prov.model_copy(update={"note": "; ".join(x for x in notes if x)})


def _refuse_untrunked(c: Context, cloud: str, sizing: list[EnvironmentSizing]) -> None:
    """Security groups for pods (a multi-tenant EKS cluster) need trunking-capable nodes: a stated type the cloud's
    `pod_security_group_refused` matches (the t family) is a problem at the line stating it, not a failed plan."""
    caps = capacities()
    found: dict[tuple[int | None, str], list[str]] = {}
    for s in sizing:
        if s.instance_type and any(p.match(s.instance_type) for p in caps.pod_security_group_refused[cloud]):
            found.setdefault((instance_type_line(c, s), s.instance_type), []).append(s.name)
    for (line, name), envs in found.items():
        c.problem(c.field_at(line) if line else None, "environment_sizing",
                  f"node instance type {name} in {', '.join(envs)} cannot give each tenant's pods their own security "
                  f"group (security groups for pods need trunking-capable Nitro nodes; the t family has none)",
                  f"name a Nitro type outside the t family, e.g. {caps.pod_security_group_fix[cloud]}", line=line)


def instance_type_line(c: Context, s: EnvironmentSizing) -> int | None:
    """The plan line that gave environment `s` its instance type (the last one: an environment's own wins)."""
    lines = [line for (line, _), answer in c.applied_phrases.items()
             if answer.startswith("environment_sizing.") and answer.endswith(".instance_type")
             and s.name in answer.removeprefix("environment_sizing.").removesuffix(".instance_type").split(",")]
    return max(lines) if lines else None


def _environment(cloud: str, s: EnvironmentSizing, needs: list[Need], pods: tuple[int, int] | None,
                 defaults: tuple[str, str]) -> tuple[list[Shortfall], str]:
    """The shortfalls of one environment with a stated type; a default type (`defaults`: non-production,
    production) moves up its family instead (and the second item says why)."""
    caps = capacities()
    prod = is_production(s.name)
    stated = s.instance_type is not None
    node = caps.types[cloud].get(s.instance_type or defaults[prod])
    if node is None:
        return [], ""
    least, most = caps.node_defaults[prod]
    nodes = max(s.max_size or most, s.min_size or least)
    shortfalls = _shortfalls(node, nodes, needs, pods)
    if not shortfalls:
        return [], ""
    family = [caps.types[cloud][n] for n in node.family]
    holding = next((t for t in family if not _shortfalls(t, nodes, needs, pods)), None)
    if holding is not None and not stated:
        s.instance_type = holding.name
        return [], (f"{holding.name}, the smallest size of its family that holds the plan's figures, not the default "
                    f"{node.name} ({shortfalls[0].what}, plan line {shortfalls[0].line})")
    out = []
    for x in shortfalls:
        bigger = next((t for t in family if x.key not in {y.key for y in _shortfalls(t, nodes, needs, pods)}), None)
        out.append(Shortfall(x.key, x.line, x.what, x.fix.format(
            type=f"raise the instance type to {bigger.name} or " if bigger else
            f"state an instance type larger than {family[-1].name} or ")))
    return out, ""


def _shortfalls(node: NodeType, nodes: int, needs: list[Need], pods: tuple[int, int] | None) -> list[Shortfall]:
    out: list[Shortfall] = []
    for resource in ("memory", "cpu"):
        room = node.memory_mi if resource == "memory" else node.cpu_m
        mine = [n for n in needs if n.resource == resource]
        large = [n for n in mine if n.per_pod > room]
        for n in large:
            out.append(Shortfall(("pod", f"{resource} {n.service}"), n.line,
                                 f"{n.service} asks {n.quantity} {_what(resource)} per pod, more than a {node.name} node "
                                 f"gives ({_show(room, resource)} after the system reserve)",
                                 f"{{type}}lower the {_what(resource)} request of {n.service}"))
        total = sum(n.per_pod * n.replicas for n in mine)
        if mine and not large and total > nodes * room:
            out.append(Shortfall(("sum", resource), mine[0].line,
                                 f"the minimum replicas ask {_show(total, resource)} {_what(resource)} "
                                 f"({', '.join(f'{n.replicas} x {n.quantity} for {n.service}' for n in mine)}), more "
                                 f"than {nodes} {node.name} nodes give ({_show(nodes * room, resource)})",
                                 f"{{type}}raise the node maximum to {math.ceil(total / room)}, or lower the replicas "
                                 "or requests"))
    if pods is not None and pods[0] > nodes * node.max_pods:
        count, line = pods
        out.append(Shortfall(("pods", ""), line, f"{count} pods do not fit {nodes} {node.name} nodes of at most "
                             f"{node.max_pods} pods each ({nodes * node.max_pods})",
                             f"{{type}}raise the node maximum to {math.ceil(count / node.max_pods)}, or lower the pod "
                             "count"))
    return out


def _needs(c: Context, env: str, stating: dict[str, int]) -> list[Need]:
    """Each application's stated memory and CPU per pod (request, else limit) with its replicas at least in `env`."""
    prod = is_production(env)
    ha = bool(c.values.get("high_availability")) or 0 < c.values.get("rto_minutes", 0) < 60
    copies = max(1, len(c.values.get("tenants", []))) if c.values.get("structure") == "multi-tenant" else 1
    out: list[Need] = []
    for group in ("apps", "services"):
        for svc in c.values.get(group, []):
            for resource in ("memory", "cpu"):
                quantity = getattr(svc, f"{resource}_request") or getattr(svc, f"{resource}_limit")
                amount = _amount(quantity, resource)
                line = stating.get(f"{group}.{svc.name}.{resource}")
                if amount is not None and line is not None:
                    out.append(Need(svc.name, resource, amount, quantity, line, _least(svc, env, prod, ha) * copies))
    return out


def _least(svc: Service, env: str, prod: bool, ha: bool) -> int:
    """The replicas an application runs at least in an environment (includes/k8s/sizing.jinja `scaling`)."""
    own = svc.environment_replicas.get(env)
    stated = own[0] if own and own[0] == own[1] else svc.prod_replicas if prod else svc.replicas
    fixed = max(stated, 2 if ha else 1) if prod else stated
    top = (own[1] if own[1] > own[0] else 0) if own else svc.max_replicas
    if top <= 0:
        return fixed
    low = min((own[0] if own else svc.min_replicas) or fixed, top)
    if prod and ha:
        low = min(max(low, 2), top)
    return max(low, 1)


def _stating(c: Context) -> dict[str, int]:
    """`apps.<name>.memory` (or cpu) -> the plan line setting the request, else the limit, of that resource."""
    ranked: dict[str, tuple[bool, int]] = {}
    for (line, _), answer in c.applied_phrases.items():
        m = _RESOURCE_ANSWER.match(answer)
        if m is not None:
            key, rank = f"{m.group(1)}.{m.group(2)}", (m.group(3) == "limit", line)
            ranked[key] = min(ranked.get(key, rank), rank)
    return {key: line for key, (_, line) in ranked.items()}


def _pods(c: Context) -> tuple[int, int] | None:
    """The pod count the plan states, with its line."""
    count = c.values.get("max_pods", 0)
    line = next((line for (line, _), answer in c.applied_phrases.items() if answer == "max_pods"), None)
    return (count, line) if count and line else None


def _amount(quantity: str, resource: str) -> float | None:
    """A Kubernetes quantity in Mi (memory) or millicores (cpu); None when it is not one planforge writes."""
    m = _QUANTITY.match(quantity or "")
    if m is None:
        return None
    number, unit = float(m.group(1)), m.group(2) or ""
    if resource == "cpu":
        return number if unit == "m" else (number * 1000 if unit == "" else None)
    return number * _MEBIBYTES[unit] if unit in _MEBIBYTES else None


def _what(resource: str) -> str:
    return "memory" if resource == "memory" else "CPU"


def _show(amount: float, resource: str) -> str:
    if resource == "memory":
        return f"{amount / 1024:.1f}Gi"
    return f"{amount / 1000:g} CPU" if amount % 1000 == 0 else f"{math.floor(amount)}m CPU"


def decide_single_node_pools(c: Context) -> None:
    """With system and user node pools, an environment of one node keeps one node: on AKS its only pool runs the
    add-ons and the workloads (the node_pools provenance says so); elsewhere the system group's fixed nodes come on
    top, which is reported as not applied. Runs after the statement rules (which decide node_pools)."""
    if c.values.get("node_pools") != "system-user":
        return
    single = [s.name for s in c.values.get("environment_sizing", []) if s.max_size == 1]
    if not single:
        return
    if c.values.get("cloud") == "azure":
        c.add_note("node_pools", f"{', '.join(single)}: one node, one pool running the add-ons and the workloads "
                   "(no system/user split)")
        return
    for env in single:
        stating = [(answer.split(".")[1] == env, line, words) for (line, words), answer in c.applied_phrases.items()
                   if answer.startswith("environment_sizing.") and env in answer.split(".")[1].split(",")
                   and answer.endswith("min_size,max_size")]
        if stating:
            _, line, words = max(stating)
            c.unapplied(line, words, f"{env}'s 1 node sizes the user node group; the fixed system group adds its own "
                        "nodes (one pool for a single-node environment is generated on AKS only)")

