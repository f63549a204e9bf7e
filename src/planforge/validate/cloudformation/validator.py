"""The CloudFormation validator: discovery, then one `lint` check per template (cfn-lint, in shared calls)."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from planforge.validate.base import Check, Context, Finding, Status, Target
from planforge.validate.cloudformation.batch import LintBatches
from planforge.validate.cloudformation.cli import MISSING, ToolFailure, cfn_lint_binary, failure, tool_version
from planforge.validate.cloudformation.discovery import Candidate, discover_templates, read_candidate, targets_of
from planforge.validate.cloudformation.rules import NAME, TEMPLATE
from planforge.validate.cloudformation.screen import (
    config_findings,
    nested_locations,
    nested_path,
    nested_refusals,
    template_config,
)
from planforge.validate.cloudformation.suppressions import suppressions_of, waive


class CloudFormationValidator:
    """CloudFormation and SAM templates, linted with cfn-lint against the AWS resource specification."""

    name = NAME

    def __init__(self) -> None:
        self._candidates: dict[Path, Candidate] = {}
        self._batches = LintBatches()
        self._version: str | None = None
        self._lock = threading.Lock()

    def discover(self, ctx: Context) -> list[Target]:
        candidates = discover_templates(ctx)
        targets = targets_of(candidates, ctx)
        for target, candidate in zip(targets, candidates, strict=True):
            self._register(target, candidate, ctx)
        self.select(targets, ctx)
        return targets

    def claim_file(self, path: Path, display: str, ctx: Context) -> Target | None:
        """A file PATH that is a template, as a target of its own (None: not a template, or a file the run may
        not read, which the manifest validators report)."""
        candidate = read_candidate(path, display, ctx)
        if candidate is None or candidate.refusal is not None:
            return None
        target = Target(NAME, TEMPLATE, path, display)
        self._register(target, candidate, ctx)
        self._batches.plan([], [path], ctx)
        return target

    def _register(self, target: Target, candidate: Candidate, ctx: Context) -> None:
        if candidate.parsed is not None and candidate.refusal is None:
            candidate.refusals = nested_refusals(target.path, candidate.parsed, target.display, ctx)
        self._candidates[target.path] = candidate
        target.extra["nested"] = _nested_files(candidate, ctx)

    def select(self, targets: list[Target], ctx: Context) -> None:
        """Only `targets` run: they share the cfn-lint calls (`batch`)."""
        linted = [self._candidates[t.path] for t in targets if self._candidates[t.path].linted]
        alone = [c.path for c in linted if c.parsed is None or template_config(c.parsed.data)]
        self._batches.plan([c.path for c in linted if c.path not in alone], alone, ctx)

    def run(self, target: Target, ctx: Context) -> list[Check]:
        candidate = self._candidates[target.path]
        screened = config_findings(candidate.parsed, target.display) if candidate.parsed is not None else []
        if not candidate.linted:  # refused, or cfn-lint would read what it must not: it does not run
            refusals = [candidate.refusal] if candidate.refusal is not None else candidate.refusals
            return [Check(NAME, "lint", target.display, Status.FAILED, [*refusals, *screened])]
        binary = cfn_lint_binary()
        if binary is None:
            return [Check(NAME, "lint", target.display, Status.SKIPPED, screened, reason=MISSING)]
        return [self._lint(target, candidate, binary, screened, ctx)]

    def _lint(self, target: Target, candidate: Candidate, binary: str, screened: list[Finding],
              ctx: Context) -> Check:
        check = Check(NAME, "lint", target.display, Status.PASSED, list(screened), tool=self._tool(binary, ctx))
        start = time.perf_counter()
        try:
            matches = self._batches.matches(target.path, target.display, ctx, binary)
        except ToolFailure as exc:
            check.findings.append(failure(str(exc), target.display))
            matches = []
        suppressions = suppressions_of(candidate.parsed.data if candidate.parsed is not None else None)
        for match in matches:
            if not ctx.settings.no_waivers:
                waive(match.finding, match.rule_id, match.path, suppressions)
            check.findings.append(match.finding)
        check.duration = time.perf_counter() - start
        check.status = Status.FAILED if any(f.fails() for f in check.findings) else Status.PASSED
        return check

    def _tool(self, binary: str, ctx: Context) -> str:
        with self._lock:
            if self._version is None:
                self._version = tool_version(binary, ctx)
            return self._version


def _nested_files(candidate: Candidate, ctx: Context) -> list[str]:
    """The nested templates cfn-lint may read for `candidate`, relative to the validated root (result-cache keys)."""
    if candidate.parsed is None:
        return []
    root = str(ctx.root)
    return sorted({os.path.relpath(nested_path(candidate.path, location), root)
                   for _, location in nested_locations(candidate.parsed)})
