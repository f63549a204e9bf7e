"""Markdown table rows read with their column headers: a row of `| Service | Port | Probes |` becomes the passage
`Service: orders-api | Port: 8080 | Probes: liveness GET /healthz`, so the readers of per-service statements
(`port 8080`, `readiness /ready`) find in a table what a sentence would say."""
from __future__ import annotations

from planforge.decide.rules.statements import Passage
from planforge.plan.model import Plan, plain


def labelled_rows(plan: Plan) -> list[Passage]:
    """Each body row of the plan's tables (`Plan.tables`) as one passage, every cell preceded by its column's header;
    a row written with another number of cells than its header (the reader pads or cuts it), and Complexity
    Tracking's rows (justifications, never statements of the output), are left out."""
    out: list[Passage] = []
    for table in plan.tables:
        if "complexity" in table.section.lower() or len(table.rows) < 2:
            continue
        header = [plain(cell).strip() for cell in table.rows[0][1]]
        for line, cells in table.rows[1:]:
            if plan.lines[line - 1].strip().strip("|").count("|") + 1 != len(header):
                continue
            text = " | ".join(f"{label}: {cell}" if label else cell
                              for label, cell in zip(header, (plain(c).strip() for c in cells)) if cell)
            out.append(Passage(text=text, starts=((0, line),)))
    return out
