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
- `Selection` (optional) narrows a run to some validation units (`planforge.validate.units`): those
  changed since a git ref and/or one shard; with `use_cache`, a target whose unit and dependencies are
  unchanged takes its checks from the result cache (`planforge.validate.result_cache`). A run on a
  subset of units leaves out the repository-wide default-deny check (it needs every document);
  `Selection(repository_only=True)` runs that check alone, on every document (CI runs it once beside its shards):
  only the validators that produce documents run, with `Context.documents_only` (no helm lint, no per-document
  rules).
- Every directory PATH is scanned once for merge conflict markers (`planforge.validate.conflicts`); a
  sharded run scans in its first shard only.
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
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from planforge.errors import PlanforgeError, UsageError
from planforge.report import exit_code  # noqa: F401  (re-exported: the exit code of a list of checks)
from planforge.validate.base import Check, Context, Document, Finding, Settings, Severity, Status, Target, Validator
from planforge.validate.cache_keys import TargetKeys
from planforge.validate.conflicts import conflict_checks
from planforge.validate.inputs import MIB, Bounds, depth_checks
from planforge.validate.registry import DEFAULT_VALIDATORS, VALIDATOR_NAMES, VALIDATORS, load_validator
from planforge.validate.redact import redact_checks
from planforge.validate.result_cache import ResultCache
from planforge.validate.units import SKIP_DIRS, Unit, UnitMap, build_units, changed_files, shard

DOCUMENT_VALIDATORS = ("schemas", "policy")
# What the repository-wide checks read: every document, from plain files (policy) and renderings (helm, kustomize).
REPOSITORY_SOURCES = ("helm", "kustomize", "policy")
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
    from planforge.validate import conflicts, inputs

    rules: dict[str, str] = dict(inputs.RULES)
    rules.update(conflicts.RULES)
    for name in VALIDATOR_NAMES:
        table = getattr(_loaded_module(name), "RULES", None)
        if isinstance(table, dict):
            rules.update({str(k): str(v) for k, v in table.items()})
    return rules


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


@dataclass
class RunContext(Context):
    """A Context that also collects every document the policy validator sees (for cross-file rules)."""

    documents: list[Document] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    prefix: str = ""  # with several PATHs, displays start with the PATH as given
    capture: threading.local = field(default_factory=threading.local)  # documents of the running target

    def display(self, path: Path) -> str:
        text, root = str(path), str(self.root)
        if path.is_absolute() and text.startswith(root.rstrip(os.sep) + os.sep) and ".." not in path.parts:
            return self.prefix + text[len(root.rstrip(os.sep)) + 1:]
        shown = super().display(path)
        return shown if Path(shown).is_absolute() else self.prefix + shown

    def record_documents(self, docs: list[Document]) -> None:
        with self.lock:
            self.documents.extend(docs)
        captured = getattr(self.capture, "docs", None)
        if captured is not None:
            captured.extend(docs)


@dataclass
class _Task:
    validator: Validator
    target: Target
    ctx: RunContext
    root_index: int
    unit: str = ""  # the id of its validation unit (runs on units only)
    cache: ResultCache | None = None  # with the key of this target's checks
    cache_key: str = ""


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
        if ctx.documents_only:  # the repository-wide checks alone: they read the documents at the end
            ctx.record_documents(docs)
            return []
        checks: list[Check] = []
        if "schemas" in validators:
            checks.append(validators["schemas"].check_documents(docs, ctx.settings, origin))
        if "policy" in validators:
            from planforge.validate import policy

            start = time.perf_counter()
            ctx.record_documents(docs)
            findings = policy.check_workloads(docs, not ctx.settings.no_waivers)
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
            for name, doc, findings in policy.check_namespaces(ctx.documents, not ctx.settings.no_waivers)]


