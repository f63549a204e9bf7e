"""The Terraform validator: discovery, then the `static`, `fmt` and `validate` checks of each target."""
from __future__ import annotations

import os
from dataclasses import replace

from planforge.validate.base import Check, Context, Finding, Status, Target
from planforge.validate.terraform.cli import terraform_binary
from planforge.validate.terraform.concurrency import apply_memory_budget
from planforge.validate.terraform.configs import ConfigTree
from planforge.validate.terraform.discovery import discover_targets
from planforge.validate.terraform.fmt import RepositoryFmt, fmt_check
from planforge.validate.terraform.rules import NAME, ROOT
from planforge.validate.terraform.repository import module_bounds
from planforge.validate.terraform.state import shared_state_findings
from planforge.validate.terraform.static import ConfirmedSyntax, input_findings, static_check
from planforge.validate.terraform.validation import Validations


class TerraformValidator:
    """Terraform roots and modules: static checks, fmt, and init + validate for roots.

    Safe to call from several threads at once (threads, not processes: identical roots share one
    validation through an in-memory cache).
    """

    name = NAME

    def __init__(self) -> None:
        self.configs = ConfigTree()
        self.syntax = ConfirmedSyntax(self.configs)
        self.validations = Validations(self.configs, self.syntax)
        self.fmt = RepositoryFmt(self.configs)
        self.validation_runs = self.validations.runs  # displays of roots terraform validate actually ran for

    def discover(self, ctx: Context) -> list[Target]:
        apply_memory_budget(ctx.settings)
        self.configs.bounds = ctx.bounds.union(self.configs.bounds)  # a validator may serve several roots
        self.configs.module_bounds = module_bounds(ctx, self.configs.module_bounds)
        targets = discover_targets(self.configs, ctx)
        self.fmt.plan(targets, ctx)
        if targets:
            terraform_binary(ctx.settings)
        roots = [t for t in targets if t.kind == ROOT]
        self.validations.plan(_validated(targets), ctx)
        for display, findings in shared_state_findings(self.configs, roots, ctx).items():
            next(t for t in roots if t.display == display).extra["shared_state"] = findings
        return targets

    def select(self, targets: list[Target], ctx: Context) -> None:
        """Only `targets` of those `discover` found in `ctx` run (`--changed-since`, `--shard`, the result cache):
        the repository's one fmt call and the aggregate validations cover them alone, and those start now."""
        self.fmt.plan(targets, ctx)
        self.validations.plan(_validated(targets), ctx)
        if targets:
            self.validations.start(ctx, terraform_binary(ctx.settings))

    def run(self, target: Target, ctx: Context) -> list[Check]:
        binary = terraform_binary(ctx.settings)
        checks = [self._static_check(target, ctx, binary), self._fmt_check(target, ctx, binary)]
        if target.kind == ROOT or target.extra.get("standalone"):
            checks.append(self._validate_check(target, ctx, binary))
        return checks

    def _static_check(self, target: Target, ctx: Context, binary: str) -> Check:
        """The static checks, with the roots' `terraform/shared-state` errors (found across roots at discovery)."""
        check = static_check(self.configs, self.syntax, target, ctx, binary)
        shared = target.extra.get("shared_state", []) + self._module_input_findings(target, ctx)
        if shared:
            check.findings += shared
            check.status = Status.FAILED
        return check

    def _module_input_findings(self, target: Target, ctx: Context) -> list[Finding]:
        """The input findings of the modules `target` calls above the validated path (inside its git repository),
        which are no targets of their own; each reported by one root, at a path relative to the validated one."""
        assert self.configs.bounds is not None
        found = []
        for directory in self.configs.module_tree(target.path)[1:]:
            if not self.configs.bounds.inside(directory) and self.validations.reports(directory, target):
                found += [replace(f, file=os.path.relpath(f.file, ctx.root.resolve())) if f.file and os.path.isabs(f.file)
                          else f for f in input_findings(self.configs, directory, ctx)]
        return found

    def _fmt_check(self, target: Target, ctx: Context, binary: str) -> Check:
        return fmt_check(self.configs, self.fmt, target, ctx, binary)

    def _validate_check(self, target: Target, ctx: Context, binary: str) -> Check:
        return self.validations.check(target, ctx, binary)


def _validated(targets: list[Target]) -> list[Target]:
    """The targets `terraform validate` runs for: roots, and modules no root calls."""
    return [t for t in targets if t.kind == ROOT or t.extra.get("standalone")]
