"""The secret variables a helm-chart plan's services read: from a `kubectl create secret generic` command it shows
(the Secret's name too), a line describing the chart's Secret manifest, or the items under `Required secrets`; a
database server's own variables and the DATABASE_URL the chart's database Secret gives are not among them."""
from __future__ import annotations

from testlib import PLANS, REAL_PLANS

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

TODO_CHART = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")


def _real(prefix: str):
    return decide(parse_plan(next(REAL_PLANS.glob(prefix + "*.plan.md"))))


def test_a_kubectl_command_names_the_secret_and_its_variables() -> None:
    a = _real("sharjeeltanoli").answers  # kubectl create secret generic app-secrets -n production --from-literal=...
    assert a.app_secret == "app-secrets"
    assert a.app_secret_keys[:3] == ["BETTER_AUTH_SECRET", "OPENAI_API_KEY", "FRONTEND_DATABASE_URL"]
    assert "DATABASE_URL" not in a.app_secret_keys  # the external database's Secret gives it


def test_a_secret_manifests_line_and_a_required_secrets_list() -> None:
    a = _real("sitarasheikh").answers  # 9. **secret-template.yaml**: DATABASE_URL, OPENAI_API_KEY, BETTER_AUTH_SECRET
    assert (a.app_secret, a.app_secret_keys) == ("todo-app-secrets", ["OPENAI_API_KEY", "BETTER_AUTH_SECRET"])
    # soobiarao14: the database chart's `secret.yaml` (POSTGRES_USER ...) first, then the backend's
    assert _real("soobiarao14").answers.app_secret_keys == ["BETTER_AUTH_SECRET", "OPENAI_API_KEY"]
    required = TODO_CHART + "\n**Required secrets**:\n- `OPENAI_API_KEY` (the chatbot)\n- `STRIPE_KEY`\n\nLater text.\n"
    a = decide(parse_text(required)).answers
    assert (a.app_secret, a.app_secret_keys) == ("todo-secrets", ["OPENAI_API_KEY", "STRIPE_KEY"])


def test_no_secret_variable_no_answer() -> None:
    d = decide(parse_text(TODO_CHART))
    assert (d.answers.app_secret, d.answers.app_secret_keys) == ("", [])
    assert "app_secret" not in d.answers.to_copier_data()
