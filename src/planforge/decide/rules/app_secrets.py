"""The secret environment variables a helm-chart plan's services read (`OPENAI_API_KEY`, `BETTER_AUTH_SECRET`): from a
`kubectl create secret generic NAME --from-literal=KEY=...` command the plan shows (its name is the Secret's), a line
describing the chart's Secret manifest (`secret-template.yaml: DATABASE_URL, OPENAI_API_KEY`), or the items under a
`Required secrets` line. The services read them from that existing Secret (`app_secret`, created outside the
repository: the README says how); DATABASE_URL stays the database Secret's where the chart has one."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context
from planforge.plan.model import plain

_ENV_VAR = r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+"
_CREATE = re.compile(r"\bkubectl\s+create\s+secret\s+generic\s+([a-z0-9][a-z0-9.-]{0,252})")
_LITERAL = re.compile(rf"--from-(?:literal|file)=({_ENV_VAR})=")
_MANIFEST = re.compile(r"(?<![\w.-])(?:[a-z0-9-]+-)?secrets?(?:-template)?\.ya?ml\b")
# an environment variable named in prose (`DATABASE_URL`, in backticks or not)
VARIABLE = re.compile(rf"(?<![\w-])`?({_ENV_VAR})`?(?![\w-])")
_REQUIRED = re.compile(r"\brequired\s+secrets\b", re.I)
_ITEM = re.compile(rf"^(\s*)[-*+]\s+`?({_ENV_VAR})`?")
# a database server's own variables (`POSTGRES_PASSWORD` of a database chart's Secret): no service reads them
_SERVER_VAR = re.compile(r"^(?:POSTGRES|MYSQL|MARIADB|PG)[A-Z]*_")


def _service_keys(keys: list[str]) -> list[str]:
    return [k for k in dict.fromkeys(keys) if not _SERVER_VAR.match(k)]


def decide_app_secrets(c: Context, structure: str) -> None:
    """Set `app_secret` and `app_secret_keys` from the plan's statements of its services' secret variables."""
    name, keys, line = _created(c) or _described(c) or ("", [], 0)
    if not keys:
        c.default("app_secret", "", "the plan names no secret variable of its services")
        c.default("app_secret_keys", [], "the plan names no secret variable of its services")
        return
    if structure != "helm-chart" or not c.values.get("services"):
        c.default("app_secret", "", "no chart of this repository's own reads it")
        c.default("app_secret_keys", [], "no chart of this repository's own reads it")
        c.unapplied(line, ", ".join(keys), "secret variables are read by a helm-chart repository's services; "
                    "here each application's Secret holds its own (README)")
        return
    database = c.values.get("storage") or c.values.get("database_secret")
    if database and "DATABASE_URL" in keys:
        keys = [k for k in keys if k != "DATABASE_URL"]  # the chart's database Secret gives it
    prov = Provenance(source="plan", line=line, text=tx.quote(c.line_text(line)))
    c.set("app_secret", name or f"{c.values['chart_name']}-secrets", prov)
    c.set("app_secret_keys", keys, prov)
    c.applied(line, ", ".join(keys), "app_secret_keys")


def _created(c: Context) -> tuple[str, list[str], int] | None:
    """The first `kubectl create secret generic` command with variables, its continuation lines joined."""
    lines = c.plan.lines
    for number, raw in enumerate(lines, 1):
        m = _CREATE.search(raw)
        if m is None:
            continue
        command, at = raw, number
        while command.rstrip().endswith("\\") and at < len(lines):
            command, at = command.rstrip()[:-1] + " " + lines[at], at + 1
        keys = _service_keys(_LITERAL.findall(command))
        if keys:
            return m.group(1), keys, number
    return None


def _described(c: Context) -> tuple[str, list[str], int] | None:
    """The variables a line describing the chart's Secret manifest lists, or the items under `Required secrets`."""
    lines = c.plan.lines
    for number, raw in enumerate(lines, 1):
        text = plain(raw)
        if _MANIFEST.search(raw):
            keys = _service_keys(VARIABLE.findall(raw[_MANIFEST.search(raw).end():]))
            if keys:
                return "", keys, number
        if _REQUIRED.search(text):
            keys = _service_keys(_items_below(lines, number))
            if keys:
                return "", keys, number
    return None


def _items_below(lines: list[str], number: int) -> list[str]:
    """The variables naming the list items right below plan line `number` (`- `OPENAI_API_KEY` (for AI chatbot)`)."""
    keys: list[str] = []
    for below in lines[number:]:
        m = _ITEM.match(below)
        if m is not None:
            keys.append(m.group(2))
        elif below.strip() and not re.match(r"^\s*[-*+]\s", below):
            break
    return keys
