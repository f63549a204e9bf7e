"""The `validate` check: `terraform init` + `terraform validate` on a scratch copy of a root and its local
module tree, with `TF_DATA_DIR` there too, so nothing is written into the repository. At most
`concurrency.MAX_CONCURRENT_VALIDATIONS` run at once."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from planforge.validate.base import Check, Context, Severity, Status, Target
from planforge.validate.inputs import Bounds, InputError
from planforge.validate.terraform import concurrency
from planforge.validate.terraform.cli import TerraformTimeout, plugin_mirror, run_terraform, terraform_env, terraform_version
from planforge.validate.terraform.configs import SKIP_DIRS, ConfigTree, is_config_dir
from planforge.validate.terraform.diagnostics import (
    diagnostic_finding,
    init_diagnostics,
    plain_diagnostic,
    unavailable_reason,
)
from planforge.validate.terraform.fingerprint import config_fingerprint
from planforge.validate.terraform.rules import NAME
from planforge.validate.terraform.static import ConfirmedSyntax

_plugin_cache_lock = threading.Lock()  # the plugin cache directory is not safe for concurrent installs


@dataclass
class ValidationResult:
    """The outcome of one init + validate, shared by the roots with the same fingerprint."""

    status: Status
    ran_in: str
    diagnostics: list[dict] = field(default_factory=list)
    reason: str | None = None


@dataclass
class _Entry:
    """One configuration's validation: the first root to need it runs it, the others wait for it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    result: ValidationResult | None = None


class Validations:
    """`terraform init -backend=false` + `terraform validate` of roots, in a scratch copy under `ctx.workdir`.

    Each distinct configuration (fingerprint, plugin mirror, workdir) is validated once, whichever root
    asks first; `runs` lists the roots a validation actually ran for. Safe to use from several threads.
    """

    def __init__(self, configs: ConfigTree, syntax: ConfirmedSyntax) -> None:
        self.configs = configs
        self.syntax = syntax
        self._results: dict[str, _Entry] = {}
        self._results_lock = threading.Lock()
        self.runs: list[str] = []  # displays of roots terraform validate actually ran for

    def check(self, target: Target, ctx: Context, binary: str) -> Check:
        """The `validate` check of a root (or standalone module): skipped when its inputs are refused or its
        static check found syntax errors or missing module sources, else the shared validation's diagnostics."""
        start = time.monotonic()
        tool = terraform_version(binary, ctx.settings.timeout)
        tree = self.configs.module_tree(target.path)
        refused = [d for d in tree if self.configs.tree_problems(d) or self.configs.outside_sources(self.configs.config(d))]
        if refused:
            reason = ("not run: the configuration refers to files outside the validated paths, or holds files that "
                      "are not read (see the input findings of the static check)")
            return Check(NAME, "validate", target.display, Status.SKIPPED, [], 0.0, tool, reason)
        blocked = [d for d in tree if self.syntax.problems(d, ctx, binary)] or [
            d for d in tree for c in self.configs.config(d).modules.values()
            if c.is_local and not is_config_dir((d / c.source).resolve())
        ]
        if blocked:
            reason = "not run: the configuration has syntax errors or missing local module sources (see the static check)"
            return Check(NAME, "validate", target.display, Status.SKIPPED, [], 0.0, tool, reason)
        fingerprint = target.extra.get("fingerprint") or config_fingerprint(self.configs, target.path)
        mirror = plugin_mirror(ctx)
        key = f"{fingerprint}:{mirror}:{ctx.workdir}"
        with self._results_lock:
            entry = self._results.setdefault(key, _Entry())
        with entry.lock:
            if entry.result is None:
                entry.result = self._validate_tree(target, ctx, binary, fingerprint, mirror)
        result = entry.result
        shared = target.extra.get("identical_roots") or []
        if len(shared) > 1:
            tool = f"{tool}; identical configuration validated once for {', '.join(shared)} (ran in {result.ran_in})"
        root_files = self.configs.config(target.path).files
        findings = [diagnostic_finding(d, target.path, ctx, root_files) for d in result.diagnostics]
        if result.status == Status.SKIPPED:
            return Check(NAME, "validate", target.display, Status.SKIPPED, findings, time.monotonic() - start, tool, result.reason)
        status = Status.FAILED if any(f.severity == Severity.ERROR for f in findings) else Status.PASSED
        return Check(NAME, "validate", target.display, status, findings, time.monotonic() - start, tool)

    def _validate_tree(self, target: Target, ctx: Context, binary: str, fingerprint: str,
                       mirror: Path | None) -> ValidationResult:
        """init + validate in a temporary copy of the root and its local module tree."""
        root = target.path.resolve()
        work = ctx.workdir / "terraform" / fingerprint[:16]
        src = work / "src"
        tree = self.configs.module_tree(root)
        base = Path(os.path.commonpath([str(d) for d in tree]))
        if src.exists():
            shutil.rmtree(src)
        for directory in sorted(tree):
            dest = src / directory.relative_to(base)
            if any(directory.is_relative_to(other) for other in tree if other != directory):
                continue  # copied with its ancestor
            shutil.copytree(directory, dest, dirs_exist_ok=True, ignore=self._copy_ignore)
        copied_root = src / root.relative_to(base)
        env = terraform_env(ctx, work / "data")
        with concurrency.VALIDATION_SLOTS:
            self.runs.append(target.display)
            try:
                with _plugin_cache_lock if mirror is None else contextlib.nullcontext():
                    init = run_terraform([binary, "init", "-backend=false", "-input=false", "-no-color", "-json"],
                                         copied_root, env, ctx.settings)
                init_errors = init_diagnostics(init.stdout)
                if init.returncode != 0:
                    reason = unavailable_reason(init_errors, mirror)
                    if reason:
                        return ValidationResult(Status.SKIPPED, target.display, reason=reason)
                    return ValidationResult(Status.FAILED, target.display, init_errors or [plain_diagnostic(init.stderr or init.stdout)])
                proc = run_terraform([binary, "validate", "-json", "-no-color"], copied_root, env, ctx.settings)
            except TerraformTimeout as exc:
                return ValidationResult(Status.FAILED, target.display, [plain_diagnostic(str(exc))])
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            return ValidationResult(Status.FAILED, target.display, [plain_diagnostic(proc.stderr or proc.stdout)])
        return ValidationResult(Status.PASSED, target.display, report.get("diagnostics", []))

    def _copy_ignore(self, directory: str, names: list[str]) -> set[str]:
        return copy_ignore(directory, names, self.configs.bounds)


def copy_ignore(directory: str, names: list[str], bounds: Bounds | None = None) -> set[str]:
    """What the validation copy leaves out: hidden entries (but the lock file), state, node_modules, and
    (with `bounds`) whatever the bounds refuse, so that the copy never reads outside the validated paths."""
    ignored = {
        n for n in names
        if (n.startswith(".") and n != ".terraform.lock.hcl") or n in SKIP_DIRS or n.endswith((".tfstate", ".tfstate.backup"))
    }
    if bounds is not None:
        for n in set(names) - ignored:
            try:
                bounds.check(os.path.join(directory, n), n)
            except InputError:
                ignored.add(n)
    return ignored
