"""Each environment's own address space, from an environments table's row or column of them (`| VPC CIDR | 10.40.0.0/16 |
10.50.0.0/16 |`): `environment_sizing[].network_cidr`, checked as the repository-wide one is (rules/network)."""
from __future__ import annotations

import re

from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.environments import environment_rows
from planforge.decide.rules.network import why_not

# what an environments table's address spaces are labelled (`VPC CIDR`, `VNet address space`)
_NETWORK_LABEL = re.compile(r"^\W*(?:vpc|vnet|vcn|virtual (?:cloud )?network|network)\s*(?:cidrs?|address(?:es)?(?: space)?|ranges?|"
                            r"blocks?)?\W*$", re.I)
_CIDR = re.compile(r"^`?(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})`?$")


def decide_environment_networks(c: Context, structure: str) -> None:
    """Each environment's own address space from an environments table's row or column of them (`| VPC CIDR |
    10.40.0.0/16 | 10.50.0.0/16 |`): `environment_sizing[].network_cidr`, where the layout allows one per environment;
    else each cell is reported with why not."""
    stated: dict[str, str] = {}
    for row in environment_rows(c.plan, c.values.get("environments", [])):
        if not _NETWORK_LABEL.match(row.label.replace("`", "")):
            continue
        for cell in row.cells:
            m = _CIDR.match(cell.text)
            if m is None or cell.env in stated:
                continue
            why = why_not(c, structure, [m.group(1)], per_environment=True)
            if why:
                c.unapplied(cell.line, m.group(1), f"{cell.env}'s network takes the blueprint's address space ({why})")
                continue
            stated[cell.env] = m.group(1)
            c.applied(cell.line, m.group(1), f"environment_sizing.{cell.env}.network_cidr")
    if stated:
        sizing: list[EnvironmentSizing] = c.values["environment_sizing"]
        c.values["environment_sizing"] = [s.model_copy(update={"network_cidr": stated[s.name]}) if s.name in stated
                                          else s for s in sizing]
        c.add_note("environment_sizing", "networks " + ", ".join(f"{env} {cidr}" for env, cidr in stated.items()))
