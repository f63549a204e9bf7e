"""The Terraform validator: discovery, `terraform fmt`, static checks, `terraform validate`.

Public API (used by the runner):
  - `TerraformValidator()`: the `Validator` (name "terraform"); `discover(ctx)` then `run(target, ctx)`
    per target, safe to call from several threads at once (use threads, not processes: identical
    roots share one validation through an in-memory cache). Each target gets the checks `static`
    (python-hcl2) and `fmt`; roots, and modules no root uses, also `validate`.
    `TerraformValidator.validation_runs` lists the roots terraform validate actually ran for.
  - `RULES`: rule id -> description (SARIF / reports).
  - `VALIDATION_SLOTS` / `MAX_CONCURRENT_VALIDATIONS` / `set_max_concurrent_validations(n)`: the bound
    on concurrent `terraform init` + `terraform validate` runs: the memory budget setting divided by
    `VALIDATE_PEAK_MIB` (each validation loads the ~600 MB hashicorp/aws schema). `discover` applies
    the budget of its context's settings and `run` acquires a slot itself, so a runner with `-j 16`
    never has more than `MAX_CONCURRENT_VALIDATIONS` validations alive at once.

The repository is never modified: `terraform fmt` only checks, and `init`/`validate` run on a
temporary copy of the root and its local module tree under `ctx.workdir` with `TF_DATA_DIR`
there too (so neither `.terraform/` nor `.terraform.lock.hcl` is written into the repository).
Discovery rules are documented in docs/discovery.md ("Terraform").
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from planforge.errors import UsageError
from planforge.validate.base import Check, Context, Finding, Settings, Severity, Status, Target
from planforge.validate.hclstatic import (
    TF_SUFFIXES,
    ConfigDir,
    ModuleCall,
    SourceText,
    SyntaxProblem,
    is_auto_tfvars,
    read_tfvars,
    scan_config_dir,
    tfvars_files,
    tftest_module_sources,
)
from planforge.validate.inputs import Bounds, InputError, outside_finding
from planforge.validate.settings import memory_budget_mib
from planforge.validate.tools import ToolOutputTooLarge, ToolTimeout, memory_ceiling_mib, output_limit, run_tool

NAME = "terraform"
ROOT = "terraform-root"
MODULE = "terraform-module"

# Estimated peak memory of one `terraform init` + `terraform validate` of a root using the
# hashicorp/aws 5.x provider: Terraform core plus the provider process, which loads the
# provider's ~600 MB schema. The memory budget is divided by it.
VALIDATE_PEAK_MIB = 900


def validations_within(budget_mib: int) -> int:
    """How many validations fit in a memory budget (always at least one)."""
    return max(1, budget_mib // VALIDATE_PEAK_MIB)


MAX_CONCURRENT_VALIDATIONS = validations_within(memory_budget_mib(Settings()))
VALIDATION_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_VALIDATIONS)

RULES = {
    "terraform/fmt": "The file is not formatted as `terraform fmt` would write it (diff in the detail).",
    "terraform/syntax": "The file cannot be parsed (HCL or JSON syntax error).",
    "terraform/undeclared-reference": "A var./local./module. reference names nothing declared in its module.",
    "terraform/module-source-missing": "A local module `source` points at a directory that does not exist or has no .tf files.",
    "terraform/tfvars-undeclared": "A tfvars key that no variable declares: Terraform would silently ignore it.",
    "terraform/tfvars-missing-required": "A required variable (no default) is not set in the root's terraform.tfvars / "
                                         "*.auto.tfvars, or in an environment's -var-file tfvars.",
    "terraform/static-incomplete": "python-hcl2 cannot parse a file Terraform accepts: its directory's static checks did not run.",
    "terraform/validate": "A diagnostic from `terraform init -backend=false` + `terraform validate`.",
}

FMT_PATTERNS = ("*.tf", "*.tfvars", "*.tftest.hcl", "*.tfmock.hcl", "tests/*.tftest.hcl", "tests/*.tfmock.hcl")
_SKIP_DIRS = {"node_modules", "__pycache__"}
_PROVIDER_ADDR = re.compile(r"provider ((?:[\w.-]+/)?[\w.-]+/[\w.-]+)")
_PROVIDER_FAILURES = (
    "Failed to query available provider packages",
    "Failed to install provider",
    "Failed to resolve provider packages",
    "Incompatible provider version",
)
_MODULE_FAILURES = ("Failed to download module", "Error accessing remote module registry", "Module not found")

_config_lock = threading.Lock()
_plugin_cache_lock = threading.Lock()  # the plugin cache directory is not safe for concurrent installs
_versions: dict[str, str] = {}


def set_max_concurrent_validations(n: int) -> None:
    """Replace the validation bound (call before running validators)."""
    global VALIDATION_SLOTS, MAX_CONCURRENT_VALIDATIONS
    MAX_CONCURRENT_VALIDATIONS = max(1, n)
    VALIDATION_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_VALIDATIONS)


def apply_memory_budget(settings: Settings) -> None:
    """Bound concurrent validations by the settings' memory budget (a no-op when the bound is unchanged)."""
    bound = validations_within(memory_budget_mib(settings))
    if bound != MAX_CONCURRENT_VALIDATIONS:
        set_max_concurrent_validations(bound)


