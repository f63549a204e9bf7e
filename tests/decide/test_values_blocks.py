"""A plan's Helm values blocks (top-level keys named like its chart services) give each service what its sentences
leave: its image, replicas (production's from a production values file), requests, limits and autoscaling range,
production's block first."""
from __future__ import annotations

from testlib import PLANS, REAL_PLANS

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

TODO_CHART = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")


def _services(decided) -> dict[str, tuple]:
    return {s.name: (s.image, s.tag, s.replicas, s.prod_replicas, s.min_replicas, s.max_replicas, s.cpu_request,
                     s.memory_limit) for s in decided.answers.services}


def test_the_images_a_values_block_names_are_built_and_deployed() -> None:
    d = decide(parse_plan(next(REAL_PLANS.glob("shazilk-dev*.plan.md"))))  # repository: hackathontodoacr.azurecr.io/...
    assert {s.name: (s.image, s.tag) for s in d.answers.services} == {
        "backend": ("hackathontodoacr.azurecr.io/todo-backend", "0.1.0"),  # `tag: latest` moves: no tag to pin
        "frontend": ("hackathontodoacr.azurecr.io/todo-frontend", "0.1.0")}
    assert [b.image for b in d.answers.builds] == ["hackathontodoacr.azurecr.io/todo-backend",
                                                   "hackathontodoacr.azurecr.io/todo-frontend"]


def test_production_values_and_staging_replicas_by_service_name_or_camel_case() -> None:
    got = _services(decide(parse_plan(next(REAL_PLANS.glob("sharjeeltanoli*.plan.md")))))
    # `<OWNER>` in the repositories is no image: the default stays (reported as not in the plan)
    assert got["backend"] == ("ghcr.io/cloud-deployment/backend", "0.1.0", 1, 2, 2, 6, "250m", "1Gi")
    assert got["sse-gateway"][2:] == (1, 2, 2, 4, "100m", "512Mi")  # the block's key is sseGateway
    assert got["notification"][3] == 1  # production's replicaCount: 1


def test_a_sentence_wins_over_a_values_block() -> None:
    block = ("\n```yaml\n# helm/values-production.yaml\nfrontend:\n  replicaCount: 3\n  image:\n"
             "    repository: ghcr.io/other/frontend\n    tag: 2.0.0\n```\n")
    got = _services(decide(parse_text(TODO_CHART + block)))
    assert got["frontend"][:4] == ("ghcr.io/acme/todo-frontend", "0.1.0", 1, 3)  # the Summary's image, the block's count
