"""How often External Secrets re-reads the store, as the plan states it (`External Secrets re-reads them every 30
minutes`, `External Secrets refreshes every 1h`, `refresh interval: 15m`): `secret_refresh_interval`, every
ExternalSecret's `refreshInterval`. Before, every ExternalSecret refreshed hourly whatever the plan said. A repository
that renders no ExternalSecret reports the statement."""
from __future__ import annotations

import re

from planforge.decide.context import Context
from planforge.decide.rules.statements import sentence_matches
from planforge.layout import load_layout

_UNIT = r"(?P<unit>s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b"
_REFRESH = re.compile(
    r"\b(?:external\s*secrets?(?:\s+operator)?|secrets?)\b[^.;]{0,60}?"
    r"\b(?:refresh(?:es|ed)?|re-?reads?|re-?read|re-?sync(?:s|ed)?|sync(?:s|ed)?|polls?|polled)\b[^.;]{0,20}?"
    r"\bevery\s+(?P<n>\d{1,4})\s*" + _UNIT
    + r"|\brefresh\s*interval\b\s*(?:of|is|:|=)?\s*(?P<n2>\d{1,4})\s*(?P<unit2>s|m|h|min|minutes?|hours?)\b", re.I)


def decide_secret_refresh(c: Context, structure: str) -> None:
    """Set `secret_refresh_interval` ("30m", "1h") from the first sentence stating it."""
    c.default("secret_refresh_interval", "", "the plan states no refresh interval: each ExternalSecret re-reads "
              "the store hourly")
    renders = structure in ("multi-tool", "multi-tenant") and (
        c.values.get("secrets_manager") in load_layout()["external_secret_stores"])
    for p, m in sentence_matches(c.plan, _REFRESH):
        line, words = p.line_at(m.start()), m.group(0)
        if not renders:
            c.unapplied(line, words, "this repository renders no ExternalSecret: nothing here re-reads a store")
            return
        number, unit = int(m.group("n") or m.group("n2")), (m.group("unit") or m.group("unit2")).lower()
        if number == 0:
            continue
        c.stated("secret_refresh_interval", f"{number}{unit[0]}", line, words)
        return
