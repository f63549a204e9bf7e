"""A scheduled application's schedule as the plan writes it, read into a five-field cron expression in UTC:
`cron 0 3 * * *` (or in backticks or quotes), `nightly at 02:00`, `daily at 3:30 UTC`, `hourly`, `every 15 minutes`."""
from __future__ import annotations

import re

_FIELD = r"[0-9*/?A-Za-z-]+(?:,[0-9*/?A-Za-z-]+)*"  # a cron field: commas only between its items
SCHEDULE = (rf"\bcron\s*+:?\s*+[`\"']?(?P<cron>[0-9*/-]+(?:,[0-9*/-]+)*(?:\s{_FIELD}){{4}})[`\"']?"
            r"|\b(?:nightly|daily|every\s++day|each\s++day)\s++at\s++(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)"
            r"(?:\s*+UTC)?\b"
            r"|\b(?P<hourly>hourly|every\s++hour)\b"
            r"|\bevery\s++(?P<every>[1-9]|[1-5]\d)\s++min(?:ute)?s\b")


def cron_of(m: re.Match[str]) -> str:
    """The cron expression of a SCHEDULE match."""
    if m.group("cron"):
        return " ".join(m.group("cron").split())
    if m.group("hour"):
        return f"{int(m.group('minute'))} {int(m.group('hour'))} * * *"
    if m.group("hourly"):
        return "0 * * * *"
    return f"*/{m.group('every')} * * * *"
