"""NAT gateway statements (docs/decisions.md, "Statements"): how many NAT gateways each environment's network gets.

planforge gives production one NAT gateway per zone and every other environment one. `a single NAT gateway` caps
production too; `staging and prod get one NAT gateway per AZ` gives the environments it names one per zone; `no NAT
gateway` is refused (rules/statements.py)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planforge.decide.context import Context
from planforge.decide.environments import environment_named, environment_rows, is_env_name, is_production
from planforge.layout import load_layout

if TYPE_CHECKING:
    from planforge.decide.rules.statements import Statement

# where a clause about other environments ends (`dev uses a single NAT gateway; staging and prod get one per AZ`)
_CLAUSE_END = re.compile(r";|\bbut\b|\bwhile\b|\bwhereas\b", re.I)
# the environments a statement names after its words (`per AZ in staging and prod`)
_IN_ENVIRONMENTS = re.compile(r"\s*(?:in|for)\s+((?:the\s+)?[a-z][\w-]*(?:\s*(?:,|and|&|/)\s*[a-z][\w-]*){0,5})", re.I)


def _no_network(c: Context, structure: str) -> bool:
    return structure == "helm-chart" or c.values.get("cloud") not in load_layout()["terraform_clouds"]


def single_nat_gateway(c: Context, structure: str, s: Statement) -> None:
    """One NAT gateway per environment, production's too (planforge gives production one per zone by default). Said
    of other environments only (`Dev: a single NAT gateway`, a dev column's cell), it is what they get already."""
    if _no_network(c, structure):
        c.applied(s.line, s.words, "structure")  # no network is generated: no NAT gateway to count
        return
    meant = environments_meant(c, s)
    if meant and not any(is_production(e) for e in meant):
        c.applied(s.line, s.words, "single_nat_gateway")  # an environment other than production has one already
        return
    c.stated("single_nat_gateway", True, s.line, s.words)


def nat_gateway_per_zone(c: Context, structure: str, s: Statement) -> None:
    """A NAT gateway per zone in the environments the statement names (`staging and prod get one NAT gateway per
    AZ`), every environment when it names none."""
    if _no_network(c, structure):
        c.applied(s.line, s.words, "structure")
        return
    sizing = c.values.get("environment_sizing", [])
    meant = _environments_after(c, s) or environments_meant(c, s) or [e.name for e in sizing]
    c.values["environment_sizing"] = [e.model_copy(update={"nat_gateway_per_az": True}) if e.name in meant else e
                                      for e in sizing]
    for env in meant:
        c.applied(s.line, s.words, f"environment_sizing.{env}.nat_gateway_per_az")


def _environments_after(c: Context, s: Statement) -> list[str]:
    """The environments named right after the statement's words (`one NAT gateway per AZ in production`)."""
    at = s.sentence.lower().find(s.words.lower())
    m = _IN_ENVIRONMENTS.match(s.sentence[at + len(s.words):]) if at >= 0 else None
    return _environments_in(c, m.group(1)) if m else []


def environments_meant(c: Context, s: Statement) -> list[str]:
    """The plan's environments a statement is said of: its cell's column in an environments table (`| NAT gateways |
    single NAT gateway | one per AZ |` under `| | dev | prod |`), else the ones its clause names before its words
    (`Dev is smaller on purpose: a single NAT gateway`; `dev uses one NAT gateway; staging and prod get one per AZ`
    means staging and prod); none when it is said of all."""
    envs = c.values.get("environments", [])
    row = next((r for r in environment_rows(c.plan, envs) if r.at(s.line)), None)
    if row is not None:
        return [cell.env for cell in row.cells if cell.line == s.line and s.words.lower() in cell.text.lower()]
    at = s.sentence.lower().find(s.words.lower())
    return _environments_in(c, _CLAUSE_END.split(s.sentence[:at] if at >= 0 else "")[-1])


def _environments_in(c: Context, text: str) -> list[str]:
    """The plan's environments the words of `text` name, in order, once each."""
    envs = c.values.get("environments", [])
    return list(dict.fromkeys(named for w in re.findall(r"[a-z][a-z-]*", text, re.I)
                              if is_env_name(w) and (named := environment_named(w, envs))))

