"""An application must not borrow the database administrator's password: RDS rotates its managed secret every
7 days, so a copy in the application's entry breaks at the next rotation. Where the roots build a database, the
README's secrets section says to give each application its own user (on Azure, where the server takes Entra ID
sign-ins only, its own identity and role); where they build none, it says nothing."""
from __future__ import annotations

import pytest
from render_helpers import PLANS, answers_context, render_include
from testlib import FIXTURES

from planforge.decide import decide
from planforge.plan import parse_plan

SECTION = "includes/readme/store_secrets.md.jinja"


@pytest.mark.parametrize(("plan", "database"), [("ticketing-eks", True), ("aws-eks-argocd", False)])
def test_the_secrets_section_gives_applications_their_own_database_user(plan: str, database: bool) -> None:
    text = render_include(SECTION, answers_context(decide(parse_plan(PLANS / f"{plan}.plan.md")).answers))
    assert "## Secrets in aws-secrets-manager" in text
    assert ("Give each application its own database user" in text) is database
    assert ("output `database_secret`" in text) is database


def test_on_azure_the_section_says_how_an_application_signs_in_to_an_entra_only_database() -> None:
    """The Azure server takes Entra ID sign-ins only: a database user with a password cannot exist there, so the
    section names what an application needs instead (its own identity, its role, egress to Entra ID)."""
    answers = decide(parse_plan(FIXTURES / "reviewed/aks-flux-billing.plan.md")).answers
    text = render_include(SECTION, answers_context(answers))
    assert "## Secrets in azure-key-vault" in text and "Give each application its own database user" not in text
    assert "pgaadauth_create_principal" in text and "azure.workload.identity/use" in text
    assert "login.microsoftonline.com" in text and "never a\npassword" in text
