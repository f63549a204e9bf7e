"""The `static` check: python-hcl2 syntax (confirmed by Terraform), references, local module sources,
tfvars, and the input findings of a configuration directory. No providers, no `terraform init`."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from planforge.validate.base import Check, Context, Finding, Severity, Status, Target
from planforge.validate.inputs import NAME as INPUT, OUTSIDE_ROOT, outside_finding
from planforge.validate.terraform.cli import TerraformTimeout, run_terraform, terraform_env
from planforge.validate.terraform.configs import ConfigTree, is_config_dir
from planforge.validate.terraform.hclconfig import ConfigDir, SyntaxProblem
from planforge.validate.terraform.rules import NAME, ROOT
from planforge.validate.terraform.tfvars import tfvars_findings

READ_HINT = ('read files of the module as "${path.module}/..." (literals and locals of them), or pass the path in a '
             "variable (unknown during validation); trust a location outside with --allow-outside PATH")


class ConfirmedSyntax:
    """The python-hcl2 syntax problems Terraform confirms (`terraform fmt` cannot parse the file either);
    the others are python-hcl2 grammar gaps. Terraform's verdict is asked once per file."""

    def __init__(self, configs: ConfigTree) -> None:
        self.configs = configs
        self._parses: dict[Path, bool] = {}
        self._lock = threading.Lock()

    def problems(self, path: Path, ctx: Context, binary: str) -> list[SyntaxProblem]:
        """The confirmed syntax problems of the configuration directory `path`."""
        real = []
        for problem in self.configs.config(path).syntax:
            key = problem.file.resolve()
            with self._lock:
                known = self._parses.get(key)
            if known is None:
                known = _terraform_parses(problem.file, binary, ctx)
                with self._lock:
                    self._parses[key] = known
            if not known:
                real.append(problem)
        return real


def _terraform_parses(file: Path, binary: str, ctx: Context) -> bool:
    """Whether Terraform itself can parse `file` (`terraform fmt -check`: 0 or 3, not 2)."""
    if file.name.endswith(".json"):
        return False  # a JSON error is a JSON error
    try:
        proc = run_terraform([binary, "fmt", "-check", "-no-color", file.name], file.parent, terraform_env(ctx), ctx.settings)
    except TerraformTimeout:
        return False
    return proc.returncode in (0, 3)


def static_check(configs: ConfigTree, syntax: ConfirmedSyntax, target: Target, ctx: Context, binary: str) -> Check:
    import hcl2.version

    start = time.monotonic()
    config = configs.config(target.path)
    findings = input_findings(configs, target.path, ctx)
    findings += static_findings(config, syntax.problems(target.path, ctx, binary), target.kind == ROOT, ctx,
                                outside={name for name, _ in configs.outside_sources(config)})
    status = Status.FAILED if any(f.severity == Severity.ERROR for f in findings) else Status.PASSED
    return Check(NAME, "static", target.display, status, findings, time.monotonic() - start,
                 tool=f"python-hcl2 {hcl2.version.version}")


def input_findings(configs: ConfigTree, directory: Path, ctx: Context) -> list[Finding]:
    """`input/...` findings of one configuration directory: refused files and module sources outside."""
    config = configs.config(directory)
    findings = [exc.finding(ctx.display_as_written(path))
                for path, exc in configs.tree_problems(directory)]
    findings += [outside_finding(ctx.display(call.file), call.source_line, f'module "{name}": local source "{call.source}"')
                 for name, call in configs.outside_sources(config)]
    findings += [Finding(INPUT, OUTSIDE_ROOT, Severity.ERROR, f"{read.function}(): {read.reason}: terraform validate "
                         "does not run", ctx.display(read.file), read.line, hint=READ_HINT)
                 for read in configs.refused_reads(directory)]
    return findings


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
        if call.is_local and not is_config_dir((config.path / call.source).resolve()):
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
        findings += tfvars_findings(config, ctx)
    return findings
