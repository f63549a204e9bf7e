"""Roots that share a state: two roots whose `cloud {}` / `backend "remote"` blocks name the same organization and
workspace (or the same workspace tags), or whose backends name the same storage object (S3 bucket + key, Azure
container + key, GCS bucket + prefix), would overwrite each other's state.

A root with a partial backend (`backend "s3" {}`) gets one state per `backend*.hcl` / `*.tfbackend` file beside it
(`terraform init -backend-config=FILE`), each its block's settings completed by the file's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planforge.validate.base import Context, Finding, Severity, Target
from planforge.validate.inputs import InputError
from planforge.validate.terraform.configs import ConfigTree
from planforge.validate.terraform.hclconfig import parse_file
from planforge.validate.terraform.rules import NAME

RULE = "terraform/shared-state"
_BLOCK = re.compile(r'(?m)^[ \t]*(cloud|backend[ \t]*"[^"]*")[ \t]*\{')
# The settings that say where a backend keeps a state; other backends: all their settings.
_WHERE = {
    "s3": ("bucket", "workspace_key_prefix", "key"),
    "azurerm": ("storage_account_name", "container_name", "key"),
    "gcs": ("bucket", "prefix"),
    "remote": ("hostname", "organization", "workspaces"),
    "cloud": ("hostname", "organization", "workspaces"),
}


@dataclass(frozen=True)
class State:
    """Where one root keeps one state: `what` names it for people, `key` compares it."""

    key: tuple[str, ...]
    what: str
    file: str
    line: int


def shared_state_findings(configs: ConfigTree, roots: list[Target], ctx: Context) -> dict[str, list[Finding]]:
    """Root display -> a `terraform/shared-state` error for each of its states another root also uses."""
    states = [(root.display, state) for root in roots for state in _root_states(configs, root.path, ctx)]
    findings: dict[str, list[Finding]] = {}
    for display, state in states:
        others = [s for d, s in states if s.key == state.key and d != display]
        if others:
            where = ", ".join(f"{s.file}:{s.line}" for s in others)
            findings.setdefault(display, []).append(Finding(
                NAME, RULE, Severity.ERROR, f"{state.what} is also the state of {where}: the roots would overwrite "
                f"each other's state", state.file, state.line,
                hint="give each root its own workspace name (or tags) or state key"))
    return findings


def _root_states(configs: ConfigTree, root: Path, ctx: Context) -> list[State]:
    found = []
    for file in configs.config(root).files:
        if file.name.endswith(".json"):
            continue
        try:
            text = ctx.bounds.read_text(file, file.name, errors="replace")
        except (InputError, OSError):
            continue  # reported by the static check
        body, problem = parse_file(file, text)
        if body is None or problem:
            continue
        lines = iter(text.count("\n", 0, m.start()) + 1 for m in _BLOCK.finditer(text))
        for kind, settings in _state_blocks(body):
            line = next(lines, 1)
            found += _states(kind, settings, root, ctx, ctx.display(file), line)
    return found


def _state_blocks(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, settings) of every `cloud {}` and `backend "kind" {}` in the file's terraform blocks, in file order."""
    blocks: list[tuple[str, dict[str, Any]]] = []
    for terraform in _items(body.get("terraform")):
        for key in terraform:
            if key == "cloud":
                blocks += [("cloud", c) for c in _items(terraform[key])]
            elif key == "backend":
                blocks += [(kind, s if isinstance(s, dict) else {}) for b in _items(terraform[key]) for kind, s in b.items()]
    return blocks


def _items(raw: Any) -> list[dict[str, Any]]:
    items = raw if isinstance(raw, list) else [raw]
    return [i for i in items if isinstance(i, dict)]


def _states(kind: str, settings: dict[str, Any], root: Path, ctx: Context, file: str, line: int) -> list[State]:
    """The states one block configures: itself, or once per partial configuration file beside it."""
    partial = sorted(p for p in root.iterdir() if p.is_file() and (
        p.name.endswith(".tfbackend") or (p.name.startswith("backend") and p.name.endswith(".hcl"))))
    if kind == "cloud" or not partial:
        return [s for s in [_state(kind, settings, file, line)] if s]
    states = []
    for extra in partial:
        try:
            body, problem = parse_file(extra, ctx.bounds.read_text(extra, extra.name, errors="replace"))
        except (InputError, OSError):
            continue  # outside the validated paths, or unreadable: not read
        if body is not None and not problem:
            state = _state(kind, {**settings, **body}, ctx.display(extra), 1)
            states += [state] if state else []
    return states


def _state(kind: str, settings: dict[str, Any], file: str, line: int) -> State | None:
    names = _WHERE.get(kind, tuple(sorted(settings)))
    values = {n: _flat(settings[n]) for n in names if n in settings}
    if not values or (kind in ("cloud", "remote") and "workspaces" not in values):
        return None  # nothing says where: Terraform asks at init, or the environment (TF_WORKSPACE) does
    if kind in ("cloud", "remote"):
        values.setdefault("hostname", '"app.terraform.io"')
        organization = values.get("organization", '"?"')
        what = f'workspace {values["workspaces"]} of organization {organization}'
    else:
        what = f'{kind} state ' + ", ".join(f"{n} = {v}" for n, v in values.items())
    key = (kind if kind != "remote" else "cloud", *(f"{n}={values[n]}" for n in sorted(values)))
    return State(key, what, file, line)


def _flat(value: Any) -> str:
    """A setting as comparable text: workspaces {name = "x"} -> name "x"; tags sorted."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        value = value[0]
    if isinstance(value, dict):
        return ", ".join(f"{k} {_flat(sorted(v) if isinstance(v, list) else v)}" for k, v in sorted(value.items()))
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f'"{value}"'
