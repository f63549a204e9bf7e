"""Running tasks on `jobs` threads: batches of quick in-process targets, each validator within its own bound
(`MAX_CONCURRENT_VALIDATIONS`), results in a stable order and progress as targets finish."""
from __future__ import annotations

import time
from collections import Counter, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from planforge.validate import processes

from planforge.validate.base import Check
from planforge.validate.registry import VALIDATOR_NAMES
from planforge.validate.task_dispatch import Task, run_task
from planforge.validate.validator_choice import loaded_module

BATCHED = ("schemas", "policy")  # in-process and quick per target: run in batches of BATCH_SIZE
BATCH_SIZE = 25



class Progress(Protocol):
    """What a run reports as it goes (`planforge.report.progress.TerminalProgress` draws it on a terminal)."""

    def step(self, text: str) -> None: ...

    def planned(self, units: int, checks: int, reused: int) -> None: ...

    def started(self, key: object, label: str) -> None: ...

    def finished(self, key: object, count: int) -> None: ...


def task_label(task: Task) -> str:
    return f"{task.validator.name} {task.ctx.prefix}{task.target.display}"


def validator_bound(name: str, jobs: int) -> int:
    """How many targets of one validator may run at once: its module's `MAX_CONCURRENT_VALIDATIONS`, else `jobs`.

    Read at run time: terraform's bound can be changed with `set_max_concurrent_validations`.
    """
    bound = getattr(loaded_module(name), "MAX_CONCURRENT_VALIDATIONS", None)
    return max(1, min(int(bound if bound is not None else jobs), jobs))


def _work_units(tasks: list[Task]) -> list[list[int]]:
    """Group task indexes into work units: one target each, except quick in-process validators
    (schemas, policy) whose targets go in batches so 1000 small files do not cost 1000 thread hand-offs."""
    order = {name: i for i, name in enumerate(VALIDATOR_NAMES)}  # slow validators first
    units: list[list[int]] = []
    batches: dict[str, list[int]] = {}
    for index in sorted(range(len(tasks)), key=lambda i: (order.get(tasks[i].validator.name, 99), i)):
        name = tasks[index].validator.name
        if name not in BATCHED:
            units.append([index])
            continue
        batch = batches.setdefault(name, [])
        if not batch:
            units.append(batch)
        batch.append(index)
        if len(batch) >= BATCH_SIZE:
            batches[name] = []
    return units


def _run_work_unit(unit: list[int], tasks: list[Task]) -> list[list[Check]]:
    return [run_task(tasks[index]) for index in unit]


@dataclass
class _Running:
    unit: list[int]
    in_process: bool
    started: float


def schedule(tasks: list[Task], jobs: int, progress: Progress | None) -> list[list[Check]]:
    """Run tasks on `jobs` threads, never more than a validator's bound at once, in a stable order; with many
    schemas/policy targets, their batches on `jobs` worker processes (`planforge.validate.processes`)."""
    results: list[list[Check]] = [[] for _ in tasks]
    if not tasks:
        return results
    pending = deque(_work_units(tasks))
    bounds = {t.validator.name: validator_bound(t.validator.name, jobs) for t in tasks}
    workers = processes.Workers(tasks, jobs)
    running: dict[Future, _Running] = {}
    active: Counter[str] = Counter()
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="planforge-validate") as threads:
        try:
            while pending or running:
                deferred: deque[list[int]] = deque()
                while pending:
                    unit = pending.popleft()
                    batch = [tasks[index] for index in unit]
                    name = batch[0].validator.name
                    in_process = workers.takes(name)
                    in_flight = sum(1 for r in running.values() if r.in_process == in_process)
                    if in_process:
                        if in_flight >= 2 * workers.size:  # two batches a worker: none waits for its next
                            deferred.append(unit)
                            continue
                        future = workers.submit(batch)
                        if future is None:  # the pool is gone: the threads take this batch
                            pending.appendleft(unit)
                            continue
                    else:
                        if in_flight >= jobs or active[name] >= bounds[name]:
                            deferred.append(unit)
                            continue
                        active[name] += 1
                        future = threads.submit(_run_work_unit, unit, tasks)
                    running[future] = _Running(unit, in_process, time.perf_counter())
                    if progress is not None:
                        progress.started(future, task_label(batch[0]))
                pending = deferred
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    run = running.pop(future)
                    if run.in_process:
                        checks = workers.collect([tasks[i] for i in run.unit], future, run.started)
                        if checks is None:  # its worker died: the threads take the batch again
                            pending.appendleft(run.unit)
                            if progress is not None:
                                progress.finished(future, 0)
                            continue
                    else:
                        active[tasks[run.unit[0]].validator.name] -= 1
                        checks = future.result()
                    for index, task_checks in zip(run.unit, checks, strict=True):
                        results[index] = task_checks
                    if progress is not None:
                        progress.finished(future, len(run.unit))
        except BaseException:
            for future in running:
                future.cancel()
            raise
        finally:
            workers.close()
    return results
