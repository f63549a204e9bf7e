"""The Ansible validator: discovery, then `syntax-check[<inventory>]` per playbook and `lint` per tree."""
from __future__ import annotations

import time
from pathlib import Path

from planforge.validate.ansible.cli import (
    ToolFailure,
    find_binary,
    lint_findings,
    playbook_binary,
    run_ansible,
    syntax_findings,
    tool_version,
)
from planforge.validate.ansible.discovery import Tree, discover_targets
from planforge.validate.ansible.launch import ansible_env
from planforge.validate.ansible.lintconfig import lint_config
from planforge.validate.ansible.rules import NAME, PLAYBOOK, UNTRUSTED_INVENTORY
from planforge.validate.ansible.screen import (
    config_findings,
    inventory_refusal,
    lint_config_findings,
    outside_references,
    plugin_findings,
)
from planforge.validate.base import Check, Context, Finding, Severity, Status, Target

NO_INVENTORY = "localhost,"  # the implicit inventory of a tree that has none
LINT_MISSING = "ansible-lint is not installed (`pip install ansible-lint`): the tree was not linted"


class AnsibleValidator:
    """Ansible trees: syntax-check of every playbook against every inventory, ansible-lint per tree."""

    name = NAME

    def __init__(self) -> None:
        self._versions: dict[str, str] = {}
        self._outside_refs: dict[Path, list[Finding]] = {}

    def discover(self, ctx: Context) -> list[Target]:
        targets = discover_targets(ctx)
        if targets:
            playbook_binary()
        return targets

    def run(self, target: Target, ctx: Context) -> list[Check]:
        tree: Tree = target.extra["tree"]
        escapes = [error.finding(ctx.display_as_written(path)) for path, error in ctx.bounds.scan(tree.path)]
        escapes += self._outside(tree, ctx)
        if escapes:  # the tools would read them: nothing runs on this tree
            return [Check(NAME, "inputs", target.display, Status.FAILED, escapes)]
        if target.kind == PLAYBOOK:
            return [self._playbook_check(target, tree, inventory, ctx) for inventory in tree.inventories or [None]]
        lint_file, refused, shown = lint_config(tree.path, ctx.workdir / "ansible", ctx)
        lint_refusals = lint_config_findings(refused, shown or target.display)
        return [*self._trust_checks(target, tree, lint_refusals, ctx), self._lint_check(target, tree, lint_file, ctx)]

    def _outside(self, tree: Tree, ctx: Context) -> list[Finding]:
        """The tree's static references outside the validated paths (computed once per tree)."""
        if tree.path not in self._outside_refs:
            self._outside_refs[tree.path] = outside_references(tree, ctx)
        return self._outside_refs[tree.path]

    def _trust_checks(self, target: Target, tree: Tree, lint_refusals: list[Finding], ctx: Context) -> list[Check]:
        """What the tree would make Ansible run, refused (reported once per tree: `screen`)."""
        findings = [*config_findings(tree, ctx), *lint_refusals, *plugin_findings(tree, ctx)]
        findings += [refused for inventory in tree.inventories if (refused := inventory_refusal(inventory, ctx))]
        if not findings:
            return []
        failed = any(f.severity is Severity.ERROR for f in findings)
        return [Check(NAME, "untrusted", target.display, Status.FAILED if failed else Status.PASSED, findings)]

    def _playbook_check(self, target: Target, tree: Tree, inventory: Path | None, ctx: Context) -> Check:
        refused = inventory_refusal(inventory, ctx) if inventory is not None else None
        if inventory is None or refused is None:
            return self._syntax_check(target, tree, inventory, ctx)
        return Check(NAME, f"syntax-check[{ctx.display(inventory)}]", target.display, Status.SKIPPED,
                     reason=f"{refused.message} ({UNTRUSTED_INVENTORY})")

    def _syntax_check(self, target: Target, tree: Tree, inventory: Path | None, ctx: Context) -> Check:
        binary = playbook_binary()
        shown = ctx.display(inventory) if inventory is not None else NO_INVENTORY
        cmd = [binary, "--syntax-check", "-i", str(inventory) if inventory is not None else NO_INVENTORY,
               str(target.path)]
        env = ansible_env(ctx, tree, binary)
        check = Check(NAME, f"syntax-check[{shown}]", target.display, Status.PASSED,
                      tool=self._version(binary, env, ctx))
        start = time.perf_counter()
        try:
            result = run_ansible(cmd, tree.path, env, ctx)
            check.findings = syntax_findings(result.stdout + result.stderr, tree, ctx, target.display)
            if result.returncode != 0 and not check.findings:
                check.findings = [_failure(f"ansible-playbook --syntax-check exited {result.returncode}",
                                           target.display, result.stdout + result.stderr)]
        except ToolFailure as exc:
            check.findings = [_failure(str(exc), target.display)]
        check.duration = time.perf_counter() - start
        check.status = Status.FAILED if any(f.severity is Severity.ERROR for f in check.findings) else Status.PASSED
        return check

    def _lint_check(self, target: Target, tree: Tree, config: Path, ctx: Context) -> Check:
        binary = find_binary("ansible-lint")
        if binary is None:
            return Check(NAME, "lint", target.display, Status.SKIPPED, reason=LINT_MISSING)
        env = ansible_env(ctx, tree, binary)
        cmd = [binary, "--offline", "-q", "-f", "codeclimate", "--project-dir", ".", "-c", str(config)]
        check = Check(NAME, "lint", target.display, Status.PASSED, tool=self._version(binary, env, ctx))
        start = time.perf_counter()
        try:
            result = run_ansible(cmd, tree.path, env, ctx)
            check.findings, reported = lint_findings(result.stdout, tree, ctx)
            if result.returncode not in (0, 2) or (result.returncode == 2 and not reported):
                check.findings.append(_failure(f"ansible-lint exited {result.returncode}", target.display,
                                               result.stderr))
        except ToolFailure as exc:
            check.findings = [_failure(str(exc), target.display)]
        check.duration = time.perf_counter() - start
        check.status = Status.FAILED if any(f.severity is Severity.ERROR for f in check.findings) else Status.PASSED
        return check

    def _version(self, binary: str, env: dict[str, str], ctx: Context) -> str:
        if binary not in self._versions:
            self._versions[binary] = tool_version(binary, env, ctx)
        return self._versions[binary]


def _failure(message: str, file: str, detail: str | None = None) -> Finding:
    return Finding(NAME, "ansible/tool-failure", Severity.ERROR, message, file=file,
                   hint="run the command by hand to see why; raise --timeout if it ran out of time",
                   detail=detail.strip() if detail else None)
