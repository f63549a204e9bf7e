"""Goal rules: availability, recovery point, backups, compliance, data residency, keys, per-environment sizing."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.data import keywords
from planforge.decide.rules.scope import env_name, is_env_name
from planforge.plan.model import ComponentRow, Field

_UPTIME = (r"(\d{2,3}(?:\.\d+)?)\s*%\s*(?:uptime|availability|sla)"
           r"|(?:uptime|availability|sla)\D{0,20}(\d{2,3}(?:\.\d+)?)\s*%")
_RPO = r"\brpo\s*+(?:<|≤|<=|=|:|of|under)?\s*+(\d+(?:\.\d+)?)\s*+(minutes?|mins?|m|hours?|hrs?|h|days?|d)\b"
_RETENTION = r"(?<!\d)(\d+)[- ]days?\s++(?:backup\s++)?retention|retention\s*+(?:of|:)?\s*+(\d+)\s*+days?"
_ENVS_AFTER = r"([a-z/ ,-]+?)(?=,|;|\.|$| only)"  # `in dev/staging`, `in production only`
# an instance type with a digit before its dot (`t3.large`, `db.r6g.xlarge`); each part at most 63 characters
_INSTANCE_IN_ENVS = (r"\b((?:db\.)?[a-z](?=[a-z0-9-]{0,62}?\d)[a-z0-9-]{0,62}\.[a-z0-9]{1,63})\s+in\s+"
                     + _ENVS_AFTER)
_MULTI_AZ_IN_ENVS = r"multi-az\s+in\s+" + _ENVS_AFTER
_NAT_PER_AZ_IN_ENVS = r"nat gateway per az in " + _ENVS_AFTER + r"|per az in " + _ENVS_AFTER


def decide_goals(c: Context) -> None:
    """Performance Goals and Constraints, then the sizing the infrastructure rows' notes give."""
    p = c.plan
    fields = [f for f in (p.field("performance_goals"), p.field("constraints")) if f is not None and not f.unresolved]
    _high_availability(c, fields)
    _rpo(c, fields)
    _backup_retention(c)
    compliance, comp_field = _compliance(c, fields)
    _data_residency(c, fields)
    _customer_managed_kms(c, fields, compliance, comp_field)
    _sizing(c)
    _database_engine(c)
    for name, value, note in (("rto_minutes", 0, "no RTO stated"), ("uptime", "", "no uptime target stated"),
                              ("max_pods", 0, "no pod count stated"),
                              ("database_storage_gb", 0, "no database storage size stated")):
        c.default(name, value, note)


def _high_availability(c: Context, fields: list[Field]) -> None:
    found = tx.first_match(_UPTIME, fields)
    if found:
        m, f = found
        c.from_field("high_availability", float(m.group(1) or m.group(2)) >= 99.9, f)
        return
    c.default("high_availability", False, "no uptime target of 99.9% or more")


def _rpo(c: Context, fields: list[Field]) -> None:
    found = tx.first_match(_RPO, fields)
    if found:
        m, f = found
        unit = m.group(2).lower()
        factor = 1 if unit.startswith("m") else 60 if unit.startswith("h") else 1440
        c.from_field("rpo_minutes", int(float(m.group(1)) * factor), f)
        return
    c.default("rpo_minutes", 0, "no RPO stated")


def _backup_retention(c: Context) -> None:
    """`7-day retention` in any context field, at most 35 days."""
    found = tx.first_match(_RETENTION, c.plan.fields)
    if found:
        m, f = found
        c.from_field("backup_retention_days", min(35, int(m.group(1) or m.group(2))), f)
        return
    c.default("backup_retention_days", 7, "7 days (provider default) when the plan states none")


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
    found = tx.first_match(r"data residency\s*+(?:in|:|=)?\s*+(?:the\s+)?([A-Za-z]{2,20})", fields)
    if found:
        m, f = found
        c.from_field("data_residency", m.group(1).lower(), f)
        return
    c.default("data_residency", "", "no data residency stated")


