"""What an HCL expression can evaluate to during `terraform validate`, as far as a path is concerned.

`terraform validate` evaluates local values and function calls whose arguments are known, but gives
input variables, resources, data sources, module outputs, `each` and `count` unknown values (a function
called with an unknown argument is not called). `Evaluator.values` follows the same rule on
python-hcl2's parse tree and returns every value an expression may take (both branches of a
conditional, every element a lookup may pick): strings with the directory they are relative to,
`UNKNOWN`, or collections of those. What it cannot follow raises `Unresolvable`: the caller then
cannot prove where a file function would read, and refuses.
"""
from __future__ import annotations

import posixpath
import re
import textwrap
from dataclasses import dataclass, field
from itertools import product
from typing import Any, Union

from lark import Token, Tree

from planforge.validate.terraform.hcltemplate import parse_expression, template_pieces

MODULE, ROOT, CWD, HOME = "path.module", "path.root", "path.cwd", "~"
MAX_ALTERNATIVES = 64
# Reference roots Terraform leaves unknown during validate (the rest of the names are resource types).
UNKNOWN_ROOTS = frozenset({"var", "each", "count", "module", "data", "self"})
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


class Unresolvable(Exception):
    """An expression whose value cannot be known statically (the message says what stopped the evaluation)."""


@dataclass(frozen=True)
class Text:
    """A string; `anchor` (`path.module`, `path.root`, `path.cwd`, `~`) is the directory it starts from."""

    text: str
    anchor: str | None = None


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()
OTHER = "other"  # a number, bool or null: never a path outside


@dataclass(frozen=True, eq=False)  # compared by identity: nested locals share their values, never walked whole
class Seq:
    items: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True, eq=False)
class Obj:
    items: tuple[tuple[str, tuple[Any, ...]], ...]


Value = Union[Text, _Unknown, str, Seq, Obj]
Values = tuple[Value, ...]
Scope = dict[str, "Values | None"]  # names bound by `for`, dynamic blocks, templates (None: not evaluable)


def _alternatives(values: list[Value] | tuple[Value, ...]) -> Values:
    unique = tuple(dict.fromkeys(values))
    if len(unique) > MAX_ALTERNATIVES:
        raise Unresolvable("the expression may take too many values")
    return unique


def bounded_product(*choices: tuple[Any, ...] | list[Any]) -> product:
    """`itertools.product`, refused (`Unresolvable`) past `MAX_ALTERNATIVES` combinations."""
    count = 1
    for options in choices:
        count *= len(options)
        if count > MAX_ALTERNATIVES:
            raise Unresolvable("the expression may take too many values")
    return product(*choices)


def concat(left: Value, right: Value) -> Value:
    """Two template pieces joined: an anchor may only start the string."""
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    left_text = left if isinstance(left, Text) else Text(_scalar(left))
    right_text = right if isinstance(right, Text) else Text(_scalar(right))
    if right_text.anchor is not None:
        if left_text.text or left_text.anchor is not None:
            raise Unresolvable(f"{right_text.anchor} in the middle of a string")
        return right_text
    return Text(left_text.text + right_text.text, left_text.anchor)


def _scalar(value: Value) -> str:
    if value == OTHER:
        return "0"  # a number or bool: its text never names a directory
    raise Unresolvable("a collection used as a string")


def unescape(chars: str) -> str:
    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, code)

    return _ESCAPE.sub(one, chars)


def _trees(node: Tree) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


