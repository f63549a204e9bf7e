"""Running cfn-lint on templates and reading its JSON output as findings.

cfn-lint reads configuration that can run code or read files: `.cfnlintrc` (`.yaml`, `.yml`) in the working
directory and in the home directory, whose `append_rules` imports Python modules and whose `override_spec`,
`custom_rules` and `registry_schemas` name files. None of it is used: cfn-lint runs in the run's scratch directory
(never the repository), with a home of its own there (`toolenv`: no `AWS_*` variable either), and with
`--config-file` naming an empty file of planforge's own, so neither directory is searched. The template's own
Metadata config is not taken for those settings (cfn-lint reads them from configuration files only). Template
paths are passed after `--`, glob characters escaped (cfn-lint expands globs in the names it is given).
"""
from __future__ import annotations

import glob
import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planforge.validate.base import Context, Finding, Severity
from planforge.validate.cloudformation.rules import INSTALL, NAME, RULES_DOC, TOOL_FAILURE
from planforge.validate.manifests.locate import join_path
from planforge.validate.toolenv import find_binary, tool_env
from planforge.validate.tools import ToolOutputTooLarge, ToolTimeout, memory_ceiling_mib, output_limit, run_tool

MISSING = f"cfn-lint is not installed (`{INSTALL}`): the template was not linted"
LEVELS = {"Error": Severity.ERROR, "Warning": Severity.WARNING, "Informational": Severity.INFO}
FINDING_EXITS = 2 | 4 | 8  # cfn-lint's exit code: one bit per level of the findings it printed
MANDATORY = ("E", "W", "I")  # every rule prefix: a template's ignore_checks drops nothing (`suppressions`)
_BARE_SOURCE = "https://github.com/aws-cloudformation/cfn-lint"
_LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ - [\w.]+ - [A-Z]+ - ")  # Python logging's time, logger, level


class ToolFailure(Exception):
    """cfn-lint timed out, printed too much, could not start or ended without JSON (the message says which)."""


@dataclass
class Match:
    """One cfn-lint finding and where it is in the template (cfn-lint's `Location.Path`)."""

    finding: Finding
    rule_id: str
    path: list[Any]


def cfn_lint_binary() -> str | None:
    return find_binary("cfn-lint")


def cfn_lint_env(ctx: Context) -> dict[str, str]:
    return tool_env(home=ctx.workdir / "cloudformation" / "home")


def empty_config(ctx: Context) -> Path:
    """planforge's own (empty) cfn-lint configuration file."""
    path = ctx.workdir / "cloudformation" / "cfnlintrc.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file():
        path.write_text("{}\n", encoding="utf-8")
    return path


def lint_command(binary: str, templates: list[Path], ctx: Context) -> list[str]:
    regions = ctx.settings.cloudformation_regions
    return [binary, "--format", "json", "--config-file", str(empty_config(ctx)), "--regions", *regions,
            "--mandatory-checks", *MANDATORY, "--", *(glob.escape(str(t)) for t in templates)]


def run_cfn_lint(cmd: list[str], ctx: Context) -> subprocess.CompletedProcess[str]:
    """cfn-lint in the scratch directory, within the timeout, memory ceiling and output limit."""
    settings = ctx.settings
    cwd = ctx.workdir / "cloudformation"
    cwd.mkdir(parents=True, exist_ok=True)
    try:
        return run_tool(cmd, cwd=cwd, env=cfn_lint_env(ctx), timeout=settings.timeout,
                        memory_mib=memory_ceiling_mib(settings), max_output=output_limit(settings))
    except (ToolTimeout, ToolOutputTooLarge, OSError) as exc:
        raise ToolFailure(f"`cfn-lint` {exc}") from exc


def lint_matches(result: subprocess.CompletedProcess[str], shown: dict[str, str]) -> dict[str, list[Match]]:
    """cfn-lint's JSON as matches per template (keyed by the path as passed; `shown`: path -> display)."""
    if result.returncode & ~FINDING_EXITS:
        raise ToolFailure(f"cfn-lint exited {result.returncode}: {_last_error(result)}")
    try:
        issues = json.loads(result.stdout or "[]")
    except ValueError as exc:
        raise ToolFailure(f"cfn-lint printed no JSON ({exc}): {_last_error(result)}") from exc
    by_path = {os.path.abspath(p): p for p in shown}
    found: dict[str, list[Match]] = {p: [] for p in shown}
    for issue in issues if isinstance(issues, list) else []:
        if not isinstance(issue, dict):
            continue
        key = by_path.get(os.path.abspath(str(issue.get("Filename", ""))))
        if key is None and len(shown) == 1:
            key = next(iter(shown))
        if key is not None:
            found[key].append(_match(issue, shown[key]))
    return found


def _match(issue: dict[str, Any], shown: str) -> Match:
    rule = issue.get("Rule") if isinstance(issue.get("Rule"), dict) else {}
    rule_id = str(rule.get("Id") or "unknown")
    location = issue.get("Location") if isinstance(issue.get("Location"), dict) else {}
    start = location.get("Start") if isinstance(location.get("Start"), dict) else {}
    path = location.get("Path") if isinstance(location.get("Path"), list) else []
    source = str(rule.get("Source") or "")
    docs = source if source and source.rstrip("/") != _BARE_SOURCE else f"{RULES_DOC} ({rule_id})"
    summary = str(rule.get("ShortDescription") or "")
    finding = Finding(
        NAME, f"{NAME}/{rule_id}", LEVELS.get(str(issue.get("Level")), Severity.ERROR),
        str(issue.get("Message") or summary or rule_id), file=shown, line=_positive(start.get("LineNumber")),
        column=_positive(start.get("ColumnNumber")), json_path=join_path(p if isinstance(p, int) else str(p) for p in path) or None,
        hint=f"{summary}: see {docs}" if summary else f"see {docs}",
    )
    return Match(finding, rule_id, path)


def tool_version(binary: str, ctx: Context) -> str:
    """"cfn-lint 1.58.0" (the name alone when the version cannot be read)."""
    try:
        out = run_cfn_lint([binary, "--version"], ctx).stdout
    except ToolFailure:
        return "cfn-lint"
    match = re.search(r"(\d+\.\d+\.\d+)", out)
    return f"cfn-lint {match.group(1)}" if match else "cfn-lint"


def failure(message: str, file: str, detail: str | None = None) -> Finding:
    return Finding(NAME, TOOL_FAILURE, Severity.ERROR, message, file=file,
                   hint="run cfn-lint on the template by hand to see why; raise the timeout (PLANFORGE_TIMEOUT) if it "
                        "ran out of time; name regions cfn-lint knows (cloudformation_regions)",
                   detail=detail.strip() if detail else None)


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def _last_error(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (result.stderr or result.stdout or "").splitlines() if line.strip()]
    if not lines:
        return "no output"
    text = _LOG_PREFIX.sub("", lines[-1])
    return text if len(text) <= 300 else text[:300] + "..."
