"""Every environment on one cluster: a helm-chart repository without GitOps puts each environment's release in a
namespace of its own (named like the environment when the plan names its namespaces so, else <chart>-<env>); other
repositories give each environment a cluster and report the statement at its line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from testlib import PLANS, REAL_PLANS

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

SINGLE_DOKS = REAL_PLANS / "sharjeeltanoli--todoadvanceapp--006-cloud-deployment.plan.md"
NAMESPACE_LINE = re.compile(r"(?i)((?:namespace\W{0,3}|-n )\"?)(staging|production)\b")


def _decide(tmp_path: Path, text: str):
    plan = tmp_path / "plan.md"
    plan.write_text(text, encoding="utf-8")
    return decide(parse_plan(plan))


def test_namespaces_the_plan_names_after_its_environments_are_kept() -> None:
    decided = decide(parse_plan(SINGLE_DOKS))
    assert decided.answers.release_namespaces == "env"
    prov = decided.provenance["release_namespaces"]
    assert prov.line == 23 and "single DOKS cluster" in prov.text and "line 119" in prov.note
    assert not [n for n in decided.not_applied if "single DOKS cluster" in n.text]


def test_without_namespaces_named_after_them_each_environment_gets_chart_env(tmp_path: Path) -> None:
    text = NAMESPACE_LINE.sub(lambda m: m.group(1) + "todo", SINGLE_DOKS.read_text(encoding="utf-8"))
    decided = _decide(tmp_path, text)
    assert decided.answers.release_namespaces == "chart-env"
    assert "<chart>-<env>" in decided.provenance["release_namespaces"].note


@pytest.mark.parametrize("said", ["single DOKS cluster per environment", "one DOKS cluster for each environment"])
def test_a_cluster_per_environment_is_not_a_shared_cluster(tmp_path: Path, said: str) -> None:
    text = SINGLE_DOKS.read_text(encoding="utf-8").replace("single DOKS cluster", said)
    assert _decide(tmp_path, text).answers.release_namespaces == "chart"


def test_a_repository_with_a_cluster_per_environment_reports_the_statement(tmp_path: Path) -> None:
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
    text = text.replace("**Constraints**:", "**Constraints**: all environments share one cluster;", 1)
    assert "all environments share one cluster" in text
    decided = _decide(tmp_path, text)
    assert decided.answers.release_namespaces == "chart"
    [note] = [n for n in decided.not_applied if "share one cluster" in n.text]
    assert "a cluster of its own" in note.why


@pytest.mark.parametrize("said", ["We deploy to the shop-staging and shop-production namespaces of the platform cluster.",
                                  "| Namespace | `shop-staging` | `shop-production` |"])
def test_namespaces_named_chart_env_are_environments_on_one_cluster(said: str) -> None:
    """`the shop-staging and shop-production namespaces` (a sentence or a Namespace row): one release per
    environment in <chart>-<env>, so production does not upgrade staging's release."""
    text = (PLANS / "shop-chart.plan.md").read_text(encoding="utf-8").replace(
        "**Target Platform**: any Kubernetes 1.29+", "**Target Platform**: any Kubernetes 1.29+\n"
        "**Target Environment**: staging, production")
    text = text.replace("\n## Project Structure", f"\n### Environments\n\n{said}\n\n## Project Structure", 1)
    decided = decide(parse_text(text))
    assert len(decided.answers.environments) == 2  # staging, prod
    assert decided.answers.release_namespaces == "chart-env"