def _waiver_checks(results: list[list[Check]], settings: Settings) -> None:
    """Apply the `.planforge.yaml` waivers to every root's policy findings; one check reports the waivers."""
    from planforge.validate import policy

    if not settings.waivers:
        return
    usable, problems = policy.usable_waivers(settings.waivers)
    if not settings.no_waivers:
        for root_checks in results:
            policy.apply_file_waivers(root_checks, usable)
    results[0].append(policy.documents_check(policy.SETTINGS_WAIVER, problems, name="waivers"))


@dataclass
class _Plan:
    """What a run does: the tasks, and per PATH its early checks, display prefix, context and units."""

    tasks: list[_Task] = field(default_factory=list)
    results: list[list[Check]] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    contexts: list[tuple[int, RunContext]] = field(default_factory=list)
    directories: list[tuple[int, RunContext]] = field(default_factory=list)  # the contexts of directory PATHs
    units: list[Unit] = field(default_factory=list)  # the selected units (ids and paths with the PATH prefix)


def _plan(given_paths: list[str], settings: Settings, validators: dict[str, Validator], workdir: Path,
          stdin_file: Path | None, selection: Selection | None, cache: ResultCache | None,
          documents_only: bool = False) -> _Plan:
    plan = _Plan()
    roots = [_classify(given, stdin_file, multi=len(given_paths) > 1) for given in given_paths]
    # Every PATH is a root: what one validator reads may resolve in any of them (or in allow_outside).
    bounds = Bounds.of([r.root for r in roots if isinstance(r, _Root)], settings)
    for index, root in enumerate(roots):
        if isinstance(root, Check):  # a path that does not exist
            plan.results.append([root])
            plan.prefixes.append("")
            continue
        scratch = workdir / f"root-{index}"
        scratch.mkdir(parents=True, exist_ok=True)
        ctx = RunContext(root.root, settings, lambda docs, origin: [], scratch, bounds, documents_only,
                         prefix=root.prefix)
        ctx.validate_documents = _document_validator(ctx, validators)
        root_tasks, failures = _root_tasks(root, ctx, index, validators, settings)
        if selection is not None and root.single is None:
            root_tasks = _select(root, ctx, root_tasks, validators, selection, cache, plan.units)
        plan.tasks.extend(root_tasks)
        plan.results.append(failures)
        plan.prefixes.append(root.prefix)
        plan.contexts.append((index, ctx))
        if root.single is None:
            plan.directories.append((index, ctx))
    return plan


def _select(root: _Root, ctx: RunContext, tasks: list[_Task], validators: dict[str, Validator],
            selection: Selection, cache: ResultCache | None, listed: list[Unit]) -> list[_Task]:
    """The tasks of the selected units of one PATH (each with its cache key when the cache is on)."""
    targets: dict[str, list[Target]] = {}
    for task in tasks:
        targets.setdefault(task.validator.name, []).append(task.target)
    units = build_units(root.root, targets, validators, ctx.bounds)
    ids = _selected_ids(units, selection, root.root)
    keys = TargetKeys(cache, units, ctx.bounds) if cache is not None else None
    kept: list[_Task] = []
    for task in tasks:
        uid = units.unit_of(task.target)
        if uid is None:
            kept.append(task)
            continue
        if uid not in ids:
            continue
        group = [uid]
        task.unit = _prefixed_id(uid, root.prefix)
        if task.validator.name == "helm":
            group += _values_units(units, ids, uid, task.target, selection.partial)
        if keys is not None:
            task.cache = cache
            task.cache_key = keys.key(task.target, group, [root.prefix, task.target.extra])
        kept.append(task)
    listed.extend(_prefixed(units.units[i], root.prefix) for i in sorted(ids))
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


def _prefixed(unit: Unit, prefix: str) -> Unit:
    if not prefix:
        return unit
    return Unit(_prefixed_id(unit.id, prefix), unit.kind, tuple(prefix + p for p in unit.paths),
                tuple(_prefixed_id(d, prefix) for d in unit.depends_on), unit.cost)


