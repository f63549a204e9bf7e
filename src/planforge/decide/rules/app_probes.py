"""How an applications table says an application is checked when not over HTTP: a `Health` (`Probes`) cell `TCP 9000`
gives it a TCP probe on its port (`tcp_probe`), one naming a command (`none (exec probe /app/healthcheck)`) an exec
probe running it (`probe_command`; a worker with no port gets its liveness probe from it). Before, tracking-ws was
probed with HTTP GET /healthz on a WebSocket port that serves no such path (restarted until it crash-looped), and
billing-worker's command was dropped."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.plan.model import plain

_HEALTH_HEADER = re.compile(r"^\W*(?:health(?:\s*checks?)?|probes?|liveness(?:\s+probe)?)\W*$", re.I)
_TCP = re.compile(r"^\W*tcp(?:\s+(?:socket|probe|check))?(?:\s+(?:on\s+)?(?:port\s+)?\d{2,5})?(?![\w/])", re.I)
_EXEC = re.compile(r"\bexec(?:\s+probe)?\s*:?\s*`?(/[\w./-]{1,120}(?:\s+[\w./=-]{1,60}){0,4}?)`?(?=[)`\s,;]|$)", re.I)


def decide_app_probes(c: Context, structure: str) -> None:
    """Set `tcp_probe` and `probe_command` of the Kustomize applications an applications table's health cells name."""
    apps: list[Service] = list(c.values.get("apps") or [])
    found: dict[str, dict[str, object]] = {}
    for table in c.plan.tables if apps else []:
        header = [plain(cell).strip() for cell in table.rows[0][1]] if table.rows else []
        column = next((k for k, h in enumerate(header) if k and _HEALTH_HEADER.match(h)), None)
        for line, cells in table.rows[1:] if column is not None else []:
            named = tx.names_in([a.name for a in apps], plain(cells[0])) if cells else []
            cell = plain(cells[column]).strip() if column < len(cells) else ""
            command, tcp = _EXEC.search(cell), _TCP.match(cell)
            if len(named) != 1 or not (command or tcp) or named[0] in found:
                continue
            words = command.group(0) if command else tcp.group(0)
            if structure != "multi-tool":
                c.unapplied(line, words, "the probes of a chart service are HTTP GET on its health path; set its "
                            "probe in the chart's values")
                continue
            found[named[0]] = {"probe_command": command.group(1)} if command else {"tcp_probe": True}
            c.applied(line, words, f"apps.{named[0]}.{'probe_command' if command else 'tcp_probe'}")
    if found:
        c.values["apps"] = [a.model_copy(update=found[a.name]) if a.name in found else a for a in apps]
