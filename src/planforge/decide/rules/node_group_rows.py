"""Which rows' node figures size an environment's cluster node group. Not a cache's (an ElastiCache node type), a
database's (a row naming a database class and no node type), a system pool's (its row keeps the cluster module's
size), nor those of the rows of a node groups table beyond each environment's first (`| production | ws | c6i.large
| 2 | 2 | 3 |` after `| production | general | m6i.xlarge | 3 | 4 | 9 |`: a second node group, which the cluster
modules do not build; the last row used to size the environment). Their figures are reported at their line."""
from __future__ import annotations

import re

from planforge.decide.context import Context
from planforge.decide.environments import environment_named
from planforge.plan.figure_sources import is_environment_header
from planforge.plan.figures import Figure
from planforge.plan.machines import CACHE_NODE_PREFIX, DATABASE_CLASS_PREFIXES
from planforge.plan.model import plain

# a node groups table's column naming each row's group (`| Environment | Node group | Instance types | ... |`)
_GROUP_HEADER = re.compile(r"^\W*(?:node\s*)?(?:groups?|pools?)(?:\s+name)?\W*$", re.I)


def _further_node_group_rows(c: Context) -> dict[int, str]:
    """Line -> group name of each row of a node groups table after the first row of its environment (`| production |
    ws | c6i.large | ... |` after `| production | general | ... |`): a group beside the environment's own."""
    envs = c.values.get("environments", [])
    out: dict[int, str] = {}
    for table in c.plan.tables:
        header = [plain(cell).strip() for cell in table.rows[0][1]] if table.rows else []
        group = next((k for k, h in enumerate(header) if _GROUP_HEADER.match(h)), None)
        if group is None or not header or not is_environment_header(header[0]):
            continue
        seen: set[str] = set()
        for line, cells in table.rows[1:]:
            env = environment_named(plain(cells[0]).strip(), envs) if cells else None
            if env is None:
                continue
            if env in seen and group < len(cells):
                out[line] = plain(cells[group]).strip().strip("`")
            seen.add(env)
    return out


# a table row sizing the system node pool (`| System node pool | 1 x Standard_D2s_v5 | 3 x Standard_D4s_v5 |`)
_SYSTEM_ROW = re.compile(r"\bsystem\b[\w ]{0,20}?\b(?:nodes?|pools?|groups?)\b", re.I)


def cluster_node_figures(c: Context, nodes: list[Figure], types: list[Figure]) -> tuple[list[Figure], list[Figure]]:
    """The node counts and instance types that size the cluster's autoscaling nodes. An ElastiCache node type
    (`cache.r6g.large, 2 nodes`) and the node counts of its lines size a cache, which no module generates; the node
    counts of a line naming a database class and no node type (`db-s-2vcpu-4gb, 2 nodes (primary + standby)`) count the
    database's nodes; a system pool row's figures size the system pool, which keeps the cluster module's size. All are reported
    at their line."""
    cache_lines = {f.line for f in types if f.name.lower().startswith(CACHE_NODE_PREFIX)}
    node_type_lines = {f.line for f in types if not f.name.lower().startswith((*DATABASE_CLASS_PREFIXES, CACHE_NODE_PREFIX))}
    # `| dev | t3.large | 2 / 2 / 4 | db.t4g.medium |`: a line naming the cluster's node type too counts its nodes
    database_lines = ({f.line for f in types if f.name.lower().startswith(DATABASE_CLASS_PREFIXES)} - cache_lines
                      - node_type_lines)
    system_lines = {line for table in c.plan.tables for line, cells in table.rows[1:]
                    if cells and _SYSTEM_ROW.search(cells[0])} - cache_lines
    extra_groups = _further_node_group_rows(c)
    for f in nodes:
        if f.line in database_lines:
            c.unapplied(f.line, f.words, "a database's node count (its primary and standbys): the cluster's nodes "
                        "keep the node counts the plan states for them, and the database its module's standby setting")
    nodes = [f for f in nodes if f.line not in database_lines]
    for f in [*types, *nodes]:
        if f.line in cache_lines:
            c.unapplied(f.line, f.words, "an ElastiCache node type or count: planforge generates no ElastiCache "
                        "cluster, so nothing takes it (the cluster's nodes keep the node types the plan states)")
        elif f.line in system_lines:
            c.unapplied(f.line, f.words, "a system pool's size: the plan's node figures size the pool the workloads "
                        "run on, and a system pool keeps the cluster module's size (its system_node_count and instance "
                        "type): set them in the environment's root")
        elif f.line in extra_groups:
            c.unapplied(f.line, f.words, f"node group {extra_groups[f.line]} is not generated: each environment has one "
                        "node group (plus a system pool where the plan splits them), sized by its first row; add this "
                        "one to the environment's root")
    skipped = cache_lines | system_lines | set(extra_groups)
    return [f for f in nodes if f.line not in skipped], [f for f in types if f.line not in skipped]