def list_units(paths: list[str | Path], settings: Settings, only: Iterable[str] | None = None,
               selection: Selection | None = None) -> list[Unit]:
    """The units `run_validation` with the same arguments validates (directory PATHs; files are not units)."""
    selected = selected_validators(only)
    given_paths = [str(p) for p in paths if str(p) != "-"] or ["."]
    workdir = _scratch_dir([Path(p) if Path(p).is_dir() else Path(p).parent for p in given_paths if Path(p).exists()])
    try:
        validators = {name: load_validator(name) for name in selected}
        return _plan(given_paths, settings, validators, workdir, None, selection or Selection(), None).units
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

    `progress(done, total, label)` is called as targets finish; `stdin` replaces sys.stdin for `-`;
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
    workdir = _scratch_dir([p if p.is_dir() else p.parent for p in existing])
    try:
        validators = {name: load_validator(name) for name in selected}
        stdin_file = _read_stdin(stdin, workdir, settings) if "-" in given_paths else None
        cache = ResultCache(settings) if selection is not None and selection.use_cache else None
        plan = _plan(given_paths, settings, validators, workdir, stdin_file, selection, cache, repository_only)
        results = plan.results
        to_run = _cached(plan.tasks, cache, results, notes)
        _narrow(plan.contexts, to_run, validators)
        for task, task_checks in zip(to_run, _schedule(to_run, jobs, progress), strict=True):
            if not repository_only:  # those checks are the shards' (their documents are what counts here)
                results[task.root_index].extend(task_checks)
        if "policy" in validators and not (selection is not None and selection.partial):
            for index, ctx in plan.contexts:
                results[index].extend(_namespace_checks(ctx))
        if "policy" in validators:
            _waiver_checks(results, settings)
        if not repository_only and (selection is None or selection.shard is None or selection.shard[0] == 1):
            for index, ctx in plan.directories:
                results[index].extend(conflict_checks(ctx.root, ctx.bounds))
                results[index].extend(depth_checks(ctx.root, SKIP_DIRS))
        checks: list[Check] = []
        for prefix, root_checks in zip(plan.prefixes, results, strict=True):
            _prefix(root_checks, prefix)
            checks.extend(root_checks)
        if settings.fail_on_skip:
            apply_fail_on_skip(checks)
        return checks
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _cached(tasks: list[_Task], cache: ResultCache | None, results: list[list[Check]],
            notes: list[str] | None) -> list[_Task]:
    """Fill `results` with the cached checks of unchanged targets; the tasks left to run."""
    if cache is None:
        return tasks
    left: list[_Task] = []
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


def _narrow(contexts: list[tuple[int, RunContext]], tasks: list[_Task], validators: dict[str, Validator]) -> None:
    """Tell each validator that shares work among its targets (`select`: Terraform's one fmt call and aggregate
    validations) which of the targets it discovered run, once the selection and the cache left some out; the
    validator may start that shared work then, before the first target runs."""
    for _index, ctx in contexts:
        for validator in validators.values():
            select = getattr(validator, "select", None)
            if select is not None:
                select([t.target for t in tasks if t.validator is validator and t.ctx is ctx], ctx)


def _run_task(task: _Task) -> list[Check]:
    start = time.perf_counter()
    task.ctx.capture.docs = [] if task.cache is not None else None
    try:
        checks = task.validator.run(task.target, task.ctx)
    except PlanforgeError:
        raise
    except Exception as exc:
        return [_internal_error(task.validator.name, "run", task.target.display, exc)]
    redact_checks(checks, task.ctx.bounds, task.ctx.workdir)
    for check in checks:
        if not check.duration:
            check.duration = time.perf_counter() - start
    if task.cache is not None:
        task.cache.store(task.cache_key, list(checks), task.ctx.capture.docs)
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
                        progress(done_count, len(tasks), last.unit or f"{last.validator.name} {last.target.display}")
        except BaseException:
            for future in running:
                future.cancel()
            raise
    return results
