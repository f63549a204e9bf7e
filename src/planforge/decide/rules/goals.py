"""Goal rules: compliance, data residency, keys, per-environment sizing from the infrastructure rows' notes.

Availability, recovery and the database engine are figures (rules/figures.py)."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.data import basic_cloud, keywords, load
from planforge.decide.environments import environment_named, environment_rows
from planforge.plan.machines import DATABASE_CLASS_PREFIXES
from planforge.plan.model import Field

_ENVS_AFTER = r"([a-z/ ,-]+?)(?=,|;|\.|$| only)"  # `in dev/staging`, `in production only`
# an instance type with a digit before its dot (`t3.large`, `db.r6g.xlarge`); each part at most 63 characters
_INSTANCE_IN_ENVS = (r"\b((?:db\.)?[a-z](?=[a-z0-9-]{0,62}?\d)[a-z0-9-]{0,62}\.[a-z0-9]{1,63})\s+in\s+"
                     + _ENVS_AFTER)
# `Multi-AZ in production only`, `no Multi-AZ in dev or staging`; a clause naming its environment first says it of
# that one (`prod db.m6g.large Multi-AZ, 200 GB`)
_MULTI_AZ = re.compile(r"\b(?:(no|not|without)\s+)?multi-az\b(?:\s+in\s+" + _ENVS_AFTER + ")?", re.I)
_NAT_PER_AZ_IN_ENVS = r"nat gateway per az in " + _ENVS_AFTER + r"|per az in " + _ENVS_AFTER


_GOAL_FIELD = re.compile(r"compliance|security|regulat|residency|governance|privacy|data_protection")


def decide_goals(c: Context) -> None:
    """Compliance, residency and keys from Performance Goals, Constraints and a field of the plan's own about them
    (`Compliance`, `Security & Compliance`, `Data Residency`), then the rows' sizing."""
    p = c.plan
    fields = [f for f in p.fields if (f.key in ("performance_goals", "constraints") or _GOAL_FIELD.search(f.key))
              and not f.unresolved]
    compliance, comp_field = _compliance(c, fields)
    _data_residency(c, fields)
    _customer_managed_kms(c, fields, compliance, comp_field)
    _sizing(c)


def _compliance(c: Context, fields: list[Field]) -> tuple[list[str], Field | None]:
    """The compliance regimes named (data/keywords.yaml) and the first field naming one."""
    compliance: list[str] = []
    comp_field = None
    for f in fields:
        for name, rx in keywords().compliance.items():
            if re.search(rx, f.plain, re.I) and name not in compliance:
                compliance.append(name)
                comp_field = comp_field or f
    if compliance:
        c.from_field("compliance", compliance, comp_field)
    else:
        c.default("compliance", [], "no compliance regime named")
    return compliance, comp_field


def _data_residency(c: Context, fields: list[Field]) -> None:
    """A residency of data/regions.yaml the plan states: `data residency EU`, `data residency (in the EU)`, `EU(-only)
    data residency`, `EU-resident data`, `data must stay in the EU`, `all data in EU regions`, `EU regions only`. Residency words naming none of them
    (`strict data residency`, `data residency Germany`) are reported at their line, never read as one."""
    known = "|".join(load("regions.yaml")["residency"])
    found = tx.first_match(rf"data residency\s*+[(:=]?\s*+(?:in\s+|within\s+)?(?:the\s+)?({known})\b"
                           rf"|\b({known})(?:[- ](?:only|based))?\s+data[- ]residency\b"
                           rf"|\b({known})[- ](?:resident|hosted|only)\s+data\b"
                           rf"|\bdata\s+(?:must\s+|shall\s+|should\s+)?(?:be\s+)?(?:stays?|remains?|resides?|kept|stored)"
                           rf"\s+(?:in|within)\s+(?:the\s+)?({known})\b"
                           rf"|\ball\s+data\s+(?:(?:is|are|lives?|stays?)\s+)?(?:only\s+)?(?:in|within)\s+(?:the\s+)?"
                           rf"({known})(?![\w-])(?:\s+regions?)?"
                           rf"|\b({known})\s+regions?\s+only\b", fields)
    if found:
        m, f = found
        c.from_field("data_residency", next(g for g in m.groups() if g).lower(), f)
        return
    c.default("data_residency", "", "no data residency stated")
    said = tx.first_match(r"\bdata[- ]residency\b|\bresident data\b", fields)
    if said:  # residency without a place planforge knows: said, never dropped in silence
        m, f = said
        c.unapplied(f.line, m.group(0), f"names no residency planforge knows ({', '.join(load('regions.yaml')['residency'])}"
                    "): state it as `data residency EU` to keep every region there")


