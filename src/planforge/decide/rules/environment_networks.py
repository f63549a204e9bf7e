"""Each environment's own address space, from an environments table's row of them (`| VPC CIDR | 10.40.0.0/16 |
10.50.0.0/16 |`): `environment_sizing[].network_cidr`, checked as the repository-wide one is (rules/network)."""
from __future__ import annotations

import re

from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.environments import environment_named
from planforge.decide.rules.network import why_not
from planforge.decide.rules.table_rows import labelled_rows

# an environments table's row of address spaces (`VPC CIDR | staging: 10.40.0.0/16 | production: 10.50.0.0/16`), its
# label maybe after its column's header (`Setting: VPC CIDR | ...`)
_NETWORK_ROW = re.compile(r"^(?:[^|:]{1,40}:\s*+)?(?:vpc|vnet|virtual network|network)\s*(?:cidrs?|address(?:es)?"
                          r"(?: space)?|ranges?|blocks?)?\s*\|", re.I)
_ENVIRONMENT_CIDR = re.compile(r"\|\s*([a-z][a-z0-9-]{0,20}):\s*`?(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})`?\s*(?=\||$)", re.I)


def decide_environment_networks(c: Context, structure: str) -> None:
    """Each environment's own address space from an environments table's row of them (`| VPC CIDR | 10.40.0.0/16 |
    10.50.0.0/16 |`): `environment_sizing[].network_cidr`, where the layout allows one per environment; else each
    cell is reported with why not."""
    envs = c.values.get("environments", [])
    stated: dict[str, str] = {}
    for row in labelled_rows(c.plan):
        if not _NETWORK_ROW.match(row.text):
            continue
        line = row.line_at(0)
        for m in _ENVIRONMENT_CIDR.finditer(row.text):
            env = environment_named(m.group(1), envs)
            if env is None or env in stated:
                continue
            why = why_not(c, structure, [m.group(2)], per_environment=True)
            if why:
                c.unapplied(line, m.group(2), f"{env}'s network takes the blueprint's address space ({why})")
                continue
            stated[env] = m.group(2)
            c.applied(line, m.group(2), f"environment_sizing.{env}.network_cidr")
    if stated:
        sizing: list[EnvironmentSizing] = c.values["environment_sizing"]
        c.values["environment_sizing"] = [s.model_copy(update={"network_cidr": stated[s.name]}) if s.name in stated
                                          else s for s in sizing]
        c.add_note("environment_sizing", "networks " + ", ".join(f"{env} {cidr}" for env, cidr in stated.items()))
