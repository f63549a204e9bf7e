"""`flux/dependency-cycle`: dependsOn cycles among Kustomizations (HelmReleases), each with its path."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from planforge.validate.base import Finding
from planforge.validate.flux.checks import depends_on
from planforge.validate.flux.objects import FluxIndex, FluxObject


@dataclass(frozen=True)
class Cycle:
    """`objects[0]` (the first by file and position) depends on `objects[1]`, ..., the last on `objects[0]`."""

    objects: tuple[FluxObject, ...]
    entry: int  # index of objects[0]'s dependsOn entry that starts the cycle

    def finding(self) -> Finding:
        first = self.objects[0]
        names = " -> ".join(f"{o.label} ({o.display})" for o in (*self.objects, first))
        return first.finding(
            "flux/dependency-cycle", f"dependsOn forms a cycle: {names}; none of them would ever become ready",
            ["spec", "dependsOn", self.entry, "name"],
            "remove one dependsOn entry of the cycle (dependencies must be ordered, e.g. infrastructure before apps)")


def _edges(obj: FluxObject, index: FluxIndex) -> Iterator[tuple[int, FluxObject]]:
    """(dependsOn entry index, the object it names in obj's cluster) for every entry."""
    for i, entry in depends_on(obj):
        for target in index.find([obj.kind], entry.get("name"), entry.get("namespace") or obj.namespace, obj):
            yield i, target


def find_cycles(index: FluxIndex) -> list[Cycle]:
    """Every distinct cycle a depth-first search over the dependsOn edges meets (iterative: a long chain
    of dependencies cannot exhaust the stack)."""
    ordered = sorted((o for o in index.objects if o.kind in ("Kustomization", "HelmRelease")),
                     key=lambda o: (o.display, o.doc.doc_index, o.doc.line or 0))
    rank = {id(o): n for n, o in enumerate(ordered)}
    visited: set[int] = set()
    cycles: dict[tuple[int, ...], Cycle] = {}

    def record(loop: list[FluxObject]) -> None:
        start = min(range(len(loop)), key=lambda k: rank[id(loop[k])])
        loop = loop[start:] + loop[:start]
        key = tuple(id(o) for o in loop)
        if key not in cycles:
            following = loop[1 % len(loop)]
            entry = next(i for i, target in _edges(loop[0], index) if target is following)
            cycles[key] = Cycle(tuple(loop), entry)

    for first in ordered:
        if id(first) in visited:
            continue
        visited.add(id(first))
        path, edges = [first], [_edges(first, index)]
        while edges:
            step = next(edges[-1], None)
            if step is None:
                edges.pop()
                path.pop()
                continue
            target = step[1]
            if any(o is target for o in path):
                record(path[next(k for k, o in enumerate(path) if o is target):])
            elif id(target) not in visited:
                visited.add(id(target))
                path.append(target)
                edges.append(_edges(target, index))
    return list(cycles.values())
