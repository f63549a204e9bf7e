"""Terraform's file functions checked before `terraform validate` runs: where would they read?

`terraform validate` evaluates `file("/etc/passwd")`, `templatefile`, `filebase64`, `fileset`... whenever
their path is known (a literal, `path.module`, a local value built from them) and prints what it read in
its diagnostics. Every call in a configuration directory is found here (in expressions, heredocs and
`.tf.json` strings) and its path worked out as Terraform would (`hclexpr`): a path outside the validated
paths, in the home directory, or leaving the directory copied for validation, is refused; so is a path
that cannot be worked out, unless it is unknown during validation (an input variable, a resource, `each`).
Refused calls are `input/outside-root` findings and the configuration is not validated.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lark import Token, Tree

from planforge.validate.inputs import Bounds, InputError
from planforge.validate.manifests.limits import TooComplex, loads_json
from planforge.validate.terraform.hclexpr import (
    HOME,
    MODULE,
    Evaluator,
    Obj,
    Scope,
    Text,
    Unresolvable,
    Value,
    expression,
    heredoc_body,
    members,
    normalized,
)
from planforge.validate.terraform.hclfunctions import FILE_READERS
from planforge.validate.terraform.hcltemplate import directive_expression, hcl_string_literal, template_pieces
from planforge.validate.terraform.hcltext import mask_hcl

_CALL = re.compile(r"\b(?:" + "|".join(sorted(FILE_READERS, key=len, reverse=True)) + r")\s*\(")
_LOCALS = re.compile(r"(?m)^\s*locals\s*\{")
UNPARSED = ("where it reads cannot be worked out before terraform validate runs (planforge cannot parse the call; "
            "write it plainly, e.g. file(...))")


@dataclass(frozen=True)
class RefusedRead:
    """A file function call `terraform validate` must not evaluate: where it is, and why."""

    file: Path
    line: int
    function: str
    reason: str


@dataclass
class _Site:
    """Where the calls being walked are: their file, and the line their text starts at."""

    file: Path
    first_line: int


def refused_reads(directory: Path, files: list[Path], module_dirs: list[Path], bounds: Bounds) -> list[RefusedRead]:
    """The file function calls of the configuration directory `directory` (its readable `files`) that could read
    outside the validated paths. `module_dirs`: its module tree (copied with it for validation)."""
    texts = {f: _text(f, bounds) for f in files}
    texts = {f: t for f, t in texts.items() if t is not None}
    # every JSON file is walked: its strings may spell a call with escapes (`\\u0066ile`) or comments
    with_calls = {f: t for f, t in texts.items() if f.name.endswith(".json") or _CALL.search(mask_hcl(t))}
    if not with_calls:
        return []
    checker = _Checker(directory, module_dirs, bounds, Evaluator(_local_values(texts)))
    for file, text in with_calls.items():
        try:
            if file.name.endswith(".json"):
                checker.walk_json(file, text)
            elif (tree := _parse(text)) is not None:
                checker.walk(tree, {}, _Site(file, 1))
            else:
                checker.refused.append(_unparsed(file, text))
        except RecursionError:
            checker.refused.append(RefusedRead(file, 1, "file", "the file nests too deeply to be checked"))
    return checker.refused


def _text(file: Path, bounds: Bounds) -> str | None:
    try:
        return bounds.read_text(file, file.name, errors="replace")
    except (OSError, InputError):
        return None  # reported by the input findings


def _unparsed(file: Path, text: str) -> RefusedRead:
    """A file that calls a file function but that planforge cannot parse (Terraform may: a comment between a
    function's name and its `(`, the `core::` namespace): where it reads cannot be worked out."""
    match = _CALL.search(mask_hcl(text))
    assert match is not None  # only files with calls are walked
    return RefusedRead(file, text.count("\n", 0, match.start()) + 1, match.group(0).rstrip("( \t\r\n"), UNPARSED)


def _parse(text: str) -> Tree | None:
    import hcl2

    try:
        return hcl2.parses_to_tree(text)
    except Exception:  # a syntax error: the static check reports it and validate does not run
        return None


def _local_values(texts: dict[Path, str]) -> dict[str, Tree]:
    """Every local value of the directory: its name and expression."""
    found: dict[str, Tree] = {}
    for file, text in texts.items():
        if file.name.endswith(".json"):
            found.update(_json_locals(text))
        elif _LOCALS.search(mask_hcl(text)) and (tree := _parse(text)) is not None:
            for block in tree.find_data("block"):
                if _block_type(block) == "locals":
                    for attribute in _body(block).children:
                        if isinstance(attribute, Tree) and attribute.data == "attribute":
                            name, value = _attribute(attribute)
                            found[name] = value
    return found


def _json_locals(text: str) -> dict[str, Tree]:
    try:
        data = loads_json(text)
    except (ValueError, TooComplex):
        return {}
    raw = data.get("locals") if isinstance(data, dict) else None
    found: dict[str, Tree] = {}
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, dict):
            for name, value in item.items():
                try:
                    found[name] = expression(_hcl_value(value))
                except Unresolvable:
                    continue  # an unparsable value: a reference to it cannot be worked out either
    return found


