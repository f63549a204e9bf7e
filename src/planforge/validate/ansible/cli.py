"""Running `ansible-playbook` and `ansible-lint`: the binaries, each command in the sandbox (`launch`) under the
tool bounds of `planforge.validate.tools`, and their output as findings."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from planforge.errors import UsageError
from planforge.validate.ansible.discovery import Tree
from planforge.validate.ansible.launch import NotSandboxable, sandboxed
from planforge.validate.ansible.rules import NAME
from planforge.validate.ansible.sandbox import REFUSED
from planforge.validate.base import Context, Finding, Severity
from planforge.validate.toolenv import find_binary
from planforge.validate.tools import ToolOutputTooLarge, ToolTimeout, memory_ceiling_mib, output_limit, run_tool

SANDBOX_HINT = ("name the file, role or variable without a lookup and inside the validated paths: validate runs no "
                "lookup and reads nothing outside while it loads a playbook")
COLLECTIONS_HINT = ("install them with `ansible-galaxy collection install -r {requirements} -p DIR` and pass "
                    "--ansible-collections DIR (PLANFORGE_ANSIBLE_COLLECTIONS)")
# ansible-core >= 2.19: "Origin: /path/file.yml:8:8"; before: "The error appears to be in '/path': line 8, column 8".
_ORIGIN = re.compile(r"^Origin: (?P<file>.+?):(?P<line>\d+)(?::(?P<column>\d+))?\s*$", re.M)
_APPEARS = re.compile(r"The error appears to be in '(?P<file>[^']+)': line (?P<line>\d+)(?:, column (?P<column>\d+))?")
_ERROR = re.compile(r"^(?:\[ERROR\]: |ERROR! )(?P<message>.+)$", re.M)
_UNRESOLVED = re.compile(r"couldn't resolve module/action '(?P<fqcn>[\w]+\.[\w]+)\.[\w.]+'")
_BAD_INVENTORY = re.compile(r"Unable to parse (?P<file>.+?) as an inventory source")
_INVENTORY_REASON = re.compile(r"Failed to parse inventory with '(?:auto|yaml)' plugin: (?P<message>.+)$", re.M)
_LINT_SEVERITY = {"blocker": Severity.ERROR, "critical": Severity.ERROR, "major": Severity.ERROR,
                  "minor": Severity.WARNING, "info": Severity.INFO}


class ToolFailure(Exception):
    """A tool that timed out, printed too much or could not start (the message names the command)."""


def playbook_binary() -> str:
    """The `ansible-playbook` path, or UsageError (exit 2) naming how to install it."""
    found = find_binary("ansible-playbook")
    if found is None:
        raise UsageError("ansible-playbook is not on PATH (nor beside planforge's Python): install ansible-core "
                         "(`pip install ansible-core`) or leave ansible out of --only.")
    return found


def run_ansible(cmd: list[str], cwd: Path, env: dict[str, str], ctx: Context) -> subprocess.CompletedProcess[str]:
    """Run an Ansible tool in the sandbox (`launch`) within the timeout, memory ceiling and output limit."""
    shown = " ".join(Path(cmd[0]).name if i == 0 else c for i, c in enumerate(cmd))
    settings = ctx.settings
    try:
        return run_tool(sandboxed(cmd), cwd=cwd, env=env, timeout=settings.timeout,
                        memory_mib=memory_ceiling_mib(settings), max_output=output_limit(settings))
    except (ToolTimeout, ToolOutputTooLarge, OSError, NotSandboxable) as exc:
        raise ToolFailure(f"`{shown}` {exc}") from exc


def tool_version(binary: str, env: dict[str, str], ctx: Context) -> str:
    """"ansible-playbook 2.19.14" / "ansible-lint 26.10.1" (the name alone when the version cannot be read)."""
    name = Path(binary).name
    try:
        out = run_ansible([binary, "--version"], ctx.workdir, env, ctx).stdout
    except ToolFailure:
        return name
    match = re.search(r"(\d+\.\d+\.\d+)", out)
    return f"{name} {match.group(1)}" if match else name


def syntax_findings(output: str, tree: Tree, ctx: Context, playbook: str) -> list[Finding]:
    """The errors `ansible-playbook --syntax-check` printed, each at the file and line it names."""
    findings: list[Finding] = []
    for match in _BAD_INVENTORY.finditer(output):
        findings.append(_inventory_finding(match["file"], output, tree, ctx))
    errors = list(_ERROR.finditer(output))
    for index, match in enumerate(errors):
        end = errors[index + 1].start() if index + 1 < len(errors) else len(output)
        block = output[match.start():end]
        findings.append(_syntax_finding(match["message"].strip(), block, tree, ctx, playbook))
    return findings


def _inventory_finding(path: str, output: str, tree: Tree, ctx: Context) -> Finding:
    """An inventory no plugin could parse, at the line the YAML parser names (when it names one)."""
    where = next((m for m in _ORIGIN.finditer(output) if m["file"] == path), None)
    reason = _INVENTORY_REASON.search(output)
    shown = _shown(path, tree, ctx)
    return Finding(NAME, "ansible/inventory", Severity.ERROR,
                   f"Ansible cannot parse the inventory {shown}" + (f": {reason['message']}" if reason else ""),
                   file=shown, line=int(where["line"]) if where else None,
                   column=int(where["column"]) if where and where["column"] else None,
                   hint="fix the inventory's YAML (or INI) syntax", detail=output.strip())


def _syntax_finding(message: str, block: str, tree: Tree, ctx: Context, playbook: str) -> Finding:
    where = _ORIGIN.search(block) or _APPEARS.search(block)
    file = _shown(where["file"], tree, ctx) if where else playbook
    line = int(where["line"]) if where else None
    column = int(where["column"]) if where and where["column"] else None
    unresolved = _UNRESOLVED.search(message)
    if unresolved and unresolved["fqcn"] in tree.collections:
        requirements = ctx.display(tree.requirements) if tree.requirements else "requirements.yml"
        return Finding(NAME, "ansible/collection-missing", Severity.ERROR,
                       f"the collection {unresolved['fqcn']} (listed in {requirements}) is not installed: {message}",
                       file=file, line=line, column=column,
                       hint=COLLECTIONS_HINT.format(requirements=requirements), detail=block.strip())
    hint = ("add the collection to requirements.yml and install it (" + COLLECTIONS_HINT.format(
        requirements="requirements.yml") + "), or fix the module name") if unresolved else \
        SANDBOX_HINT if REFUSED in message else "fix the playbook so that `ansible-playbook --syntax-check` accepts it"
    return Finding(NAME, "ansible/syntax", Severity.ERROR, message, file=file, line=line, column=column,
                   hint=hint, detail=block.strip())


def lint_findings(output: str, tree: Tree, ctx: Context) -> tuple[list[Finding], int]:
    """ansible-lint's codeclimate JSON as findings (`ansible-lint/<rule>`), paths relative to the tree, and the
    number of issues it printed.

    Its `syntax-check[...]` issues are left out: they come from the same `ansible-playbook --syntax-check`
    the playbook checks run, and are reported there (`ansible/syntax`)."""
    try:
        issues = json.loads(output or "[]")
    except ValueError as exc:
        raise ToolFailure(f"ansible-lint printed no codeclimate JSON ({exc})") from exc
    issues = [issue for issue in issues if isinstance(issue, dict)] if isinstance(issues, list) else []
    return [_lint_finding(issue, tree, ctx) for issue in issues
            if not str(issue.get("check_name", "")).startswith("syntax-check")], len(issues)


def _lint_finding(issue: dict[str, Any], tree: Tree, ctx: Context) -> Finding:
    location = issue.get("location") or {}
    begin = (location.get("positions") or {}).get("begin") or location.get("lines") or {}
    body = (issue.get("content") or {}).get("body")
    description = str(issue.get("description") or issue.get("check_name"))
    return Finding(
        NAME, f"ansible-lint/{issue.get('check_name')}", _LINT_SEVERITY.get(str(issue.get("severity")), Severity.ERROR),
        f"{description} ({body})" if body else description,
        file=_shown(str(location.get("path", tree.path)), tree, ctx), line=begin.get("line"),
        column=begin.get("column"), hint=f"see {issue['url']}" if issue.get("url") else None,
    )


def _shown(path: str, tree: Tree, ctx: Context) -> str:
    """A tool's path (absolute, or relative to the tree it ran in) as a report display."""
    candidate = Path(path)
    return ctx.display(candidate if candidate.is_absolute() else tree.path / candidate)
