"""The secrets manager entry applications read when the plan names it (`portal-api and report-nightly read the
database connection string from the Secrets Manager secret harbourline/<env>/portal-db`): before, every application's
ExternalSecret read <project>/<env>/<app> and the named entry was neither read nor readable by the cluster."""
from __future__ import annotations

import pytest
from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_text

EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
CHART = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")
FIELD = "**Custom Applications**: orders-api, web-frontend\n"


def with_sentence(sentence: str, plan: str = EKS, after: str = FIELD):
    assert after in plan
    return decide(parse_text(plan.replace(after, f"{after}\n{sentence}\n"), "plan.md"))


def keys(d) -> dict[str, str]:
    """The entry each application reads: its JSON entry, else its one one-value entry ("": neither)."""
    return {a.name: a.secret_key or ",".join(a.secret_values.values()) for a in d.answers.apps}


def test_the_applications_a_sentence_names_read_the_entry_it_names() -> None:
    d = with_sentence("orders-api reads its database URL from the Secrets Manager secret\n`acme/<env>/orders-db`.")
    assert keys(d) == {"orders-api": "acme/{env}/orders-db", "web-frontend": ""}
    line = EKS.splitlines().index(FIELD.strip()) + 4  # the wrapped sentence's second line
    assert (line, "acme/<env>/orders-db", "apps.orders-api.secret_values") in {(a.line, a.text, a.answer) for a in d.applied}
    assert not [n for n in d.not_applied if "orders-db" in n.text]


@pytest.mark.parametrize("sentence, expected", [
    ("Both apps read the secret named acme/${env}/shared.", {}),  # names no application among two
    ("orders-api and web-frontend read credentials stored under acme/{environment}/shared.",
     {"orders-api": "acme/{env}/shared", "web-frontend": "acme/{env}/shared"}),
    # a Key Vault or Secret Manager name: no '/', its environment placeholder makes it an entry
    ("orders-api reads its connection string from the Key Vault secret orders-<env>-db (e.g. orders-dev-db).",
     {"orders-api": "orders-{env}-db"}),
    ("orders-api reads the secret orders-db.", {}),  # a name like any other: no entry
    # a plain name in a sentence naming the store: one entry every environment reads (before: not read, so the
    # ExternalSecret asked for acme/<env>/orders-api, which nothing writes)
    ("orders-api reads its database URL from the Secrets Manager secret orders-db-credentials.",
     {"orders-api": "orders-db-credentials"}),
    ("orders-api reads the TLS certificate cert-manager writes to the secret orders-tls.", {}),  # no store named
    ("orders-api reads the Secrets Manager secret external-secrets.", {}),  # a component's name
    ("The images are pushed to ECR (acme/orders-api, acme/web-frontend).", {}),  # no secret word
    ("orders-api reads the secret kubernetes/apps/orders-api/secret.yaml.", {}),  # a file, not an entry
])
def test_other_wordings(sentence: str, expected: dict[str, str]) -> None:
    assert {k: v for k, v in keys(with_sentence(sentence)).items() if v} == expected


@pytest.mark.parametrize("sentence, why", [
    ("Both apps read the secret acme/<env>/shared.", "the sentence names none of the applications"),
    ("orders-api reads the secret acme/prod/orders-db.", "the entry names one environment"),
    ("orders-api reads the secret acme/<env>/.hidden.", ".hidden is not a secrets manager entry"),
])
def test_an_entry_that_cannot_be_read_is_reported(sentence: str, why: str) -> None:
    d = with_sentence(sentence)
    assert not any(keys(d).values())
    [reported] = [n for n in d.not_applied if n.text.startswith("acme/")]
    assert why in reported.why


def test_a_chart_plan_reports_the_entry() -> None:
    storage = "**Storage**: SQLite on a PersistentVolumeClaim (1Gi) mounted by the backend\n"
    d = with_sentence("The backend reads the secret todo/<env>/db.", CHART, storage)
    [reported] = [n for n in d.not_applied if n.text == "todo/<env>/db"]
    assert "no application of this repository reads a secrets manager entry" in reported.why


def test_an_applications_first_json_entry_is_kept_and_a_second_reported() -> None:
    """Before, a later sentence replaced the entry: payments-api read the Redis token's entry and lost the database's.
    A one-value entry is read beside the JSON one; a second JSON entry is reported."""
    d = with_sentence("orders-api and web-frontend read the database credentials from the Secrets Manager secret "
                      "acme/<env>/postgres.\norders-api reads the Redis AUTH token from the Secrets Manager secret "
                      "acme/<env>/redis.\norders-api reads the cache credentials from the Secrets Manager secret "
                      "acme/<env>/cache.")
    assert keys(d) == {"orders-api": "acme/{env}/postgres", "web-frontend": "acme/{env}/postgres"}
    assert {a.name: a.secret_values for a in d.answers.apps}["orders-api"] == {"TOKEN": "acme/{env}/redis"}
    [reported] = [n for n in d.not_applied if n.text == "acme/<env>/cache"]
    assert "orders-api's ExternalSecret reads one entry" in reported.why and "acme/<env>/postgres" in reported.why


@pytest.mark.parametrize("sentence, value_key", [
    # one value: External Secrets reads a plain string only as one key (`data.remoteRef`), never as an object
    ("orders-api reads the connection string from the Key Vault secret orders-<env>-db.", "DATABASE_URL"),
    ("orders-api reads its database URL from the Secrets Manager secret acme/<env>/orders-db.", "DATABASE_URL"),
    ("orders-api reads the Stripe API key from the Secrets Manager secret acme/<env>/stripe.", "API_KEY"),
    ("orders-api reads the connection string (`ORDERS_DSN`) from the Secrets Manager secret acme/<env>/db.",
     "ORDERS_DSN"),  # the variable the sentence names
    # an object of several values: its keys become the Secret's
    ("orders-api reads the database credentials from the Secrets Manager secret acme/<env>/db.", ""),
    ("orders-api reads its secrets (password, token) from the Secrets Manager secret acme/<env>/db.", ""),
    ("orders-api reads the secret acme/<env>/db.", ""),  # says nothing of what it holds
])
def test_an_entry_holding_one_value_is_synced_as_one_variable(sentence: str, value_key: str) -> None:
    d = with_sentence(sentence)
    [app] = [a for a in d.answers.apps if a.name == "orders-api"]
    entry = sentence.split()[-1].rstrip(".").replace("<env>", "{env}")
    assert (app.secret_key, app.secret_values) == (("", {value_key: entry}) if value_key else (entry, {}))


def test_a_vault_entry_is_always_a_map_of_keys() -> None:
    text = EKS.replace("**Secrets Management**: AWS Secrets Manager", "**Secrets Management**: HashiCorp Vault")
    assert text != EKS
    d = with_sentence("orders-api reads the connection string from the Vault secret acme/<env>/db.", text)
    [app] = [a for a in d.answers.apps if a.name == "orders-api"]
    assert (app.secret_key, app.secret_values) == ("acme/{env}/db", {})
