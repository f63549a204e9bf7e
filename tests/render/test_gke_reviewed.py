"""The GKE review's plan rendered: each application runs the replicas its bullet states per environment (`2 replicas
in dev, 4 in prod`); before, the overlays pinned one count for all of them."""
from __future__ import annotations

import yaml
from testlib import FIXTURES, plan_group, rendered_plan

GKE_REVIEWED = FIXTURES / "reviewed/gke-orders-flux.plan.md"


@plan_group(GKE_REVIEWED)
def test_each_overlay_runs_the_replicas_the_bullet_states(tmp_path_factory) -> None:
    repo = rendered_plan(GKE_REVIEWED, tmp_path_factory)
    counts = {}
    for app in ("orders-web", "orders-api", "fulfilment-worker"):
        for env in ("dev", "prod"):
            overlay = yaml.safe_load((repo / f"kubernetes/apps/{app}/overlays/{env}/kustomization.yaml").read_text())
            counts[app, env] = [r["count"] for r in overlay.get("replicas", [])]
    assert counts == {("orders-web", "dev"): [2], ("orders-web", "prod"): [4], ("orders-api", "dev"): [2],
                      ("orders-api", "prod"): [3], ("fulfilment-worker", "dev"): [1], ("fulfilment-worker", "prod"): [2]}
