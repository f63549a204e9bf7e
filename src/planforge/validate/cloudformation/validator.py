"""The CloudFormation validator: discovery, then one `lint` check per template (cfn-lint)."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from planforge.validate.base import Check, Context, Finding, Status, Target
from planforge.validate.cloudformation.cli import (
    MISSING,
    ToolFailure,
    cfn_lint_binary,
    failure,
    lint_command,
    lint_matches,
    run_cfn_lint,
    tool_version,
)
from planforge.validate.cloudformation.discovery import Candidate, discover_templates, targets_of
from planforge.validate.cloudformation.rules import NAME
from planforge.validate.cloudformation.screen import config_findings, nested_locations, nested_path, nested_refusals
from planforge.validate.cloudformation.suppressions import suppressions_of, waive


class CloudFormationValidator:
    """CloudFormation and SAM templates, linted with cfn-lint against the AWS resource specification."""

    name = NAME

    def __init__(self) -> None:
        self._candidates: dict[Path, Candidate] = {}
        self._version: str | None = None
        self._lock = threading.Lock()

    def discover(self, ctx: Context) -> list[Target]:
        candidates = discover_templates(ctx)
        self._candidates.update((c.path, c) for c in candidates)
        targets = targets_of(candidates, ctx)
        for target, candidate in zip(targets, candidates, strict=True):
            target.extra["nested"] = _nested_files(candidate, ctx)
        return targets

    def run(self, target: Target, ctx: Context) -> list[Check]:
        candidate = self._candidates[target.path]
        if candidate.refusal is not None:
            return [Check(NAME, "lint", target.display, Status.FAILED, [candidate.refusal])]
        screened = config_findings(candidate.parsed, target.display) if candidate.parsed is not None else []
        refused = nested_refusals(target.path, candidate.parsed, target.display, ctx) if candidate.parsed else []
        if refused:  # cfn-lint would read them: it does not run on this template
            return [Check(NAME, "lint", target.display, Status.FAILED, [*refused, *screened])]
        binary = cfn_lint_binary()
        if binary is None:
            return [Check(NAME, "lint", target.display, Status.SKIPPED, screened, reason=MISSING)]
        return [self._lint(target, candidate, binary, screened, ctx)]

    def _lint(self, target: Target, candidate: Candidate, binary: str, screened: list[Finding],
              ctx: Context) -> Check:
        check = Check(NAME, "lint", target.display, Status.PASSED, list(screened), tool=self._tool(binary, ctx))
        start = time.perf_counter()
        path = str(target.path)
        try:
            result = run_cfn_lint(lint_command(binary, [target.path], ctx), ctx)
            matches = lint_matches(result, {path: target.display})[path]
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
