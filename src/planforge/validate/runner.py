"""Run the validators on the given paths and return every `Check`.

- Validators come from `planforge.validate.registry`, imported only when selected with `only`,
  so `--only schemas` imports nothing heavy; a validator that cannot be loaded is an error.
- Each path is a directory (every validator discovers its targets in it), a file (a manifest
  goes to the schemas and policy validators; `Chart.yaml`, `kustomization.yaml`, `Pulumi.yaml`, `*.tf` and
  `*.tfvars` stand for their directory), or `-` (manifests read from standard input). A path that does not exist
  is an error finding, as in kubeconform.
- Targets run concurrently on up to `settings.jobs` threads (0 = CPU count); a validator module
  may bound its own concurrency with `MAX_CONCURRENT_VALIDATIONS` (Terraform: each
  `terraform validate` loads a large provider schema), see `scheduler.validator_bound`.
- Rendered documents (Helm, Kustomize) come back through `Context.validate_documents`, which runs
  the schemas and policy validators on them (when selected).
- Every scratch file lives in a temporary directory outside the repository, removed at the end.
- `Selection` (optional) narrows a run to some validation units (`planforge.validate.units`): those
  changed since a git ref and/or one shard; with `use_cache`, a target whose unit and dependencies are
  unchanged takes its checks from the result cache (`planforge.validate.result_cache`). A run on a
  subset of units leaves out the repository-wide default-deny check (it needs every document);
  `Selection(repository_only=True)` runs that check alone, on every document (CI runs it once beside its shards):
  only the validators that produce documents run, with `Context.documents_only` (no helm lint, no per-document
  rules).
- Every directory PATH is scanned once for merge conflict markers (`planforge.validate.conflicts`); a
  sharded run scans in its first shard only.

The steps are modules of their own: `validator_choice` (`--only`), `run_plan` (the PATHs and their tasks),
`unit_selection` (`Selection`), `task_dispatch` (one target), `scheduler` (the threads) and `final_checks`
(what is added once the targets ran); `exit_code` (from `planforge.report`) is importable from here.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from planforge.report import exit_code  # noqa: F401  (re-exported: the exit code of a list of checks)
from planforge.validate.base import Check, Settings
from planforge.validate.conflicts import conflict_checks
from planforge.validate.final_checks import apply_fail_on_skip, namespace_checks, prefix_displays, waiver_checks
from planforge.validate.inputs import depth_checks
from planforge.validate.registry import load_validator
from planforge.validate.result_cache import ResultCache
from planforge.validate.run_plan import plan_run, read_stdin, scratch_dir
from planforge.validate.scheduler import Progress, schedule
from planforge.validate.task_dispatch import RunContext, Task, announce_selected
from planforge.validate.unit_selection import Selection
from planforge.validate.units import SKIP_DIRS, Unit
from planforge.validate.validator_choice import selected_validators

# What the repository-wide checks read: every document, from plain files (policy) and renderings (helm, kustomize).
REPOSITORY_SOURCES = ("helm", "kustomize", "policy")


def list_units(paths: list[str | Path], settings: Settings, only: Iterable[str] | None = None,
               selection: Selection | None = None) -> list[Unit]:
    """The units `run_validation` with the same arguments validates (directory PATHs; files are not units)."""
    selected = selected_validators(only)
    given_paths = [str(p) for p in paths if str(p) != "-"] or ["."]
    workdir = scratch_dir([Path(p) if Path(p).is_dir() else Path(p).parent for p in given_paths if Path(p).exists()])
    try:
        validators = {name: load_validator(name) for name in selected}
        return plan_run(given_paths, settings, validators, workdir, None, selection or Selection(), None).units
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run_validation(
    paths: list[str | Path],
    settings: Settings,
    only: Iterable[str] | None = None,
    *,
    progress: Progress | None = None,
    stdin: BinaryIO | None = None,
    selection: Selection | None = None,
    notes: list[str] | None = None,
) -> list[Check]:
    """Validate every path with the selected validators (the default ones when `only` is None).

    `progress` hears each step, the totals and each target as it starts and finishes; `stdin` replaces sys.stdin for `-`;
    `selection` narrows the run to some units and turns the result cache on; `notes` receives one line
    per target whose checks came from the cache.
    """
    selected = selected_validators(only)
    repository_only = selection is not None and selection.repository_only
    if repository_only:  # the default-deny rule (policy) on every document: only what produces documents runs
        selected = [name for name in REPOSITORY_SOURCES if name in selected] if "policy" in selected else []
        selection = None
    given_paths = [str(p) for p in paths] or ["."]
    jobs = settings.jobs or os.cpu_count() or 1
    existing = [Path(p) for p in given_paths if p != "-" and Path(p).exists()]
    workdir = scratch_dir([p if p.is_dir() else p.parent for p in existing])
    if progress is not None:
        progress.step(f"finding what to validate in {', '.join(given_paths)}")
    try:
        validators = {name: load_validator(name) for name in selected}
        stdin_file = read_stdin(stdin, workdir, settings) if "-" in given_paths else None
        cache = ResultCache(settings) if selection is not None and selection.use_cache else None
        plan = plan_run(given_paths, settings, validators, workdir, stdin_file, selection, cache, repository_only)
        results = plan.results
        to_run = _cached(plan.tasks, cache, results, notes)
        announce_selected(plan.contexts, to_run, validators)
        if progress is not None:
            progress.planned(len(plan.units), len(to_run), len(plan.tasks) - len(to_run))
        scanning = not repository_only and (selection is None or selection.shard is None or selection.shard[0] == 1)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="planforge-tree") as beside:
            # the whole-tree checks read every file: beside the targets (their workers leave this process idle)
            tree = beside.submit(_tree_checks, plan.directories) if scanning else None
            scheduled = schedule(to_run, jobs, progress)
        for task, task_checks in zip(to_run, scheduled, strict=True):
            if not repository_only:  # those checks are the shards' (their documents are what counts here)
                results[task.root_index].extend(task_checks)
        if "policy" in validators and not (selection is not None and selection.partial):
            for index, ctx in plan.contexts:
                results[index].extend(namespace_checks(ctx))
        if "policy" in validators:
            waiver_checks(results, settings)
        for index, tree_checks in tree.result() if tree is not None else []:
            results[index].extend(tree_checks)
        checks: list[Check] = []
        for prefix, root_checks in zip(plan.prefixes, results, strict=True):
            prefix_displays(root_checks, prefix)
            checks.extend(root_checks)
        if settings.fail_on_skip:
            apply_fail_on_skip(checks)
        return checks
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _tree_checks(directories: list[tuple[int, RunContext]]) -> list[tuple[int, list[Check]]]:
    """Merge conflict markers and too deep directories, per directory PATH."""
    return [(index, conflict_checks(ctx.root, ctx.bounds) + depth_checks(ctx.root, SKIP_DIRS))
            for index, ctx in directories]


def _cached(tasks: list[Task], cache: ResultCache | None, results: list[list[Check]],
            notes: list[str] | None) -> list[Task]:
    """Fill `results` with the cached checks of unchanged targets; the tasks left to run."""
    if cache is None:
        return tasks
    left: list[Task] = []
    for task in tasks:
        hit = cache.load(task.cache_key) if task.cache is not None else None
        if hit is None:
            left.append(task)
            continue
        checks, docs = hit
        task.ctx.record_documents(docs)
        results[task.root_index].extend(checks)
        if notes is not None:
            notes.append(f"cached: {task.validator.name} {task.ctx.prefix}{task.target.display} (unchanged since "
                         "its last validation)")
    return left
