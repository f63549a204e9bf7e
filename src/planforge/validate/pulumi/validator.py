"""The Pulumi validator: discovery, then per project its `project` check (Pulumi.yaml and the stack files) and,
for a Python program, `syntax` and `sdk`; a program of another runtime is skipped with the reason."""
from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

from planforge.validate.base import Check, Context, Finding, Status, Target
from planforge.validate.pulumi.discovery import project_files, project_target
from planforge.validate.pulumi.program import GRAMMAR, parse_program, program_files
from planforge.validate.pulumi.project import PYTHON, Project, read_project
from planforge.validate.pulumi.rules import NAME
from planforge.validate.pulumi.sdk import SdkIndex
from planforge.validate.pulumi.sdk_check import sdk_check
from planforge.validate.pulumi.stacks import check_stack, stack_files


class PulumiValidator:
    """Pulumi projects: Pulumi.yaml and stack files read as data, Python programs parsed and checked against the
    installed provider SDKs; nothing of the repository is imported or run."""

    name = NAME

    def __init__(self) -> None:
        self._projects: dict[Path, tuple[Project | None, list[Finding]]] = {}
        self._sdk = SdkIndex()
        self._versions: dict[str, str] | None = None

    def discover(self, ctx: Context) -> list[Target]:
        targets = []
        for file in project_files(ctx):
            project, findings = read_project(file, ctx)
            self._projects[file.parent] = (project, findings)
            targets.append(project_target(file, project, self._installed(), ctx))
        return targets

    def run(self, target: Target, ctx: Context) -> list[Check]:
        project, read = self._projects[target.path]
        findings = list(read)
        if project is not None:
            findings += [f for stack in stack_files(project.stack_dir) for f in check_stack(stack, project, ctx)]
        checks = [Check(NAME, "project", target.display, _status(findings), findings)]
        if project is None or project.runtime is None:
            return checks
        if project.runtime != PYTHON:
            return [*checks, Check(NAME, "program", target.display, Status.SKIPPED,
                                   reason=f"only Python programs are checked; this project's runtime is "
                                          f"{project.runtime} (its Pulumi.yaml and stack files were)")]
        modules, syntax = parse_program(program_files(project, ctx), local_modules(project), ctx)
        return [*checks, Check(NAME, "syntax", target.display, _status(syntax), syntax, tool=f"{GRAMMAR} parser"),
                sdk_check(target.display, modules, self._sdk, ctx)]

    def _installed(self) -> dict[str, str]:
        """The installed Pulumi distributions and their versions (what the `sdk` results depend on)."""
        if self._versions is None:
            self._versions = {str(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()
                              if str(d.metadata["Name"]).lower().startswith("pulumi")}
        return self._versions


def local_modules(project: Project) -> frozenset[str]:
    """The top-level modules the program imports from the project itself (a `pulumi_*` one is not an SDK)."""
    places = {project.directory, project.program if project.program.is_dir() else project.program.parent}
    names: set[str] = set()
    for place in places:
        try:
            entries = os.listdir(place)
        except OSError:
            continue
        names.update(name.removesuffix(".py") for name in entries if not name.startswith("."))
    return frozenset(names)


def _status(findings: list[Finding]) -> Status:
    return Status.FAILED if any(f.fails() for f in findings) else Status.PASSED
