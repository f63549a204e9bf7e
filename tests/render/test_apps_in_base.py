"""A plan whose tree keeps each application in the Kustomize base (`kubernetes/base/orders-api/`) gets that layout:
the application's base there and its overlay below each environment's overlay directory
(`kubernetes/overlays/<env>/orders-api/`), and the GitOps tool syncs those overlays. Before, the applications went to
`kubernetes/apps/<app>/{base,overlays/<env>}` and the plan's directories were listed as not applied."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from render_helpers import generate, kustomize, plan_variant, validate_strict
from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_plan

TREE = """kubernetes/
├── base/
│   ├── namespaces/
│   ├── policies/
│   └── rbac/
├── overlays/
│   ├── dev/
│   ├── staging/
│   └── prod/
└── apps/
"""
IN_BASE = """kubernetes/
├── base/
│   ├── orders-api/
│   └── web-frontend/
└── overlays/
    ├── dev/
    ├── staging/
    └── prod/
"""


def test_the_tree_places_the_applications_in_the_base(tmp_path: Path) -> None:
    d = decide(parse_plan(plan_variant(tmp_path, PLANS / "gke-flux-secretmanager.plan.md", **{TREE: IN_BASE})))
    assert d.answers.apps_in_base
    assert not [n for n in d.not_applied if n.text.startswith("kubernetes/")], d.not_applied
    # the fixture's own tree keeps `apps/`: one directory per application
    assert not decide(parse_plan(PLANS / "gke-flux-secretmanager.plan.md")).answers.apps_in_base


@pytest.mark.parametrize("fixture", ["gke-flux-secretmanager", "aws-eks-argocd"])
def test_the_repository_keeps_the_applications_where_the_tree_does(fixture: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_variant(tmp_path, PLANS / f"{fixture}.plan.md", **{TREE: IN_BASE})
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/storefront.git")
    assert not (repo / "kubernetes/apps").exists()
    assert (repo / "kubernetes/base/orders-api/deployment.yaml").is_file()
    objects = kustomize(repo / "kubernetes/overlays/prod/orders-api")
    assert {(o["kind"], o["metadata"]["name"]) for o in objects} >= {("Deployment", "orders-api"),
                                                                    ("Service", "orders-api")}
    # the guardrails overlay of the environment stays what it was: the base's namespaces, policies and RBAC
    assert "Deployment" not in {o["kind"] for o in kustomize(repo / "kubernetes/overlays/prod")}
    synced = [doc for f in repo.rglob("*.yaml") if f.parts[len(repo.parts)] in ("clusters", "argocd")
              for doc in yaml.safe_load_all(f.read_text(encoding="utf-8")) if doc]
    paths = {(doc.get("spec") or {}).get("path") or ((doc.get("spec") or {}).get("source") or {}).get("path")
             for doc in synced}
    assert {"./kubernetes/overlays/prod/orders-api", "kubernetes/overlays/prod/orders-api"} & paths, paths
    code, report = validate_strict(repo, monkeypatch, capsys, "--only", "kustomize,policy,schemas,wiring,flux,argocd")
    assert code == 0, report
