"""Environments named outside the Target Environment field (a sentence, Scale/Scope, values files, tree
directories) become the environments, with the line that names them; the field wins over them, and the others
are reported as not applied."""
from __future__ import annotations

from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

SHOP = (PLANS / "shop-chart.plan.md").read_text(encoding="utf-8")
SCOPE = (PLANS / "env-in-scope.plan.md").read_text(encoding="utf-8")


def decided(name: str):
    return decide(parse_plan(PLANS / f"{name}.plan.md"))


def test_scale_scope_naming_prod_is_prod_never_dev():
    d = decided("env-in-scope")
    assert d.answers.environments == ["prod"]
    assert d.provenance["environments"].line == 18
    [sizing] = d.answers.environment_sizing
    assert (sizing.name, sizing.instance_type, sizing.min_size, sizing.max_size) == ("prod", "m6i.large", 3, 6)


def test_environments_in_a_sentence():
    d = decided("env-in-sentence")
    assert d.answers.environments == ["dev", "prod"]
    assert d.provenance["environments"].line == 8  # "... in two\nenvironments dev and prod."


def test_values_files_named_in_a_sentence():
    text = SHOP.replace("deployed with helm install.",
                        "deployed with helm install, with values-dev.yaml, values-staging.yaml and values-prod.yaml.")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.environments == ["dev", "staging", "prod"]
    assert d.provenance["environments"].line == 7


def test_environment_directories_of_the_tree():
    text = SCOPE.replace(" in one environment, prod", "") + "\n## Project Structure\n\n```text\ninfra/\n├── envs/\n│   ├── dev/\n│   └── prod/\n```\n"
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.environments == ["dev", "prod"]
    assert d.provenance["environments"].text.endswith("dev/")


def test_negated_environment_is_not_read():
    text = SCOPE.replace("in one environment, prod", "in prod; no staging environment")
    d = decide(parse_text(text, "plan.md"))
    assert "staging" not in d.answers.environments


def test_the_field_wins_and_the_other_lines_are_reported():
    text = SCOPE.replace("**Deployment Type**", "**Target Environment**: staging\n**Deployment Type**")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.environments == ["staging"]
    assert d.provenance["environments"].line == 17
    [report] = [n for n in d.not_applied if "environment" in n.why]
    assert (report.line, report.text) == (19, "prod")
    assert "environment prod is not among the environments Target Environment (line 17) lists (staging)" in report.why


def test_a_sentence_without_an_environment_word_names_none():
    """`dev` or `production` alone (`production-grade`, `t3.large in dev`) is not an environment list."""
    text = SCOPE.replace("in one environment, prod", "production-grade, t3.large in dev")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.environments == ["dev"]
    assert d.provenance["environments"].source == "default"
