"""The one error type planforge raises for bad input, and the exit-code contract.

Exit codes (every command):
  0  success
  1  refused plan, validation findings, or update conflicts
  2  usage, I/O or missing-tool error
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


@dataclass
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    file: Path | str | None = None
    line: int | None = None
    field: str | None = None
    hint: str | None = None

    def render(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        field = f"{self.field}: " if self.field else ""
        hint = f" (fix: {self.hint})" if self.hint else ""
        return f"{where}{field}{self.message}{hint}"


class PlanforgeError(Exception):
    """Base error: carries the problems to print and the exit code to use."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, problems: list[Problem] | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        if exit_code is not None:
            self.exit_code = exit_code

    def render(self) -> str:
        lines = [self.message] + [f"  {p.render()}" for p in self.problems]
        return "\n".join(lines)


class UsageError(PlanforgeError):
    """Bad command line, unreadable file, missing tool: exit 2."""

    exit_code = EXIT_USAGE


class RefusedError(PlanforgeError):
    """The input was read but cannot be acted on (refused plan, bad answers, conflicts): exit 1."""

    exit_code = EXIT_FINDINGS
