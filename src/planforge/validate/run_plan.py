"""What a run does: each PATH classified (directory, file or stdin) with its context, the tasks the
validators discover in it (narrowed by a `Selection`), and the scratch directory outside the repository."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from planforge.errors import PlanforgeError, UsageError
from planforge.validate.base import Check, Finding, Settings, Severity, Status, Target, Validator
from planforge.validate.inputs import MIB, Bounds
from planforge.validate.result_cache import ResultCache
from planforge.validate.task_dispatch import RunContext, Task, document_validator, internal_error
from planforge.validate.unit_selection import Selection, select_tasks
from planforge.validate.units import Unit

DOCUMENT_VALIDATORS = ("schemas", "policy")
INPUT = "input"  # the pseudo-validator of findings about the paths themselves
ROOT_FILES = ("Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization", "Pulumi.yaml", "Pulumi.yml")
STDIN_DISPLAY = "stdin"


@dataclass
class _Root:
    """One path to validate: a directory, a single file, or stdin."""

    given: str
    root: Path
    single: Target | None = None  # a single manifest file (or stdin) instead of discovery
    prefix: str = ""


def _missing_path(given: str) -> Check:
    return Check(INPUT, "path", given, Status.FAILED, [
        Finding(INPUT, "input/missing-path", Severity.ERROR, f"open {given}: no such file or directory",
                file=given, hint="check the path (PATH arguments are directories, files or - for stdin)")
    ])



def scratch_dir(roots: list[Path]) -> Path:
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


def read_stdin(stream: BinaryIO | None, workdir: Path, settings: Settings) -> Path:
    """Standard input in a scratch file; at most max_file_size (+1 byte, so that loading it reports the excess)."""
    data = (stream if stream is not None else sys.stdin.buffer).read(int(settings.max_file_size * MIB) + 1)
    if isinstance(data, str):
        data = data.encode()
    target = workdir / "stdin" / "stdin.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def _root_tasks(root: _Root, ctx: RunContext, index: int, validators: dict[str, Validator],
                settings: Settings) -> tuple[list[Task], list[Check]]:
    """The tasks of one path: its single file, or every target the validators discover in it."""
    if root.single is not None:
        if root.given != "-" and _ignored(root.given, settings):
            return [], []
        single = root.single
        claimed = _claimed_file(root, ctx, index, validators)
        if claimed is not None:
            return [claimed], []
        return [
            Task(validators[name], Target(name, single.kind, single.path, single.display, dict(single.extra)), ctx,
                  index)
            for name in DOCUMENT_VALIDATORS if name in validators
        ], []
    tasks: list[Task] = []
    failures: list[Check] = []
    for name, validator in validators.items():
        try:
            targets = validator.discover(ctx)
        except PlanforgeError:
            raise
        except Exception as exc:  # a bug in discovery: visible, and the other validators still run
            failures.append(internal_error(name, "discover", ".", exc))
            continue
        tasks.extend(Task(validator, t, ctx, index) for t in targets)
    return tasks, failures


def _claimed_file(root: _Root, ctx: RunContext, index: int, validators: dict[str, Validator]) -> Task | None:
    """A file PATH a selected validator recognises as its own (`claim_file`: a CloudFormation template), checked
    by that validator instead of the manifest validators."""
    assert root.single is not None
    if root.given == "-":
        return None
    for validator in validators.values():
        claim = getattr(validator, "claim_file", None)
        target = claim(root.single.path, root.single.display, ctx) if claim is not None else None
        if target is not None:
            return Task(validator, target, ctx, index)
    return None


@dataclass
class RunPlan:
    """What a run does: the tasks, and per PATH its early checks, display prefix, context and units."""

    tasks: list[Task] = field(default_factory=list)
    results: list[list[Check]] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    contexts: list[tuple[int, RunContext]] = field(default_factory=list)
    directories: list[tuple[int, RunContext]] = field(default_factory=list)  # the contexts of directory PATHs
    units: list[Unit] = field(default_factory=list)  # the selected units (ids and paths with the PATH prefix)


def plan_run(given_paths: list[str], settings: Settings, validators: dict[str, Validator], workdir: Path,
          stdin_file: Path | None, selection: Selection | None, cache: ResultCache | None,
          documents_only: bool = False) -> RunPlan:
    plan = RunPlan()
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
        ctx.validate_documents = document_validator(ctx, validators)
        root_tasks, failures = _root_tasks(root, ctx, index, validators, settings)
        if selection is not None and root.single is None:
            root_tasks = select_tasks(root.root, root.prefix, ctx, root_tasks, validators, selection, cache, plan.units)
        plan.tasks.extend(root_tasks)
        plan.results.append(failures)
        plan.prefixes.append(root.prefix)
        plan.contexts.append((index, ctx))
        if root.single is None:
            plan.directories.append((index, ctx))
    return plan
