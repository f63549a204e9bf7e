"""What a program names of the Pulumi provider SDKs, found in its syntax tree (nothing of it runs).

A provider SDK is a top-level module `pulumi_<name>` (`pulumi_aws`, `pulumi_random`, `pulumi_kubernetes`, ...)
that is not a module of the project itself; `pulumi` is not one. Names bound by importing one
(`import pulumi_aws as aws`, `from pulumi_aws import ec2`, `from pulumi_aws.ec2 import Vpc`) are followed through
attribute chains (`aws.ec2.Vpc`) and calls (`aws.ec2.Vpc(...)`, `Vpc(...)`). A name the file also binds in
another way (an assignment, a parameter, another import) is not followed: what it holds is not known.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

SDK_PREFIX = "pulumi_"
ModulePath = tuple[str, ...]


@dataclass(frozen=True)
class Call:
    """What a call passes (the syntax tree is not kept)."""

    line: int
    column: int
    positional: int  # positional arguments
    keywords: tuple[tuple[str, int, int], ...]  # (name, line, column) of each keyword argument
    star_args: bool  # it unpacks `*args`
    star_kwargs: bool  # it unpacks `**kwargs`


@dataclass(frozen=True)
class Reference:
    """A place the program names something of an SDK: `path` is the module path (`pulumi_aws`, `ec2`, `Vpc`),
    `text` as written (`aws.ec2.Vpc`); `call` when it is called there."""

    path: ModulePath
    text: str
    line: int
    column: int
    call: Call | None = None

    @property
    def written_from(self) -> int:
        """The index in `path` of the first name written here (`aws.ec2.Vpc` writes `ec2` and `Vpc`; what `aws`
        holds was written, and checked, at its import)."""
        return len(self.path) - self.text.count(".")


def is_sdk(module: str, local: frozenset[str]) -> bool:
    """Whether the top-level module `module` is a provider SDK (not one of the project's own modules)."""
    return module.startswith(SDK_PREFIX) and module != SDK_PREFIX and module not in local


def sdk_references(tree: ast.Module, local: frozenset[str]) -> list[Reference]:
    """Every import of an SDK, and every attribute chain and call rooted at a name such an import binds."""
    imports, bound = _imports(tree, local)
    for name in _other_bindings(tree, local):
        bound.pop(name, None)
    calls = {id(node.func): call_of(node) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    found = list(imports)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner and isinstance(node.ctx, ast.Load):
            found += _chain(node, bound, calls.get(id(node)))
        elif isinstance(node, ast.Name) and id(node) in calls and node.id in bound:
            found.append(Reference(bound[node.id], node.id, node.lineno, node.col_offset + 1, calls[id(node)]))
    return sorted(found, key=lambda r: (r.line, r.column))


@dataclass(frozen=True)
class _Import:
    """One name an import statement imports from an SDK."""

    name: str | None  # the name it binds (None: `from ... import *`)
    binds: ModulePath  # what that name holds
    imports: ModulePath  # what the statement imports (it must exist)
    text: str


def _imports(tree: ast.Module, local: frozenset[str]) -> tuple[list[Reference], dict[str, ModulePath]]:
    """The SDK imports (each a reference to what it imports), and the names they bind; a name bound to two
    different things is left out."""
    references: list[Reference] = []
    bound: dict[str, ModulePath | None] = {}
    for node in ast.walk(tree):
        for imported in _imported(node, local):
            references.append(Reference(imported.imports, imported.text, node.lineno, node.col_offset + 1))
            if imported.name is not None:
                known = bound.get(imported.name, imported.binds)
                bound[imported.name] = imported.binds if known == imported.binds else None
    return references, {name: path for name, path in bound.items() if path is not None}


def _imported(node: ast.AST, local: frozenset[str]) -> list[_Import]:
    """What an import statement imports from SDKs ([] for any other statement)."""
    if isinstance(node, ast.Import):
        found = []
        for alias in node.names:
            parts = tuple(alias.name.split("."))
            if is_sdk(parts[0], local):
                found.append(_Import(alias.asname, parts, parts, alias.name) if alias.asname
                             else _Import(parts[0], parts[:1], parts, alias.name))
        return found
    if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module is not None
            and is_sdk(node.module.split(".")[0], local)):
        return []
    base = tuple(node.module.split("."))
    return [_Import(None, base, base, node.module) if alias.name == "*"
            else _Import(alias.asname or alias.name, (*base, alias.name), (*base, alias.name),
                         f"{node.module}.{alias.name}") for alias in node.names]


def _other_bindings(tree: ast.Module, local: frozenset[str]) -> set[str]:
    """The names the file binds otherwise than by importing an SDK."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        elif isinstance(node, ast.Import):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names
                         if not is_sdk(alias.name.split(".")[0], local))
        elif isinstance(node, ast.ImportFrom) and not _imported(node, local):
            names.update(alias.asname or alias.name for alias in node.names)
    return names


def call_of(node: ast.Call) -> Call:
    return Call(node.lineno, node.col_offset + 1, sum(not isinstance(a, ast.Starred) for a in node.args),
                tuple((kw.arg, kw.lineno, kw.col_offset + 1) for kw in node.keywords if kw.arg is not None),
                any(isinstance(a, ast.Starred) for a in node.args), any(kw.arg is None for kw in node.keywords))


def _chain(node: ast.Attribute, bound: dict[str, ModulePath], call: Call | None) -> list[Reference]:
    """The reference an attribute chain (`aws.ec2.Vpc`) makes, when it starts at a name bound to an SDK."""
    attributes: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        attributes.append(current.attr)
        current = current.value
    if not isinstance(current, ast.Name) or current.id not in bound:
        return []
    attributes.reverse()
    return [Reference((*bound[current.id], *attributes), ".".join((current.id, *attributes)), node.lineno,
                      node.col_offset + 1, call)]
