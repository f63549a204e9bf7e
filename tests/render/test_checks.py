"""Bad answers are refused before anything is written: by planforge (naming the field and
the plan line) and by the copier.yml validators when plain Copier is used
(tests/render/test_validator_agreement.py proves the two agree)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from render_helpers import copy_template, sample_answers, tree
from testlib import copier_config, render_copy

from planforge.decide.answers import Component, Decision, EnvironmentSizing, Provenance, Service
from planforge.errors import RefusedError
from planforge.render import TemplateSource, check_answers, render_new

BAD_ANSWERS = {
    "project_name uppercase": ({"project_name": "Acme_Platform"}, "project_name"),
    "project_name traversal": ({"project_name": "../evil"}, "project_name"),
    "tenant not a slug": ({"tenants": ["acme", "Globex Corp"]}, "tenants[1]"),
    "tenant traversal": ({"tenants": ["../../etc"]}, "tenants[0]"),
    "tenant jinja": ({"tenants": ["{{ 7*7 }}"]}, "tenants[0]"),
    "multi-tenant without tenants": ({"tenants": []}, "tenants"),
    "environment not a slug": ({"environments": ["prod;rm -rf /"]}, "environments[0]"),
    "no environments": ({"environments": []}, "environments"),
    "title with jinja": ({"plan_title": "Shop {{ cycler.__init__ }}"}, "plan_title"),
    "title with hcl interpolation": ({"plan_title": "Shop ${file(\"/etc/passwd\")}"}, "plan_title"),
    "region metacharacters": ({"region": "eu-central-1\nfoo: bar"}, "region"),
    "app name": ({"apps": [Service(name="Api_Server", image="ghcr.io/acme/api")]}, "apps[0].name"),
    "app image traversal": ({"apps": [Service(name="api", image="ghcr.io/../../x")]}, "apps[0].image"),
    "health path traversal": ({"apps": [Service(name="api", image="a/b", health_path="/../admin")]},
                              "apps[0].health_path"),
    "component repo": ({"components": [Component(name="x", chart_repo="file:///etc", chart="x", version="1.0.0",
                                                 namespace="x")]}, "components[0].chart_repo"),
    "component version": ({"components": [Component(name="x", chart_repo="https://c.example", chart="x",
                                                    version="latest", namespace="x")]}, "components[0].version"),
    "sizing cluster": ({"environment_sizing": [EnvironmentSizing(name="prod", cluster="http://evil")]},
                       "environment_sizing[0].cluster"),
    "repo url": ({"repo_url": "https://github.com/acme/x.git; rm -rf /"}, "repo_url"),
    "decision jinja": ({"decisions": [Decision(name="a", value="{% raw %}", source="plan.md:1")]}, "decisions[0].value"),
    "backend of another cloud": ({"state_backend": "gcs"}, "state_backend"),
    "raw manifests with chart-only components": ({"deployment_strategy": "raw-manifests"}, "components"),
}


@pytest.mark.parametrize("overrides, field", list(BAD_ANSWERS.values()), ids=list(BAD_ANSWERS))
def test_bad_answers_are_refused_with_field_and_plan_line(overrides, field):
    answers = sample_answers(**overrides)
    top = field.split("[")[0].split(".")[0]
    provenance = {top: Provenance(source="plan", line=17, text="...")}
    problems = check_answers(answers, provenance, "plan.md")
    assert [p.field for p in problems] == [field] or field in [p.field for p in problems]
    rendered = [p.render() for p in problems if p.field == field]
    assert rendered[0].startswith(f"plan.md:17: {field}: ")


def test_good_answers_pass():
    assert check_answers(sample_answers()) == []


@pytest.mark.parametrize("overrides", [BAD_ANSWERS["tenant traversal"][0], BAD_ANSWERS["title with jinja"][0],
                                       BAD_ANSWERS["project_name traversal"][0]])
def test_render_refuses_before_writing_anything(tmp_path: Path, overrides):
    dest = tmp_path / "out" / "repo"
    with pytest.raises(RefusedError) as info:
        render_new(sample_answers(**overrides), dest, TemplateSource(str(tmp_path / "no-template"), None))
    assert "nothing was written" in info.value.message
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- copier.yml validators
COPIER_BAD = {
    "project_name": "Bad Name",
    "tenants": ["acme", "a_b"],
    "environments": [],
    "region": "eu;rm",
    "plan_title": "{{ 7*7 }}",
    "kubernetes_version": "latest",
    "terraform_version": "1.6; rm",
    "components": [{"name": "x", "chart_repo": "http://../x", "chart": "x", "version": "1.0.0", "namespace": "x"}],
    "apps": [{"name": "../api", "image": "a/b"}],
    "repo_url": "file:///etc/passwd",
    "environment_sizing": [{"name": "prod", "cluster": "https://a/../b"}],
    "decisions": [{"name": "x", "value": "${var.x}", "source": "plan.md:1"}],
    "platforms": ["heroku"],
    "cloud": "oracle",
    "state_backend": "consul",
    # the sample's ingress-nginx exists only as a Helm chart
    "deployment_strategy": "raw-manifests",
}


@pytest.fixture(scope="module")
def frame_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_template(tmp_path_factory.mktemp("frame"), with_blueprints=False)


@pytest.mark.parametrize("question, value", list(COPIER_BAD.items()), ids=list(COPIER_BAD))
def test_copier_validators_refuse_bad_answers(frame_template: Path, tmp_path: Path, question, value):
    data = sample_answers().to_copier_data()
    data[question] = value
    dest = tmp_path / "dest"
    with pytest.raises(ValueError) as info:
        render_copy(frame_template, dest, data)
    assert question in str(info.value)
    assert not dest.exists() or not any(dest.iterdir())


def test_copier_validators_accept_the_sample(frame_template: Path, tmp_path: Path):
    render_copy(frame_template, tmp_path / "dest", sample_answers().to_copier_data())
    recorded = yaml.safe_load((tmp_path / "dest" / ".copier-answers.yml").read_text())
    assert recorded["tenants"] == ["acme", "globex"]


def test_every_answers_field_is_a_question():
    questions = {k for k in copier_config() if not k.startswith("_")}
    from planforge.decide.answers import SHORTHANDS, Answers
    from planforge.layout import COMPUTED

    # The layout's computed values are questions too (`when: false`), never answers.
    assert questions == set(Answers.model_fields) | set(SHORTHANDS) | set(COMPUTED)
    assert set(SHORTHANDS.values()) <= set(Answers.model_fields)


def test_choices_are_the_answer_vocabularies():
    from typing import get_args

    from planforge.decide.answers import Answers

    config = copier_config()
    for name, field in Answers.model_fields.items():
        if "choices" in config[name]:
            choices = config[name]["choices"]
            values = list(choices.values()) if isinstance(choices, dict) else choices
            literal = get_args(field.annotation)
            literal = get_args(literal[0]) if literal and not isinstance(literal[0], str) else literal
            assert sorted(values) == sorted(literal), name


def test_supplied_answers_are_recorded_and_hidden_ones_do_not_change_the_output(frame_template: Path, tmp_path: Path):
    """Every answer planforge supplies is recorded in the answers file (so `copier update`
    replays it), plan-only ones included, except those no rendered file of the structure
    reads and the computed `blueprints`: those must not change the output."""
    from planforge.decide.answers import SHORTHANDS

    base = sample_answers(structure="helm-chart", blueprints=["helm-chart"], gitops="none", tenants=[], chart_name="shop",
                          services=[Service(name="web", image="ghcr.io/acme/web")])
    changed = base.model_copy(update={"terraform_version": "1.9", "state_backend": "none", "state_locking": "none",
                                      "tenants": ["zzz"], "compute": "ecs-fargate"})
    outputs = []
    for answers in (base, changed):
        dest = tmp_path / str(len(outputs))
        render_copy(frame_template, dest, answers.to_copier_data())
        recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
        assert set(answers.to_copier_data()) - set(recorded) == {"blueprints", "terraform_version", "state_backend",
                                                                  "state_locking", "tenants", "compute"}
        assert not set(SHORTHANDS) & set(recorded)
        assert (recorded["plan_title"], recorded["plan_family"]) == (base.plan_title, base.plan_family)
        assert recorded["decisions"] == base.to_copier_data()["decisions"] and recorded["chart_name"] == "shop"
        outputs.append(tree(dest))
    assert outputs[0] == outputs[1]


def test_a_person_is_not_asked_plan_only_answers_and_they_are_not_recorded(frame_template: Path, tmp_path: Path):
    dest = tmp_path / "dest"
    render_copy(frame_template, dest, {"project_name": "acme", "structure": "single-iac"})
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert not {"plan_title", "plan_family", "decisions", "blueprints", "iac_tool", "state_backend"} & set(recorded)
    assert recorded["environment_names"] == "dev" and recorded["cloud"] == "aws"


def test_template_needs_no_trust():
    """No tasks, migrations or extra Jinja extensions: plain `copier copy` runs it without --trust."""
    config = copier_config()
    assert not {"_tasks", "_migrations", "_jinja_extensions", "_external_data"} & set(config)
    assert config["_subdirectory"] == "blueprints" and config["_templates_suffix"] == ".jinja"
    assert config["_answers_file"] == ".copier-answers.yml"
