"""plan.md -> Plan, with markdown-it-py.

markdown-it gives the block structure (headings, paragraphs, list items, tables, code
fences, HTML comments) and each block's source line range; within a paragraph the
lines map 1:1 onto source lines, so every field keeps its exact line number.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

from planforge.errors import Problem, RefusedError, UsageError
from planforge.plan import figures
from planforge.plan.credentials import redact
from planforge.plan.limits import limits, strip_comments
from planforge.plan.model import (
    ComplexityRow,
    ComponentRow,
    ConstitutionItem,
    Field,
    Header,
    Plan,
    Section,
    SourceLine,
    StructureTree,
    TreePath,
    is_unresolved,
    normalize_label,
)

# Every pattern here runs in time linear in the line: field heads are matched on the first _HEAD characters
# of a line only (the value is the rest of the line), and patterns that start with a whitespace run only
# start where a run starts (`(?<!\s)`), never again inside it.
_HEAD = 256
_MAX_NAME = 255  # NAME_MAX: a longer tree entry is not a file name
# `**Label**: value`, `**Label:** value`, optionally as a list item or checkbox item.
_BOLD_FIELD = re.compile(
    r"^(?:[-*+]\s+)?(?:\[[ xX]\]\s+)?(?P<b>\*\*|__)(?P<label>[^*_\n][^*\n]{0,79}?)\s*+(?P<c1>:?)\s*+(?P=b)(?P<c2>\s*+:)?[ \t]*+"
)
# `Label: value` without bold, accepted only for known labels.
_PLAIN_FIELD = re.compile(r"^(?:[-*+]\s+)?(?P<label>[A-Za-z][A-Za-z /&-]{1,40}?)\s*+:\s*+")
_BR = re.compile(r"<br\s*+/?>", re.I)  # HTML line break, the other markdown hard break
_TRAILING_BR = re.compile(r"<br\s*/?>", re.I)
_HEADER_SPLIT = re.compile(r"(?<!\s)\s+\|\s+(?=\*\*)")
_TREE_COMMENT = re.compile(r"(?<!\s)\s+#\s?(.*)$|(?<!\s)\s{2,}(?:←|<-)\s*(.*)$")
_FAMILY = re.compile(r"/(specops|speckit|sp)[.-](?:plan|tasks|specify|implement|clarify|analyze|checklist)\b")
_LEGACY_FAMILY = re.compile(r"\(/plan\b|`/plan`|/plan command|by /plan\b")
_CONTEXT_TITLE = re.compile(r"technical\s+(context|stack)|technology\s+stack|tech\s+stack", re.I)
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX])\]\s*(?P<rest>.*)$")
_TREE_CHARS = "│├└─┬┼|`+- \t\u00a0"

# Alternative labels seen in real plans -> the canonical key of the seed templates.
LABEL_ALIASES = {
    "cloud": "cloud_provider",
    "cloud_providers": "cloud_provider",
    "provider": "cloud_provider",
    "iac": "iac_tools",
    "iac_tool": "iac_tools",
    "infrastructure_as_code": "iac_tools",
    "gitops_tool": "gitops",
    "kubernetes_version": "kubernetes",
    "state": "state_backend",
    "remote_state": "state_backend",
    "terraform_state": "state_backend",
    "secrets": "secrets_management",
    "secrets_manager": "secrets_management",
    "secret_management": "secrets_management",
    "target_environments": "target_environment",
    "environments": "target_environment",
    "environment": "target_environment",
    "language": "language_version",
    "languages": "language_version",
    "dependencies": "primary_dependencies",
    "target_platforms": "target_platform",
    "platform": "target_platform",
    "platforms": "target_platform",
    "scale": "scale_scope",
    "scope": "scale_scope",
    "scale_and_scope": "scale_scope",
    "performance": "performance_goals",
    "constraint": "constraints",
}
KNOWN_KEYS = {
    "cloud_provider", "iac_tools", "kubernetes", "gitops", "deployment_strategy", "state_backend",
    "secrets_management", "validation", "target_environment", "deployment_type", "performance_goals",
    "constraints", "scale_scope", "language_version", "primary_dependencies", "storage", "testing",
    "target_platform", "project_type", "structure_decision", "custom_applications",
}


def canonical_key(label: str) -> str:
    key = normalize_label(label)
    return LABEL_ALIASES.get(key, key)


@dataclass
class _Block:
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


def parse_plan(path: str | Path) -> Plan:
    """Read a plan file; unreadable or non-text input is a UsageError (exit 2), a file over the size limit
    is refused (exit 1). Only regular files are read: a FIFO, device or directory is never read from
    (opened non-blocking, checked with fstat, closed)."""
    p = Path(path)
    data = _read_regular_file(p, limits()["max_plan_bytes"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
    return parse_text(text, source=str(p))


def _read_regular_file(p: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most max_bytes; anything else is refused before reading."""
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UsageError(f"cannot read plan {p}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode) else \
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file"
            raise UsageError(f"cannot read plan {p}: {kind}; a plan must be a regular file")
        if st.st_size > max_bytes:
            _too_big(p, st.st_size, max_bytes)
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise UsageError(f"cannot read plan {p}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > max_bytes:  # the file grew while being read
        _too_big(p, size, max_bytes)
    return b"".join(chunks)


def _too_big(p: Path, size: int, max_bytes: int) -> None:
    raise RefusedError(f"{p}: plan refused: {size} bytes, over the limit of {max_bytes} bytes "
                       f"({max_bytes // 1024} KiB)", [Problem(
                           message=f"the plan file is {size} bytes; plans of at most {max_bytes} bytes are read",
                           file=str(p), field="plan size", hint="a plan is a few dozen KB: remove pasted logs or data")])


def parse_text(text: str, source: str = "plan.md") -> Plan:
    """Parse plan markdown text. Never raises on malformed markdown; limits exceeded (data/limits.yaml) are
    recorded in plan.problems with their line, and the text from that line on is not parsed. Credential-like
    text is replaced by `<redacted>` first (plan.warnings says where)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    warnings = redact(lines, source)
    if warnings:
        text = "\n".join(lines)
    problems = _over_limits(lines, source)
    parsed = "\n".join(lines[: problems[0].line - 1]) if problems else text
    blocks, sections = _blocks(parsed, lines)
    plan = Plan(source=source, header=Header(), sections=sections, lines=lines, problems=problems, warnings=warnings)
    _read_header(plan, blocks, lines)
    _read_fields(plan, blocks)
    _read_components(plan, blocks)
    _read_constitution(plan, blocks)
    _read_trees(plan, blocks)
    _read_complexity(plan, blocks)
    _read_figures(plan, blocks)
    plan.summary = "\n".join(
        s.text for b in blocks if b.kind in ("para", "item") and b.section.lower().startswith("summary") for s in b.lines
    )
    return plan


def _over_limits(lines: list[str], source: str) -> list[Problem]:
    """The first line over the line, line-length or table-cell limit, as a Problem (the parse stops before it)."""
    lim = limits()
    if len(lines) > lim["max_lines"]:
        n = lim["max_lines"] + 1
        return [Problem(message=f"the plan has {len(lines)} lines; at most {lim['max_lines']} are read", file=source,
                        line=n, field="plan size", hint="a plan is a few hundred lines: remove pasted logs or data")]
    cells = 0
    for n, line in enumerate(lines, 1):
        if len(line) > lim["max_line_chars"]:
            return [Problem(message=f"line of {len(line)} characters; at most {lim['max_line_chars']} are read",
                            file=source, line=n, field="plan size",
                            hint="break the text into lines or remove pasted logs or data")]
        cells += line.count("|")
        if cells > lim["max_table_cells"]:
            return [Problem(message=f"more than {lim['max_table_cells']} table cells (`|`) in the plan", file=source,
                            line=n, field="plan size", hint="keep tables to the template's few rows and columns")]
    return []


def _clean(text: str) -> str:
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


def _blocks(text: str, lines: list[str]) -> tuple[list[_Block], list[Section]]:
    md = MarkdownIt("commonmark").enable("table")
    # block structure only: inline parsing (links, emphasis) is superlinear on hostile text and unused
    md.core.ruler.disable(["inline", "text_join"])
    tokens = md.parse(text)
    blocks: list[_Block] = []
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
                blocks.append(_Block("para", [SourceLine(n + 1, lines[n]) for n in span], section, subsection))
            title = _clean(inline.content).strip("# ").strip()
            if tok.markup not in ("-", "="):
                headings.append((tok.map[0] + 1, level, title))
                if level <= 2:
                    section, subsection = title, ""
                else:
                    subsection = title
                blocks.append(
                    _Block("heading", [SourceLine(tok.map[0] + 1, lines[tok.map[0]])], section, subsection, level=level)
                )
        elif t == "paragraph_open" and tok.map:
            span = range(tok.map[0], tok.map[1])
            src = [SourceLine(n + 1, lines[n]) for n in span if n < len(lines)]
            kind = "item" if depth > 0 else "para"
            if kind == "item":
                # the marker sits on the item's first line; keep the text after it
                src = [SourceLine(s.line, re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", s.text, count=1) if k == 0 and item_first else s.text.strip()) for k, s in enumerate(src)]
            blocks.append(_Block(kind, src, section, subsection, depth=depth, first_in_item=item_first))
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
                    cells.append(_clean(tj.content))
                elif tj.type == "tr_close":
                    rows.append((row_line, cells))
                j += 1
            first = tok.map[0] + 1 if tok.map else 0
            blocks.append(_Block("table", [SourceLine(first, lines[first - 1] if first else "")], section, subsection, rows=rows))
            i = j
        elif t in ("fence", "code_block") and tok.map:
            content = [SourceLine(tok.map[0] + 2 + k, ln) for k, ln in enumerate(tok.content.split("\n")[:-1])]
            if t == "code_block":
                content = [SourceLine(tok.map[0] + 1 + k, ln) for k, ln in enumerate(tok.content.split("\n")[:-1])]
            blocks.append(_Block("fence", content, section, subsection, info=tok.info.strip(), depth=depth, start=tok.map[0] + 1))
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


def _match_field(text: str) -> tuple[str, str] | None:
    """(label, value) when a line starts with a bold field label, or a plain known label."""
    text = text.strip()
    m = _BOLD_FIELD.match(text[:_HEAD])
    if m and (m.group("c1") or m.group("c2")):
        label = m.group("label").strip().strip(":").strip()
        label = label.lstrip("✅❌⚠️✓✔🔄 ").strip()
        if label:
            return label, text[m.end():]
    m = _PLAIN_FIELD.match(text[:_HEAD])
    if m and canonical_key(m.group("label")) in KNOWN_KEYS:
        return m.group("label").strip(), text[m.end():]
    return None


def _new_field(label: str, value: str, src: SourceLine, section: str) -> Field:
    return Field(label=label, key=canonical_key(label), value=_clean(value), line=src.line, text=src.text.rstrip(), section=section)


def _append(f: Field, src: SourceLine, sep: str) -> None:
    text = _clean(src.text)
    if not text:
        return
    f.value = f"{f.value}{sep}{text}" if f.value else text
    f.extra_lines.append(SourceLine(src.line, src.text.rstrip()))


def _read_header(plan: Plan, blocks: list[_Block], lines: list[str]) -> None:
    h = plan.header
    for b in blocks:
        if b.kind == "heading" and b.level == 1 and not h.title:
            title = _clean(b.lines[0].text).lstrip("#").strip()
            h.title = re.sub(r"^implementation\s+plan\s*:\s*", "", title, flags=re.I).strip()
            h.title_line = b.lines[0].line
        if b.kind == "heading" and b.level == 2:
            break
        if b.kind == "para":
            for src in b.lines:
                for piece in _HEADER_SPLIT.split(src.text):
                    m = _match_field(piece)
                    if m:
                        f = _new_field(m[0], m[1], SourceLine(src.line, src.text), "")
                        h.fields.append(f)
    for f in h.fields:
        if f.key in ("branch", "feature_branch", "feature_id", "feature") and h.branch is None:
            h.branch = f
        elif f.key in ("date", "created") and h.date is None:
            h.date = f
        elif f.key == "spec" and h.spec is None:
            h.spec = f
        elif f.key == "input" and h.input is None:
            h.input = f
    # the template's "filled in by the `/x.plan` command" note is authoritative; else the first command named
    found = [(n, m.group(1), "filled in by" in text) for n, text in enumerate(lines, 1) if (m := _FAMILY.search(text))]
    if found:
        n, family, _ = next((x for x in found if x[2]), found[0])
        h.family, h.family_line = family, n
    else:
        for n, text in enumerate(lines, 1):
            if _LEGACY_FAMILY.search(text):
                h.family, h.family_line = "plan", n
                break


def _is_context(section: str) -> bool:
    return bool(_CONTEXT_TITLE.search(section))


def _read_fields(plan: Plan, blocks: list[_Block]) -> None:
    current: Field | None = None  # field that continuation lines extend
    attach: Field | None = None  # field a following list belongs to
    item_field: Field | None = None  # last field read from a top-level list item
    last_section = None
    for b in blocks:
        if b.section != last_section:
            current = attach = item_field = None
            last_section = b.section
        context = _is_context(b.section) or _is_context(b.subsection)
        if b.kind == "heading":
            current = attach = item_field = None
            continue
        if b.kind == "para":
            attach = None
            for src in b.lines:
                m = _match_field(src.text)
                if m:
                    f = _new_field(m[0], m[1], src, b.section)
                    _store(plan, f, context)
                    current = attach = f
                elif current is not None and _clean(src.text):
                    _append(current, src, " ")
                    attach = current
            if attach is not None and attach is not current:
                attach = None
            current = None
            continue
        if b.kind == "item":
            if attach is not None:
                if b.first_in_item or b.depth >= 1:
                    _append(attach, b.lines[0], "; ")
                    for src in b.lines[1:]:
                        _append(attach, src, " ")
                continue
            m = _match_field(b.lines[0].text) if b.first_in_item else None
            if m and (context or b.depth == 1):
                f = _new_field(m[0], m[1], b.lines[0], b.section)
                for src in b.lines[1:]:
                    _append(f, src, " ")
                if b.depth == 1 or item_field is None:
                    _store(plan, f, context)
                    item_field = f
                else:
                    _append(item_field, b.lines[0], "; ")
            elif item_field is not None and b.depth > 1 and context:
                for src in b.lines:
                    _append(item_field, src, "; ")
            continue
        attach = current = None
        if b.kind == "table" and context and b.rows:
            # the header row is a field too when it is a template label (`| **Cloud Provider** | AWS |`)
            header = b.rows[0][1]
            label_row = len(header) > 1 and any(c.strip() for c in header[1:]) and \
                canonical_key(re.sub(r"\*\*", "", header[0])) in KNOWN_KEYS
            rows = b.rows if label_row else b.rows[1:]
            for line, cells in rows:
                if not cells or not cells[0].strip():
                    continue
                label = re.sub(r"\*\*", "", cells[0]).strip()
                value = " | ".join(c for c in cells[1:] if c.strip())
                f = Field(label=label, key=canonical_key(label), value=value, line=line,
                          text=plan.lines[line - 1].rstrip() if 0 < line <= len(plan.lines) else "", section=b.section)
                plan.fields.append(f)
    if not any(_is_context(s.title) for s in plan.sections):
        # no Technical Context section at all: the template's fields wherever they are
        known = [f for f in plan.other_fields if f.key in KNOWN_KEYS - {"structure_decision", "custom_applications"}]
        plan.fields.extend(known)
        plan.other_fields = [f for f in plan.other_fields if f not in known]


def _store(plan: Plan, f: Field, context: bool) -> None:
    if f.key == "structure_decision" and plan.structure_decision is None:
        plan.structure_decision = f
    elif f.key == "custom_applications" and plan.custom_applications is None:
        plan.custom_applications = f
    elif context:
        plan.fields.append(f)
    else:
        plan.other_fields.append(f)


def _yes_no(text: str) -> bool | None:
    t = re.sub(r"[*_`]", "", text).strip().lower()
    if t in ("yes", "y", "true", "required", "✅", "✓", "x"):
        return True
    if t in ("no", "n", "false", "optional", "❌", "-", "—"):
        return False
    qualified = re.match(r"(yes|no)\s*[(,;:\-–—]", t)  # `Yes (prod only)`, `No - managed elsewhere`; not `Yes/No`
    return (qualified.group(1) == "yes") if qualified else None


def _read_components(plan: Plan, blocks: list[_Block]) -> None:
    for b in blocks:
        if b.kind == "heading" and b.level <= 2 and "deployment components" in b.section.lower():
            plan.components_line = plan.components_line or b.lines[0].line
        if b.kind != "table" or "deployment components" not in b.section.lower() or not b.rows:
            continue
        header = [normalize_label(c) for c in b.rows[0][1]]
        if not any("component" in c for c in header):
            continue
        col = {name: idx for idx, name in enumerate(header)}
        ci = next((i for n, i in col.items() if "component" in n), 0)
        ri = next((i for n, i in col.items() if "required" in n), 1)
        ni = next((i for n, i in col.items() if "note" in n), 2)
        for line, cells in b.rows[1:]:
            get = lambda k: cells[k].strip() if k < len(cells) else ""  # noqa: E731
            name = re.sub(r"[*`]", "", get(ci)).strip()
            if not name:
                continue
            plan.components.append(
                ComponentRow(name=name, required=_yes_no(get(ri)), required_text=get(ri), notes=get(ni), line=line,
                             text=plan.lines[line - 1].rstrip() if 0 < line <= len(plan.lines) else "")
            )


def _read_constitution(plan: Plan, blocks: list[_Block]) -> None:
    for b in blocks:
        if "constitution" not in b.section.lower():
            continue
        if b.kind == "item" and b.first_in_item:
            text = _clean(b.lines[0].text)
            checked: bool | None = None
            m = _CHECKBOX.match(text)
            if m:
                checked, text = m.group("mark") != " ", m.group("rest")
            elif text[:1] in ("✅", "✓", "✔"):
                checked, text = True, text[1:].strip()
            elif text[:1] in ("❌", "✗"):
                checked, text = False, text[1:].strip()
            for src in b.lines[1:]:
                text += " " + _clean(src.text)
            principle, _, rest = text.partition(":")
            principle = principle.replace("**", "").strip()
            if not rest:
                principle = ""
            plan.constitution.append(ConstitutionItem(principle=principle, text=text.replace("**", ""), checked=checked, line=b.lines[0].line))
        elif b.kind == "para":
            for src in b.lines:
                text = _clean(src.text)
                m = _BOLD_FIELD.match(text[:_HEAD])
                mark = re.match(r"^\*\*\s*(✅|✓|✔|❌)", text)
                if m and mark:
                    label = m.group("label").lstrip("✅✓✔❌ ").strip(": ")
                    plan.constitution.append(ConstitutionItem(principle=label, text=text.replace("**", ""), checked=mark.group(1) != "❌", line=src.line))
        elif b.kind == "table" and len(b.rows) > 1:
            for line, cells in b.rows[1:]:
                joined = " | ".join(cells)
                status = joined.upper()
                checked = True if re.search(r"PASS|✓|✅|COMPLIANT", status) else (False if re.search(r"FAIL|❌|VIOLAT", status) else None)
                plan.constitution.append(ConstitutionItem(principle=cells[0].replace("**", "") if cells else "", text=joined.replace("**", ""), checked=checked, line=line))


def _read_trees(plan: Plan, blocks: list[_Block]) -> None:
    max_depth = limits()["max_tree_depth"]
    for b in blocks:
        if b.kind != "fence" or "structure" not in b.section.lower():
            continue
        if b.info and b.info.split()[0].lower() not in ("text", "txt", "plain", "tree", "plaintext", "bash", "sh", "console", ""):
            continue
        tree = StructureTree(heading=b.subsection or b.section, line=b.start)
        stack: list[tuple[int, str]] = []
        for src in b.lines:
            raw = src.text.rstrip()
            stripped = raw.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                if re.search(r"\boption\s+\d", stripped, re.I):
                    tree.options.append(SourceLine(src.line, raw))
                continue
            k = _name_start(raw)
            body = raw[k:]
            comment = ""
            cm = _TREE_COMMENT.search(body)
            if cm:
                comment = (cm.group(1) or cm.group(2) or "").strip()
                body = body[: cm.start()]
            name = body.strip()
            if not name or name.startswith("[") or " " in name.strip("/") and not name.endswith("/"):
                continue  # a placeholder or a line of prose; a directory (`name/`) is kept as written
            indent = k
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if len(stack) >= max_depth or len(name) > _MAX_NAME:
                plan.problems.append(Problem(
                    message=f"directory tree nested deeper than {max_depth} levels" if len(stack) >= max_depth else
                    f"a tree entry of {len(name)} characters is not a file name (at most {_MAX_NAME})",
                    file=plan.source, line=src.line, field="Project Structure", hint="show the real directory layout"))
                break
            parent = "".join(s[1] if s[1].endswith("/") else s[1] + "/" for s in stack)
            path = parent + name
            tree.paths.append(TreePath(path=path, name=name, depth=len(stack), line=src.line, comment=comment))
            if name.endswith("/"):
                stack.append((indent, name))
        plan.trees.append(tree)


def _name_start(raw: str) -> int:
    """Where a tree line's entry starts after its connector (`├── `, `|-- `): a name that starts with `-`
    (`├── -a/`) keeps it, so that it is refused as written rather than read as another name."""
    k = 0
    while k < len(raw) and raw[k] in _TREE_CHARS:
        k += 1
    space = max(raw.rfind(" ", 0, k), raw.rfind("\t", 0, k), raw.rfind("\u00a0", 0, k))
    glued = raw[space + 1:k]
    if glued and set(glued) == {"-"} and raw[:space].strip():
        return space + 1
    return k


def _read_complexity(plan: Plan, blocks: list[_Block]) -> None:
    for b in blocks:
        if b.kind != "table" or "complexity" not in b.section.lower():
            continue
        for line, cells in b.rows[1:]:
            cells = cells + ["", "", ""]
            if any(c.strip() for c in cells):
                plan.complexity.append(ComplexityRow(violation=cells[0], why=cells[1], alternative=cells[2], line=line))


_NO_FIGURES = re.compile(r"summary|complexity", re.I)  # prose and justifications: never answers
_APP_PARENTS = ("services", "apps", "microservices", "charts", "helm", "helm-charts")
_REQUIREMENT = re.compile(r"\b(?:N?FR|SC)-\d{1,4}")  # FR-001, NFR-3, SC-005
_FIGURE_LABELS = {"constraints", "performance_goals", "storage", "scale_scope", "database", "capacity", "sizing"}


def _read_figures(plan: Plan, blocks: list[_Block]) -> None:
    """The figures of the Technical Context, every table row, requirement lines (FR-xxx, NFR-xxx) and
    Constraints/Performance/Storage/Scale lines, outside code fences, the header, the Summary and Complexity
    Tracking; the apps and services the plan names are their subjects."""
    first_h2 = next((s.line for s in plan.sections if s.level == 2), None)
    if first_h2 is None:
        return
    sources: list[figures.Source] = []
    for b in blocks:
        if b.kind not in ("para", "item", "table") or _NO_FIGURES.search(b.section) or b.lines[0].line < first_h2:
            continue
        if b.kind == "table":
            sources.extend(figures.Source(line, " | ".join(cells), re.sub(r"[*`]", "", cells[0]) if cells else "")
                           for line, cells in b.rows[1:])
            continue
        context = _is_context(b.section) or _is_context(b.subsection)
        label = ""
        for src in b.lines:
            m = _match_field(src.text)
            if m and is_unresolved(m[1]):
                continue  # the template's example figures
            label = m[0] if m else label if b.kind == "item" else ""
            if context or _REQUIREMENT.search(src.text) or canonical_key(label) in _FIGURE_LABELS:
                sources.append(figures.Source(src.line, _clean(src.text), label))
    plan.figures = figures.extract(sources, _named_apps(plan))


def _named_apps(plan: Plan) -> set[str]:
    """Custom Applications and the service and chart directories of the source tree, lowercase."""
    names: set[str] = set()
    if plan.custom_applications is not None and not plan.custom_applications.unresolved:
        for item in re.split(r"[,;]", plan.custom_applications.plain):
            words = item.split()
            if words:
                names.add(words[0].strip(".").lower())
    for p in plan.source_paths:
        parts = [x for x in p.path.strip("/").split("/") if x]
        if len(parts) >= 2 and parts[-2] in _APP_PARENTS and p.path.endswith("/"):
            names.add(parts[-1].lower())
    return {n for n in names if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", n)}
