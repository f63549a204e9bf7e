"""How often External Secrets re-reads the store is the plan's (before: hourly whatever it said)."""
from __future__ import annotations

import pytest
from testlib import FIXTURES

from planforge.decide import decide
from planforge.plan import parse_plan
from planforge.plan.reader import parse_text

REVIEWED = FIXTURES / "reviewed"


@pytest.mark.parametrize("plan,line,interval", [
    ("azure-aks-parcels.plan.md", 78, "30m"),  # External Secrets re-reads them every 30 minutes.
    ("aks-argocd-claims.plan.md", 67, "1h"),  # External Secrets refreshes every 1h.
])
def test_the_stated_interval_is_every_externalsecrets(plan: str, line: int, interval: str) -> None:
    d = decide(parse_plan(REVIEWED / plan))
    assert d.answers.secret_refresh_interval == interval
    assert d.provenance["secret_refresh_interval"].line == line


PLAN = """# Implementation Plan: Shop

## Technical Context

**Cloud Provider**: AWS
**IaC Tools**: Terraform
**Kubernetes**: EKS 1.31
**GitOps**: Argo CD
**Secrets Management**: {secrets}
**Target Environment**: dev, prod
**Custom Applications**: shop-api

## Secrets

{sentence}
"""


@pytest.mark.parametrize("sentence,interval", [
    ("Secrets are synced every 15 min from Secrets Manager.", "15m"),
    ("ExternalSecret refresh interval: 5m.", "5m"),
    ("The API reads its secrets at start-up.", ""),
    ("Secrets rotate every 90 days.", ""),
])
def test_a_sentence_states_the_interval_or_not(sentence: str, interval: str) -> None:
    d = decide(parse_text(PLAN.format(secrets="AWS Secrets Manager via External Secrets Operator", sentence=sentence)))
    assert d.answers.secret_refresh_interval == interval


def test_without_externalsecrets_the_interval_is_reported_at_its_line() -> None:
    d = decide(parse_text(PLAN.format(secrets="Kubernetes Secrets", sentence="Secrets are synced every 15 min.")))
    assert d.answers.secret_refresh_interval == ""
    assert any("renders no ExternalSecret" in n.why for n in d.not_applied)
