"""plan.md -> Plan, with markdown-it-py.

markdown-it gives the block structure (headings, paragraphs, list items, tables, code
fences, HTML comments) and each block's source line range; within a paragraph the
lines map 1:1 onto source lines, so every field keeps its exact line number.

Each concern is its own module: `markdown_blocks` (block structure), `fields` (fields and header), `tables`
(components, constitution, complexity), `trees` (project structure) and `figure_sources`.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from planforge.errors import Problem, RefusedError, UsageError
from planforge.plan.credentials import redact
from planforge.plan.fields import read_fields, read_header
from planforge.plan.figure_sources import read_figures
from planforge.plan.limits import limits
from planforge.plan.markdown_blocks import read_blocks
from planforge.plan.model import Header, Plan, Table
from planforge.plan.tables import read_complexity, read_components, read_constitution
from planforge.plan.trees import read_trees


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
    recorded in plan.problems with their line, and the text from that line on is neither parsed nor kept (its
    lines are blank in plan.lines). Credential-like text is replaced by `<redacted>` (plan.warnings says where)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    problems = _over_limits(lines, source)
    if problems:  # the lines from the first one over a limit on are not read by any rule: blank, keeping numbers
        lines[problems[0].line - 1:] = [""] * (len(lines) - problems[0].line + 1)
    warnings = redact(lines, source)
    parsed = "\n".join(lines[: problems[0].line - 1] if problems else lines)
    blocks, sections = read_blocks(parsed, lines)
    plan = Plan(source=source, header=Header(), sections=sections, lines=lines, problems=problems, warnings=warnings)
    read_header(plan, blocks, lines)
    read_fields(plan, blocks)
    read_components(plan, blocks)
    read_constitution(plan, blocks)
    read_trees(plan, blocks)
    read_complexity(plan, blocks)
    plan.tables = [Table(b.section, b.rows, b.subsection) for b in blocks if b.kind == "table"]
    read_figures(plan, blocks)
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

