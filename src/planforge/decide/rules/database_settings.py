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
# (pattern, cloud -> why; "*" for any cloud)
_REPORTED: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (re.compile(r"\bmaintenance\s+window\b[^.;]{0,60}", re.I), {
        "aws": "the database module keeps its maintenance window, sun:04:00-sun:05:00 UTC: set maintenance_window "
               "in the module to yours",
        "*": "the database takes the cloud's default maintenance window: set the server's maintenance window to "
             "yours in the database module"}),
    (re.compile(r"\bextensions?\b[^.;]{0,20}?\ballow[- ]?listed\b[^.;]{0,80}|\ballow[- ]?listed\s+extensions?\b[^.;]{0,80}",
                re.I), {
        "azure": "no extension is allow-listed: add an azurerm_postgresql_flexible_server_configuration named "
                 "azure.extensions with them (upper case, comma-separated) in the database module",
        "*": "planforge creates no extension: create them in the database (CREATE EXTENSION) where the engine allows "
             "them"}),
    (re.compile(r"\b(?:admin(?:istrator)?|master)\s+password\b[^.;]{0,80}", re.I), {
        "azure": "the server takes Microsoft Entra ID sign-in only (password authentication is off): there is no "
                 "administrator password to keep; the README's database steps add the administrators and roles"}),
    (re.compile(r"\bprivate\s+DNS\s+zone\s+`?privatelink\.postgres\.database\.azure\.com`?", re.I), {
        "azure": "the private DNS zone is named after the network (<name>.private.postgres.database.azure.com): a "
                 "flexible server in a delegated subnet takes a zone of its own there"}),
)


def decide_database_settings(c: Context) -> None:
    """Record the settings of the managed database the output builds as stated, and report the others."""
    cloud = c.values.get("cloud", "none")
    if not c.values.get("database_engine") or c.values.get("iac_tool", "none") == "none":
        return
    sizing: list[EnvironmentSizing] = c.values.get("environment_sizing") or []
    for p, m in sentence_matches(c.plan, _GEO_BACKUP_PROD):
        if cloud == "azure" and not any(s.multi_az for s in sizing if not is_production(s.name)):
            # production's server is zone-redundant with geo-redundant backups (multi_az), the others neither
            c.applied(p.line_at(m.start()), m.group(0), "environment_sizing.multi_az")
    for pattern, why in _REPORTED:
        reason = why.get(cloud) or why.get("*")
        if reason is None:
            continue
        for p, m in sentence_matches(c.plan, pattern):
            c.unapplied(p.line_at(m.start()), m.group(0).strip(" ,:`"), reason)
