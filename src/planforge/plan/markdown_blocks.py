"""The block structure of plan markdown, with markdown-it-py: headings, paragraphs, list items, tables and
code fences, each with its source lines and enclosing section; and `clean`, one line's text without comments
and hard breaks.

Within a paragraph the lines map 1:1 onto source lines, so every field keeps its exact line number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from planforge.plan.limits import strip_comments
from planforge.plan.model import Section, SourceLine

_BR = re.compile(r"<br\s*+/?>", re.I)  # HTML line break, the other markdown hard break
_TRAILING_BR = re.compile(r"<br\s*/?>", re.I)


@dataclass
class Block:
    kind: str  # heading | para | item | table | fence
    lines: list[SourceLine]
    section: str  # enclosing H2 (or H1 before any H2) title
    subsection: str  # enclosing H3+ title
    depth: int = 0  # list nesting depth for items
    level: int = 0  # heading level
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # table rows (line, cells), header first
    info: str = ""  # fence info string
    start: int = 0  # fence: line of the opening fence
    first_in_item: bool = False


def clean(text: str) -> str:
    """Strip HTML comments, hard-break markers and surrounding blanks from one line.

    A `<br>` ending the line is a hard break and goes; one inside the line separates items
    (`dev<br>prod` in a table cell) and becomes `, `.
    """
    text = strip_comments(text).rstrip("\n")
    stripped = text.rstrip()
    if len(text) - len(stripped) >= 2:
        text = stripped
    elif text.endswith("\\"):
        text = text[:-1]
    return _inner_breaks(_trailing_breaks(text)).strip()


def _trailing_breaks(text: str) -> str:
    """Without the `<br>`s (and blanks) ending text."""
    while True:
        text = text.rstrip()
        start = text.rfind("<")
        if start < 0 or not _TRAILING_BR.fullmatch(text, start):
            return text
        text = text[:start]


def _inner_breaks(text: str) -> str:
    """Each `<br>` inside text, with the blanks around it, -> `, `."""
    out, pos = [], 0
    for m in _BR.finditer(text):
        left, right = m.start(), m.end()
        while left > pos and text[left - 1].isspace():
            left -= 1
        while right < len(text) and text[right].isspace():
            right += 1
        out.append(text[pos:left])
        out.append(", ")
        pos = right
    out.append(text[pos:])
    return "".join(out)


def read_blocks(text: str, lines: list[str]) -> tuple[list[Block], list[Section]]:
    md = MarkdownIt("commonmark").enable("table")
    # block structure only: inline parsing (links, emphasis) is superlinear on hostile text and unused
    md.core.ruler.disable(["inline", "text_join"])
    tokens = md.parse(text)
    blocks: list[Block] = []
    headings: list[tuple[int, int, str]] = []  # (line, level, title)
    section, subsection = "", ""
    depth = 0
    item_first = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        t = tok.type
        if t in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif t in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif t == "list_item_open":
            item_first = True
        elif t == "heading_open" and tok.map:
            inline = tokens[i + 1]
            level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 6
            if tok.markup in ("-", "=") and depth == 0:
                # setext heading: usually a field paragraph followed by `---`; read as a paragraph
                span = range(tok.map[0], tok.map[1] - 1)
                blocks.append(Block("para", [SourceLine(n + 1, lines[n]) for n in span], section, subsection))
            title = clean(inline.content).strip("# ").strip()
            if tok.markup not in ("-", "="):
                headings.append((tok.map[0] + 1, level, title))
                if level <= 2:
                    section, subsection = title, ""
                else:
                    subsection = title
                blocks.append(
                    Block("heading", [SourceLine(tok.map[0] + 1, lines[tok.map[0]])], section, subsection, level=level)
                )
        elif t == "paragraph_open" and tok.map:
            span = range(tok.map[0], tok.map[1])
            src = [SourceLine(n + 1, lines[n]) for n in span if n < len(lines)]
            kind = "item" if depth > 0 else "para"
            if kind == "item":
                # the marker sits on the item's first line; keep the text after it
                src = [SourceLine(s.line, re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", s.text, count=1) if k == 0 and item_first else s.text.strip()) for k, s in enumerate(src)]
            blocks.append(Block(kind, src, section, subsection, depth=depth, first_in_item=item_first))
            item_first = False
        elif t == "table_open":
            rows: list[tuple[int, list[str]]] = []
            j = i + 1
            cells: list[str] = []
            row_line = 0
            while j < len(tokens) and tokens[j].type != "table_close":
                tj = tokens[j]
                if tj.type == "tr_open":
                    cells, row_line = [], (tj.map[0] + 1 if tj.map else 0)
                elif tj.type == "inline":
                    cells.append(clean(tj.content))
                elif tj.type == "tr_close":
                    rows.append((row_line, cells))
                j += 1
            first = tok.map[0] + 1 if tok.map else 0
            blocks.append(Block("table", [SourceLine(first, lines[first - 1] if first else "")], section, subsection, rows=rows))
            i = j
        elif t in ("fence", "code_block") and tok.map:
            content = [SourceLine(tok.map[0] + 2 + k, ln) for k, ln in enumerate(tok.content.split("\n")[:-1])]
            if t == "code_block":
                content = [SourceLine(tok.map[0] + 1 + k, ln) for k, ln in enumerate(tok.content.split("\n")[:-1])]
            blocks.append(Block("fence", content, section, subsection, info=tok.info.strip(), depth=depth, start=tok.map[0] + 1))
        i += 1
    sections = _sections(headings, len(lines))
    return blocks, sections


def _sections(headings: list[tuple[int, int, str]], nlines: int) -> list[Section]:
    out = []
    for k, (line, level, title) in enumerate(headings):
        end = nlines
        for line2, level2, _ in headings[k + 1 :]:
            if level2 <= level:
                end = line2 - 1
                break
        out.append(Section(title=title, level=level, line=line, end_line=end))
    return out