@dataclass
class Evaluator:
    """Evaluates expressions of one configuration directory: `local_values` maps a local's name to its expression."""

    local_values: dict[str, Tree]
    _evaluating: set[str] = field(default_factory=set)
    _known: dict[str, Values | Unresolvable] = field(default_factory=dict)  # each local is worked out once

    def values(self, node: Tree, scope: Scope) -> Values:
        handler = getattr(self, f"_{node.data}", None)
        if handler is None:
            raise Unresolvable(f"a {node.data.replace('_', ' ')} expression")
        return handler(node, scope)

    def _expr_term(self, node: Tree, scope: Scope) -> Values:
        children = _trees(node)
        return self.values(children[0], scope) if children else (OTHER,)

    def _int_lit(self, node: Tree, scope: Scope) -> Values:
        return (OTHER,)

    _float_lit = _literal_value = _binary_op = _unary_op = _int_lit

    def _string(self, node: Tree, scope: Scope) -> Values:
        pieces: list[Values] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue  # the quotes
            inner = part.children[0]
            if isinstance(inner, Token):
                text = inner.value[1:] if inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE") else unescape(inner.value)
                pieces.append((Text(text),))
            elif inner.data == "interpolation":
                pieces.append(self.values(_trees(inner)[0], scope))
            else:
                raise Unresolvable("a template directive (%{...})")
        return self._joined(pieces)

    def _heredoc_template(self, node: Tree, scope: Scope) -> Values:
        return self.template(heredoc_body(node), scope)

    def template(self, text: str, scope: Scope) -> Values:
        """The values of a template's text (a heredoc body, a `.tf.json` string)."""
        pieces: list[Values] = []
        for piece in template_pieces(text):
            if isinstance(piece, str):
                pieces.append((Text(piece),))
            elif piece.directive:
                raise Unresolvable("a template directive (%{...})")
            else:
                pieces.append(self.values(expression(piece.source), scope))
        return self._joined(pieces)

    _heredoc_template_trim = _heredoc_template

    def _joined(self, pieces: list[Values]) -> Values:
        if any(p == (UNKNOWN,) for p in pieces):
            return (UNKNOWN,)  # a template with an unknown part is unknown
        results: list[Value] = []
        for combination in bounded_product(*pieces):
            joined: Value = Text("")
            for value in combination:
                joined = concat(joined, value)
            results.append(joined)
        return _alternatives(results)

    def _conditional(self, node: Tree, scope: Scope) -> Values:
        branches = _trees(node)[1:]
        return _alternatives([v for branch in branches for v in self.values(branch, scope)])

    def _tuple(self, node: Tree, scope: Scope) -> Values:
        return (Seq(tuple(self.values(item, scope) for item in _trees(node))),)

    def _object(self, node: Tree, scope: Scope) -> Values:
        items = []
        for elem in _trees(node):
            key_node, value_node = _trees(elem)
            key = self._key(key_node, scope)
            items.append((key, self.values(value_node, scope)))
        return (Obj(tuple(items)),)

    def _key(self, key_node: Tree, scope: Scope) -> str:
        inner = _trees(key_node)
        term = _trees(inner[0])[0] if inner and inner[0].data == "expr_term" and _trees(inner[0]) else None
        if term is not None and term.data == "identifier":
            return str(term.children[0])
        keys = self.values(inner[0], scope) if inner else ()
        if len(keys) == 1 and isinstance(keys[0], Text) and keys[0].anchor is None:
            return keys[0].text
        raise Unresolvable("an object key computed from an expression")

    def _identifier(self, node: Tree, scope: Scope) -> Values:
        name = str(node.children[0])
        bound = scope.get(name)
        if bound is None:  # not bound, or bound to what could not be evaluated
            raise Unresolvable(f"the name {name!r}")
        return bound

    def _get_attr_expr_term(self, node: Tree, scope: Scope) -> Values:
        root, steps = _traversal(node)
        if root.data == "identifier":
            name = str(root.children[0])
            if name not in scope:
                return self._reference(name, steps, scope)
        return self._apply(self.values(root, scope), steps, scope)

    _index_expr_term = _attr_splat_expr_term = _full_splat_expr_term = _get_attr_expr_term

    def _reference(self, name: str, steps: list[Tree], scope: Scope) -> Values:
        first = _attr_name(steps[0]) if steps else None
        if name == "path" and first in ("module", "root", "cwd"):
            return self._apply((Text("", f"path.{first}"),), steps[1:], scope)
        if name == "local" and first is not None:
            return self._apply(self._local(first), steps[1:], scope)
        if name == "terraform" and first == "workspace":
            return self._apply((Text("default"),), steps[1:], scope)
        if name in ("path", "local", "terraform"):
            raise Unresolvable(f"the reference {name}.{first}")
        return (UNKNOWN,)  # an input variable, resource, data source, module output, each or count

    def _local(self, name: str) -> Values:
        node = self.local_values.get(name)
        if node is None:
            return ()  # an undeclared local: an error, nothing is read
        if name in self._evaluating:
            raise Unresolvable(f"local.{name} refers to itself")
        if name not in self._known:
            self._evaluating.add(name)
            try:
                self._known[name] = self.values(node, {})
            except Unresolvable as exc:
                self._known[name] = exc
            finally:
                self._evaluating.discard(name)
        known = self._known[name]
        if isinstance(known, Unresolvable):
            raise known
        return known

    def _apply(self, values: Values, steps: list[Tree], scope: Scope) -> Values:
        for step in steps:
            if step.data in ("attr_splat", "full_splat"):
                if values != (UNKNOWN,):
                    raise Unresolvable("a splat expression")
                continue
            key = _attr_name(step)
            keys = self.values(_trees(step)[0], scope) if key is None and step.data == "braces_index" else None
            values = _alternatives([v for value in values for v in _step(value, key, keys)])
        return values

    def _function_call(self, node: Tree, scope: Scope) -> Values:
        from planforge.validate.terraform.hclfunctions import call

        children = _trees(node)
        if any(isinstance(c, Token) and c.type == "COLONS" for c in node.children):
            raise Unresolvable("a provider-defined function")
        name = str(children[0].children[0])
        arguments = children[1] if len(children) > 1 else None
        if arguments is not None and any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in arguments.children):
            raise Unresolvable("an expanded argument list (...)")
        args = [self.values(arg, scope) for arg in (_trees(arguments) if arguments is not None else [])]
        return _alternatives(call(name, args))

    def _for_tuple_expr(self, node: Tree, scope: Scope) -> Values:
        inner, body = self.for_scope(node, scope), _trees(node)[1]
        return (Seq((self.values(body, inner),)),)

    def for_scope(self, node: Tree, scope: Scope) -> dict[str, Values]:
        """`scope` with the names a `for` expression binds (its key and value: any of the collection's)."""
        intro = _trees(node)[0]
        names = [str(c.children[0]) for c in _trees(intro) if c.data == "identifier"]
        collection = self.values([c for c in _trees(intro) if c.data != "identifier"][0], scope)
        keys, elements = members(collection)
        bound = dict(scope)
        if len(names) == 2:
            bound[names[0]], bound[names[1]] = keys, elements
        else:
            bound[names[0]] = elements
        return bound


