"""Applications a plan describes as a list item each, with what it says of them in the items below:

    - **Backend Cloud Run service**:
      - Port 8080
      - VPC connector for private Cloud SQL access

read where the plan fills no Custom Applications (rules/workloads reads the statements)."""
from __future__ import annotations

import re

from planforge.decide.rules.statements import Passage
from planforge.plan.model import plain

# the item's bold label: the application's name, up to three capitalised words (the runtime) and `service`
_SERVICE_ITEM = re.compile(r"^(\s*)[-*+]\s+\*\*([A-Za-z][\w-]{0,62}?)(?:\s+[A-Z][\w/-]*){0,3}\s+service\*\*\s*:?\s*$")
_ITEM = re.compile(r"^(\s*)[-*+]\s+(.*\S)")


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
