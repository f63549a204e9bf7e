"""The `fmt` check: `terraform fmt -check` on every Terraform file of a target (the repository is not changed)."""
from __future__ import annotations

import re
import time

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

FMT_PATTERNS = ("*.tf", "*.tfvars", "*.tftest.hcl", "*.tfmock.hcl", "tests/*.tftest.hcl", "tests/*.tfmock.hcl")


def fmt_check(configs: ConfigTree, target: Target, ctx: Context, binary: str) -> Check:
    """`terraform fmt -check -diff` of every file of the target: unformatted files, and syntax errors python-hcl2 missed."""
    start = time.monotonic()
    unparsable = {p.file for p in configs.config(target.path).syntax}
    files = sorted({f for pattern in FMT_PATTERNS for f in target.path.glob(pattern)
                    if f.is_file() and configs.readable(f)})  # refused files are input findings
    env = terraform_env(ctx)
    findings: list[Finding] = []
    for file in files:
        try:
            proc = run_terraform([binary, "fmt", "-check", "-diff", "-no-color", file.name], file.parent, env, ctx.settings)
        except TerraformTimeout as exc:
            findings.append(Finding(NAME, "terraform/fmt", Severity.ERROR, str(exc), ctx.display(file), 1))
            continue
        if proc.returncode == 0:
            continue
        if proc.returncode == 3 or (proc.returncode != 2 and proc.stdout.startswith("---")):
            findings.append(Finding(
                NAME, "terraform/fmt", Severity.ERROR, "file is not formatted as `terraform fmt` would write it",
                ctx.display(file), first_changed_line(proc.stdout),
                hint=f"run `{cli_name(binary)} fmt {ctx.display(file)}`", detail=proc.stdout.strip(),
            ))
        elif file not in unparsable:  # syntax errors hcl2 missed: terraform's word is final
            line = re.search(r" line (\d+)", proc.stderr)
            findings.append(Finding(
                NAME, "terraform/syntax", Severity.ERROR, first_error(proc.stderr) or "terraform fmt cannot parse this file",
                ctx.display(file), int(line.group(1)) if line else 1, detail=proc.stderr.strip(),
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