def _hcl_value(value: Any) -> str:
    """A JSON value written as the HCL expression Terraform reads it as (strings are templates)."""
    if isinstance(value, str):
        return hcl_string_literal(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{hcl_string_literal(str(k))} = {_hcl_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl_value(v) for v in value) + "]"
    return json.dumps(value)


def _block_type(block: Tree) -> str:
    first = block.children[0]
    return str(first.children[0]) if isinstance(first, Tree) and first.children else ""


def _body(block: Tree) -> Tree:
    return next(c for c in block.children if isinstance(c, Tree) and c.data == "body")


def _attribute(attribute: Tree) -> tuple[str, Tree]:
    name = str(attribute.children[0].children[0])
    value = [c for c in attribute.children[1:] if isinstance(c, Tree)][0]
    return name, value


class _Checker:
    """Walks parse trees for file function calls and records those it refuses."""

    def __init__(self, directory: Path, module_dirs: list[Path], bounds: Bounds, evaluator: Evaluator):
        self.directory = directory
        self.module_dirs = module_dirs
        self.bounds = bounds
        self.evaluator = evaluator
        self.refused: list[RefusedRead] = []

    def walk(self, node: Tree, scope: Scope, site: _Site) -> None:
        if node.data in ("for_tuple_expr", "for_object_expr"):
            scope = self._for_scope(node, scope)
        elif node.data == "block" and _block_type(node) == "dynamic":
            scope = self._dynamic_scope(node, scope)
        elif node.data == "function_call" and str(node.children[0].children[0]) in FILE_READERS:
            self._check_call(node, scope, site)
        for child in node.children:
            if isinstance(child, Tree):
                self.walk(child, scope, site)
            elif isinstance(child, Token) and child.type in ("HEREDOC_TEMPLATE", "HEREDOC_TEMPLATE_TRIM"):
                body = heredoc_body(node)
                self.walk_template(body, scope, _Site(site.file, site.first_line + child.line))

    def walk_template(self, text: str, scope: Scope, site: _Site) -> None:
        """The calls in a template's `${...}` and `%{...}`; `site.first_line` is the line of its first character."""
        for piece in template_pieces(text):
            if isinstance(piece, str):
                continue
            source = directive_expression(piece.source) if piece.directive else piece.source
            if not source:
                continue
            line = site.first_line + text.count("\n", 0, piece.offset)
            try:
                tree = expression(source)
            except Unresolvable:
                if match := _CALL.search(mask_hcl(source)):  # Terraform may parse what python-hcl2 cannot
                    self._refuse(site, line, match.group(0).rstrip("( \t\r\n"), UNPARSED)
                continue
            self.walk(tree, scope, _Site(site.file, line - 1))

    def walk_json(self, file: Path, text: str) -> None:
        try:
            data = loads_json(text)
        except (ValueError, TooComplex):  # the static pass reports the file
            return
        for value in _strings(data):
            if "${" in value or "%{" in value:
                at = text.find(json.dumps(value, ensure_ascii=False)[1:-1][:40])
                self.walk_template(value, {}, _Site(file, text.count("\n", 0, at) + 1 if at >= 0 else 1))

    def _for_scope(self, node: Tree, scope: Scope) -> Scope:
        try:
            return self.evaluator.for_scope(node, scope)
        except Unresolvable:
            intro = [c for c in node.children if isinstance(c, Tree)][0]
            names = [str(c.children[0]) for c in intro.children if isinstance(c, Tree) and c.data == "identifier"]
            return {**scope, **dict.fromkeys(names)}

    def _dynamic_scope(self, block: Tree, scope: Scope) -> Scope:
        """A dynamic block's iterator: Terraform expands the block when its `for_each` is known."""
        label = next((c for c in block.children[1:] if isinstance(c, Tree) and c.data in ("string", "identifier")), None)
        attributes = dict(_attribute(a) for a in _body(block).children if isinstance(a, Tree) and a.data == "attribute")
        name = _name_of(attributes.get("iterator")) or (_name_of(label) if label is not None else None)
        if name is None:
            return scope
        try:
            keys, elements = members(self.evaluator.values(attributes["for_each"], scope))
            return {**scope, name: (Obj((("key", keys), ("value", elements))),)}
        except (Unresolvable, KeyError):
            return {**scope, name: None}

    def _check_call(self, node: Tree, scope: Scope, site: _Site) -> None:
        function = str(node.children[0].children[0])
        arguments = next((c for c in node.children if isinstance(c, Tree) and c.data == "arguments"), None)
        args = [c for c in arguments.children if isinstance(c, Tree) and c.data != "new_line_or_comment"] if arguments else []
        if not args:
            return
        line = site.first_line + node.meta.line - 1
        try:
            paths = self.evaluator.values(args[0], scope)
            patterns = self.evaluator.values(args[1], scope) if function == "fileset" and len(args) > 1 else ()
        except (Unresolvable, RecursionError) as exc:
            why = exc if isinstance(exc, Unresolvable) else "local values nest too deeply"
            self._refuse(site, line, function, f"where it reads cannot be worked out before terraform validate runs "
                                               f"({why})")
            return
        for path in paths:
            reason = self._path_problem(path)
            if reason is None and function == "templatefile":
                reason = self._template_problem(path)
            if reason is not None:
                self._refuse(site, line, function, reason)
                return
        for pattern in patterns:
            if isinstance(pattern, Text) and normalized(pattern.text).split("/")[0] == "..":
                self._refuse(site, line, function, f"its pattern {pattern.text!r} leaves the directory it lists")
                return

    def _refuse(self, site: _Site, line: int, function: str, reason: str) -> None:
        self.refused.append(RefusedRead(site.file, line, function, reason))

    def _path_problem(self, value: Value) -> str | None:
        """Why reading `value` is refused, or None."""
        if not isinstance(value, Text):
            return None  # unknown during validate, or not a string (an error: nothing is read)
        shown = _shown(value)
        if value.anchor == HOME:
            return f"it reads {shown!r}, in the home directory, outside the validated paths"
        if value.anchor is None and value.text.startswith("/"):
            return self._file_problem(Path(value.text), shown)
        relative = normalized(value.text.lstrip("/") if value.anchor else value.text)
        climbs = relative == ".." or relative.startswith("../")
        if value.anchor == MODULE:
            target = Path(os.path.normpath(self.directory / relative))
            copied = not climbs or any(target == d or target.is_relative_to(d) for d in self.module_dirs)
            if copied:
                return self._file_problem(target, shown)
            return (f"it reads {shown!r}, which leaves the module's directory tree (validation runs on a copy of "
                    "that tree, where the path leads outside the validated paths)")
        if climbs:  # relative to the working directory: the root (or the generated configuration) copied
            return f"it reads {shown!r}, which leaves the root's directory (outside the validated paths when validated)"
        return None

    def _file_problem(self, path: Path, shown: str) -> str | None:
        """Why Terraform must not read `path` (outside, a FIFO or device, too large), or None."""
        if not self.bounds.inside(path):
            return f"it reads {shown!r}, outside the validated paths"
        try:
            self.bounds.check(path, shown)
        except InputError as exc:
            return f"it reads {exc.message}"
        return None

    def _template_problem(self, value: Value) -> str | None:
        """A template that calls a file function itself is refused (planforge does not evaluate templates)."""
        if not isinstance(value, Text) or value.anchor == HOME:
            return None
        absolute = value.anchor is None and value.text.startswith("/")
        text = _text(Path(value.text) if absolute else self.directory / value.text.lstrip("/"), self.bounds)
        if text is None:
            return None  # missing: terraform validate reports it
        for piece in template_pieces(text):
            if not isinstance(piece, str) and (m := _CALL.search(mask_hcl(piece.source))):
                return (f"its template {_shown(value)!r} calls {m.group(0).rstrip('( ')}(), which planforge cannot "
                        "check before terraform validate runs")
        return None


def _name_of(node: Tree | None) -> str | None:
    """The name an identifier or a one-part string expression holds."""
    if node is None:
        return None
    leaves = [t for t in node.scan_values(lambda v: isinstance(v, Token) and v.type in ("NAME", "STRING_CHARS"))]
    return str(leaves[0]) if len(leaves) == 1 else None


def _shown(value: Text) -> str:
    return f"${{{value.anchor}}}{value.text}" if value.anchor not in (None, HOME) else (
        f"~{value.text}" if value.anchor == HOME else value.text)


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)

