"""release_tag: production Argo CD sources pin the tag the plan names, Flux GitRepositories follow it and every later one, the README tells
how to cut it, and other environments follow HEAD / the default branch."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_text
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

pytestmark = pytest.mark.slow

TAGGED = "never kubectl apply; production ships the release tag v2.4.1"


def generate(plan: str, dest: Path) -> Path:
    text = (PLANS / plan).read_text(encoding="utf-8").replace("never kubectl apply", TAGGED)
    answers = decide(parse_text(text, "plan.md")).answers
    assert answers.release_tag == "v2.4.1"
    render_new(answers, dest, resolve_template(None, None), init_git=False)
    return dest


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_argo_cd_production_pins_the_plans_release_tag(tmp_path: Path):
    repo = generate("aws-eks-argocd.plan.md", tmp_path / "repo")
    apps = repo / "argocd/applications"
    pinned = [d["spec"]["source"]["targetRevision"] for p in [apps / "prod.yaml", *sorted((apps / "prod").glob("*.yaml"))]
              for d in documents(p) if "chart" not in d["spec"]["source"]]
    assert pinned and set(pinned) == {"v2.4.1"}
    assert documents(apps / "dev/orders-api.yaml")[0]["spec"]["source"]["targetRevision"] == "HEAD"
    assert "git tag v2.4.1 && git push origin v2.4.1" in (repo / "README.md").read_text()
    assert "release_tag: v2.4.1" in (repo / ".copier-answers.yml").read_text()


def test_flux_production_follows_the_plans_release_tag(tmp_path: Path):
    repo = generate("aws-eks-flux.plan.md", tmp_path / "repo")
    [prod] = documents(repo / "clusters/prod/sources.yaml")
    assert prod["spec"]["ref"] == {"semver": ">=2.4.1"}  # v2.4.1 and every later release tag
    readme = (repo / "README.md").read_text()
    assert "git tag v2.4.1 && git push origin v2.4.1" in readme and "git tag v2.4.2 <commit>" in readme
    assert documents(repo / "clusters/dev/sources.yaml")[0]["spec"]["ref"] == {"branch": "main"}
