"""What a plan says of its managed database's settings beside its engine and size (a `### Database` section's bullets):
the ones the output builds are recorded, the others reported at their line with what the output does instead, never
dropped in silence (before: `Maintenance window Sunday 02:00 UTC`, `Extensions allow-listed: pgcrypto` and an
administrator password kept in Key Vault went unmentioned)."""
from __future__ import annotations

import re

from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.environments import is_production
from planforge.decide.rules.statements import sentence_matches

_GEO_BACKUP_PROD = re.compile(r"\bgeo[- ]redundant\s+backups?\b[^.;]{0,40}?\bprod(?:uction)?(?:\s+only)?\b", re.I)
# `Maintenance window Sunday 02:00 UTC`, `maintenance window: sun 2am UTC`, `Planned maintenance: once a week, Saturdays
# from 23:00 UTC`
_MAINTENANCE = re.compile(r"\bmaintenance(?:\s+window)?\b[^.;]{0,30}?\b(?P<day>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+"
                          r"(?:at\s+|from\s+)?(?P<hour>\d{1,2})(?::(?P<minute>[0-5]\d))?\s*(?P<half>am|pm)?"
                          r"(?:\s*[-–]\s*\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?(?P<zone>\s*(?:UTC|GMT|Z)\b)?", re.I)
_MAINTENANCE_CLOUDS = ("aws", "azure")  # the database modules that take a window
# `Extensions allow-listed: `pgcrypto`, `uuid-ossp``
_EXTENSIONS = re.compile(r"\bextensions?\b[^.;]{0,20}?\b(?:allow[- ]?listed|may\s+be\s+enabled|(?:are\s+)?allowed)\b:?"
                         r"(?P<names>[^.;]{0,120})"
                         r"|\ballow[- ]?listed\s+extensions?\b:?(?P<names2>[^.;]{0,120})", re.I)
_EXTENSION_NAME = re.compile(r"[a-z][a-z0-9_-]{0,62}")
# (pattern, cloud -> why ("*": any cloud), the answer that carries it when set)
_REPORTED: tuple[tuple[re.Pattern[str], dict[str, str], str], ...] = (
    (re.compile(r"\bmaintenance\s+window\b[^.;]{0,60}|" + _MAINTENANCE.pattern, re.I), {
        "aws": "the database module keeps its maintenance window, sun:04:00-sun:05:00 UTC: set maintenance_window "
               "in the module to yours",
        "*": "the database takes the cloud's default maintenance window: set the server's maintenance window to "
             "yours in the database module"}, "database_maintenance"),
    (_EXTENSIONS, {
        "azure": "no extension is allow-listed: add an azurerm_postgresql_flexible_server_configuration named "
                 "azure.extensions with them (upper case, comma-separated) in the database module",
        "*": "planforge creates no extension: create them in the database (CREATE EXTENSION) where the engine allows "
             "them"}, "database_extensions"),
    (re.compile(r"\b(?:admin(?:istrator)?|master)\s+password\b[^.;]{0,80}", re.I), {
        "azure": "the server takes Microsoft Entra ID sign-in only (password authentication is off): there is no "
                 "administrator password to keep; the README's database steps add the administrators and roles"}, ""),
    (re.compile(r"\bprivate\s+DNS\s+zone\s+`?privatelink\.postgres\.database\.azure\.com`?", re.I), {
        "azure": "the private DNS zone is named after the network (<name>.private.postgres.database.azure.com): a "
                 "flexible server in a delegated subnet takes a zone of its own there"}, ""),
)


def decide_database_settings(c: Context) -> None:
    """Set the maintenance window and extensions the database modules take, record the other settings the output
    builds as stated, and report the rest."""
    c.default("database_maintenance", "", "no maintenance window stated: the database module's (AWS) or the cloud's")
    c.default("database_extensions", [], "no extensions stated")
    cloud = c.values.get("cloud", "none")
    if not c.values.get("database_engine") or c.values.get("iac_tool", "none") == "none":
        return
    sizing: list[EnvironmentSizing] = c.values.get("environment_sizing") or []
    for p, m in sentence_matches(c.plan, _GEO_BACKUP_PROD):
        if cloud == "azure" and not any(s.multi_az for s in sizing if not is_production(s.name)):
            # production's server is zone-redundant with geo-redundant backups (multi_az), the others neither
            c.applied(p.line_at(m.start()), m.group(0), "environment_sizing.multi_az")
    if cloud in _MAINTENANCE_CLOUDS:
        _maintenance(c)
    if cloud == "azure" and c.values.get("database_engine") == "postgres":
        _extensions(c)
    for pattern, why, answer in _REPORTED:
        reason = why.get(cloud) or why.get("*")
        if reason is None or (answer and c.values.get(answer)):
            continue
        for p, m in sentence_matches(c.plan, pattern):
            said = reason if answer != "database_maintenance" or not _of_cluster(p.text, m) else _CLUSTER_WINDOW
            c.unapplied(p.line_at(m.start()), m.group(0).strip(" ,:`"), said)


# what a sentence names before a maintenance window: the Kubernetes cluster's (`**Kubernetes**: DOKS 1.31, ...,
# maintenance window Sunday 03:00 UTC`), unless it names the database too
_CLUSTER_WORDS = re.compile(r"\b(?:kubernetes|k8s|eks|aks|gke|doks|oke|cluster|control\s+plane|node\s*pools?|nodes)\b", re.I)
_DATABASE_WORDS = re.compile(r"\b(?:database|db|rds|aurora|postgres\w*|mysql|sql|flexible\s+server)\b", re.I)
_CLUSTER_WINDOW = ("the Kubernetes cluster keeps its service's default maintenance window (planforge sets none): set "
                   "the cluster module's maintenance policy to yours")


def _of_cluster(text: str, m: re.Match[str]) -> bool:
    """Whether the sentence of a maintenance window `m` speaks of the cluster, not the database."""
    sentence = re.split(r"[.;]\s", text[:m.start()])[-1] + m.group(0)
    return bool(_CLUSTER_WORDS.search(sentence)) and not _DATABASE_WORDS.search(sentence)


def _maintenance(c: Context) -> None:
    """`database_maintenance` from the first sentence stating a weekly window in UTC (or with no zone) of the
    database (one of the cluster's is not)."""
    for p, m in sentence_matches(c.plan, _MAINTENANCE):
        if _of_cluster(p.text, m):
            continue
        hour = int(m.group("hour")) % 12 + (12 if (m.group("half") or "").lower() == "pm" else 0) \
            if m.group("half") else int(m.group("hour"))
        if hour > 23 or re.match(r"\s*(?:[A-Z]{1,3}T\b|[+-]\d)", p.text[m.end():]) and not m.group("zone"):
            continue  # not a time, or in another time zone: reported
        when = f"{m.group('day').lower()[:3]}:{hour:02d}:{m.group('minute') or '00'}"
        c.stated("database_maintenance", when, p.line_at(m.start()), m.group(0))
        return


def _extensions(c: Context) -> None:
    """`database_extensions` from the first sentence allow-listing extensions."""
    for p, m in sentence_matches(c.plan, _EXTENSIONS):
        words = (m.group("names") or m.group("names2") or "").replace("`", " ")
        names = list(dict.fromkeys(n for n in _EXTENSION_NAME.findall(words.lower()) if n not in ("and", "or")))
        if names:
            c.stated("database_extensions", names, p.line_at(m.start()), m.group(0))
            return
