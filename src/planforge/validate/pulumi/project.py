"""Pulumi.yaml (or Pulumi.yml): the project's name, runtime, program (`main`), stack directory and configuration
declarations, read as data and checked as Pulumi checks them (`pulumi/project`)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode

from planforge.validate.base import Context, Finding
from planforge.validate.inputs import outside_finding
from planforge.validate.pulumi.declarations import Declaration, declarations, problem
from planforge.validate.pulumi.rules import PROJECT_RULE
from planforge.validate.pulumi.suggest import closest
from planforge.validate.pulumi.yamlnodes import Unreadable, entry, is_null, line, load, pairs, text_of

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
PYTHON = "python"
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
RUNTIME_ATTRIBUTES = ("name", "options")


@dataclass(frozen=True)
class Project:
    """What the checks of a project need of its Pulumi.yaml."""

    directory: Path
    shown: str  # the project file, as reported
    name: str | None
    runtime: str | None
    virtualenv: str | None  # the runtime's `virtualenv` option (a directory of the project)
    program: Path  # what Pulumi runs: `main`, else the project directory
    stack_dir: Path | None  # where the stack files are (None: outside the validated paths)
    config: dict[str, Declaration] | None  # None: Pulumi.yaml declares no key of the project


def read_project(file: Path, ctx: Context) -> tuple[Project | None, list[Finding]]:
    """The project `file` describes, and what is wrong with it (None: not read, not YAML or not a mapping)."""
    shown = ctx.display_as_written(file)
    try:
        root = load(file, shown, ctx, PROJECT_RULE)
    except Unreadable as exc:
        return None, [exc.finding]
    if not isinstance(root, MappingNode):
        return None, [problem(f"{shown} is not a mapping of project settings (name, runtime, ...)", shown,
                              line(root) if root is not None else None)]
    directory = file.parent
    name, findings = _name(root, shown)
    (runtime, virtualenv), runtime_findings = _runtime(root, shown)
    stack_dir, dir_findings = _stack_dir(root, directory, shown, ctx)
    config, config_findings = _config(root, name, shown)
    program, main_findings = _main(root, directory, shown, runtime, ctx)
    findings += runtime_findings + main_findings + dir_findings + config_findings
    return Project(directory, shown, name, runtime, virtualenv, program, stack_dir, config), findings


def _missing(root: MappingNode, key: str, shown: str) -> Finding:
    near = closest(key, [text for text, _, _ in pairs(root)], cutoff=0.7)
    found = f"; found `{near}` instead" if near is not None else ""
    return problem(f"{shown} has no `{key}`{found}", shown, line(root))


def _name(root: MappingNode, shown: str) -> tuple[str | None, list[Finding]]:
    found = entry(root, "name")
    if found is None:
        return None, [_missing(root, "name", shown)]
    name = text_of(found[1])
    if name is None:
        return None, [problem("the project `name` must be non-empty text", shown, line(found[0]))]
    if not _NAME.fullmatch(name):
        return name, [problem(f"the project name `{name}` may only hold letters, digits, hyphens, underscores and "
                              "periods (100 at most)", shown, line(found[1]))]
    return name, []


def _runtime(root: MappingNode, shown: str) -> tuple[tuple[str | None, str | None], list[Finding]]:
    """(runtime name, virtualenv option): `runtime: python` or `runtime: {name: python, options: {...}}`."""
    found = entry(root, "runtime")
    if found is None:
        return (None, None), [_missing(root, "runtime", shown)]
    value = found[1]
    named = text_of(value)
    if named is not None:
        return (named, None), []
    name = entry(value, "name")
    if name is None or text_of(name[1]) is None:
        return (None, None), [problem("`runtime` must be a name (`python`) or a mapping with a `name`", shown,
                                      line(found[0]))]
    findings = [problem(f"`runtime` has an unknown attribute `{text}`; the attributes are name and options", shown,
                        line(key)) for text, key, _ in pairs(value) if text not in RUNTIME_ATTRIBUTES]
    options = entry(value, "options")
    if options is not None and not isinstance(options[1], MappingNode) and not is_null(options[1]):
        findings.append(problem("the runtime's `options` must be a mapping", shown, line(options[1])))
    virtualenv = entry(options[1], "virtualenv") if options is not None else None
    return (text_of(name[1]), text_of(virtualenv[1]) if virtualenv is not None else None), findings


def _main(root: MappingNode, directory: Path, shown: str, runtime: str | None,
          ctx: Context) -> tuple[Path, list[Finding]]:
    """The program (`main`, a file or directory inside the project; else the project directory), and what is wrong
    with it: a Python program directory holds `__main__.py`, the file Pulumi runs."""
    found = entry(root, "main")
    text = text_of(found[1]) if found is not None else None
    if found is not None and text is None and not is_null(found[1]):
        return directory, [problem("`main` must be a path (the program's file or directory)", shown, line(found[0]))]
    if found is None or text is None:
        program, where = directory, line(root)
    else:
        program, where = Path(os.path.normpath(directory / text)), line(found[1])
        if not program.is_relative_to(directory):
            return directory, [problem(f"`main: {text}` leads outside the project directory", shown, where,
                                       hint="keep the program inside the directory of Pulumi.yaml")]
        if not ctx.bounds.inside(program):
            return directory, [outside_finding(shown, where, f"main '{text}'")]
        if not program.exists():
            return directory, [problem(f"`main: {text}` names nothing: no such file or directory", shown, where,
                                       hint="point `main` at the program's directory or file")]
    if runtime == PYTHON and program.is_dir() and not (program / "__main__.py").is_file():
        place = "project" if program == directory else f"program ({ctx.display_as_written(program)})"
        return program, [problem(f"the {place} directory has no __main__.py, the file Pulumi runs", shown, where,
                                 hint="add __main__.py, or point `main` at the program file")]
    return program, []


def _stack_dir(root: MappingNode, directory: Path, shown: str, ctx: Context) -> tuple[Path | None, list[Finding]]:
    """Where the stack files are: `stackConfigDir` (or the older `config: <dir>`), else the project directory."""
    found = entry(root, "stackConfigDir")
    legacy = entry(root, "config")
    if legacy is not None and text_of(legacy[1]) is not None:
        if found is not None:
            return directory, [problem("use `stackConfigDir` alone: `config: <directory>` is its older spelling",
                                       shown, line(legacy[0]))]
        found = legacy
    if found is None or is_null(found[1]):
        return directory, []
    text = text_of(found[1])
    if text is None:
        return directory, [problem("`stackConfigDir` must be a directory path", shown, line(found[0]))]
    place = Path(os.path.normpath(directory / text))
    if not ctx.bounds.inside(place):
        return None, [outside_finding(shown, line(found[1]), f"stackConfigDir '{text}'")]
    return place, []


def _config(root: MappingNode, name: str | None, shown: str) -> tuple[dict[str, Declaration] | None, list[Finding]]:
    found = entry(root, "config")
    if found is None or is_null(found[1]) or text_of(found[1]) is not None:  # absent, empty, or the stack directory
        return None, []
    if not isinstance(found[1], MappingNode):
        return None, [problem("`config` must be a mapping of configuration keys", shown, line(found[0]))]
    declared, findings = declarations(found[1], name, shown)
    return (declared or None), findings  # only a provider's values (`aws:region`): no key of the project declared
