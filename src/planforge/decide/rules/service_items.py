"""Applications a plan describes as a list item each, with what it says of them in the items below:

    - **Backend Cloud Run service**:
      - Port 8080
      - VPC connector for private Cloud SQL access

or, in a section of its applications (`## Services`, `## Applications`), after the name on the item's own line:

    - **ingest-api** — Go HTTP service, port 9000, health check `/livez`, public behind the ALB,
      2 to 10 tasks in production

read where the plan fills no Custom Applications (rules/workloads reads the statements)."""
from __future__ import annotations

import re

from planforge.decide.rules.statements import Passage
from planforge.plan.model import Section, plain

# the item's bold label: the application's name, up to three capitalised words (the runtime) and `service`
_SERVICE_ITEM = re.compile(r"^(\s*)[-*+]\s+\*\*([A-Za-z][\w-]{0,62}?)(?:\s+[A-Z][\w/-]*){0,3}\s+service\*\*\s*:?\s*$")
_ITEM = re.compile(r"^(\s*)[-*+]\s+(.*\S)")
# `- **ingest-api** — ...`, `- `reconcile`: ...`: a lowercase name, then a dash or colon and what it says of it
_NAMED_ITEM = re.compile(r"^(\s*)[-*+]\s+(?:\*\*|`)([a-z][a-z0-9-]{0,62})(?:\*\*|`)\s*(?:—|–|-|:)\s*(.*\S)")
_APPS_SECTION = re.compile(r"^(?:the\s+)?(?:services|applications|apps|workloads|containers)\b", re.I)


def service_items(lines: list[str]) -> dict[str, Passage]:
    """Application name (the label's first word, lowercased) -> the items below its own, a sentence each that starts
    with the name (a statement belongs to the application named last before it), with their plan lines."""
    blocks: dict[str, Passage] = {}
    for number, text in enumerate(lines, 1):
        m = _SERVICE_ITEM.match(text)
        if m is None or m.group(2).lower() in blocks:
            continue
        name = m.group(2).lower()
        parts, starts = [name], [(0, number)]
        for below, sub in enumerate(lines[number:], number + 1):
            item = _ITEM.match(sub)
            if sub.strip() and (item is None or len(item.group(1)) <= len(m.group(1))):
                break
            if item is not None:
                starts.append((len(". ".join(parts)) + 2, below))
                parts.append(f"{name} {plain(item.group(2)).rstrip('.')}")
        blocks[name] = Passage(text=". ".join(parts), starts=tuple(starts))
    return blocks


def section_items(lines: list[str], sections: list[Section]) -> dict[str, Passage]:
    """Application name -> what its item in a section of the plan's applications says (with the item's wrapped
    lines), as one sentence that starts with the name."""
    blocks: dict[str, Passage] = {}
    for section in sections:
        if not _APPS_SECTION.match(section.title.strip()):
            continue
        for number in range(section.line + 1, section.end_line + 1):
            m = _NAMED_ITEM.match(lines[number - 1])
            if m is None or m.group(2) in blocks:
                continue
            text, starts = f"{m.group(2)} {plain(m.group(3))}", [(0, number)]
            for below in range(number + 1, section.end_line + 1):
                sub = lines[below - 1]
                if not sub.strip() or _ITEM.match(sub) or len(sub) - len(sub.lstrip()) <= len(m.group(1)):
                    break
                starts.append((len(text) + 1, below))
                text += " " + plain(sub.strip())
            blocks[m.group(2)] = Passage(text=text, starts=tuple(starts))
    return blocks
