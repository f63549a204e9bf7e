"""HCL string templates (heredoc bodies, `.tf.json` strings, `templatefile` files) cut into literal text
and the expressions of their `${...}` interpolations and `%{...}` directives, parsed with python-hcl2."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from lark import Tree

_DIRECTIVE_EXPRESSION = re.compile(r"^\s*~?\s*(?:if\s+(?P<cond>.*?)|for\s+[\w-]+(?:\s*,\s*[\w-]+)?\s+in\s+(?P<coll>.*?))\s*~?\s*$",
                                   re.S)


@dataclass(frozen=True)
class Piece:
    """One `${...}` (`directive` False) or `%{...}` of a template: its expression text and offset in the template."""

    source: str
    offset: int
    directive: bool = False


def template_pieces(text: str) -> list[str | Piece]:
    """Literal text and the expressions of `text`, in order. `$${` and `%%{` are literal."""
    pieces: list[str | Piece] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith(("$${", "%%{"), i):
            literal.append(text[i + 1:i + 3])
            i += 3
            continue
        if text.startswith(("${", "%{"), i):
            end = _closing_brace(text, i + 2)
            pieces.append("".join(literal))
            literal = []
            pieces.append(Piece(text[i + 2:end], i + 2, text[i] == "%"))
            i = end + 1
            continue
        literal.append(text[i])
        i += 1
    pieces.append("".join(literal))
    return [p for p in pieces if p != ""]


def _closing_brace(text: str, start: int) -> int:
    """Offset of the `}` closing an interpolation that starts at `start` (quotes and nested braces skipped)."""
    depth, i, n = 0, start, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return n


def directive_expression(source: str) -> str | None:
    """The expression of an `if` or `for` directive (None for `else`, `endif`, `endfor`)."""
    m = _DIRECTIVE_EXPRESSION.match(source)
    return (m.group("cond") or m.group("coll")) if m else None


@functools.lru_cache(maxsize=4096)
def parse_expression(source: str) -> Tree:
    """The parse tree of one expression (ValueError when python-hcl2 cannot parse it)."""
    import hcl2

    try:
        tree = hcl2.parses_to_tree(f"x = (\n{source}\n)\n")
    except Exception as exc:  # lark raises several types
        raise ValueError(f"cannot parse the expression: {exc}") from None
    attribute = next(t for t in tree.iter_subtrees_topdown() if t.data == "attribute")
    term = [c for c in attribute.children if isinstance(c, Tree) and c.data != "identifier"][0]
    inner = [c for c in term.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
    return inner[0]


def hcl_string_literal(text: str) -> str:
    """`text` as a quoted HCL string: a `.tf.json` string is a template, and reads the same as this literal."""
    out = ['"']
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif ord(c) < 0x20 or c == "\x7f":
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)
