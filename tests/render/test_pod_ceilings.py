"""An environment's own pod count (`| Pods | 60 pods | 80 pods | 200 pods |`) is the pods ceiling of its
namespaces' ResourceQuotas, as kustomize builds each overlay; the base keeps the plan-wide or default ceiling."""
from __future__ import annotations

from pathlib import Path

from render_helpers import kustomize
from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_text
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

ROW = "| Environment | dev | staging | prod |\n|---|---|---|---|\n| Pods | 60 pods | 80 pods | 200 pods |\n\n"


def test_each_overlay_caps_its_namespaces_at_its_environments_pod_count(tmp_path: Path):
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8").replace(", 300 pods", "")
    answers = decide(parse_text(text.replace("## Project Structure", ROW + "## Project Structure", 1),
                                "plan.md")).answers
    dest = tmp_path / "repo"
    render_new(answers, dest, resolve_template(None, None), init_git=False)
    for env, pods in {"dev": "60", "staging": "80", "prod": "200"}.items():
        quotas = [o for o in kustomize(dest / "kubernetes" / "overlays" / env) if o["kind"] == "ResourceQuota"]
        assert quotas and {q["spec"]["hard"]["pods"] for q in quotas} == {pods}, env
