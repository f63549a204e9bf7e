"""Run the validators on the given paths and return every `Check`.

- Validators come from `planforge.validate.registry`, imported only when selected with `only`,
  so `--only schemas` imports nothing heavy; a validator that cannot be loaded is an error.
- Each path is a directory (every validator discovers its targets in it), a file (a manifest
  goes to the schemas and policy validators; `Chart.yaml`, `kustomization.yaml`, `*.tf` and
  `*.tfvars` stand for their directory), or `-` (manifests read from standard input). A path that does not exist
  is an error finding, as in kubeconform.
- Targets run concurrently on up to `settings.jobs` threads (0 = CPU count); a validator module
  may bound its own concurrency with `MAX_CONCURRENT_VALIDATIONS` (Terraform: each
  `terraform validate` loads a large provider schema), see `validator_bound`.
- Rendered documents (Helm, Kustomize) come back through `Context.validate_documents`, which runs
  the schemas and policy validators on them (when selected).
- Every scratch file lives in a temporary directory outside the repository, removed at the end.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from planforge.errors import PlanforgeError, UsageError
from planforge.report import exit_code  # noqa: F401  (re-exported: the exit code of a list of checks)
from planforge.validate.base import Check, Context, Document, Finding, Settings, Severity, Status, Target, Validator
from planforge.validate.inputs import MIB, Bounds
from planforge.validate.registry import DEFAULT_VALIDATORS, VALIDATOR_NAMES, VALIDATORS, load_validator

DOCUMENT_VALIDATORS = ("schemas", "policy")
BATCHED = ("schemas", "policy")  # in-process and quick per target: run in batches of BATCH_SIZE
BATCH_SIZE = 25
INPUT = "input"  # the pseudo-validator of findings about the paths themselves
ROOT_FILES = ("Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization")
STDIN_DISPLAY = "stdin"

Progress = Callable[[int, int, str], None]


def parse_only(values: Iterable[str] | None) -> list[str] | None:
    """`["terraform,helm", "policy"]` -> the selected names in canonical order (None = all)."""
    if values is None:
        return None
    names: set[str] = set()
    for value in values:
        for item in str(value).split(","):
            item = item.strip()
            if not item:
                continue
            if item not in VALIDATOR_NAMES:
                raise UsageError(
                    f"unknown validator '{item}' in --only; choose from {', '.join(sorted(VALIDATOR_NAMES))}."
                )
            names.add(item)
    if not names:
        raise UsageError("--only needs at least one validator name.")
    return [n for n in VALIDATOR_NAMES if n in names]


def selected_validators(only: Iterable[str] | str | None) -> list[str]:
    """The validators a run uses: the default ones (registry `default`) when `only` is None."""
    if only is None:
        return list(DEFAULT_VALIDATORS)
    return parse_only([only] if isinstance(only, str) else only)


def _loaded_module(name: str) -> Any | None:
    """The module of a registered validator, if it has been imported."""
    return sys.modules.get(VALIDATORS[name].module)


def validator_bound(name: str, jobs: int) -> int:
    """How many targets of one validator may run at once: its module's `MAX_CONCURRENT_VALIDATIONS`, else `jobs`.

    Read at run time: terraform's bound can be changed with `set_max_concurrent_validations`.
    """
    bound = getattr(_loaded_module(name), "MAX_CONCURRENT_VALIDATIONS", None)
    return max(1, min(int(bound if bound is not None else jobs), jobs))


def rule_descriptions() -> dict[str, str]:
    """Rule id -> one-line description, from every loaded validator module's `RULES`."""
    from planforge.validate import inputs

    rules: dict[str, str] = dict(inputs.RULES)
    for name in VALIDATOR_NAMES:
        table = getattr(_loaded_module(name), "RULES", None)
        if isinstance(table, dict):
            rules.update({str(k): str(v) for k, v in table.items()})
    return rules


@dataclass
class RunContext(Context):
    """A Context that also collects every document the policy validator sees (for cross-file rules)."""

    documents: list[Document] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    prefix: str = ""  # with several PATHs, displays start with the PATH as given

    def display(self, path: Path) -> str:
        text, root = str(path), str(self.root)
        if path.is_absolute() and text.startswith(root.rstrip(os.sep) + os.sep) and ".." not in path.parts:
            return self.prefix + text[len(root.rstrip(os.sep)) + 1:]
        shown = super().display(path)
        return shown if Path(shown).is_absolute() else self.prefix + shown

    def record_documents(self, docs: list[Document]) -> None:
        with self.lock:
            self.documents.extend(docs)


@dataclass
class _Task:
    validator: Validator
    target: Target
    ctx: RunContext
    root_index: int


@dataclass
class _Root:
    """One path to validate: a directory, a single file, or stdin."""

    given: str
    root: Path
    single: Target | None = None  # a single manifest file (or stdin) instead of discovery
    prefix: str = ""


