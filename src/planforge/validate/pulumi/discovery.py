"""Which directories are Pulumi projects (docs/discovery.md, "Pulumi"): one target per directory holding
`Pulumi.yaml` (or `Pulumi.yml`), below the validated path, outside hidden directories, `node_modules/`,
`__pycache__/` and virtual environments (`venv/`, any directory holding a `pyvenv.cfg`). Projects may nest: each
is a target of its own, and a project's program leaves out the directories of the projects inside it.
"""
from __future__ import annotations

from pathlib import Path

from planforge.validate.base import Context, Target
from planforge.validate.inputs import walk
from planforge.validate.manifests.discovery import compile_patterns
from planforge.validate.pulumi.program import SKIPPED_DIRS
from planforge.validate.pulumi.project import PROJECT_FILES, Project
from planforge.validate.pulumi.rules import NAME, PROJECT
from planforge.validate.pulumi.stacks import stack_files


def project_files(ctx: Context) -> list[Path]:
    """The project file of every project below `ctx.root`, but those `--ignore-filename-pattern` matches."""
    patterns = compile_patterns(ctx.settings)
    found: list[Path] = []
    for dirpath, dirnames, filenames in walk(ctx.root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS
                             and not (here / d / "pyvenv.cfg").exists())
        file = next((here / name for name in PROJECT_FILES if name in filenames), None)
        if file is not None and not any(p.search(ctx.display_as_written(file)) for p in patterns):
            found.append(file)
    return sorted(found)


def project_target(file: Path, project: Project | None, sdks: dict[str, str], ctx: Context) -> Target:
    """The target of one project. Its `extra` is part of its result-cache key: the installed SDK versions, and the
    stack files it reads outside its directory (`stackConfigDir`), root-relative, for its validation unit."""
    directory = file.parent
    outside = [ctx.display_as_written(p) for p in stack_files(project.stack_dir if project is not None else None)
               if not p.is_relative_to(directory)]
    return Target(NAME, PROJECT, directory, ctx.display_as_written(directory),
                  {"file": file.name, "sdks": sdks, "stack_files": outside})
