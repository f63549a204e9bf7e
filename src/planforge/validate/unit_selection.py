"""Narrowing a run to some validation units: those changed since a git ref and/or one shard, each selected
target with its result-cache key."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from planforge.errors import UsageError
from planforge.validate.base import Target, Validator
from planforge.validate.cache_keys import TargetKeys
from planforge.validate.result_cache import ResultCache
from planforge.validate.task_dispatch import RunContext, Task
from planforge.validate.units import Unit, UnitMap, build_units, changed_files, shard


@dataclass(frozen=True)
class Selection:
    """Which units a run validates (all by default) and whether the result cache is used.

    `changed_since`: a git ref (units whose files or dependencies' files changed); `shard`: (index, count),
    1-based. `units.Unit`s are listed by `list_units` exactly as `run_validation` selects them.
    """

    changed_since: str | None = None
    shard: tuple[int, int] | None = None
    use_cache: bool = False
    repository_only: bool = False  # only the repository-wide checks, which runs on some units leave out

    def __post_init__(self) -> None:
        if self.repository_only and self.partial:
            raise UsageError("--repository-checks runs on the whole repository: drop --changed-since and --shard "
                             "(a sharded CI runs it once beside the shards).")

    @property
    def partial(self) -> bool:
        return self.changed_since is not None or self.shard is not None


def parse_shard(value: str) -> tuple[int, int]:
    """`"2/3"` -> (2, 3); anything else is a usage error."""
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
        raise UsageError(f"--shard takes I/N with 1 <= I <= N (e.g. 2/3), not '{value}'.")
    return int(index), int(count)


def select_tasks(root: Path, prefix: str, ctx: RunContext, tasks: list[Task], validators: dict[str, Validator],
                 selection: Selection, cache: ResultCache | None, listed: list[Unit]) -> list[Task]:
    """The tasks of the selected units of one PATH (directory `root`, displayed with `prefix`), each with its
    cache key when the cache is on; the selected units are appended to `listed`."""
    targets: dict[str, list[Target]] = {}
    for task in tasks:
        targets.setdefault(task.validator.name, []).append(task.target)
    units = build_units(root, targets, validators, ctx.bounds)
    ids = _selected_ids(units, selection, root)
    keys = TargetKeys(cache, units, ctx.bounds) if cache is not None else None
    kept: list[Task] = []
    for task in tasks:
        uid = units.unit_of(task.target)
        if uid is None:
            kept.append(task)
            continue
        if uid not in ids:
            continue
        group = [uid]
        task.unit = _prefixed_id(uid, prefix)
        if task.validator.name == "helm":
            group += _values_units(units, ids, uid, task.target, selection.partial)
        if keys is not None:
            task.cache = cache
            task.cache_key = keys.key(task.target, group, [prefix, task.target.extra])
        kept.append(task)
    listed.extend(_prefixed_unit(units.units[i], prefix) for i in sorted(ids))
    return kept


def _selected_ids(units: UnitMap, selection: Selection, root: Path) -> set[str]:
    """All units, or those changed since the ref (and what depends on them), then one shard of them."""
    ids = set(units.units)
    if selection.changed_since is not None:
        ids = units.dependents(units.touched_by(changed_files(root, selection.changed_since)))
        # A values file renders with its chart, whose lint and default rendering run too, and the default
        # rendering with the chart's ci/ values (which decide whether its missing required values are errors).
        ids |= {units.units[i].depends_on[0] for i in ids if units.units[i].kind == "helm-values"}
        ids |= {u.id for u in units.units.values() if u.kind == "helm-values" and u.depends_on[0] in ids
                and PurePosixPath(u.id).parent.name == "ci"}
    if selection.shard is not None:
        ids &= shard({i: units.units[i] for i in ids}, *selection.shard)
    return ids


def _values_units(units: UnitMap, ids: set[str], chart_id: str, target: Target, partial: bool) -> list[str]:
    """The selected values units of a chart; on a partial run the chart renders only those values files."""
    values = [i for i in sorted(ids)
              if units.units[i].kind == "helm-values" and units.units[i].depends_on[:1] == (chart_id,)]
    if partial:
        chart = target.path.resolve()
        target.extra["values"] = [(units.root / i.split(":", 1)[1]).relative_to(chart).as_posix() for i in values]
    return values


def _prefixed_id(uid: str, prefix: str) -> str:
    """A unit id as shown with several PATHs: its path starts with the PATH as given."""
    if not prefix:
        return uid
    kind, _, path = uid.partition(":")
    return f"{kind}:{prefix}{'' if path == '.' else path}".rstrip("/")


def _prefixed_unit(unit: Unit, prefix: str) -> Unit:
    if not prefix:
        return unit
    return Unit(_prefixed_id(unit.id, prefix), unit.kind, tuple(prefix + p for p in unit.paths),
                tuple(_prefixed_id(d, prefix) for d in unit.depends_on), unit.cost)