def _document_validator(ctx: RunContext, validators: dict[str, Validator]) -> Callable:
    """Context.validate_documents: schemas + policy on rendered documents (when selected)."""

    def validate_documents(docs: list[Document], origin: str) -> list[Check]:
        checks: list[Check] = []
        if "schemas" in validators:
            checks.append(validators["schemas"].check_documents(docs, ctx.settings, origin))
        if "policy" in validators:
            from planforge.validate import policy

            start = time.perf_counter()
            ctx.record_documents(docs)
            findings = policy.check_workloads(docs)
            checks.append(policy.documents_check(origin, findings, time.perf_counter() - start))
        return checks

    return validate_documents


def _missing_path(given: str) -> Check:
    return Check(INPUT, "path", given, Status.FAILED, [
        Finding(INPUT, "input/missing-path", Severity.ERROR, f"open {given}: no such file or directory",
                file=given, hint="check the path (PATH arguments are directories, files or - for stdin)")
    ])


def _internal_error(validator: str, name: str, target: str, exc: BaseException) -> Check:
    return Check(validator, name, target, Status.FAILED, [
        Finding(validator, f"{validator}/internal-error", Severity.ERROR,
                f"internal error in the {validator} validator: {type(exc).__name__}: {exc}",
                file=target, hint="report this bug with the verbose output",
                detail="".join(traceback.format_exception(exc)))
    ])


def _scratch_dir(roots: list[Path]) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="planforge-validate-")).resolve()
    if any(workdir.is_relative_to(r.resolve()) for r in roots):
        shutil.rmtree(workdir, ignore_errors=True)
        home = Path(os.environ.get("XDG_RUNTIME_DIR") or "/tmp")
        workdir = Path(tempfile.mkdtemp(prefix="planforge-validate-", dir=home)).resolve()
        if any(workdir.is_relative_to(r.resolve()) for r in roots):
            shutil.rmtree(workdir, ignore_errors=True)
            raise UsageError("cannot create a scratch directory outside the repository (set TMPDIR elsewhere).")
    return workdir


def _classify(given: str, stdin_file: Path | None, multi: bool) -> _Root | Check:
    if given == "-":
        assert stdin_file is not None
        return _Root(given, stdin_file.parent,
                     Target("schemas", "manifest", stdin_file, STDIN_DISPLAY, {"stdin": True}))
    path = Path(given)
    if not path.exists():
        return _missing_path(given)
    if path.is_dir():
        prefix = given.rstrip("/") + "/" if multi and given not in (".", "./") else ""
        return _Root(given, path.resolve(), prefix=prefix)
    if path.name in ROOT_FILES or path.suffix in (".tf", ".tfvars"):
        prefix = str(path.parent).rstrip("/") + "/" if multi and str(path.parent) != "." else ""
        return _Root(given, path.parent.resolve(), prefix=prefix)
    return _Root(given, path.parent.resolve(), Target("schemas", "manifest", path.resolve(), given))


def _ignored(given: str, settings: Settings) -> bool:
    import re

    return any(re.search(p, given) for p in settings.ignore_filename_patterns)


def _prefix(checks: list[Check], prefix: str) -> None:
    """Prefix root-relative displays a validator computed itself (ctx.display already prefixes).

    Targets with a space are renderings ("helm template charts/web") built from prefixed displays.
    """
    if not prefix:
        return

    def fix(shown: str) -> str:
        if shown.startswith(prefix) or Path(shown).is_absolute() or " " in shown:
            return shown
        return prefix + shown

    for check in checks:
        check.target = fix(check.target)
        for finding in check.findings:
            if finding.file:
                finding.file = fix(finding.file)


def apply_fail_on_skip(checks: list[Check]) -> None:
    """--fail-on-skip: every skipped check becomes a failed one with an error finding."""
    for check in checks:
        if check.status is Status.SKIPPED:
            check.status = Status.FAILED
            check.findings.append(Finding(
                check.validator, f"{check.validator}/skipped", Severity.ERROR,
                f"{check.name} was skipped: {check.reason or 'no reason given'}", file=check.target,
                hint="make the check runnable here, or drop --fail-on-skip"))


def _read_stdin(stream: BinaryIO | None, workdir: Path, settings: Settings) -> Path:
    """Standard input in a scratch file; at most max_file_size (+1 byte, so that loading it reports the excess)."""
    data = (stream if stream is not None else sys.stdin.buffer).read(int(settings.max_file_size * MIB) + 1)
    if isinstance(data, str):
        data = data.encode()
    target = workdir / "stdin" / "stdin.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def _root_tasks(root: _Root, ctx: RunContext, index: int, validators: dict[str, Validator],
                settings: Settings) -> tuple[list[_Task], list[Check]]:
    """The tasks of one path: its single file, or every target the validators discover in it."""
    if root.single is not None:
        if root.given != "-" and _ignored(root.given, settings):
            return [], []
        single = root.single
        return [
            _Task(validators[name], Target(name, single.kind, single.path, single.display, dict(single.extra)), ctx,
                  index)
            for name in DOCUMENT_VALIDATORS if name in validators
        ], []
    tasks: list[_Task] = []
    failures: list[Check] = []
    for name, validator in validators.items():
        try:
            targets = validator.discover(ctx)
        except PlanforgeError:
            raise
        except Exception as exc:  # a bug in discovery: visible, and the other validators still run
            failures.append(_internal_error(name, "discover", ".", exc))
            continue
        tasks.extend(_Task(validator, t, ctx, index) for t in targets)
    return tasks, failures