def _customer_managed_kms(c: Context, fields: list[Field], compliance: list[str], comp_field: Field | None) -> None:
    """KMS or customer-managed keys named, or required by any compliance regime."""
    kms = next((f for f in fields if re.search(r"\bkms\b|customer[- ]managed key|\bcmk\b", f.plain, re.I)), None)
    basic = basic_cloud(c.values.get("cloud", "none"))
    if (kms or compliance) and basic is not None:
        f = kms or comp_field
        c.unapplied(f.line, f.plain, basic["keys"])
        c.default("customer_managed_kms", False, f"no customer-managed keys on {basic['name']}")
        return
    if kms:
        c.from_field("customer_managed_kms", True, kms)
    elif compliance:
        c.from_field("customer_managed_kms", True, comp_field)
        c.provenance["customer_managed_kms"] = c.provenance["customer_managed_kms"].model_copy(
            update={"note": f"required by {', '.join(compliance)}"})
    else:
        c.default("customer_managed_kms", False, "no compliance regime requires customer-managed keys")


# --------------------------------------------------------------------------- sizing
def _envs_in(text: str, names: list[str]) -> list[str]:
    """The environments of `names` the words of `text` name (`production` names the plan's prod and production)."""
    words = re.split(tx.NOT_INSIDE_BLANKS + r"\s*(?:/|,|\band\b|\bor\b)\s*", text)
    return [n for n in (environment_named(w, names) for w in words) if n is not None]


def _sizing(c: Context) -> None:
    """One entry per environment; instance types, Multi-AZ and NAT per AZ from the infrastructure rows' notes.
    Node counts the plan does not state stay 0: the blueprint's per-environment defaults apply (2 in a highly
    available production)."""
    sizing = {e: EnvironmentSizing(name=e) for e in c.values["environments"]}
    line = None
    for module, row in c.modules:
        if _size_from_notes(sizing, module, tx.safe_text(row.notes)):
            line = line or row.line
    line = line or _per_column(c, sizing)
    if line:
        c.from_line("environment_sizing", list(sizing.values()), line)
    else:
        c.default("environment_sizing", list(sizing.values()), "one entry per environment; no sizing in the plan")


# an environments table's NAT row or column (`| NAT gateways | single NAT gateway | one per AZ |`): a cell asking for one
# per zone
_NAT_ROW = re.compile(r"\bnat\b", re.I)
_PER_ZONE = re.compile(r"\b(?:per|each|every)\s+(?:az|availability\s+zone|zone)\b|\bmulti-?az\b", re.I)
# an environments table's Multi-AZ database row or column (`| Multi-AZ DB | No | Yes |`): a cell saying yes
_MULTI_AZ_ROW = re.compile(r"\bmulti-?az\b", re.I)
_YES = re.compile(r"^\W*(?:yes|y|true|on|enabled|✓|✔|✅)\b", re.I)


def _per_column(c: Context, sizing: dict[str, EnvironmentSizing]) -> int | None:
    """NAT per zone and Multi-AZ databases in each environment whose cell of an environments table's NAT or Multi-AZ
    row (or column) asks for them; the first such row's line, None when no table has one."""
    first = None
    for row in environment_rows(c.plan, list(sizing)):
        field, said = ("nat_gateway_per_az", _PER_ZONE) if _NAT_ROW.search(row.label) else \
            ("multi_az", _YES) if _MULTI_AZ_ROW.search(row.label) else ("", None)
        if said is None or not row.cells:
            continue
        first = first or row.cells[0].line
        for cell in row.cells:
            if said.search(cell.text):
                setattr(sizing[cell.env], field, True)
                c.applied(cell.line, cell.text, f"environment_sizing.{cell.env}.{field}")
    return first


def _size_from_notes(sizing: dict[str, EnvironmentSizing], module: str, notes: str) -> bool:
    """Apply the sizing an infrastructure row's notes state per environment; whether they stated any."""
    stated = False
    for m in re.finditer(_INSTANCE_IN_ENVS, notes, re.I):
        kind = "db_instance_class" if m.group(1).lower().startswith(DATABASE_CLASS_PREFIXES) or module == "database" else "instance_type"
        for e in _envs_in(m.group(2), list(sizing)):
            if e in sizing:
                setattr(sizing[e], kind, m.group(1))
                stated = True
    for clause in notes.split(";"):
        for m in _MULTI_AZ.finditer(clause):
            first_word = re.match(r"\s*`?([A-Za-z][\w-]*)", clause)
            envs = _envs_in(m.group(2), list(sizing)) if m.group(2) else \
                _envs_in(first_word.group(1), list(sizing)) if first_word else []
            for e in envs:
                sizing[e].multi_az = not m.group(1)
                stated = True
    m = re.search(_NAT_PER_AZ_IN_ENVS, notes, re.I)
    if m and "nat" in notes.lower():
        for e in _envs_in(m.group(1) or m.group(2), list(sizing)):
            if e in sizing:
                sizing[e].nat_gateway_per_az = True
                stated = True
    return stated
