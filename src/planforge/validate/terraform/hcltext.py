"""HCL source text: comments and string literals masked, offsets turned into lines and columns.

python-hcl2 gives the structure of a file but no source positions, so positions come from scanning
the text. `mask_hcl` blanks comments and literal string characters (keeping `${...}` interpolations
and newlines), so a regex over the masked text only ever matches real code, at its real offset.
"""
from __future__ import annotations

import bisect
import functools
import re

_HEREDOC = re.compile(r"<<-?([A-Za-z_][\w-]*)\r?\n")
_BLOCK_HEAD = r"(?m)^[ \t]*{kind}[ \t]+\"{name}\"[ \t]*(?:\"[^\"\n]*\"[ \t]*)?\{{"

class _Frame:
    """One lexer state: code (optionally inside an interpolation), string or heredoc."""

    def __init__(self, kind: str, marker: str = "", interpolation: bool = False):
        self.kind = kind
        self.marker = marker
        self.interpolation = interpolation
        self.depth = 0


@functools.lru_cache(maxsize=4096)
def mask_hcl(text: str) -> str:
    """`text` with comments and literal string characters replaced by spaces.

    Offsets and newlines are preserved; quotes, heredoc markers and the code inside
    `${...}` / `%{...}` stay, so references inside interpolations are still found.
    Cached by text: generated roots share most files, and a file is read by several checks.
    """
    out = list(text)
    n = len(text)
    stack = [_Frame("code")]
    i = 0

    def blank(start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        top = stack[-1]
        c = text[i]
        if top.kind == "code":
            if c == "#" or text.startswith("//", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                blank(i, end)
                i = end
            elif text.startswith("/*", i):
                end = text.find("*/", i + 2)
                end = n if end < 0 else end + 2
                blank(i, end)
                i = end
            elif c == '"':
                stack.append(_Frame("string"))
                i += 1
            elif c == "<" and (m := _HEREDOC.match(text, i)):
                stack.append(_Frame("heredoc", marker=m.group(1)))
                i = m.end()
            else:
                if c == "{":
                    top.depth += 1
                elif c == "}":
                    if top.interpolation and top.depth == 0:
                        stack.pop()
                        i += 1
                        continue
                    top.depth -= 1
                i += 1
            continue
        # string or heredoc body
        if top.kind == "heredoc" and (i == 0 or text[i - 1] == "\n"):
            end = text.find("\n", i)
            end = n if end < 0 else end
            if text[i:end].strip() == top.marker:
                stack.pop()
                i = end
                continue
        if top.kind == "string" and c == "\\":
            blank(i, i + 2)
            i += 2
        elif top.kind == "string" and c in '"\n':
            stack.pop()  # a newline ends an unterminated string: HCL strings are one line
            i += 1
        elif text.startswith("$${", i) or text.startswith("%%{", i):
            blank(i, i + 3)
            i += 3
        elif text.startswith("${", i) or text.startswith("%{", i):
            stack.append(_Frame("code", interpolation=True))
            i += 2
        else:
            blank(i, i + 1)
            i += 1
    return "".join(out)


class SourceText:
    """A file's text, its masked twin and offset -> (line, column) conversion."""

    def __init__(self, text: str):
        self.text = text
        self.masked = mask_hcl(text)
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of `offset`."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def block_span(self, kind: str, name: str) -> tuple[int, int] | None:
        """Offsets of the `{...}` body of block `kind "name" {` (first one), or None."""
        pattern = re.compile(_BLOCK_HEAD.format(kind=re.escape(kind), name=re.escape(name)))
        for m in pattern.finditer(self.text):
            if self.masked[m.end() - 1] != "{":
                continue  # inside a comment or a string
            return m.end() - 1, self.matching_brace(m.end() - 1)
        return None

    def matching_brace(self, open_offset: int) -> int:
        depth = 0
        for k in range(open_offset, len(self.masked)):
            ch = self.masked[k]
            if ch in "{[(":
                depth += 1
            elif ch in "}])":
                depth -= 1
                if depth == 0:
                    return k
        return len(self.masked)

    def block_line(self, kind: str, name: str) -> int:
        span = self.block_span(kind, name)
        return self.position(span[0])[0] if span else 1

    def attribute_line(self, key: str, start: int = 0, end: int | None = None, top_level: bool = False) -> int | None:
        """Line of `key =` between `start` and `end` (at brace depth 0 if `top_level`)."""
        pattern = re.compile(rf"(?m)^[ \t]*\"?{re.escape(key)}\"?[ \t]*[=:]")
        end = len(self.text) if end is None else end
        for m in pattern.finditer(self.text, start, end):
            if top_level and self._depth(m.start()) != 0:
                continue
            if "=" in self.masked[m.start(): m.end()] or ":" in self.masked[m.start(): m.end()]:
                return self.position(m.start())[0]
        return None

    def _depth(self, offset: int) -> int:
        segment = self.masked[:offset]
        return sum(segment.count(c) for c in "{[(") - sum(segment.count(c) for c in "}])")
