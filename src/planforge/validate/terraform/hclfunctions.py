"""Terraform's functions as far as a path argument is concerned (see `hclexpr`).

A function with an argument that is wholly unknown returns an unknown value without being called, as in
Terraform. `try`, `coalesce`, `lookup` and `element` may return any of their arguments' values; the
string functions a path is built with are computed; a function that reads a file returns what the
repository wrote in it, which planforge does not follow. Any other function raises `Unresolvable`.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from planforge.validate.terraform.hclexpr import (
    HOME,
    OTHER,
    UNKNOWN,
    Obj,
    Seq,
    Text,
    Unresolvable,
    Value,
    Values,
    bounded_product,
    concat,
    members,
)

FILE_READERS = frozenset({
    "file", "filebase64", "filemd5", "filesha1", "filesha256", "filesha512", "filebase64sha256",
    "filebase64sha512", "templatefile", "fileexists", "fileset",
})
_FORMAT_VERB = re.compile(r"%(%|[-+# 0-9.]*[svdqtbfFeEgGxXo])")
_SAME_VALUE = frozenset({"tostring", "abspath", "tolist", "toset", "tomap", "sensitive", "nonsensitive"})
_NOT_A_PATH = frozenset({"can", "length", "tonumber", "tobool", "jsonencode", "yamlencode", "md5", "sha1", "sha256",
                         "sha512", "base64sha256", "base64sha512", "uuid", "timestamp", "max", "min", "contains",
                         "startswith", "endswith", "strcontains", "alltrue", "anytrue", "signum", "abs", "ceil",
                         "floor", "parseint", "pow", "log"})


def call(name: str, args: list[Values]) -> list[Value]:
    """The values `name(args...)` may return."""
    if name in ("try", "coalesce", "can"):
        values = [v for arg in args for v in arg]  # each argument may be the one returned
        return [OTHER] if name == "can" else values
    if any(arg == (UNKNOWN,) for arg in args):
        return [UNKNOWN]
    if name in FILE_READERS - {"fileset", "fileexists"}:
        raise Unresolvable(f"the content of a file ({name}())")
    if name == "fileset":
        return [Seq(((Text("matched"),),))]  # names below the (checked) directory
    if name in _NOT_A_PATH or name == "fileexists":
        return [OTHER]
    if name in _SAME_VALUE and args:
        return list(args[0])
    handler = _COMPUTED.get(name)
    if handler is None:
        raise Unresolvable(f"the function {name}()")
    return [result for combination in bounded_product(*args) for result in handler(*combination)]


def _pathexpand(path: Value) -> list[Value]:
    if isinstance(path, Text) and path.anchor is None and path.text.startswith("~"):
        return [Text(path.text[1:], HOME)]
    return [path]


def _format(spec: Value, *values: Value) -> list[Value]:
    if not isinstance(spec, Text) or spec.anchor is not None:
        raise Unresolvable("a format string computed from an expression")
    result: Value = Text("")
    position, remaining = 0, list(values)
    for m in _FORMAT_VERB.finditer(spec.text):
        result = concat(result, Text(spec.text[position:m.start()]))
        if m.group(1) == "%":
            result = concat(result, Text("%"))
        elif m.group(1).endswith(("s", "v")) and remaining:
            result = concat(result, remaining.pop(0))
        else:
            raise Unresolvable(f"the format verb %{m.group(1)}")
        position = m.end()
    return [concat(result, Text(spec.text[position:]))]


def _join(separator: Value, *lists: Value) -> list[Value]:
    if not isinstance(separator, Text) or separator.anchor is not None:
        raise Unresolvable("a join separator computed from an expression")
    results: list[Value] = []
    for combination in bounded_product(*(_items(lst) for lst in lists)):
        joined: Value = Text("")
        for i, item in enumerate(item for chosen in combination for item in chosen):
            joined = concat(joined, item) if i == 0 else concat(concat(joined, separator), item)
        results.append(joined)
    return results


def _items(value: Value) -> list[tuple[Value, ...]]:
    """Every sequence of elements a list may hold (one choice per position)."""
    if not isinstance(value, Seq):
        raise Unresolvable("join() of something that is not a list")
    return list(bounded_product(*value.items))


def _lookup(mapping: Value, key: Value, *default: Value) -> list[Value]:
    return [*members((mapping,))[1], *default] if isinstance(mapping, Obj) else [*default]


def _element(collection: Value, index: Value) -> list[Value]:
    return list(members((collection,))[1])


def _trimspace(text: Value) -> list[Value]:
    if not isinstance(text, Text):
        return [text]
    return [Text(text.text.rstrip() if text.anchor else text.text.strip(), text.anchor)]


def _concat(*lists: Value) -> list[Value]:
    if not all(isinstance(lst, Seq) for lst in lists):
        raise Unresolvable("concat() of something that is not a list")
    return [Seq(tuple(item for lst in lists for item in lst.items))]  # type: ignore[union-attr]


_COMPUTED: dict[str, Callable[..., list[Value]]] = {
    "pathexpand": _pathexpand,
    "format": _format,
    "join": _join,
    "lookup": _lookup,
    "element": _element,
    "one": lambda collection: _element(collection, OTHER),
    "trimspace": _trimspace,
    "concat": _concat,
}
