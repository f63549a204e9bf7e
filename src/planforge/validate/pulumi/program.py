"""The Python files of a Pulumi program, parsed with `ast.parse` (`pulumi/syntax`): never compiled to run, never
imported, never executed.

The program is every `.py` file below the project directory, except in hidden directories, `__pycache__/`,
`node_modules/`, virtual environments (`venv/`, `.venv/`, the runtime's `virtualenv` option, any directory holding
a `pyvenv.cfg`) and the directories of nested projects. The files are read within the run's bounds; the grammar
is that of the Python planforge runs on.
"""
from __future__ import annotations

import ast
import io
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

from planforge.validate.base import Context, Finding, Severity
from planforge.validate.inputs import TOO_COMPLEX, InputError, default_hint, walk
from planforge.validate.manifests.discovery import compile_patterns
from planforge.validate.pulumi.project import PROJECT_FILES, Project
from planforge.validate.pulumi.references import Reference, sdk_references
from planforge.validate.pulumi.rules import NAME, SYNTAX

SKIPPED_DIRS = frozenset({"__pycache__", "node_modules", "venv"})
GRAMMAR = f"Python {sys.version_info.major}.{sys.version_info.minor}"
# Tokens of one file: its syntax tree stays within about 150 MiB (a tree costs about 600 bytes per token).
MAX_PARTS = 250_000


@dataclass(frozen=True)
class Module:
    """One parsed file of the program: what it names of the SDKs (its syntax tree is not kept)."""

    shown: str
    references: list[Reference]


def program_files(project: Project, ctx: Context) -> list[Path]:
    """The program's `.py` files, sorted, but those `--ignore-filename-pattern` matches."""
    patterns = compile_patterns(ctx.settings)
    virtualenv = (project.directory / project.virtualenv).resolve() if project.virtualenv else None
    found: list[Path] = []
    for dirpath, dirnames, filenames in walk(project.directory):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if _entered(here / d, virtualenv))
        found += [here / name for name in filenames if name.endswith(".py")]
    return sorted(p for p in found if not any(r.search(ctx.display_as_written(p)) for r in patterns))


def _entered(directory: Path, virtualenv: Path | None) -> bool:
    """Whether a subdirectory holds program files: not hidden, a cache, a virtual environment or another project."""
    name = directory.name
    if name.startswith(".") or name in SKIPPED_DIRS or (directory / "pyvenv.cfg").exists():
        return False
    if virtualenv is not None and directory.resolve() == virtualenv:
        return False
    return not any((directory / f).exists() for f in PROJECT_FILES)


def parse_program(files: list[Path], local: frozenset[str], ctx: Context) -> tuple[list[Module], list[Finding]]:
    """The files that parse, with what they name of the SDKs (`local`: the project's own top-level modules), and a
    finding for each file that does not parse (or is not read)."""
    modules: list[Module] = []
    findings: list[Finding] = []
    for path in files:
        shown = ctx.display_as_written(path)
        try:
            source = ctx.bounds.read_bytes(path, shown)
        except InputError as exc:
            findings.append(exc.finding(shown))
            continue
        except OSError:
            continue  # gone, or unreadable: nothing to parse
        parsed = parse(source, shown)
        if isinstance(parsed, Finding):
            findings.append(parsed)
        else:
            modules.append(Module(shown, sdk_references(parsed, local)))
    return modules, findings


def parse(source: bytes, shown: str) -> ast.Module | Finding:
    """The syntax tree of `source` (its encoding declaration honoured), or the finding that says why not."""
    if too_large(source):
        return Finding("input", TOO_COMPLEX, Severity.ERROR, f"{shown} holds more than {MAX_PARTS} tokens: it is "
                       "not parsed", shown, hint="split the file")
    try:
        return ast.parse(source, filename=shown)
    except SyntaxError as exc:
        return Finding(NAME, SYNTAX, Severity.ERROR, f"{GRAMMAR} cannot parse it: {exc.msg}", shown, exc.lineno,
                       exc.offset, hint="fix the syntax (the program runs on the Python of its virtualenv; validate "
                                        f"parses with {GRAMMAR})")
    except ValueError as exc:  # a NUL byte
        return Finding(NAME, SYNTAX, Severity.ERROR, f"{GRAMMAR} cannot parse it: {exc}", shown,
                       hint="remove the NUL bytes")
    except (RecursionError, MemoryError):
        return Finding("input", TOO_COMPLEX, Severity.ERROR, f"{shown} nests too deeply to parse", shown,
                       hint=default_hint(TOO_COMPLEX))


def too_large(source: bytes) -> bool:
    """Whether `source` holds more than MAX_PARTS tokens (an f-string's fields counted too): about the nodes its
    syntax tree would have. A text of fewer bytes cannot; a larger one is tokenized up to the limit."""
    if len(source) <= MAX_PARTS:
        return False
    count = 0
    try:
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            count += 1 + (token.string.count("{") if token.type == tokenize.STRING else 0)
            if count > MAX_PARTS:
                return True
    except (tokenize.TokenError, SyntaxError):
        pass  # the text before the error is within the limit; `ast.parse` reports the error
    return False
