"""The email a plan gives its Let's Encrypt issuer (`ClusterIssuer `letsencrypt-prod` (ACME HTTP-01, email
`platform@northwind.io`)`) registers the ACME account: Let's Encrypt sends its expiry notices there (before: a
CHANGE-ME comment, the plan's address dropped without a word)."""
from __future__ import annotations

import pytest
import yaml
from testlib import FIXTURES, plan_group, rendered_plan

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

LEDGERLY = FIXTURES / "reviewed/gke-flux-ledgerly.plan.md"
TALLY = FIXTURES / "reviewed/azure-aks-tally.plan.md"


def test_the_issuers_line_states_the_accounts_email() -> None:
    assert decide(parse_plan(LEDGERLY)).answers.acme_email == "platform@northwind.io"
    assert decide(parse_plan(TALLY)).answers.acme_email == "platform-team@tallyhub.io"


def test_an_email_where_no_cert_manager_runs_is_reported() -> None:
    text = LEDGERLY.read_text(encoding="utf-8")
    installs = "Platform components\n(ingress-nginx, cert-manager, external-secrets)"
    assert installs in text
    d = decide(parse_text(text.replace(installs, "Platform components\n(ingress-nginx, external-secrets)"), "plan.md"))
    assert d.answers.acme_email == ""
    assert [n.text for n in d.answers.not_applied if "ACME account" in n.why] == ["platform@northwind.io"]


@plan_group(LEDGERLY)
def test_the_cluster_issuer_registers_with_the_plans_email(tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = rendered_plan(LEDGERLY, tmp_path_factory)
    [issuer] = list(yaml.safe_load_all((repo / "kubernetes/base/cluster-issuer.yaml").read_text()))
    assert issuer["spec"]["acme"]["email"] == "platform@northwind.io"
    assert "CHANGE-ME" not in (repo / "kubernetes/base/cluster-issuer.yaml").read_text()
