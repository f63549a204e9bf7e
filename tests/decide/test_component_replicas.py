"""A Deployment Components row's replica count is that component's (it was reported as an application's figure
per environment, or not read at all): in the environment it names, else in every one."""
from __future__ import annotations

import pytest

from testlib import PLANS
from planforge.decide import decide
from planforge.decide.readme import render_value
from planforge.plan import parse_text

EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
ROW = "| ingress-nginx | Yes | Public NLB |"


def with_notes(notes: str, argo_cd: str = "Manages itself after bootstrap"):
    assert ROW in EKS
    text = EKS.replace(ROW, f"| ingress-nginx | Yes | {notes} |").replace(
        "| argo-cd | Yes | Manages itself after bootstrap |", f"| argo-cd | Yes | {argo_cd} |")
    d = decide(parse_text(text, "plan.md"))
    replicas = {comp.name: comp.replicas for comp in d.answers.components}
    reported = {n.text: n.why for n in d.not_applied if "replica" in n.text}
    return replicas, reported, d


@pytest.mark.parametrize(("notes", "expected"), [
    ("Public NLB, 3 replicas in production", {"prod": 3}),
    ("Public NLB, 1 replica, 3 in production", {"dev": 1, "staging": 1, "prod": 3}),
    ("2 replicas", {"dev": 2, "staging": 2, "prod": 2}),
])
def test_a_row_count_is_the_components_in_its_environment_or_every_one(notes: str, expected: dict[str, int]) -> None:
    replicas, reported, d = with_notes(notes)
    assert replicas["ingress-nginx"] == expected
    assert not reported
    assert any(a.answer == "components.ingress-nginx.replicas" for a in d.applied)
    assert "replicas" not in next(c for c in d.answers.to_copier_data()["components"] if c["name"] == "argo-cd")
    shown = ", ".join(f"{n} in {env}" for env, n in expected.items())
    assert f"ingress-nginx 4.11.5 ({shown} replicas)" in render_value(d.answers.components)  # the README's line


def test_a_count_the_output_cannot_write_is_reported_at_its_row() -> None:
    replicas, reported, _ = with_notes("2-4 replicas", argo_cd="2 replicas")
    assert replicas == {name: {} for name in replicas}
    assert reported == {"2-4 replicas": "a component runs a fixed count: state one number",
                        "2 replicas": "argo-cd's values carry no replica count planforge writes: set it in its values"}
    _, reported, _ = with_notes("3 replicas in qa")
    assert reported == {"3 replicas": "'qa' is not an environment of the output"}
