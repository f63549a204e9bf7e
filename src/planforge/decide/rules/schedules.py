"""A scheduled application's schedule as the plan writes it, read into a five-field cron expression in UTC:
`cron 0 3 * * *` (or in backticks or quotes; a table's `Schedule` column: `Schedule `0 3 * * *``), `nightly at 02:00`,
`nightly, 02:00 UTC`,
`daily at 3:30 UTC`, `03:00 UTC daily`, `hourly`, `every 15 minutes`."""
from __future__ import annotations

import re

_FIELD = r"[0-9*/?A-Za-z-]+(?:,[0-9*/?A-Za-z-]+)*"  # a cron field: commas only between its items
SCHEDULE = (rf"\b(?:cron|schedule)\s*+:?\s*+[`\"']?(?P<cron>[0-9*/-]+(?:,[0-9*/-]+)*(?:\s{_FIELD}){{4}})[`\"']?"
            r"|\b(?:nightly|daily|every\s++day|each\s++day)(?:\s++at|,)\s*+(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)"
            r"(?:\s*+UTC)?\b"
            r"|\b(?P<hour_first>[01]?\d|2[0-3]):(?P<minute_first>[0-5]\d)(?:\s*+UTC)?\s++(?:nightly|daily|every\s++day)\b"
            r"|\b(?P<hourly>hourly|every\s++hour)\b"
            r"|\bevery\s++(?P<every>[1-9]|[1-5]\d)\s++min(?:ute)?s\b")


def cron_of(m: re.Match[str]) -> str:
    """The cron expression of a SCHEDULE match."""
    if m.group("cron"):
        return " ".join(m.group("cron").split())
    if m.group("hour") or m.group("hour_first"):
        hour, minute = (m.group("hour"), m.group("minute")) if m.group("hour") else (m.group("hour_first"),
                                                                                   m.group("minute_first"))
        return f"{int(minute)} {int(hour)} * * *"
    if m.group("hourly"):
        return "0 * * * *"
    return f"*/{m.group('every')} * * * *"