# --------------------------------------------------------------------------- tool plumbing


class _ToolTimeout(Exception):
    pass


def terraform_binary() -> str:
    """Path of the `terraform` CLI, or UsageError (exit 2)."""
    path = shutil.which("terraform")
    if path is None:
        raise UsageError(
            "terraform is not on PATH: install Terraform (https://developer.hashicorp.com/terraform/install) "
            "or leave terraform out of --only."
        )
    return path


def terraform_version(binary: str, timeout: float) -> str:
    """"terraform 1.11.4" (cached per binary), for `Check.tool`."""
    if binary not in _versions:
        try:
            out = run_tool([binary, "version", "-json"], timeout=timeout, max_output=1 << 20)
            _versions[binary] = f"terraform {json.loads(out.stdout)['terraform_version']}"
        except (ToolTimeout, ToolOutputTooLarge, ValueError, KeyError, OSError):
            return "terraform"  # not cached: the next check may have more time
    return _versions[binary]


def plugin_mirror(ctx: Context) -> Path | None:
    """The provider mirror: settings (command line / .planforge.yaml), then PLANFORGE_TF_PLUGIN_MIRROR."""
    value = ctx.settings.terraform_plugin_mirror or os.environ.get("PLANFORGE_TF_PLUGIN_MIRROR")
    if not value:
        return None
    mirror = Path(value).expanduser().resolve()
    if not mirror.is_dir():
        raise UsageError(f"the Terraform plugin mirror {mirror} is not a directory (--terraform-plugin-mirror).")
    return mirror


def cli_config(ctx: Context) -> Path:
    """Write (once per workdir) the one CLI config file every terraform run shares."""
    base = ctx.workdir / "terraform"
    path = base / "cli.tfrc"
    with _config_lock:
        if path.is_file():
            return path
        base.mkdir(parents=True, exist_ok=True)
        mirror = plugin_mirror(ctx)
        if mirror is not None:
            text = (
                "provider_installation {\n  filesystem_mirror {\n"
                f"    path    = {json.dumps(str(mirror))}\n"
                '    include = ["registry.terraform.io/*/*"]\n  }\n}\n'
            )
        else:
            cache = base / "plugin-cache"
            cache.mkdir(exist_ok=True)
            text = f"plugin_cache_dir = {json.dumps(str(cache))}\n"
        path.write_text(text, encoding="utf-8")
    return path


def _env(ctx: Context, data_dir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_CLI_ARGS", "TF_LOG", "TF_WORKSPACE"))}
    env.update(TF_CLI_CONFIG_FILE=str(cli_config(ctx)), TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    if data_dir is not None:
        env["TF_DATA_DIR"] = str(data_dir)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], settings: Settings) -> subprocess.CompletedProcess[str]:
    """Run terraform within the timeout, memory ceiling and output limit (`planforge.validate.tools`)."""
    shown = " ".join(Path(cmd[0]).name if i == 0 else c for i, c in enumerate(cmd))
    try:
        # Output is decoded with errors="replace": Terraform quotes source lines, which may not be UTF-8.
        return run_tool(cmd, cwd=cwd, env=env, timeout=settings.timeout, memory_mib=memory_ceiling_mib(settings),
                        max_output=output_limit(settings))
    except (ToolTimeout, ToolOutputTooLarge) as exc:
        raise _ToolTimeout(f"`{shown}` {exc}") from exc


