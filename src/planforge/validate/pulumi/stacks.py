"""A project's stack files (`Pulumi.<stack>.yaml` in its stack directory), checked against the configuration
Pulumi.yaml declares, as Pulumi checks a stack before it runs the program (`pulumi/stack-config`).

Keys are `<namespace>:<name>`; those of the project's namespace must set every key Pulumi.yaml declares without
a default (unless the stack imports an ESC environment, which may set them), with a value of the declared type,
encrypted when the declaration says `secret: true`. A key of the project's namespace that Pulumi.yaml does not
declare is a warning (a misspelt key is silently unused), when Pulumi.yaml declares keys of the project at all.
Values kept encrypted (`secure:`) are not decrypted: their type is not checked.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from yaml.nodes import MappingNode, Node

from planforge.validate.base import Context, Finding, Severity
from planforge.validate.pulumi.configtypes import fits
from planforge.validate.pulumi.declarations import Declaration
from planforge.validate.pulumi.project import Project
from planforge.validate.pulumi.rules import NAME, STACK_CONFIG
from planforge.validate.pulumi.suggest import did_you_mean
from planforge.validate.pulumi.yamlnodes import Unreadable, entry, is_null, line, load, pairs

STACK_FILE = re.compile(r"Pulumi\.(.+)\.ya?ml")
HINT = "see the stack settings file reference of Pulumi (config keys are `<project>:<key>`)"


def stack_files(directory: Path | None) -> list[Path]:
    """The stack files in `directory`, sorted by name."""
    if directory is None:
        return []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return sorted(directory / name for name in names if STACK_FILE.fullmatch(name))


def stack_name(path: Path) -> str:
    """`dev` for Pulumi.dev.yaml."""
    match = STACK_FILE.fullmatch(path.name)
    return match.group(1) if match is not None else path.name


def check_stack(path: Path, project: Project, ctx: Context) -> list[Finding]:
    """What Pulumi would refuse in the stack file `path`, each at its line."""
    shown = ctx.display_as_written(path)
    stack = stack_name(path)
    try:
        root = load(path, shown, ctx, STACK_CONFIG)
    except Unreadable as exc:
        return [exc.finding]
    if root is not None and not isinstance(root, MappingNode):
        return [_error(f"{shown} is not a mapping of stack settings (config, ...)", shown, line(root))]
    held = entry(root, "config")
    config, where = (held[1], line(held[0])) if held is not None else (None, None)
    if not is_null(config) and not isinstance(config, MappingNode):
        return [_error("the stack's `config` must be a mapping of `<namespace>:<key>: value`", shown, where)]
    values, findings = _values(config, stack, project, shown)
    if entry(root, "environment") is None and project.name is not None:
        findings += _missing(values, stack, project, shown, where)
    return findings


def parse_key(key: str) -> tuple[str, str] | None:
    """(namespace, name) of a stack key: `<namespace>:<name>`, or the older `<namespace>:config:<name>`."""
    parts = key.split(":")
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) == 3 and parts[1] == "config":
        return parts[0], parts[2]
    return None


def _values(config: Node | None, stack: str, project: Project, shown: str) -> tuple[dict[str, Node], list[Finding]]:
    """The values the stack sets in the project's namespace (by name), and what is wrong with its keys and values."""
    values: dict[str, Node] = {}
    findings: list[Finding] = []
    declared = project.config or {}
    for key, key_node, value in pairs(config):
        parsed = parse_key(key)
        if parsed is None:
            findings.append(_error(f"stack key `{key}` is not of the form `<namespace>:<key>`", shown, line(key_node),
                                   hint=f"write it `{project.name or '<project>'}:{key}`" if ":" not in key else HINT))
            continue
        namespace, name = parsed
        if namespace != project.name:
            continue  # a provider's setting (aws:region): Pulumi.yaml does not declare it
        values[name] = value
        if name in declared:
            findings += _value_findings(key, declared[name], value, stack, shown)
        elif project.config is not None:
            findings.append(Finding(NAME, STACK_CONFIG, Severity.WARNING,
                                    f"stack '{stack}' sets `{key}`, which Pulumi.yaml does not declare"
                                    f"{did_you_mean(name, declared)}", shown, line(key_node),
                                    hint="declare it under `config:` in Pulumi.yaml, or correct the key"))
    return values, findings


def _value_findings(key: str, declared: Declaration, value: Node, stack: str, shown: str) -> list[Finding]:
    secure = isinstance(value, MappingNode) and entry(value, "secure") is not None
    if declared.secret and not secure:
        return [_error(f"stack '{stack}' holds `{key}` in plain text, which Pulumi.yaml declares secret", shown,
                       line(value), hint=f"set it with `pulumi config set --secret {declared.name} --stack {stack}`")]
    if secure or declared.type is None or fits(declared.type, value, stack_value=True):
        return []
    return [_error(f"stack '{stack}': `{key}` must be of type `{declared.type.label()}`", shown, line(value),
                   hint=f"give `{key}` a value of type {declared.type.label()}, or change its `type` in Pulumi.yaml")]


def _missing(values: dict[str, Node], stack: str, project: Project, shown: str, where: int | None) -> list[Finding]:
    """A key Pulumi.yaml declares without a default, that the stack does not set: Pulumi stops before the program."""
    return [_error(f"stack '{stack}' does not set `{project.name}:{name}`, which Pulumi.yaml declares without a "
                   "default", shown, where,
                   hint=f"`pulumi config set {name} <value> --stack {stack}`, or give it a default in Pulumi.yaml")
            for name, declared in sorted((project.config or {}).items())
            if not declared.has_default and name not in values]


def _error(message: str, shown: str, where: int | None, hint: str = HINT) -> Finding:
    return Finding(NAME, STACK_CONFIG, Severity.ERROR, message, shown, where, hint=hint)
