"""Worker processes for the validators that are quick per target but hold the interpreter lock (schemas, policy).

Threads give those validators one core between them: YAML parsing and schema checks are Python code. With many of
their targets and more than one job, their batches run in `jobs` worker processes instead, so a directory of
thousands of manifests uses every core it is given (`-j`). The workers come from a fork server: a fresh interpreter
started for that purpose, never a fork of this process, whose threads (Terraform, Helm) may hold locks.

A worker reads the same files within the same bounds and runs the same validator code; it sends back each target's
checks and the documents it read (the repository-wide policy rules and the result cache need them). Redaction,
durations and the cache are done here, as for a target run on a thread (`task_dispatch.finish_task`).
"""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from planforge.validate.base import Check, Document, Settings, Target
from planforge.validate.inputs import Bounds
from planforge.validate.manifests.documents import portable
from planforge.validate.registry import VALIDATORS, load_validator
from planforge.validate.task_dispatch import RunContext, Task, finish_task, run_target

PROCESS_VALIDATORS = ("schemas", "policy")
# Below this many of their targets, starting the workers costs more than the second core saves (about 0.3 ms of
# work a target against about 0.2 s to start the fork server and load the schemas in each worker).
MIN_TARGETS = 800


@dataclass(frozen=True)
class Where:
    """What a worker needs of a run's context to run its validators on a batch of targets."""

    root: Path
    settings: Settings
    workdir: Path
    bounds: Bounds
    documents_only: bool
    prefix: str


def workers_for(tasks: list[Task], jobs: int) -> int:
    """How many worker processes a run's tasks are worth: none for few process-validator targets or one job."""
    count = sum(1 for task in tasks if task.validator.name in PROCESS_VALIDATORS)
    if jobs < 2 or count < MIN_TARGETS:
        return 0
    return min(jobs, os.cpu_count() or 1)


def start(workers: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, *(VALIDATORS[name].module for name in PROCESS_VALIDATORS)])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def submit(pool: ProcessPoolExecutor, batch: list[Task]) -> Future[list[tuple[list[Check], list[Document]]]]:
    """Run one batch (targets of one validator in one context) on a worker."""
    ctx = batch[0].ctx
    bounds = Bounds(ctx.bounds.roots, ctx.bounds.max_file_size)  # without the directories this process resolved
    where = Where(ctx.root, ctx.settings, ctx.workdir, bounds, ctx.documents_only, ctx.prefix)
    return pool.submit(run_batch, where, batch[0].validator.name, [task.target for task in batch])


def finish(batch: list[Task], results: list[tuple[list[Check], list[Document]]], start_time: float) -> list[list[Check]]:
    """Record each target's documents in its context, then finish it as a target run on a thread."""
    out: list[list[Check]] = []
    for task, (checks, docs) in zip(batch, results, strict=True):
        task.ctx.record_documents(docs)
        out.append(finish_task(task, checks, docs, start_time))
    return out


def run_batch(where: Where, name: str, targets: list[Target]) -> list[tuple[list[Check], list[Document]]]:
    """In a worker: each target's checks and the documents the validator read."""
    validator = _validator(name)
    ctx = RunContext(where.root, where.settings, lambda _docs, _origin: [], where.workdir, where.bounds,
                     where.documents_only, prefix=where.prefix)
    out: list[tuple[list[Check], list[Document]]] = []
    for target in targets:
        ctx.capture.docs = []
        started = time.perf_counter()
        checks = run_target(validator, target, ctx)
        for check in checks:
            check.duration = check.duration or time.perf_counter() - started
        out.append((checks, [portable(doc) for doc in ctx.capture.docs]))
        ctx.documents.clear()
    return out


_VALIDATORS: dict[str, object] = {}


def _validator(name: str):
    if name not in _VALIDATORS:
        _VALIDATORS[name] = load_validator(name)
    return _VALIDATORS[name]
