"""Worker processes for the validators that are quick per target but hold the interpreter lock (schemas, policy).

Threads give those validators one core between them: YAML parsing and schema checks are Python code. With many of
their targets and more than one job, their batches run in `jobs` worker processes instead, so a directory of
thousands of manifests uses every core it is given (`-j`). The workers come from a fork server: a fresh interpreter
started for that purpose, never a fork of this process, whose threads (Terraform, Helm) may hold locks. That
interpreter puts no current-directory entry on its module path (PYTHONSAFEPATH): planforge often runs in the
repository it validates, and nothing of that repository may be imported.

A worker reads the same files within the same bounds and runs the same validator code; it sends back each target's
checks and the documents it read (the repository-wide policy rules and the result cache need them). Redaction,
durations and the cache are done here, as for a target run on a thread (`task_dispatch.finish_task`).
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from dataclasses import dataclass
from pathlib import Path

from planforge.validate.base import Check, Document, Settings, Target, Validator
from planforge.validate.inputs import Bounds
from planforge.validate.manifests.documents import portable
from planforge.validate.registry import VALIDATORS, load_validator
from planforge.validate.task_dispatch import RunContext, Task, finish_task, run_target
from planforge.validate.toolenv import use_process_home

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


class Workers:
    """The worker pool of one run, if its tasks are worth one. Once the pool cannot take work (it could not start
    here, or a worker died: killed, out of memory), `submit` and `collect` give None and the scheduler runs that
    batch on its threads, as it runs every batch of a run without workers."""

    def __init__(self, tasks: list[Task], jobs: int) -> None:
        self.size = workers_for(tasks, jobs)
        self._pool: ProcessPoolExecutor | None = None
        if self.size:
            try:
                self._pool = start(self.size)
            except (OSError, ValueError):  # no fork server on this platform, or no socket for it
                self._pool = None

    def takes(self, validator: str) -> bool:
        return self._pool is not None and validator in PROCESS_VALIDATORS

    def submit(self, batch: list[Task]) -> Future[list[tuple[list[Check], list[Document]]]] | None:
        try:
            return submit(self._pool, batch) if self._pool is not None else None
        except (BrokenProcessPool, OSError):
            self.close(wait=False)
            return None

    def collect(self, batch: list[Task], future: Future[list[tuple[list[Check], list[Document]]]],
                started: float) -> list[list[Check]] | None:
        try:
            return finish(batch, future.result(), started)
        except BrokenProcessPool:
            self.close(wait=False)
            return None

    def close(self, wait: bool = True) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None


def start(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` processes; OSError or ValueError when this platform or machine cannot start one."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, *(VALIDATORS[name].module for name in PROCESS_VALIDATORS)])
    _start_fork_server()
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=signal.signal,
                               initargs=(signal.SIGINT, signal.SIG_IGN))  # an interrupt is the parent's to handle


_SERVER_START = threading.Lock()


def _start_fork_server() -> None:
    """Start the fork server (once a process) with no current-directory entry on its module path: `python -c` puts
    one first, and the working directory is often the repository under validation."""
    with _SERVER_START:
        before = os.environ.get("PYTHONSAFEPATH")
        os.environ["PYTHONSAFEPATH"] = "1"
        try:
            forkserver.ensure_running()
        finally:
            if before is None:
                del os.environ["PYTHONSAFEPATH"]
            else:
                os.environ["PYTHONSAFEPATH"] = before


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
    use_process_home(where.workdir / f"home-{os.getpid()}")  # a worker ends without atexit: inside the scratch directory
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


@functools.cache
def _validator(name: str) -> Validator:
    """One validator instance per worker process, for every batch it runs."""
    return load_validator(name)
