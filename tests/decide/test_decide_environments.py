"""Environments named outside the Target Environment field (a sentence, Scale/Scope, values files, tree
directories) become the environments, with the line that names them; the field wins over them, and the others
are reported as not applied."""
from __future__ import annotations

import pytest
from testlib import PLANS, REAL_PLANS

from planforge.decide import decide
from planforge.decide.data import keywords
from planforge.decide.environments import env_kind, is_production
from planforge.layout import load_layout
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


# --------------------------------------------------------------------------- spelling and kind
SPELLED = "env-spelled-names"
TACOS = REAL_PLANS / "traffic-tacos--deployment-repo--001-argocd-deployment.plan.md"


def test_tree_spelling_wins_over_the_listed_words_and_the_decisions_say_so():
    """`Target Environment: dev, stage, prod` beside `environments/development/`, `stage/`, `production/`: the
    tree's spelling; every figure naming an environment finds it by its kind."""
    d = decided(SPELLED)
    assert d.answers.environments == ["development", "stage", "production"]
    prov = d.provenance["environments"]
    assert prov.line == 23
    assert prov.note == ("development as the path at line 54 spells it, not dev; "
                         "production as the path at line 56 spells it, not prod")
    sizing = {s.name: s for s in d.answers.environment_sizing}
    assert (sizing["production"].instance_type, sizing["production"].min_size, sizing["production"].max_size) == \
        ("m6i.xlarge", 3, 8)
    assert (sizing["development"].min_size, sizing["development"].max_size) == (1, 2)
    assert d.answers.backup_retention_days == 30
    assert not [n for n in d.not_applied if "not among the environments" in n.why]


def test_a_prose_word_is_read_as_its_conventional_name_and_reported():
    text = SCOPE.replace("in one environment, prod", "in two environments") + \
        "\n**Target Environment**: development, production\n"
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.environments == ["dev", "prod"]
    assert d.provenance["environments"].note == ("development is named dev, production is named prod: "
                                                 "the conventional names, no path of the plan spells them")


def test_a_plan_that_says_prod_keeps_prod_without_a_note():
    d = decided("tree-layout")
    assert d.answers.environments == ["dev", "prod"]
    assert d.provenance["environments"].note is None


def test_env_values_files_name_the_environments():
    """`helm-values/dev-values.yaml`, `staging-values.yaml`, `prod-values.yaml` (traffic-tacos): three
    environments, not the default dev alone."""
    d = decide(parse_plan(TACOS))
    assert d.answers.environments == ["dev", "staging", "prod"]
    assert d.provenance["environments"].line == 82


@pytest.mark.parametrize("word", sorted(keywords().environment_synonyms))
def test_production_is_a_kind_not_a_spelling(word: str):
    assert is_production(word) == (keywords().environment_synonyms[word] == "prod")
    assert env_kind(word) == keywords().environment_synonyms[word]


def test_the_template_kinds_are_the_synonym_table():
    """layout.yml `environment_kinds` (what the template tests) holds the synonym table's words of each kind."""
    kinds = load_layout()["environment_kinds"]
    for kind, names in kinds.items():
        assert set(names) == {w for w, k in keywords().environment_synonyms.items() if k == kind}, kind


# --------------------------------------------------------------------------- monitoring
def test_prometheus_metrics_alone_adds_no_monitoring_stack_and_is_reported():
    d = decide(parse_plan(TACOS))
    assert d.answers.monitoring is False
    assert "kube-prometheus-stack" not in [c.name for c in d.answers.components]
    [report] = [n for n in d.not_applied if n.line == 55]
    assert report.text == "Prometheus metrics"
    assert "planforge installs no Prometheus or Grafana" in report.why
    assert d.provenance["monitoring"].note.startswith("plan.md:55 names Prometheus metrics, read as metrics")


def test_prometheus_monitoring_still_adds_the_stack_from_its_line():
    text = TACOS.read_text(encoding="utf-8").replace(
        "Prometheus metrics, health checks", "Prometheus and Grafana monitoring, health checks")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.monitoring is True and d.provenance["monitoring"].line == 55
    [stack] = [c for c in d.answers.components if c.name == "kube-prometheus-stack"]
    assert stack.notes.startswith("added: ")
    assert not [n for n in d.not_applied if n.line == 55]


def test_monitoring_the_summary_asks_for_is_read_from_the_summary_not_the_metrics_line():
    """`full observability through Prometheus/Grafana` (Summary, line 11) asks for the stack; the constitution
    row's `Prometheus metrics` (line 37) does not."""
    d = decide(parse_plan(REAL_PLANS / "muhammadarsalaanakbar--phase-4-todo--001-k8s-deployment.plan.md"))
    assert d.answers.monitoring is True and d.provenance["monitoring"].line == 11
    assert "kube-prometheus-stack" in [c.name for c in d.answers.components]


def test_the_tree_spelling_wins_over_a_path_in_a_sentence():
    """`values-production.yaml` in a sentence, `environments/prod/` in the tree: the tree's prod."""
    text = SCOPE.replace(" in one environment, prod", ", prod overrides in values-production.yaml") + \
        "\n## Project Structure\n\n```text\ninfra/\n└── environments/\n    └── prod/\n```\n"
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.environments == ["prod"]
