"""One validator target as a task: the run's `Context`, the dispatch of rendered documents to the schemas and
policy validators, and running one target (a bug in a validator is a finding, never a traceback)."""
from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from planforge.errors import PlanforgeError
from planforge.validate.base import Check, Context, Document, Finding, Severity, Status, Target, Validator
from planforge.validate.redact import redact_checks
from planforge.validate.result_cache import ResultCache


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
class Task:
    validator: Validator
    target: Target
    ctx: RunContext
    root_index: int
    unit: str = ""  # the id of its validation unit (runs on units only)
    cache: ResultCache | None = None  # with the key of this target's checks
    cache_key: str = ""



def document_validator(ctx: RunContext, validators: dict[str, Validator]) -> Callable:
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
            findings = policy.check_workloads(docs, not ctx.settings.no_waivers, ctx.settings.policy_profile)
            checks.append(policy.documents_check(origin, findings, time.perf_counter() - start))
        return checks

    return validate_documents



def internal_error(validator: str, name: str, target: str, exc: BaseException) -> Check:
    return Check(validator, name, target, Status.FAILED, [
        Finding(validator, f"{validator}/internal-error", Severity.ERROR,
                f"internal error in the {validator} validator: {type(exc).__name__}: {exc}",
                file=target, hint="report this bug with the verbose output",
                detail="".join(traceback.format_exception(exc)))
    ])


def announce_selected(contexts: list[tuple[int, RunContext]], tasks: list[Task], validators: dict[str, Validator]) -> None:
    """Tell each validator that shares work among its targets (`select`: Terraform's one fmt call and aggregate
    validations) which of the targets it discovered run, once the selection and the cache left some out; the
    validator may start that shared work then, before the first target runs."""
    for _index, ctx in contexts:
        for validator in validators.values():
            select = getattr(validator, "select", None)
            if select is not None:
                select([t.target for t in tasks if t.validator is validator and t.ctx is ctx], ctx)


def run_target(validator: Validator, target: Target, ctx: Context) -> list[Check]:
    """The checks of one target; a bug in the validator is an internal-error check."""
    try:
        return list(validator.run(target, ctx))
    except PlanforgeError:
        raise
    except Exception as exc:
        return [internal_error(validator.name, "run", target.display, exc)]


def run_task(task: Task) -> list[Check]:
    """The checks of one target, redacted and timed (and stored in the result cache when it is on)."""
    start = time.perf_counter()
    task.ctx.capture.docs = [] if task.cache is not None else None
    checks = run_target(task.validator, task.target, task.ctx)
    return finish_task(task, checks, task.ctx.capture.docs or [], start)


def finish_task(task: Task, checks: list[Check], docs: list[Document], start: float) -> list[Check]:
    """What every run target ends with, wherever it ran: findings redacted, durations set, the result cached."""
    redact_checks(checks, task.ctx.bounds, task.ctx.workdir)
    for check in checks:
        if not check.duration:
            check.duration = time.perf_counter() - start
    if task.cache is not None:
        task.cache.store(task.cache_key, list(checks), docs)
    return list(checks)
