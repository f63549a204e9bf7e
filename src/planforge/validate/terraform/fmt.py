"""The `fmt` check: `terraform fmt -check` on every Terraform file of a target (the repository is not changed)."""
from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from planforge.validate.base import Check, Context, Finding, Severity, Status, Target
from planforge.validate.terraform.cli import (
    TerraformTimeout,
    cli_name,
    first_error,
    run_terraform,
    terraform_env,
    terraform_version,
)
from planforge.validate.terraform.configs import ConfigTree
from planforge.validate.terraform.rules import NAME

CHUNK = 500  # files per `terraform fmt` call: command lines stay far below the system's limit
FMT_PATTERNS = ("*.tf", "*.tfvars", "*.tftest.hcl", "*.tfmock.hcl", "tests/*.tftest.hcl", "tests/*.tfmock.hcl")


@dataclass
class FileFmt:
    """What `terraform fmt -check` says of one file: formatted, its diff, or the error that stopped it."""

    diff: str = ""
    error: str = ""
    timeout: str = ""  # the call ran out of time or printed too much


class RepositoryFmt:
    """One `terraform fmt -check -list=true -diff` over every file of the run's targets (per scratch directory),
    instead of one per file. Terraform stops at the first file it cannot parse: that file gets the error, and
    the call runs again without it."""

    def __init__(self, configs: ConfigTree) -> None:
        self.configs = configs
        self._files: dict[Path, list[Path]] = {}  # workdir -> the files of every target
        self._results: dict[Path, dict[Path, FileFmt]] = {}
        self._lock = threading.Lock()

    def plan(self, targets: list[Target], ctx: Context) -> None:
        """The files of `targets` are those of the run's one call in `ctx.workdir` (planned again: replaced)."""
        self._files[ctx.workdir] = [f for t in targets for f in target_files(self.configs, t)]

    def result(self, file: Path, ctx: Context, binary: str) -> FileFmt:
        with self._lock:
            if ctx.workdir not in self._results:
                files = sorted(set(self._files.get(ctx.workdir, [])) | {file})
                self._results[ctx.workdir] = self._run(files, ctx, binary)
            results = self._results[ctx.workdir]
            if file not in results:  # a target discovery did not list: its own call
                results.update(self._run([file], ctx, binary))
            return results[file]

    def _run(self, files: list[Path], ctx: Context, binary: str) -> dict[Path, FileFmt]:
        results = {f: FileFmt() for f in files}
        todo = list(files)
        env = terraform_env(ctx)
        while todo:
            chunk, todo = todo[:CHUNK], todo[CHUNK:]
            names = {os.path.relpath(f, ctx.root): f for f in chunk}
            try:
                proc = run_terraform([binary, "fmt", "-check", "-list=true", "-diff", "-no-color", *names],
                                     ctx.root, env, ctx.settings)
            except TerraformTimeout as exc:
                results.update({f: FileFmt(timeout=str(exc)) for f in chunk})
                continue
            for name, diff in _diffs(proc.stdout, names).items():
                results[names[name]].diff = diff
            if proc.returncode == 2 or (proc.returncode not in (0, 3) and not proc.stdout):
                bad = _failed_file(proc.stderr, names)
                if bad is None and len(chunk) > 1:  # not attributable: one call per file
                    for f in chunk:
                        results.update(self._run([f], ctx, binary))
                    continue
                bad = bad or chunk[0]
                results[bad].error = proc.stderr or proc.stdout or "terraform fmt failed"
                todo = [f for f in chunk if f != bad] + todo
        return results


def target_files(configs: ConfigTree, target: Target) -> list[Path]:
    """The files `fmt` checks for a target (refused files are input findings, not read)."""
    return sorted({f for pattern in FMT_PATTERNS for f in target.path.glob(pattern) if f.is_file() and configs.readable(f)})


def _diffs(stdout: str, names: dict[str, Path]) -> dict[str, str]:
    """File name -> its diff, from `-list=true -diff` output (each diff follows the listed name)."""
    diffs: dict[str, list[str]] = {}
    current: list[str] | None = None
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if line in names and i + 1 < len(lines) and lines[i + 1].startswith("--- "):
            current = diffs.setdefault(line, [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(text) for name, text in diffs.items()}


def _failed_file(stderr: str, names: dict[str, Path]) -> Path | None:
    m = re.search(r"\bon (.+?) line \d+", stderr)
    return names.get(m.group(1)) if m else None


def fmt_check(configs: ConfigTree, repository: RepositoryFmt, target: Target, ctx: Context, binary: str) -> Check:
    """`terraform fmt -check` of every file of the target: unformatted files, and syntax errors python-hcl2 missed."""
    start = time.monotonic()
    unparsable = {p.file for p in configs.config(target.path).syntax}
    findings: list[Finding] = []
    for file in target_files(configs, target):
        result = repository.result(file, ctx, binary)
        if result.diff:
            findings.append(Finding(
                NAME, "terraform/fmt", Severity.ERROR, "file is not formatted as `terraform fmt` would write it",
                ctx.display(file), first_changed_line(result.diff),
                hint=f"run `{cli_name(binary)} fmt {ctx.display(file)}`", detail=result.diff.strip(),
            ))
        elif result.timeout:
            findings.append(Finding(NAME, "terraform/fmt", Severity.ERROR, result.timeout, ctx.display(file), 1))
        elif result.error and file not in unparsable:  # syntax errors hcl2 missed: terraform's word is final
            line = re.search(r" line (\d+)", result.error)
            findings.append(Finding(
                NAME, "terraform/syntax", Severity.ERROR, first_error(result.error) or "terraform fmt cannot parse this file",
                ctx.display(file), int(line.group(1)) if line else 1, detail=result.error.strip(),
            ))
    status = Status.FAILED if findings else Status.PASSED
    return Check(NAME, "fmt", target.display, status, findings, time.monotonic() - start,
                 tool=terraform_version(binary, ctx.settings.timeout))


def first_changed_line(diff: str) -> int:
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