# --------------------------------------------------------------------------- discovery


def _walk_config_dirs(root: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        if any(f.endswith(TF_SUFFIXES) for f in filenames):
            found.append(Path(dirpath).resolve())
    return found


def _under_modules_dir(path: Path, root: Path) -> bool:
    """True for a/modules/x (and below), but not for a/modules/x/examples/y."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = path.parts
    if "modules" not in parts:
        return False
    after = parts[len(parts) - 1 - parts[::-1].index("modules"):]
    return "examples" not in after


def _outside_fingerprint(name: str) -> bool:
    """Files that cannot change what `terraform validate` reports: variable values, backend
    settings (`*.tfbackend`, `backend-prod.hcl`: any `.hcl` but tests and mocks), docs, dotfiles."""
    if name.endswith((".tftest.hcl", ".tfmock.hcl")) or name == ".terraform.lock.hcl":
        return False
    return name.endswith((".tfvars", ".tfvars.json", ".tfbackend", ".hcl", ".md")) or name.startswith(".")


def _tree_files(directory: Path) -> list[Path]:
    """Files of a configuration directory and its non-configuration subdirectories (templates, tests)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        here = Path(dirpath)
        if here != directory and any(f.endswith(TF_SUFFIXES) for f in filenames):
            dirnames[:] = []
            continue  # a nested configuration: in the tree only if a module source points at it
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        found += [here / f for f in sorted(filenames)]
    return found


def _strip_backend(text: str) -> str:
    """Drop `backend "x" {...}` and `cloud {...}` blocks: they do not change what validate checks."""
    src = SourceText(text)
    spans = []
    for block in re.finditer(r"(?m)^[ \t]*terraform[ \t]*\{", src.masked):
        end = src.matching_brace(block.end() - 1)
        for m in re.finditer(r"\b(?:backend[ \t]+\"[^\"\n]*\"|cloud)[ \t]*\{", src.masked[:end]):
            if m.start() > block.end():
                spans.append((m.start(), src.matching_brace(m.end() - 1) + 1))
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    return text


class TerraformValidator:
    """Terraform roots and modules: static checks, fmt, and init + validate for roots."""

    name = NAME

    def __init__(self) -> None:
        self._scans: dict[Path, ConfigDir] = {}
        self._scan_lock = threading.Lock()
        self._results: dict[str, _Entry] = {}
        self._results_lock = threading.Lock()
        self._terraform_parses: dict[Path, bool] = {}
        self.validation_runs: list[str] = []  # displays of roots terraform validate actually ran for
        self.bounds: Bounds | None = None  # what may be read: the run's (set by `discover`)

    # ----------------------------------------------------------------- scanning

    def config(self, path: Path) -> ConfigDir:
        path = path.resolve()
        with self._scan_lock:
            cached = self._scans.get(path)
        if cached is None:
            cached = scan_config_dir(path, self.bounds)
            with self._scan_lock:
                self._scans[path] = cached
        return cached

    def module_tree(self, path: Path) -> list[Path]:
        """`path` and every directory reachable through local module sources (existing ones)."""
        seen: list[Path] = []
        todo = [path.resolve()]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.append(current)
            for child in self.config(current).local_module_dirs().values():
                if child.is_dir() and child not in seen and self._inside(child):
                    todo.append(child)
        return seen

    def _inside(self, path: Path) -> bool:
        return self.bounds is None or self.bounds.inside(path)

    def outside_sources(self, config: ConfigDir) -> list[tuple[str, ModuleCall]]:
        """Local module calls whose `source` resolves outside the validated paths (never read)."""
        return [(name, call) for name, call in config.modules.items()
                if call.is_local and not self._inside(config.path / call.source)]

    def tree_problems(self, directory: Path) -> list[tuple[Path, InputError]]:
        """Entries of a configuration directory (and its subdirectories without .tf files) that Terraform
        would read but the bounds refuse: symlinks leading outside, FIFOs, devices, files too large."""
        if self.bounds is None:
            return []
        found = list(self.config(directory).refused)
        known = {p for p, _ in found}
        for path, exc in self.bounds.scan(directory, skip=_SKIP_DIRS):
            relative = path.relative_to(directory)
            if path in known or any(part.startswith(".") for part in relative.parts[:-1]):
                continue
            if any(_has_tf_files(directory.joinpath(*relative.parts[:i])) for i in range(1, len(relative.parts))):
                continue  # in a nested configuration: its own target reports it
            found.append((path, exc))
        return found

    def fingerprint(self, path: Path) -> str:
        """Hash of what `terraform validate` sees: .tf content (backend blocks removed), other
        non-tfvars files, and the local module tree. Roots with the same hash validate once."""
        digest = hashlib.sha256()
        for directory in self.module_tree(path):
            digest.update(b"\0dir\0" + os.path.relpath(directory, path).encode())
            for file in _tree_files(directory):
                rel = file.relative_to(directory)
                name = rel.name
                if _outside_fingerprint(name) or (self.bounds is not None and not self._readable(file)):
                    continue
                data = file.read_bytes()
                if name.endswith(".tf"):
                    data = _strip_backend(data.decode("utf-8", errors="replace")).encode()
                digest.update(b"\0file\0" + str(rel).encode() + b"\0" + data)
        return digest.hexdigest()

    # ----------------------------------------------------------------- discover

    def _readable(self, file: Path) -> bool:
        try:
            assert self.bounds is not None
            self.bounds.check(file, file.name)
            return True
        except InputError:
            return False

    def discover(self, ctx: Context) -> list[Target]:
        apply_memory_budget(ctx.settings)
        self.bounds = ctx.bounds.union(self.bounds)  # a validator may serve several roots
        root = ctx.root.resolve()
        dirs = _walk_config_dirs(root)
        referenced: set[Path] = set()
        for d in dirs:
            referenced.update(self.config(d).local_module_dirs().values())
            referenced.update(tftest_module_sources(d, self.bounds))
        targets: list[Target] = []
        for d in dirs:
            config = self.config(d)
            own_tfvars = any(p.parent == d for p in tfvars_files(d))
            if config.has_backend or own_tfvars:
                kind, why = ROOT, "backend configuration" if config.has_backend else "tfvars file"
            elif d in referenced:
                kind, why = MODULE, "referenced as a local module source"
            elif _under_modules_dir(d, root):
                kind, why = MODULE, "under a modules/ directory"
            else:
                kind, why = ROOT, "not referenced by any configuration"
            targets.append(Target(NAME, kind, d, ctx.display(d), {"why": why}))
        roots = [t for t in targets if t.kind == ROOT]
        covered = {m for t in roots for m in self.module_tree(t.path)}
        groups: dict[str, list[str]] = {}
        for t in roots:
            t.extra["fingerprint"] = self.fingerprint(t.path)
            groups.setdefault(t.extra["fingerprint"], []).append(t.display)
        for t in targets:
            if t.kind == ROOT:
                t.extra["identical_roots"] = groups[t.extra["fingerprint"]]
            elif t.path not in covered:
                t.extra["standalone"] = True  # no root uses it: validate it on its own
                t.extra["fingerprint"] = self.fingerprint(t.path)
        if targets:
            terraform_binary()
        return targets

    # ----------------------------------------------------------------- run

    def run(self, target: Target, ctx: Context) -> list[Check]:
        binary = terraform_binary()
        checks = [self._static_check(target, ctx, binary), self._fmt_check(target, ctx, binary)]
        if target.kind == ROOT or target.extra.get("standalone"):
            checks.append(self._validate_check(target, ctx, binary))
        return checks

    # ----------------------------------------------------------------- static

    def syntax_problems(self, path: Path, ctx: Context, binary: str) -> list[SyntaxProblem]:
        """The python-hcl2 syntax problems of a directory that Terraform confirms (`terraform fmt`
        cannot parse the file either); the others are python-hcl2 grammar gaps."""
        real = []
        for problem in self.config(path).syntax:
            key = problem.file.resolve()
            with self._scan_lock:
                known = self._terraform_parses.get(key)
            if known is None:
                known = _terraform_parses(problem.file, binary, ctx)
                with self._scan_lock:
                    self._terraform_parses[key] = known
            if not known:
                real.append(problem)
        return real

    def _static_check(self, target: Target, ctx: Context, binary: str) -> Check:
        import hcl2.version

        start = time.monotonic()
        config = self.config(target.path)
        findings = self.input_findings(target.path, ctx)
        findings += static_findings(config, self.syntax_problems(target.path, ctx, binary), target.kind == ROOT, ctx,
                                    outside={name for name, _ in self.outside_sources(config)})
        status = Status.FAILED if any(f.severity == Severity.ERROR for f in findings) else Status.PASSED
        return Check(NAME, "static", target.display, status, findings, time.monotonic() - start,
                     tool=f"python-hcl2 {hcl2.version.version}")

    def input_findings(self, directory: Path, ctx: Context) -> list[Finding]:
        """`input/...` findings of one configuration directory: refused files and module sources outside."""
        config = self.config(directory)
        findings = [exc.finding(ctx.display_as_written(path))
                    for path, exc in self.tree_problems(directory)]
        findings += [outside_finding(ctx.display(call.file), call.source_line, f'module "{name}": local source "{call.source}"')
                     for name, call in self.outside_sources(config)]
        return findings

    # ----------------------------------------------------------------- fmt

    def _fmt_check(self, target: Target, ctx: Context, binary: str) -> Check:
        start = time.monotonic()
        unparsable = {p.file for p in self.config(target.path).syntax}
        files = sorted({f for pattern in FMT_PATTERNS for f in target.path.glob(pattern)
                        if f.is_file() and self._readable(f)})  # refused files are input findings
        env = _env(ctx)
        findings: list[Finding] = []
        for file in files:
            try:
                proc = _run([binary, "fmt", "-check", "-diff", "-no-color", file.name], file.parent, env, ctx.settings)
            except _ToolTimeout as exc:
                findings.append(Finding(NAME, "terraform/fmt", Severity.ERROR, str(exc), ctx.display(file), 1))
                continue
            if proc.returncode == 0:
                continue
            if proc.returncode == 3 or (proc.returncode != 2 and proc.stdout.startswith("---")):
                findings.append(Finding(
                    NAME, "terraform/fmt", Severity.ERROR, "file is not formatted as `terraform fmt` would write it",
                    ctx.display(file), _first_changed_line(proc.stdout),
                    hint=f"run `terraform fmt {ctx.display(file)}`", detail=proc.stdout.strip(),
                ))
            elif file not in unparsable:  # syntax errors hcl2 missed: terraform's word is final
                line = re.search(r" line (\d+)", proc.stderr)
                findings.append(Finding(
                    NAME, "terraform/syntax", Severity.ERROR, _first_error(proc.stderr) or "terraform fmt cannot parse this file",
                    ctx.display(file), int(line.group(1)) if line else 1, detail=proc.stderr.strip(),
                ))
        status = Status.FAILED if findings else Status.PASSED
        return Check(NAME, "fmt", target.display, status, findings, time.monotonic() - start,
                     tool=terraform_version(binary, ctx.settings.timeout))

    # ----------------------------------------------------------------- validate

    def _validate_check(self, target: Target, ctx: Context, binary: str) -> Check:
        start = time.monotonic()
        tool = terraform_version(binary, ctx.settings.timeout)
        tree = self.module_tree(target.path)
        refused = [d for d in tree if self.tree_problems(d) or self.outside_sources(self.config(d))]
        if refused:
            reason = ("not run: the configuration refers to files outside the validated paths, or holds files that "
                      "are not read (see the input findings of the static check)")
            return Check(NAME, "validate", target.display, Status.SKIPPED, [], 0.0, tool, reason)
        blocked = [d for d in tree if self.syntax_problems(d, ctx, binary)] or [
            d for d in tree for c in self.config(d).modules.values()
            if c.is_local and not _is_config_dir((d / c.source).resolve())
        ]
        if blocked:
            reason = "not run: the configuration has syntax errors or missing local module sources (see the static check)"
            return Check(NAME, "validate", target.display, Status.SKIPPED, [], 0.0, tool, reason)
        fingerprint = target.extra.get("fingerprint") or self.fingerprint(target.path)
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
        findings = [self._diagnostic_finding(d, target.path, ctx) for d in result.diagnostics]
        if result.status == Status.SKIPPED:
            return Check(NAME, "validate", target.display, Status.SKIPPED, findings, time.monotonic() - start, tool, result.reason)
        status = Status.FAILED if any(f.severity == Severity.ERROR for f in findings) else Status.PASSED
        return Check(NAME, "validate", target.display, status, findings, time.monotonic() - start, tool)

    def _validate_tree(self, target: Target, ctx: Context, binary: str, fingerprint: str, mirror: Path | None) -> _Result:
        """init + validate in a temporary copy of the root and its local module tree."""
        root = target.path.resolve()
        work = ctx.workdir / "terraform" / fingerprint[:16]
        src = work / "src"
        tree = self.module_tree(root)
        base = Path(os.path.commonpath([str(d) for d in tree]))
        if src.exists():
            shutil.rmtree(src)
        for directory in sorted(tree):
            dest = src / directory.relative_to(base)
            if any(directory.is_relative_to(other) for other in tree if other != directory):
                continue  # copied with its ancestor
            shutil.copytree(directory, dest, dirs_exist_ok=True, ignore=self._copy_ignore)
        copied_root = src / root.relative_to(base)
        env = _env(ctx, work / "data")
        with VALIDATION_SLOTS:
            self.validation_runs.append(target.display)
            try:
                if mirror is None:
                    with _plugin_cache_lock:
                        init = _run([binary, "init", "-backend=false", "-input=false", "-no-color", "-json"], copied_root, env, ctx.settings)
                else:
                    init = _run([binary, "init", "-backend=false", "-input=false", "-no-color", "-json"], copied_root, env, ctx.settings)
                init_errors = _init_diagnostics(init.stdout)
                if init.returncode != 0:
                    reason = _unavailable_reason(init_errors, mirror)
                    if reason:
                        return _Result(Status.SKIPPED, target.display, reason=reason)
                    return _Result(Status.FAILED, target.display, init_errors or [_plain_diagnostic(init.stderr or init.stdout)])
                proc = _run([binary, "validate", "-json", "-no-color"], copied_root, env, ctx.settings)
            except _ToolTimeout as exc:
                return _Result(Status.FAILED, target.display, [_plain_diagnostic(str(exc))])
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            return _Result(Status.FAILED, target.display, [_plain_diagnostic(proc.stderr or proc.stdout)])
        return _Result(Status.PASSED, target.display, report.get("diagnostics", []))

    def _copy_ignore(self, directory: str, names: list[str]) -> set[str]:
        return _copy_ignore(directory, names, self.bounds)

    def _diagnostic_finding(self, diag: dict, root: Path, ctx: Context) -> Finding:
        severity = Severity.WARNING if diag.get("severity") == "warning" else Severity.ERROR
        summary = diag.get("summary") or "terraform diagnostic"
        detail = (diag.get("detail") or "").strip()
        message = f"{summary}: {detail.splitlines()[0]}" if detail else summary
        rng = diag.get("range") or {}
        if rng.get("filename"):
            path = Path(os.path.normpath(root / rng["filename"]))
            file = _display(ctx, path) if path.exists() else rng["filename"]
            start = rng.get("start") or {}
            line, column = start.get("line") or 1, start.get("column")
        else:  # no source range (rare: init-level problems): point at the root's first file
            first = self.config(root).files
            file, line, column = ctx.display(first[0] if first else root), 1, None
        return Finding(NAME, "terraform/validate", severity, message, file, line, column, detail=detail or None)


@dataclass
class _Result:
    status: Status
    ran_in: str
    diagnostics: list[dict] = field(default_factory=list)
    reason: str | None = None


@dataclass
class _Entry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    result: _Result | None = None


def _display(ctx: Context, path: Path) -> str:
    """`ctx.display`, but `../modules/x/main.tf` rather than an absolute path outside the root."""
    shown = ctx.display(path)
    return os.path.relpath(path, ctx.root.resolve()) if Path(shown).is_absolute() else shown


def _terraform_parses(file: Path, binary: str, ctx: Context) -> bool:
    """Whether Terraform itself can parse `file` (`terraform fmt -check`: 0 or 3, not 2)."""
    if file.name.endswith(".json"):
        return False  # a JSON error is a JSON error
    try:
        proc = _run([binary, "fmt", "-check", "-no-color", file.name], file.parent, _env(ctx), ctx.settings)
    except _ToolTimeout:
        return False
    return proc.returncode in (0, 3)


def _copy_ignore(directory: str, names: list[str], bounds: Bounds | None = None) -> set[str]:
    """What the validation copy leaves out: hidden entries (but the lock file), state, node_modules, and
    (with `bounds`) whatever the bounds refuse, so that the copy never reads outside the validated paths."""
    ignored = {
        n for n in names
        if (n.startswith(".") and n != ".terraform.lock.hcl") or n in _SKIP_DIRS or n.endswith((".tfstate", ".tfstate.backup"))
    }
    if bounds is not None:
        for n in set(names) - ignored:
            try:
                bounds.check(os.path.join(directory, n), n)
            except InputError:
                ignored.add(n)
    return ignored


def _has_tf_files(directory: Path) -> bool:
    try:
        return any(name.endswith(TF_SUFFIXES) for name in os.listdir(directory))
    except OSError:
        return False



def _is_config_dir(path: Path) -> bool:
    return path.is_dir() and any(p.name.endswith(TF_SUFFIXES) for p in path.iterdir() if p.is_file())


def _first_changed_line(diff: str) -> int:
    """Line (in the original file) of the first line a unified diff removes or inserts before."""
    line = None
    for text in diff.splitlines():
        hunk = re.match(r"@@ -(\d+)", text)
        if hunk:
            line = int(hunk.group(1))
        elif line is not None and text.startswith(("-", "+")) and not text.startswith(("---", "+++")):
            return max(line, 1)
        elif line is not None and text.startswith(" "):
            line += 1
    return 1


def _first_error(stderr: str) -> str | None:
    m = re.search(r"Error: (.+)", stderr)
    return m.group(1).strip() if m else None


def _plain_diagnostic(text: str) -> dict:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    summary = _first_error(text) or (lines[0] if lines else "terraform failed")
    return {"severity": "error", "summary": summary, "detail": text.strip()}


def _init_diagnostics(stdout: str) -> list[dict]:
    """Error diagnostics from `terraform init -json` (one JSON object per line)."""
    found = []
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        diag = event.get("diagnostic") if isinstance(event, dict) else None
        if isinstance(diag, dict) and diag.get("severity") == "error":
            found.append(diag)
    located = [d for d in found if d.get("range")]
    # "Terraform encountered problems during initialisation..." only introduces the located ones
    return located or found


def _unavailable_reason(errors: list[dict], mirror: Path | None) -> str | None:
    """Why init could not install providers or modules (-> skipped), or None for a real error."""
    providers: list[str] = []
    modules: list[str] = []
    for diag in errors:
        summary, detail = diag.get("summary", ""), diag.get("detail", "")
        if summary in _PROVIDER_FAILURES:
            for addr in _PROVIDER_ADDR.findall(detail) or ["(unknown)"]:
                full = addr if addr.count("/") == 2 else f"registry.terraform.io/{addr}"
                if full not in providers:
                    providers.append(full)
        elif summary in _MODULE_FAILURES:
            modules.append(detail.splitlines()[0] if detail else summary)
    if not providers and not modules:
        return None
    where = f" (plugin mirror {mirror})" if mirror else " (registry access)"
    parts = [f"provider {p} not available{where}" for p in providers] + [f"module not available: {m}" for m in modules]
    return "; ".join(parts)


# --------------------------------------------------------------------------- static findings


def static_findings(config: ConfigDir, syntax: list[SyntaxProblem], is_root: bool, ctx: Context,
                    outside: set[str] = frozenset()) -> list[Finding]:  # type: ignore[assignment]
    """python-hcl2 checks of one directory: syntax (`syntax`: the problems Terraform confirms),
    undeclared references, missing local module sources, and (roots) tfvars keys without a
    variable / required variables without a value."""
    findings = [
        Finding(NAME, "terraform/syntax", Severity.ERROR, p.message, ctx.display(p.file), p.line, p.column,
                hint="fix the HCL syntax (`terraform validate` prints Terraform's own message)")
        for p in syntax
    ]
    findings += [
        Finding(NAME, "terraform/static-incomplete", Severity.INFO,
                "python-hcl2 cannot parse this file although Terraform can: reference and tfvars checks of this "
                "directory were not run (terraform validate still covers it)", ctx.display(p.file), p.line, p.column)
        for p in config.syntax if p not in syntax
    ]
    for name, call in config.modules.items():
        if name in outside:
            continue  # an input finding: the source is not looked at
        if call.is_local and not _is_config_dir((config.path / call.source).resolve()):
            findings.append(Finding(
                NAME, "terraform/module-source-missing", Severity.ERROR,
                f'module "{name}": local source "{call.source}" does not exist or holds no .tf files',
                ctx.display(call.file), call.source_line, hint="fix the relative path in `source`",
            ))
    if config.syntax:
        return findings  # declarations from unparsable files are unknown: no reference checks
    declared = {"var": config.variables, "local": config.locals, "module": config.modules}
    kinds = {"var": "input variable", "local": "local value", "module": "module call"}
    fixes = {"var": 'add `variable "{n}" {{}}` (e.g. in variables.tf)', "local": "define `{n}` in a `locals` block",
             "module": 'add a `module "{n}"` block'}
    for ref in config.references:
        if ref.name not in declared[ref.kind]:
            findings.append(Finding(
                NAME, "terraform/undeclared-reference", Severity.ERROR,
                f'reference to undeclared {kinds[ref.kind]} "{ref.kind}.{ref.name}"',
                ctx.display(ref.file), ref.line, ref.column, hint=f"{fixes[ref.kind].format(n=ref.name)} or fix the name",
            ))
    if is_root:
        findings += _tfvars_findings(config, ctx)
    return findings


def _tfvars_findings(config: ConfigDir, ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    auto_keys: set[str] = set()
    auto_files: list[Path] = []
    env_files: list[tuple[Path, set[str]]] = []  # passed with -var-file: each one is an environment
    for path in tfvars_files(config.path):
        try:
            keys, problem = read_tfvars(path, ctx.bounds)
        except InputError:
            continue  # reported with the directory's input findings
        if problem:
            findings.append(Finding(NAME, "terraform/syntax", Severity.ERROR, problem.message, ctx.display(path),
                                    problem.line, problem.column))
            continue
        for key in keys:
            if key.name not in config.variables:
                findings.append(Finding(
                    NAME, "terraform/tfvars-undeclared", Severity.ERROR,
                    f'"{key.name}" is set but no variable declares it: Terraform would silently ignore the value',
                    ctx.display(path), key.line, hint=f'declare `variable "{key.name}"` in the root module or remove the line',
                ))
        if path.parent == config.path and is_auto_tfvars(path):
            auto_files.append(path)
            auto_keys.update(k.name for k in keys)
        else:
            env_files.append((path, {k.name for k in keys}))
    required = sorted(name for name, var in config.variables.items() if var.required)
    for path, keys in env_files:
        also = f" nor in {', '.join(p.name for p in auto_files)}" if auto_files else ""
        for name in required:
            if name not in keys and name not in auto_keys:
                findings.append(Finding(
                    NAME, "terraform/tfvars-missing-required", Severity.ERROR,
                    f'required variable "{name}" (no default) is not set in this environment\'s {path.name}{also}: '
                    f"`terraform plan -var-file={ctx.display(path)}` would prompt for it",
                    ctx.display(path), 1, hint=f"set `{name} = ...` in {path.name} or give the variable a default",
                ))
    if auto_files and not env_files:  # with environment files, terraform.tfvars holds what they share
        names = ", ".join(p.name for p in auto_files)
        for name, var in sorted(config.variables.items()):
            if var.required and name not in auto_keys:
                findings.append(Finding(
                    NAME, "terraform/tfvars-missing-required", Severity.ERROR,
                    f'required variable "{name}" (no default) is not set in {names}',
                    ctx.display(var.file), var.line, hint=f"set `{name} = ...` in {auto_files[0].name} or give the variable a default",
                ))
    return findings
