"""Data residency against the regions: a region the plan names outside its residency (the primary, or a standby of a
multi-region deployment) is a plan problem at its line whose fix names a region that fits; with no region named the
default is the residency's first region; data/regions.yaml and the generated variable validation agree."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from testlib import PLANS, line_of, refused
from planforge.cli import main
from planforge.decide import decide
from planforge.decide.data import load
from planforge.plan import parse_text

MULTI = (PLANS / "multi-tenant-multiregion.plan.md").read_text(encoding="utf-8").replace(
    "**Constraints**: GDPR,", "**Constraints**: GDPR, data residency EU,")
SINGLE = (PLANS / "aws-single-iac.plan.md").read_text(encoding="utf-8")  # data residency EU, eu-west-1
TEMPLATE = Path(__file__).resolve().parents[2] / "includes" / "terraform.jinja"


def test_regions_inside_the_residency_are_accepted():
    d = decide(parse_text(MULTI, "p.md"))
    assert (d.answers.data_residency, d.answers.regions) == ("eu", ["eu-central-1", "eu-west-1"])


@pytest.mark.parametrize(("old", "new", "role", "region", "fits"), [
    ("eu-west-1 standby", "us-east-1 standby", "standby", "us-east-1", "eu-west-1"),
    ("eu-central-1 primary", "us-east-1 primary", "primary", "us-east-1", "eu-central-1"),
])
def test_a_region_outside_the_residency_is_refused_at_its_line_with_a_region_that_fits(old, new, role, region, fits):
    text = MULTI.replace(old, new)
    [p] = refused(text)
    assert (p.line, p.field) == (line_of(text, "**Deployment Type**"), "Deployment Type")
    assert p.message == f"region {region} ({role}) is outside the plan's data residency (EU)"
    assert p.hint == f"name a {role} region in EU, e.g. {fits}, or change the data residency"


def test_a_single_region_outside_the_residency_is_refused_at_the_line_naming_it():
    text = SINGLE.replace("single-region (eu-west-1)", "single-region (us-east-1)")
    [p] = refused(text)
    assert p.line == line_of(text, "single-region (us-east-1)")
    assert "us-east-1 (primary) is outside the plan's data residency (EU)" in p.message
    assert "e.g. eu-west-1" in p.hint


def test_a_residency_with_one_region_of_the_cloud_has_no_standby_to_suggest():
    text = MULTI.replace("data residency EU", "data residency UK").replace(
        "eu-central-1 primary, eu-west-1 standby", "eu-west-2 primary, eu-west-1 standby")
    [p] = refused(text)
    assert "eu-west-1 (standby) is outside the plan's data residency (UK)" in p.message
    assert p.hint.startswith("no other region of this cloud is in UK")


def test_without_a_region_the_default_is_the_residencys_first():
    text = SINGLE.replace("**Deployment Type**: single-region (eu-west-1)", "**Deployment Type**: single-region")
    assert "eu-west-1" not in text
    d = decide(parse_text(text, "p.md"))
    assert d.answers.region == "eu-west-1"
    assert d.provenance["region"].source == "default" and "data residency (EU)" in d.provenance["region"].note


def test_plan_check_reports_the_residency_problem_with_file_and_line(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]):
    plan = tmp_path / "plan.md"
    text = MULTI.replace("eu-west-1 standby", "us-east-1 standby")
    plan.write_text(text)
    assert main(["plan", "check", str(plan)]) == 1
    out = capsys.readouterr()
    assert f"{plan}:{line_of(text, '**Deployment Type**')}: Deployment Type: region us-east-1 (standby)" in (
        out.out + out.err)


def _template_table(name: str) -> dict:
    """A residency table of includes/terraform.jinja (a Jinja dict literal, Python syntax)."""
    m = re.search(r"set " + name + r" = (\{.*?\n\})", TEMPLATE.read_text(), re.S)
    assert m, name
    return ast.literal_eval(m.group(1))


def test_the_residency_data_agrees_with_the_generated_variable_validation():
    data = load("regions.yaml")["residency"]
    prefixes = _template_table("residency_prefix")
    names = _template_table("residency_regions")
    for residency, clouds in data.items():
        assert clouds["aws"]["prefix"] == prefixes["aws"][residency]
        assert clouds["gcp"]["prefix"] == prefixes["gcp"][residency]
        assert clouds["azure"]["names"] == names["azure"][residency]
        assert clouds["digitalocean"]["names"] == names["digitalocean"][residency]
        for cloud, rule in clouds.items():  # every suggested region passes the validation
            assert all(r.startswith(rule["prefix"]) if "prefix" in rule else r in rule["names"]
                       for r in rule["suggest"]), (residency, cloud)
    assert set(prefixes["aws"]) == set(data) == set(names["azure"]) == set(names["digitalocean"])


@pytest.mark.parametrize("words, residency", [
    ("data residency EU", "eu"), ("EU data residency", "eu"), ("EU-only data residency", "eu"),
    ("data residency (EU)", "eu"), ("data residency: within the EU", "eu"), ("EU-resident data only", "eu"),
    ("data must stay in the UK", "uk"), ("all data in EU regions", "eu"), ("all data stays within the EU", "eu"),
])
def test_each_way_of_stating_a_residency_is_read(words, residency):
    text = SINGLE.replace("data residency EU", words).replace("eu-west-1", "eu-west-2" if residency == "uk" else "eu-west-1")
    d = decide(parse_text(text, "p.md"))
    assert d.answers.data_residency == residency
    assert d.provenance["data_residency"].line == line_of(text, "**Constraints**")


@pytest.mark.parametrize("words", ["strict data residency", "data residency requirements apply", "data residency Germany"])
def test_residency_words_naming_no_known_residency_are_reported_never_read_as_one(words):
    """Before, `data residency Germany` set the residency `germany`, which the README called enforced by the region
    variable's validation while nothing checked it."""
    text = SINGLE.replace("data residency EU", words)
    d = decide(parse_text(text, "p.md"))
    assert d.answers.data_residency == ""
    [note] = [n for n in d.not_applied if "residency planforge knows" in n.why]
    assert note.line == line_of(text, "**Constraints**") and "data residency EU" in note.why


@pytest.mark.parametrize("field", ["**Compliance**: EU data residency, HIPAA",
                                   "**Security & Compliance**: HIPAA; data must stay in the EU"])
def test_a_compliance_field_of_the_plans_own_is_read(field: str):
    """Real plans state compliance and residency in a field of their own (`Compliance`, `Security & Compliance`);
    it was never read: HIPAA and the residency were dropped in silence."""
    text = SINGLE.replace("data residency EU", "budget-bound")
    assert "data residency EU" in SINGLE
    plain = decide(parse_text(text, "p.md"))
    assert (plain.answers.data_residency, "hipaa" in plain.answers.compliance) == ("", False)
    marker = "**Scale/Scope**"
    assert marker in text
    stated = text.replace(marker, f"{field}\n{marker}", 1)
    d = decide(parse_text(stated, "p.md"))
    assert (d.answers.data_residency, "hipaa" in d.answers.compliance) == ("eu", True)
    assert d.provenance["data_residency"].line == line_of(stated, field)