def _namespace_checks(ctx: RunContext) -> list[Check]:
    """The repository-wide default-deny rule, once every document of the root has been seen."""
    from planforge.validate import policy

    return [policy.documents_check(doc.file, findings, name=f"default-deny[{name}]")
            for name, doc, findings in policy.check_namespaces(ctx.documents)]


def run_validation(
    paths: list[str | Path],
    settings: Settings,
    only: Iterable[str] | None = None,
    *,
    progress: Progress | None = None,
    stdin: BinaryIO | None = None,
) -> list[Check]:
    """Validate every path with the selected validators (the default ones when `only` is None).

    `progress(done, total, label)` is called as targets finish; `stdin` replaces sys.stdin for `-`.
    """
    selected = selected_validators(only)
    given_paths = [str(p) for p in paths] or ["."]
    jobs = settings.jobs or os.cpu_count() or 1
    existing = [Path(p) for p in given_paths if p != "-" and Path(p).exists()]
    workdir = _scratch_dir([p if p.is_dir() else p.parent for p in existing])
    try:
        validators = {name: load_validator(name) for name in selected}
        stdin_file = _read_stdin(stdin, workdir, settings) if "-" in given_paths else None
        results: list[list[Check]] = []
        prefixes: list[str] = []
        contexts: list[tuple[int, RunContext]] = []
        tasks: list[_Task] = []
        roots = [_classify(given, stdin_file, multi=len(given_paths) > 1) for given in given_paths]
        # Every PATH is a root: what one validator reads may resolve in any of them (or in allow_outside).
        bounds = Bounds.of([r.root for r in roots if isinstance(r, _Root)], settings)
        for index, root in enumerate(roots):
            if isinstance(root, Check):  # a path that does not exist
                results.append([root])
                prefixes.append("")
                continue
            scratch = workdir / f"root-{index}"
            scratch.mkdir(parents=True, exist_ok=True)
            ctx = RunContext(root.root, settings, lambda docs, origin: [], scratch, bounds, prefix=root.prefix)
            ctx.validate_documents = _document_validator(ctx, validators)
            root_tasks, failures = _root_tasks(root, ctx, index, validators, settings)
            tasks.extend(root_tasks)
            results.append(failures)
            prefixes.append(root.prefix)
            contexts.append((index, ctx))
        for task, task_checks in zip(tasks, _schedule(tasks, jobs, progress), strict=True):
            results[task.root_index].extend(task_checks)
        if "policy" in validators:
            for index, ctx in contexts:
                results[index].extend(_namespace_checks(ctx))
        checks: list[Check] = []
        for prefix, root_checks in zip(prefixes, results, strict=True):
            _prefix(root_checks, prefix)
            checks.extend(root_checks)
        if settings.fail_on_skip:
            apply_fail_on_skip(checks)
        return checks
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run_task(task: _Task) -> list[Check]:
    start = time.perf_counter()
    try:
        checks = task.validator.run(task.target, task.ctx)
    except PlanforgeError:
        raise
    except Exception as exc:
        return [_internal_error(task.validator.name, "run", task.target.display, exc)]
    for check in checks:
        if not check.duration:
            check.duration = time.perf_counter() - start
    return list(checks)


def _units(tasks: list[_Task]) -> list[list[int]]:
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


def _run_unit(unit: list[int], tasks: list[_Task]) -> list[list[Check]]:
    return [_run_task(tasks[index]) for index in unit]


def _schedule(tasks: list[_Task], jobs: int, progress: Progress | None) -> list[list[Check]]:
    """Run tasks on `jobs` threads, never more than a validator's bound at once, in a stable order."""
    results: list[list[Check]] = [[] for _ in tasks]
    if not tasks:
        return results
    pending = deque(_units(tasks))
    bounds = {t.validator.name: validator_bound(t.validator.name, jobs) for t in tasks}
    running: dict[Future, list[int]] = {}
    active: Counter[str] = Counter()
    done_count = 0
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="planforge-validate") as pool:
        try:
            while pending or running:
                deferred: deque[list[int]] = deque()
                while pending and len(running) < jobs:
                    unit = pending.popleft()
                    name = tasks[unit[0]].validator.name
                    if active[name] >= bounds[name]:
                        deferred.append(unit)
                        continue
                    active[name] += 1
                    running[pool.submit(_run_unit, unit, tasks)] = unit
                pending = deferred + pending
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in finished:
                    unit = running.pop(future)
                    last = tasks[unit[-1]]
                    active[last.validator.name] -= 1
                    for index, checks in zip(unit, future.result(), strict=True):
                        results[index] = checks
                    done_count += len(unit)
                    if progress is not None:
                        progress(done_count, len(tasks), f"{last.validator.name} {last.target.display}")
        except BaseException:
            for future in running:
                future.cancel()
            raise
    return results
