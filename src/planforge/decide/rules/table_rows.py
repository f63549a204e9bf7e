"""Markdown table rows read with their column headers: a row of `| Service | Port | Probes |` becomes the passage
`Service: orders-api | Port: 8080 | Probes: liveness GET /healthz`, so the readers of per-service statements
(`port 8080`, `readiness /ready`) find in a table what a sentence would say."""
from __future__ import annotations

import re

from planforge.decide.rules.statements import Passage
from planforge.plan.model import Plan, plain

_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_SEPARATOR = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-{3,}:?\s*\|?\s*$|^\s*\|(?:\s*:?-{3,}:?\s*\|)+\s*$")


def _cells(raw: str) -> list[str] | None:
    m = _ROW.match(raw)
    return [plain(cell).strip() for cell in m.group(1).split("|")] if m else None


def labelled_rows(plan: Plan) -> list[Passage]:
    """Each body row of the plan's tables (a header row, then a separator row) as one passage, every cell
    preceded by its column's header; a row whose cell count differs from the header's, and Complexity Tracking's
    rows, are left out."""
    out: list[Passage] = []
    header: list[str] | None = None
    lines = plan.lines
    tracked = {ln for s in plan.sections if "complexity tracking" in s.title.lower()
               for ln in range(s.line, s.end_line + 1)}  # justifications, never statements of the output
    for number, raw in enumerate(lines, 1):
        cells = _cells(raw) if number not in tracked else None
        if cells is None:
            header = None
            continue
        if _SEPARATOR.match(raw):
            previous = _cells(lines[number - 2]) if number > 1 else None
            header = previous if previous and len(previous) == len(cells) else None
            continue
        if header is not None and len(cells) == len(header):
            text = " | ".join(f"{label}: {cell}" if label else cell for label, cell in zip(header, cells, strict=True)
                              if cell)
            out.append(Passage(text=text, starts=((0, number),)))
    return out
