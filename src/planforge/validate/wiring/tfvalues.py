"""The literal values a Terraform argument takes, followed statically through input variables.

A module's `var.x` is followed to each call of the module (its argument `x`, itself followed in the caller), up to a
root; in a root, to its `.tfvars` (`terraform.tfvars` and `*.auto.tfvars`, which Terraform loads itself, with each
other `.tfvars` of the root or of its `envs/` directory, which a `-var-file` gives, on its own), else to the
variable's default. So one argument of a module used by three environment roots has up to three values, each named
with the file and line it is written in. What Terraform computes (resources, data sources, locals, functions,
interpolations) is not followed: the value is then unknown (None) and the rules reading it skip it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planforge.validate.terraform.hclconfig import parse_file
from planforge.validate.terraform.hcltext import SourceText
from planforge.validate.wiring.repo import Repository, TfBlock

MAX_CALL_DEPTH = 8  # module calls followed from a module up to its roots
MAX_SCOPES = 64  # ways one directory is reached (roots times var files), beyond which the rest are not read
AUTO_TFVARS = re.compile(r"^(?:terraform\.tfvars|.+\.auto\.tfvars)$")
_VARIABLE = re.compile(r"^\$\{var\.([A-Za-z_][\w-]*)\}$")
Written = tuple[Any, str, int]  # (value as python-hcl2 reads it, display of its file, line)


@dataclass(frozen=True)
class Literal:
    """The strings an argument takes in one scope, and where they are written."""

    strings: tuple[str, ...]
    display: str
    line: int

    @property
    def place(self) -> str:
        return f"{self.display}:{self.line}"


@dataclass(frozen=True)
class Scope:
    """How a directory's variables get their values: the module call that reaches it and its caller's scope, or (a
    root) the values its var files give."""

    directory: Path
    call: TfBlock | None = None
    caller: Scope | None = None
    tfvars: dict[str, Written] = field(default_factory=dict)


def attribute_line(block: TfBlock, name: str) -> int:
    """The line of `name = ...` in a block (the block's line when it cannot be found, e.g. in .tf.json)."""
    found = SourceText(block.text).attribute_line(name) if block.text else None
    return block.line + found - 1 if found else block.line


def module_directory(call: TfBlock) -> Path | None:
    """The directory of a module call's local source (None for a registry or remote one)."""
    source = call.body.get("source")
    if not isinstance(source, str) or not source.startswith(("./", "../")):
        return None
    return (call.path.parent / source).resolve()


class TerraformValues:
    """Literal values of one repository's Terraform, read once per check."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self._defaults: dict[Path, dict[str, Written]] = {}
        self._scopes: dict[tuple[Path, int], list[Scope]] = {}
        self._tfvars_files = repo.tfvars()
        self._callers: dict[Path, list[TfBlock]] = {}
        for call in repo.tf("module"):
            directory = module_directory(call)
            if directory is not None:
                self._callers.setdefault(directory, []).append(call)

    def scopes(self, directory: Path, depth: int = 0) -> list[Scope]:
        """Every way `directory` is reached: through each call of it, else as a root with each of its var files
        (at most MAX_SCOPES, through at most MAX_CALL_DEPTH calls: a module calling itself ends there)."""
        key = (directory, depth)
        if key not in self._scopes:
            callers = self._callers.get(directory, [])
            found: list[Scope] = []
            if callers and depth < MAX_CALL_DEPTH:
                for call in callers:
                    found += [Scope(directory, call, caller) for caller in self.scopes(call.path.parent, depth + 1)]
                    if len(found) >= MAX_SCOPES:
                        break
            else:
                found = [Scope(directory, tfvars=values) for values in self._root_values(directory)]
            self._scopes[key] = found[:MAX_SCOPES]
        return self._scopes[key]

    def resolve(self, value: Any, scope: Scope | None, display: str, line: int) -> Literal | None:
        """The strings of `value` (a string or a list of them, literal or `var.x`), written at display:line."""
        if isinstance(value, str):
            variable = _VARIABLE.match(value)
            if variable:
                return self.variable(variable.group(1), scope) if scope else None
            return None if "${" in value else Literal((value,), display, line)
        if isinstance(value, list) and value:
            parts = [self.resolve(item, scope, display, line) for item in value]
            if any(part is None for part in parts):
                return None
            known = [part for part in parts if part is not None]
            return Literal(tuple(s for part in known for s in part.strings), known[0].display, known[0].line)
        return None

    def argument(self, block: TfBlock, name: str, scope: Scope) -> Literal | None:
        """The value of a block's argument `name` in `scope`."""
        return self.resolve(block.body.get(name), scope, block.display, attribute_line(block, name))

    def variable(self, name: str, scope: Scope) -> Literal | None:
        """`var.name` in `scope`: the module call's argument, the root's var files, the default."""
        if scope.call is not None and name in scope.call.body:
            return self.resolve(scope.call.body[name], scope.caller, scope.call.display,
                                attribute_line(scope.call, name))
        written = scope.tfvars.get(name) if scope.call is None else None
        written = written or self.defaults(scope.directory).get(name)
        return self.resolve(written[0], None, written[1], written[2]) if written else None

    def defaults(self, directory: Path) -> dict[str, Written]:
        """The defaults of the variables a directory declares."""
        if directory not in self._defaults:
            found: dict[str, Written] = {}
            for path, text in sorted(self.repo.tf_texts.items()):
                if path.parent == directory and path.suffix == ".tf":
                    found.update(_variable_defaults(path, text, self.repo.tf_displays[path]))
            self._defaults[directory] = found
        return self._defaults[directory]

    def _root_values(self, directory: Path) -> list[dict[str, Written]]:
        """The variable values of a root, one mapping per way it is planned: the auto-loaded var files, merged
        under each other var file of the root (or of its envs/), or alone when there is none."""
        files = [p for p in self._tfvars_files if root_of(self.repo, p) == directory]
        auto: dict[str, Written] = {}
        for path in (p for p in files if p.parent == directory and AUTO_TFVARS.match(p.name)):
            auto.update(self._tfvars(path))
        others = [p for p in files if not (p.parent == directory and AUTO_TFVARS.match(p.name))]
        return [{**auto, **self._tfvars(path)} for path in others] or [auto]

    def _tfvars(self, path: Path) -> dict[str, Written]:
        text = self.repo.read(path)
        body, problem = parse_file(path, text) if text is not None else (None, None)
        if problem or not isinstance(body, dict) or text is None:
            return {}
        src, display = SourceText(text), str(path.relative_to(self.repo.root.resolve()))
        return {key: (value, display, src.attribute_line(key, top_level=True) or 1) for key, value in body.items()}


def root_of(repo: Repository, tfvars: Path) -> Path:
    """The Terraform root a .tfvars belongs to: its directory, or the one above a workspaces root's envs/."""
    return tfvars.parent if tfvars.parent in repo.tf_dirs else tfvars.parent.parent


def _variable_defaults(path: Path, text: str, display: str) -> dict[str, Written]:
    body, problem = parse_file(path, text)
    if problem or not isinstance(body, dict):
        return {}
    src = SourceText(text)
    found = {}
    variables = body.get("variable")
    for item in variables if isinstance(variables, list) else []:
        for name, spec in (item.items() if isinstance(item, dict) else []):
            if isinstance(spec, dict) and "default" in spec:
                span = src.block_span("variable", name)
                line = src.attribute_line("default", *span) if span else None
                found[name] = (spec["default"], display, line or (src.block_line("variable", name)))
    return found
