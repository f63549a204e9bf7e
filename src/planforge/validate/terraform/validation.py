"""The `validate` check: `terraform init` + `terraform validate` on a scratch copy of a root and its local
module tree, with `TF_DATA_DIR` there too, so nothing is written into the repository. At most
`concurrency.MAX_CONCURRENT_VALIDATIONS` run at once."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from planforge.validate.base import Check, Context, Severity, Status, Target
from planforge.validate.inputs import Bounds, InputError
from planforge.validate.terraform import aggregate, concurrency, preinit
from planforge.validate.terraform.cli import TerraformTimeout, run_terraform, terraform_env, terraform_version
from planforge.validate.terraform.configs import SKIP_DIRS, ConfigTree, is_config_dir
from planforge.validate.terraform.diagnostics import (
    diagnostic_finding,
    init_diagnostics,
    plain_diagnostic,
    unavailable_reason,
)
from planforge.validate.terraform.fingerprint import config_fingerprint
from planforge.validate.terraform.mirrors import plugin_mirrors
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

    Each distinct configuration (fingerprint, plugin mirrors, workdir) is validated once, whichever root
    asks first, together with the configurations of the same provider set when `plan` grouped them
    (`aggregate`); `runs` lists each terraform validate that ran. Safe to use from several threads.
    """

    def __init__(self, configs: ConfigTree, syntax: ConfirmedSyntax) -> None:
        self.configs = configs
        self.syntax = syntax
        self._results: dict[str, _Entry] = {}
        self._results_lock = threading.Lock()
        self.runs: list[str] = []  # each terraform validate that ran: a root's display, or "aggregate of a, b"
        self._group_of: dict[str, aggregate.Group] = {}  # validation key -> its aggregate group
        self._notes: dict[str, str] = {}  # validation key -> how it was validated, when not alone as usual
        self._ran_in: dict[str, str] = {}
        self._planned: dict[Path, set[str]] = {}  # scratch directory (one per PATH) -> the keys `plan` grouped there
        self._reporter: dict[Path, str] = {}  # module directory -> the one root that reports its diagnostics

    def plan(self, targets: list[Target], ctx: Context) -> None:
        """Group the configurations of `targets` (roots, standalone modules) that share a provider set: each
        group is validated in one aggregate configuration (`aggregate`) unless `terraform_aggregate` is off.
        Planning a context again replaces its groups (the targets a selection keeps, before any runs)."""
        self._assign_reporters(targets)
        for key in self._planned.pop(ctx.workdir, set()):  # planned again: only `targets` are validated now
            self._group_of.pop(key, None)
            self._notes.pop(key, None)
        if not ctx.settings.terraform_aggregate:
            return
        planned = self._planned[ctx.workdir] = set()
        groups: dict[str, aggregate.Group] = {}
        for target in targets:
            key = self._key(target, ctx)
            if key in self._notes or key in self._group_of:
                continue
            planned.add(key)
            why = aggregate.obstacle(self.configs, target.path)
            if why:
                self._notes[key] = f"validated on its own: {why}"
                continue
            group = groups.setdefault(aggregate.provider_set(self.configs, target.path), aggregate.Group())
            group.members.append(aggregate.Member(key, target))
            self._group_of[key] = group
        for group in groups.values():
            if len(group.members) < 2:
                del self._group_of[group.members[0].key]

    def _assign_reporters(self, targets: list[Target]) -> None:
        """Each module directory's diagnostics are reported by one root: the first by display of those whose module
        tree holds it, as first planned (a later selection keeps the choice, so cached results stay complete)."""
        for target in sorted(targets, key=lambda t: t.display):
            for directory in self.configs.module_tree(target.path)[1:]:
                self._reporter.setdefault(directory, target.display)

    def reports(self, directory: Path, target: Target) -> bool:
        """Whether `target` reports the findings of the module `directory` (its own directory: always)."""
        return self._reporter.get(directory, target.display) == target.display

    def _reported_here(self, diag: dict, target: Target) -> bool:
        """Whether `target` reports `diag`: its own files' diagnostics, and those of the modules it reports."""
        filename = (diag.get("range") or {}).get("filename")
        if not filename:
            return True
        return self.reports(Path(os.path.normpath(target.path.resolve() / filename)).parent, target)

    def start(self, ctx: Context, binary: str) -> None:
        """Start the aggregate validations planned for `ctx` now, each in a thread of its own, so that Terraform
        loads the provider schemas while the static and fmt checks run; a root's `check` waits for its group."""
        planned = self._planned.get(ctx.workdir, set())
        groups = {id(g): g for key, g in self._group_of.items() if key in planned}
        for group in groups.values():
            if group.results is None and group.lock.acquire(blocking=False):  # released by the thread
                threading.Thread(target=self._run_group, args=(group, ctx, binary), name="planforge-terraform-aggregate",
                                 daemon=True).start()

    def _run_group(self, group: aggregate.Group, ctx: Context, binary: str) -> None:
        """`_validate_group` with the group's lock already held: an error leaves the results to the roots' checks."""
        try:
            group.results = self._validate_group(group, ctx, binary)
        except Exception:  # the first root's check validates again and reports it
            group.results = None
        finally:
            group.lock.release()

    def check(self, target: Target, ctx: Context, binary: str) -> Check:
        """The `validate` check of a root (or standalone module): skipped when its inputs are refused or its
        static check found syntax errors or missing module sources, else the shared validation's diagnostics."""
        start = time.monotonic()
        tool = terraform_version(binary, ctx.settings.timeout)
        reason = self._skip_reason(target, ctx, binary)
        if reason:
            return Check(NAME, "validate", target.display, Status.SKIPPED, [], 0.0, tool, reason)
        key = self._key(target, ctx)
        result = self._aggregated(key, ctx, binary)
        if result is None:
            with self._results_lock:
                entry = self._results.setdefault(key, _Entry())
            with entry.lock:
                if entry.result is None:
                    entry.result = self._validate_tree(target, ctx, binary, key.split(":", 1)[0],
                                                       plugin_mirrors(ctx.settings))
            result = entry.result
        shared = target.extra.get("identical_roots") or []
        if len(shared) > 1:
            tool = f"{tool}; identical configuration validated once for {', '.join(shared)} (ran in {result.ran_in})"
        if key in self._notes:
            tool = f"{tool}; {self._notes[key]}"
        root_files = self.configs.config(target.path).files
        findings = [diagnostic_finding(d, target.path, ctx, root_files, self.configs.module_bounds) for d in result.diagnostics
                    if self._reported_here(d, target)]
        if result.status == Status.SKIPPED:
            return Check(NAME, "validate", target.display, Status.SKIPPED, findings, time.monotonic() - start, tool, result.reason)
        status = Status.FAILED if any(f.severity == Severity.ERROR for f in findings) else Status.PASSED
        return Check(NAME, "validate", target.display, status, findings, time.monotonic() - start, tool)

    def _key(self, target: Target, ctx: Context) -> str:
        fingerprint = target.extra.get("fingerprint") or config_fingerprint(self.configs, target.path)
        return f"{fingerprint}:{os.pathsep.join(map(str, plugin_mirrors(ctx.settings)))}:{ctx.workdir}"

    def _skip_reason(self, target: Target, ctx: Context, binary: str) -> str | None:
        """Why `validate` does not run for a configuration (refused inputs, syntax errors), or None."""
        tree = self.configs.module_tree(target.path)
        if [d for d in tree if self.configs.tree_problems(d) or self.configs.outside_sources(self.configs.config(d))
                or self.configs.refused_reads(d)]:
            return ("not run: the configuration refers to files outside the validated paths, or holds files that "
                    "are not read (see the input findings of the static check)")
        blocked = [d for d in tree if self.syntax.problems(d, ctx, binary)] or [
            d for d in tree for c in self.configs.config(d).modules.values()
            if c.is_local and not is_config_dir((d / c.source).resolve())
        ]
        if blocked:
            return "not run: the configuration has syntax errors or missing local module sources (see the static check)"
        return None

    def _aggregated(self, key: str, ctx: Context, binary: str) -> ValidationResult | None:
        """The result of `key` from its group's aggregate validation, or None to validate it on its own."""
        group = self._group_of.get(key)
        if group is None:
            return None
        with group.lock:
            if group.results is None:
                group.results = self._validate_group(group, ctx, binary)
        diagnostics = group.results.get(key)
        if diagnostics is None:
            return None
        return ValidationResult(Status.PASSED, self._ran_in[key], diagnostics)

    def _validate_group(self, group: aggregate.Group, ctx: Context, binary: str) -> dict[str, list[dict]]:
        """Aggregate validations of a group's configurations; those that must run on their own are left out
        (with the reason in `_notes`), and so are those whose validation does not run at all."""
        results: dict[str, list[dict]] = {}
        remaining = [m for m in group.members if self._skip_reason(m.target, ctx, binary) is None]
        while len(remaining) > 1:
            names = ", ".join(m.target.display for m in remaining)
            split, failure, installed = self._validate_aggregate(remaining, ctx, binary)
            if failure is not None:
                for m in remaining:
                    self._notes[m.key] = f"validated on its own: the aggregate configuration failed ({failure})"
                return results
            if split.validated:
                for m in remaining:
                    if m.key in split.uncertain:
                        self._notes[m.key] = ("validated on its own: the aggregate's diagnostics could not be "
                                              "attributed to it with certainty")
                    else:
                        results[m.key] = split.results[m.key]
                        self._ran_in[m.key] = f"one terraform validate of {names}"
                        self._notes[m.key] = f"validated together with the roots of the same providers ({names}); {installed}"
                return results
            stopped = split.error_keys or {m.key for m in remaining}
            for m in remaining:
                if m.key in stopped:
                    self._notes[m.key] = ("validated on its own: a configuration error stopped the aggregate's "
                                          "terraform validate")
            remaining = [m for m in remaining if m.key not in stopped]
        return results

    def _validate_aggregate(self, members: list[aggregate.Member], ctx: Context,
                            binary: str) -> tuple[aggregate.Split, str | None, str]:
        """init + validate of one aggregate configuration: its split diagnostics, or why it failed; and how its
        providers and modules were installed. init is skipped when `preinit` can write what it would write."""
        digest = hashlib.sha256("\0".join(m.key for m in members).encode()).hexdigest()
        work = ctx.workdir / "terraform" / f"aggregate-{digest[:16]}"
        layout = aggregate.write_aggregate(self.configs, members, work, self._copy_ignore)
        data = work / "data"
        env = terraform_env(ctx, data)
        empty = aggregate.Split({}, set(), set(), False)
        validate = [binary, "validate", "-json", "-no-color"]
        with concurrency.VALIDATION_SLOTS:
            self.runs.append("aggregate of " + ", ".join(m.target.display for m in members))
            try:
                if data.exists():
                    shutil.rmtree(data)
                mirrors = plugin_mirrors(ctx.settings)
                installed, why = preinit.install(self.configs, layout.calls, layout.directory, mirrors, binary, data)
                if installed is not None:
                    with ThreadPoolExecutor(1, thread_name_prefix="planforge-terraform-hash") as pool:
                        hashes = pool.submit(preinit.verify, installed)  # while terraform loads the provider schemas
                        proc = run_terraform(validate, layout.directory, env, ctx.settings)
                    why = hashes.result() or preinit.init_needed(proc.stdout)
                    if why:  # init starts from the repository's state
                        preinit.undo(installed, layout.directory, data)
                if why:
                    with _plugin_cache_lock if not mirrors else contextlib.nullcontext():
                        init = run_terraform([binary, "init", "-backend=false", "-input=false", "-no-color", "-json"],
                                             layout.directory, env, ctx.settings)
                    if init.returncode != 0:
                        errors = init_diagnostics(init.stdout)
                        return empty, (errors[0].get("summary") if errors else None) or "terraform init failed", why
                    proc = run_terraform(validate, layout.directory, env, ctx.settings)
            except TerraformTimeout as exc:
                return empty, str(exc), ""
        how = f"terraform init ran: {why}" if why else "providers linked from the mirror without terraform init"
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            return empty, "terraform validate printed no JSON", how
        return aggregate.split_diagnostics(self.configs, members, layout, report.get("diagnostics", [])), None, how

    def _validate_tree(self, target: Target, ctx: Context, binary: str, fingerprint: str,
                       mirrors: list[Path]) -> ValidationResult:
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
                with _plugin_cache_lock if not mirrors else contextlib.nullcontext():
                    init = run_terraform([binary, "init", "-backend=false", "-input=false", "-no-color", "-json"],
                                         copied_root, env, ctx.settings)
                init_errors = init_diagnostics(init.stdout)
                if init.returncode != 0:
                    reason = unavailable_reason(init_errors, mirrors)
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
        return copy_ignore(directory, names, self.configs.bounds_for(Path(directory)))


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