def heredoc_body(node: Tree) -> str:
    """The text of a heredoc (`<<-` heredocs have their common indentation removed, as Terraform does)."""
    lines = node.children[0].value.split("\n")[1:-2]
    body = "\n".join(lines) + "\n" if lines else ""
    return textwrap.dedent(body) if node.data == "heredoc_template_trim" else body


def expression(source: str) -> Tree:
    try:
        return parse_expression(source)
    except ValueError as exc:
        raise Unresolvable(str(exc)) from None


def members(collection: Values) -> tuple[Values, Values]:
    """(keys, elements) a `for` or a dynamic block may iterate over in `collection`."""
    keys: list[Value] = []
    elements: list[Value] = []
    for value in collection:
        if isinstance(value, Seq):
            keys.append(OTHER)
            elements += [v for item in value.items for v in item]
        elif isinstance(value, Obj):
            keys += [Text(k) for k, _ in value.items]
            elements += [v for _, item in value.items for v in item]
        elif value is UNKNOWN:
            keys.append(UNKNOWN)
            elements.append(UNKNOWN)
    return _alternatives(keys), _alternatives(elements)


def _traversal(node: Tree) -> tuple[Tree, list[Tree]]:
    """(root term, steps) of `a.b[0].c`: python-hcl2 nests each step around the term before it."""
    steps: list[Tree] = []
    while node.data in ("get_attr_expr_term", "index_expr_term", "attr_splat_expr_term", "full_splat_expr_term"):
        term, step = _trees(node)
        steps.insert(0, step)
        inner = _trees(term)
        if len(inner) != 1 or term.children[0] != inner[0]:
            return term, steps  # a parenthesized expression
        node = inner[0]
    return node, steps


def _attr_name(step: Tree) -> str | None:
    if step.data == "get_attr":
        name = _trees(step)[0]
        return str(name.children[0].value if isinstance(name.children[0], Token) else name.children[0])
    if step.data == "short_index":
        return str(step.children[-1])
    return None


def _step(value: Value, key: str | None, keys: Values | None) -> Values:
    """The values `value.key` / `value[keys]` may take (none when that is an error: nothing is read)."""
    if value is UNKNOWN:
        return (UNKNOWN,)
    if isinstance(value, Obj):
        wanted = [key] if key is not None else [k.text for k in keys or () if isinstance(k, Text)]
        if keys is not None and any(not isinstance(k, Text) for k in keys):
            wanted = [k for k, _ in value.items]
        return tuple(v for k, item in value.items if k in wanted for v in item)
    if isinstance(value, Seq):
        return tuple(v for item in value.items for v in item) if key is None or key.isdigit() else ()
    return ()


def normalized(text: str) -> str:
    """`text` with `.` and `..` folded as Terraform's path functions fold them (lexically)."""
    return posixpath.normpath(text) if text else "."
