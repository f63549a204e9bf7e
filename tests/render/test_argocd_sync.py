"""How each environment's Argo CD Applications sync, as the plan says (`dev auto-syncs with prune + selfHeal; staging
auto-sync without prune; prod manual sync only`): every Application of every environment synced automatically and
pruned, so a merge deleted production objects with nobody syncing (an untuned review)."""
from __future__ import annotations

import pytest
from testlib import FIXTURES, plan_group, rendered_plan, yaml_documents

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

TALLY = FIXTURES / "reviewed" / "azure-aks-tally.plan.md"
SYNC_LINE = "- dev auto-syncs with prune + selfHeal; staging auto-sync without prune; prod manual sync only."


def test_the_sync_line_gives_each_environment_its_mode() -> None:
    d = decide(parse_plan(TALLY))
    assert (d.answers.argocd_manual_sync, d.answers.argocd_no_prune) == (["prod"], ["staging"])
    line = TALLY.read_text().splitlines().index(SYNC_LINE) + 1
    assert d.provenance["argocd_manual_sync"].line == line


def test_without_argo_cd_the_sync_line_is_reported() -> None:
    text = (FIXTURES / "plans" / "aws-eks-flux.plan.md").read_text() + f"\n## Delivery\n\n{SYNC_LINE}\n"
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.gitops == "flux" and d.answers.argocd_manual_sync == []
    assert [n.text for n in d.not_applied if "sync" in n.text.lower() or "prune" in n.text.lower()] == [
        "manual sync", "without prune"]


@plan_group(TALLY)
def test_prod_applications_wait_for_a_person_and_staging_never_prunes(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(TALLY, tmp_path_factory) / "argocd" / "applications"
    policies = {env: {doc["metadata"]["name"].removesuffix(f"-{env}"): doc["spec"]["syncPolicy"].get("automated")
                      for path in sorted((root / env).glob("*.yaml")) for doc in yaml_documents(path)
                      if doc and doc.get("kind") == "Application"} for env in ("dev", "staging", "prod")}
    assert set(policies["dev"]) == set(policies["staging"]) == set(policies["prod"])
    assert {"storefront", "orders-api", "fulfillment-worker", "cert-manager"} <= set(policies["dev"])
    assert policies["dev"]["storefront"] == {"prune": True, "selfHeal": True}  # as before
    assert {name: a["prune"] for name, a in policies["staging"].items()} == dict.fromkeys(policies["staging"], False)
    assert set(policies["prod"].values()) == {None}
    # the app-of-apps still creates prod's Applications by itself, and never prunes one (its finalizer would delete
    # what it deployed); dev's prunes as before
    roots = {env: yaml_documents(root / f"{env}.yaml")[0]["spec"]["syncPolicy"]["automated"] for env in policies}
    assert roots == {"dev": {"prune": True, "selfHeal": True}, "staging": {"prune": False, "selfHeal": True},
                     "prod": {"prune": False, "selfHeal": True}}
