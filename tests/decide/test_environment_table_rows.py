"""Rows of an environments table: the database size a row states per column (`| PostgreSQL storage | 64 GB | 256 GB
|`) is each environment's own (`environment_sizing[].db_storage_gb`); before, the sizes were not read at all ("a figure
no answer reads": the row's storage word did not reach its cells) and every database kept the module's smallest size.
A system pool's row sizes no workload nodes."""
from __future__ import annotations

from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_text

AKS = (PLANS / "aks-argocd-keyvault.plan.md").read_text(encoding="utf-8")
TABLE = """
### Environments

| Setting | dev | staging | prod |
|---------|-----|---------|------|
| PostgreSQL storage | 64 GB | 128 GB | 256 GB |
"""


def test_each_environment_takes_its_columns_database_size() -> None:
    assert "\n## Deployment Components" in AKS
    d = decide(parse_text(AKS.replace("\n## Deployment Components", TABLE + "\n## Deployment Components", 1), "plan.md"))
    assert d.answers.environments == ["dev", "staging", "prod"]
    assert {s.name: s.db_storage_gb for s in d.answers.environment_sizing} == {"dev": 64, "staging": 128, "prod": 256}
    assert not [n for n in d.not_applied if n.text.endswith(" GB")]


def test_a_system_pool_row_sizes_no_workload_nodes() -> None:
    """`| System node pool | 1 x Standard_D2s_v5 | ... |` above the user pool's row: its figures were applied to the
    workloads' pool (the later row overwrote them only by chance) and never reported."""
    rows = TABLE + ("| System node pool | 1 × Standard_D2s_v5 | 2 × Standard_D2s_v5 | 3 × Standard_D4s_v5 |\n"
                    "| User node pool | 1-3 × Standard_D4s_v5 | 2-4 × Standard_D4s_v5 | 3-6 × Standard_D8s_v5 |\n")
    text = AKS.replace("\n## Deployment Components", rows + "\n## Deployment Components", 1)
    d = decide(parse_text(text.replace("300 pods", "60 pods"), "plan.md"))  # 30 pods a node: dev's 3 nodes hold 60
    assert {s.name: (s.instance_type, s.min_size, s.max_size) for s in d.answers.environment_sizing} == {
        "dev": ("Standard_D4s_v5", 1, 3), "staging": ("Standard_D4s_v5", 2, 4), "prod": ("Standard_D8s_v5", 3, 6)}
    system = [n for n in d.not_applied if "a system pool's size" in n.why]
    assert {n.text for n in system} >= {"Standard_D2s_v5", "Standard_D4s_v5"}


def test_a_database_rows_node_count_sizes_no_cluster_nodes() -> None:
    """`| PostgreSQL | Standard_B2ms, 1 node | ... 2 nodes (primary + standby) |` below the node pool's row: its counts
    became every environment's fixed node count (and the node pool's `× 3 (autoscale 3–5)` was not read at all)."""
    rows = TABLE + ("| Node pool | Standard_D4s_v5 × 2 (autoscale 2–3) | Standard_D4s_v5 × 2 (autoscale 2–4) "
                    "| Standard_D8s_v5 × 3 (autoscale 3–5) |\n"
                    "| PostgreSQL | GP_Standard_D2ds_v5, 1 node | GP_Standard_D2ds_v5, 1 node "
                    "| GP_Standard_D4ds_v5, 2 nodes (primary + standby) |\n")
    text = AKS.replace("\n## Deployment Components", rows + "\n## Deployment Components", 1)
    d = decide(parse_text(text.replace("300 pods", "60 pods"), "plan.md"))
    assert {s.name: (s.instance_type, s.min_size, s.max_size) for s in d.answers.environment_sizing} == {
        "dev": ("Standard_D4s_v5", 2, 3), "staging": ("Standard_D4s_v5", 2, 4), "prod": ("Standard_D8s_v5", 3, 5)}
    reported = {n.text for n in d.not_applied if "a database's node count" in n.why}
    assert reported == {"1 node", "2 nodes"}
