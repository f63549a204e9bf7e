"""Nodes on spot capacity, per environment as the plan states it: an environments table's capacity row (`| Capacity
type | spot | on-demand |`), its yes/no Spot column (`| Environment | ... | Spot |` over `| dev | ... | yes |`) or a sentence naming its environments (`Dev is smaller: spot nodes only`). The
environment's autoscaling node group (EKS) or pool (GKE) then runs on spot capacity; the system pool stays on
standard capacity. Elsewhere (another cloud, a plan without Terraform-built clusters, a sentence naming no environment)
the statement is reported at its line."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.environments import environment_named, environment_rows, is_env_name
from planforge.decide.rules.statements import passages

_CAPACITY_ROW = re.compile(r"\b(?:capacity|spot|purchas\w*|pricing|lifecycle)\b", re.I)
_SPOT_CELL = re.compile(r"(?<!no )\bspot\b", re.I)
# a column or row that asks whether the nodes are spot (`| Spot |`, `| Spot nodes? |`): its yes cells say they are
_SPOT_LABEL = re.compile(r"^\W*spot(?:\s+(?:nodes?|instances?|capacity|vms?))?\W*$", re.I)
_YES_CELL = re.compile(r"^\W*(?:yes|y|true|on|enabled)\b", re.I)
_SPOT_WORDS = re.compile(r"(?<!no )\bspot\s+(?:nodes?|instances?|capacity|vms?|node\s+(?:pools?|groups?))\b", re.I)
_CLUSTERS = {"aws": "EKS", "gcp": "GKE"}


def decide_spot_nodes(c: Context, structure: str) -> None:
    """Set `spot_nodes` of the environments the plan runs on spot capacity."""
    sizing: list[EnvironmentSizing] = c.values.get("environment_sizing") or []
    names = [s.name for s in sizing]
    stated = _table_cells(c, names) + _sentences(c, names)
    why = _why_not(c, structure)
    for line, words, envs in stated:
        if why or not envs:
            c.unapplied(line, words, why or "the sentence names no environment: say which ones run on spot capacity")
            continue
        for s in sizing:
            s.spot_nodes = s.spot_nodes or s.name in envs
        c.applied(line, words, "environment_sizing." + ",".join(envs) + ".spot_nodes")


def _why_not(c: Context, structure: str) -> str:
    cloud = c.values.get("cloud", "none")
    if structure not in ("multi-tool", "multi-tenant") or c.values.get("iac_tool", "none") == "none":
        return "no node group of this repository's is created here: run the nodes on spot capacity where they are"
    if cloud not in _CLUSTERS:
        return (f"spot nodes are built for EKS and GKE node groups; {cloud}'s node pools stay on standard capacity "
                "(an AKS system pool cannot be spot): add a spot pool yourself")
    return ""


def _table_cells(c: Context, names: list[str]) -> list[tuple[int, str, list[str]]]:
    """(line, words, environments) of each environments table's capacity row cell saying spot, and of each yes cell of
    a Spot column."""
    return [(cell.line, cell.text, [cell.env]) for row in environment_rows(c.plan, names)
            if _CAPACITY_ROW.search(row.label) for cell in row.cells
            if _SPOT_CELL.search(cell.text) or (_SPOT_LABEL.match(row.label) and _YES_CELL.match(cell.text))]


def _sentences(c: Context, names: list[str]) -> list[tuple[int, str, list[str]]]:
    """(line, words, environments) of each sentence saying spot nodes, with the environments it names."""
    out = []
    for p in passages(c.plan, every_section=True):
        for start, end in tx.sentence_bounds(p.text):
            m = _SPOT_WORDS.search(p.text, start, end)
            if m is None or p.text.startswith("|", start):
                continue
            envs = list(dict.fromkeys(env for w in re.findall(r"[a-z][a-z-]*", p.text[start:end], re.I)
                                      if is_env_name(w) and (env := environment_named(w, names))))
            out.append((p.line_at(m.start()), m.group(0), envs))
    return out