def _customer_managed_kms(c: Context, fields: list[Field], compliance: list[str], comp_field: Field | None) -> None:
    """KMS or customer-managed keys named, or required by any compliance regime."""
    kms = next((f for f in fields if re.search(r"\bkms\b|customer[- ]managed key|\bcmk\b", f.plain, re.I)), None)
    if kms:
        c.from_field("customer_managed_kms", True, kms)
    elif compliance:
        c.from_field("customer_managed_kms", True, comp_field)
        c.provenance["customer_managed_kms"] = c.provenance["customer_managed_kms"].model_copy(
            update={"note": f"required by {', '.join(compliance)}"})
    else:
        c.default("customer_managed_kms", False, "no compliance regime requires customer-managed keys")


# --------------------------------------------------------------------------- sizing
def _envs_in(text: str) -> list[str]:
    words = re.split(tx.NOT_INSIDE_BLANKS + r"\s*(?:/|,|\band\b)\s*", text)
    return [n for n in (env_name(w) for w in words) if is_env_name(n)]


def _sizing(c: Context) -> None:
    """One entry per environment; instance types, Multi-AZ and NAT per AZ from the infrastructure rows' notes.
    Node counts the plan does not state stay 0: the blueprint's per-environment defaults apply (2 in a highly
    available production)."""
    sizing = {e: EnvironmentSizing(name=e) for e in c.values["environments"]}
    line = None
    for module, row in c.modules:
        if _size_from_notes(sizing, module, tx.safe_text(row.notes)):
            line = line or row.line
    if line:
        c.from_line("environment_sizing", list(sizing.values()), line)
    else:
        c.default("environment_sizing", list(sizing.values()), "one entry per environment; no sizing in the plan")


def _size_from_notes(sizing: dict[str, EnvironmentSizing], module: str, notes: str) -> bool:
    """Apply the sizing an infrastructure row's notes state per environment; whether they stated any."""
    stated = False
    for m in re.finditer(_INSTANCE_IN_ENVS, notes, re.I):
        kind = "db_instance_class" if m.group(1).startswith("db.") or module == "database" else "instance_type"
        for e in _envs_in(m.group(2)):
            if e in sizing:
                setattr(sizing[e], kind, m.group(1))
                stated = True
    m = re.search(_MULTI_AZ_IN_ENVS, notes, re.I)
    if m:
        for e in _envs_in(m.group(1)):
            if e in sizing:
                sizing[e].multi_az = True
                stated = True
    m = re.search(_NAT_PER_AZ_IN_ENVS, notes, re.I)
    if m and "nat" in notes.lower():
        for e in _envs_in(m.group(1) or m.group(2)):
            if e in sizing:
                sizing[e].nat_gateway_per_az = True
                stated = True
    return stated


def _database_engine(c: Context) -> None:
    """Engine and version from a Database row (`PostgreSQL 16` -> postgres, 16), else a Storage/Database field."""
    engine, version, line = _engine_of_rows(c.modules)
    if not engine:
        for f in [f for f in c.plan.fields if f.key in ("storage", "database") and not f.unresolved]:
            em = re.search(r"(postgres(?:ql)?|mysql|mariadb)\s*(\d+(?:\.\d+)?)?", f.plain, re.I)
            if em:
                engine, version, line = _engine_name(em.group(1)), em.group(2) or "", f.line
                break
    if engine:
        c.from_line("database_engine", engine, line)
        if version:
            c.from_line("database_version", version, line)
        else:
            c.default("database_version", "", "no database version in the plan")
    else:
        c.default("database_engine", "", "no database in the plan")
        c.default("database_version", "", "no database in the plan")


def _engine_of_rows(modules: list[tuple[str, ComponentRow]]) -> tuple[str, str, int | None]:
    """(engine, version, line) the database rows name: the first engine and first version found."""
    engine = version = ""
    line = None
    for module, row in modules:
        if module != "database":
            continue
        for text in (tx.safe_text(row.notes), row.name):
            for em in re.finditer(r"(postgres(?:ql)?|mysql|mariadb|aurora)\s*(\d+(?:\.\d+)?)?", text, re.I):
                engine = engine or _engine_name(em.group(1))
                version = version or (em.group(2) or "")
                line = row.line
    return engine, version, line


def _engine_name(word: str) -> str:
    return {"postgresql": "postgres"}.get(word.lower(), word.lower())
