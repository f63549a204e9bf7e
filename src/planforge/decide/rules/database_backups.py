"""Where a production database's backups are kept: Azure's highly available PostgreSQL copies them to the pair of its
region (geo-redundant backups), which a plan can rule out (`no geo-redundant backup`, a databases table's
`Geo-redundant backup` column saying `no` for production, `all patient data stays in westeurope`): then
`database_backups_in_region` keeps them in the region. Before, production's backups and a Key Vault for their key were
placed in the paired region whatever the plan said, against its data residency."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planforge.decide.context import Context
from planforge.decide.environments import environment_rows, is_production
from planforge.plan.model import plain

if TYPE_CHECKING:
    from planforge.decide.rules.statements import Statement

# a databases table's column of geo-redundant backups (`| Env | SKU | ... | Geo-redundant backup |`)
_GEO_COLUMN = re.compile(r"^\W*geo[- ]?(?:redundant\s+)?backups?\W*$", re.I)
_NO = re.compile(r"^\W*(?:no|none|off|disabled|false)\b", re.I)
# where a statement keeps the data: a region word, or the region the plan deploys to
_IN_REGION = re.compile(r"\bin\s++(?:the\s++|its\s++|one\s++|a\s++single\s++)?(?:same\s++)?(?P<where>[\w-]+)\s*$", re.I)


def decide_backups_in_region(c: Context, structure: str, s: Statement) -> None:
    """A statement keeping the database's backups (or all data) in the region: production's backups stay there."""
    m = _IN_REGION.search(s.words)
    where = m.group("where").lower() if m is not None else "region"
    if where not in ("region", str(c.values.get("region", "")).lower()) and not s.words.lower().startswith(("no ", "geo")):
        return  # data kept in another place than the deployment region: not a statement about backup copies
    _keep_in_region(c, s.line, s.words)


def decide_backups_column(c: Context) -> None:
    """A databases table's `Geo-redundant backup` column saying `no` for production (`no (GDPR: stay in westeurope)`)."""
    for row in environment_rows(c.plan, c.values.get("environments", [])):
        if not _GEO_COLUMN.match(plain(row.label)):
            continue
        for cell in row.cells:
            if is_production(cell.env) and _NO.match(plain(cell.text)):
                _keep_in_region(c, cell.line, plain(cell.text))


def _keep_in_region(c: Context, line: int, words: str) -> None:
    if c.values.get("cloud") != "azure":
        c.unapplied(line, words, "planforge copies backups to another region only on Azure (geo-redundant "
                    "PostgreSQL backups); elsewhere they stay where the provider keeps them by default")
        return
    if not c.values.get("database_backups_in_region"):
        c.stated("database_backups_in_region", True, line, words)
    else:
        c.applied(line, words, "database_backups_in_region")
