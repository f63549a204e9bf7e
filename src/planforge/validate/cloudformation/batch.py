"""One cfn-lint call for the templates of a run, instead of one per template (cfn-lint spends about a second
loading its rules and specification before it reads a template).

The templates planned for a scratch directory (the targets that run: `CloudFormationValidator.select`) are linted
together, CHUNK at a time, when the first of them asks for its result. A template with a cfn-lint config of its
own in its Metadata, or that planforge could not parse, is linted alone: cfn-lint keeps one template's settings
while it reads the next one, and would judge that one's syntax error by them. When a shared call fails (timeout,
output limit, crash), each of its templates is linted alone, so the failure is reported where it belongs.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from planforge.validate.base import Context
from planforge.validate.cloudformation.cli import Match, ToolFailure, lint_command, lint_matches, run_cfn_lint

CHUNK = 50  # templates per cfn-lint call: a call stays far within the timeout
Result = list[Match] | ToolFailure


class LintBatches:
    """The cfn-lint results of a run's templates, computed in shared calls on first use."""

    def __init__(self) -> None:
        self._planned: dict[Path, tuple[list[Path], set[Path]]] = {}  # workdir -> (shared, alone)
        self._results: dict[Path, Result] = {}
        self._lock = threading.Lock()

    def plan(self, shared: list[Path], alone: list[Path], ctx: Context) -> None:
        """The templates linted in `ctx.workdir`: `shared` ones together, `alone` ones each on its own (planned
        again: replaced)."""
        self._planned[ctx.workdir] = (list(shared), set(alone))

    def matches(self, template: Path, shown: str, ctx: Context, binary: str) -> list[Match]:
        """cfn-lint's matches for `template` (displayed as `shown`); ToolFailure when its call failed."""
        with self._lock:
            if template not in self._results:
                shared, alone = self._planned.get(ctx.workdir, ([], set()))
                group = [template] if template in alone or template not in shared else shared
                self._run(group, ctx, binary)
            result = self._results[template]
        if isinstance(result, ToolFailure):
            raise result
        return [Match(replace(m.finding, file=shown), m.rule_id, m.path) for m in result]

    def _run(self, templates: list[Path], ctx: Context, binary: str) -> None:
        for start in range(0, len(templates), CHUNK):
            chunk = templates[start:start + CHUNK]
            try:
                found = lint_matches(run_cfn_lint(lint_command(binary, chunk, ctx), ctx),
                                     {str(t): str(t) for t in chunk})
            except ToolFailure as exc:
                if len(chunk) == 1:
                    self._results[chunk[0]] = exc
                    continue
                for template in chunk:  # attribute the failure: each template on its own
                    self._run([template], ctx, binary)
                continue
            self._results.update((t, found[str(t)]) for t in chunk)
