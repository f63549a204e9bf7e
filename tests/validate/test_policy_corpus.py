"""The policy defect corpus (tests/fixtures/policy-corpus): one object per rule and waived variants, each
with the findings `expected.yaml` lists; waivers from `.planforge.yaml`, `--no-waivers` and every report
format's view of a waived finding."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema
import yaml
from testlib import KUBECONFORM_COMPAT

from planforge.cli import main
from planforge.errors import UsageError
from planforge.validate.base import Severity
from planforge.validate.manifests import load_documents
from planforge.validate.policy import RULES, check_documents, is_secret_env_name, severity_of
from planforge.validate.settings import from_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CORPUS = FIXTURES / "policy-corpus"
EXPECTED: dict[str, list[dict[str, str]]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "src" / "planforge" / "data" / "report.schema.json"
SARIF_SCHEMA = FIXTURES / "sarif-schema-2.1.0.json"
CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*.yaml") if p.name != "expected.yaml")


def _findings(name: str, waivers: bool = True):
    return check_documents(load_documents(CORPUS / name, display=name), waivers)


def _key(rule: str, path: str, waived: str | None) -> tuple[str, str, str]:
    return rule, path, waived or ""


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_file_gives_its_expected_findings(name):
    findings = _findings(name)
    expected = sorted(_key(e["rule"], e["path"], e.get("waived")) for e in EXPECTED.get(name, []))
    assert sorted(_key(f.rule, f.json_path, f.waived) for f in findings) == expected
    for finding in findings:
        assert finding.severity is severity_of(finding.rule)
        assert finding.hint and finding.line and finding.file == name
        assert finding.waived_by == ("annotation" if finding.waived else None)


def test_expected_names_only_corpus_files():
    assert set(EXPECTED) <= set(CORPUS_FILES)


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if any(e.get("waived") for e in EXPECTED[n])))
def test_no_waivers_reports_waived_findings_as_findings(name):
    findings = _findings(name, waivers=False)
    assert sorted((f.rule, f.json_path) for f in findings) == sorted((e["rule"], e["path"]) for e in EXPECTED[name])
    assert all(f.waived is None for f in findings)


def test_every_rule_is_in_a_corpus_or_a_unit_test():
    from test_policy import ONE_DEFECT

    corpus = {e["rule"] for entries in EXPECTED.values() for e in entries}
    unit_tested = {"policy/privileged", "policy/host-namespaces", "policy/malformed", "policy/openshift-fixed-ids"}
    assert corpus | unit_tested | {rule for rule, *_ in ONE_DEFECT.values()} == set(RULES)


@pytest.mark.parametrize("name, secret", [
    ("DB_PASSWORD", True), ("api-key", True), ("GITHUB_TOKEN", True), ("client.secret", True),
    ("DB_PASSWORD_FILE", False), ("AWS_ACCESS_KEY_ID", False), ("KEYCLOAK_URL", False), ("MONKEY", False),
    ("SECRET_NAME", False), ("PORT", False),
])
def test_secret_env_names(name, secret):
    assert is_secret_env_name(name) is secret


# ----------------------------------------------------------------- .planforge.yaml waivers and reports


def _repo(tmp_path: Path, waivers: str) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("host-port.yaml", "sensitive-host-mount.yaml", "waived-host-port.yaml"):
        shutil.copy(CORPUS / name, repo / name)
    (repo / ".planforge.yaml").write_text(waivers)
    return repo


WAIVERS = """\
waivers:
  - path: host-*.yaml
    rule: host-port
    reason: the ingress controller binds the node's port 80
  - path: sensitive-host-mount.yaml
    rule: policy/sensitive-host-mount
"""


def _run(capsys, repo: Path, *args: str) -> tuple[int, str]:
    code = main(["validate", "--only", "policy", *args, str(repo)])
    return code, capsys.readouterr().out


def _policy_findings(report: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for check in report["checks"]:
        for finding in check["findings"]:
            found.setdefault(finding["file"], []).append(finding)
    return found


def test_settings_file_waivers_in_json(tmp_path, capsys):
    code, out = _run(capsys, _repo(tmp_path, WAIVERS), "--format", "json")
    report = json.loads(out)
    jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(report)
    found = _policy_findings(report)
    [host_port] = found["host-port.yaml"]
    assert (host_port["waived"], host_port["waived_by"]) == ("the ingress controller binds the node's port 80",
                                                             ".planforge.yaml")
    [annotated] = found["waived-host-port.yaml"]
    assert annotated["waived_by"] == "annotation"
    [mount] = found["sensitive-host-mount.yaml"]  # the waiver has no reason: it waives nothing
    assert mount["waived"] is None and mount["rule"] == "policy/sensitive-host-mount"
    [problem] = found[".planforge.yaml"]
    assert (problem["rule"], problem["line"]) == ("policy/waiver-without-reason", 5)
    assert code == 1
    assert report["summary"]["waived"] == 2


def test_every_waiver_granted_exits_0_and_text_says_waived(tmp_path, capsys):
    repo = _repo(tmp_path, WAIVERS.replace("    rule: policy/sensitive-host-mount\n",
                                           "    rule: policy/sensitive-host-mount\n    reason: a log shipper\n"))
    code, out = _run(capsys, repo)
    assert code == 0, out
    assert "host-port.yaml:25: waived error [policy/host-port]" in out
    assert "    waived (.planforge.yaml): the ingress controller binds the node's port 80" in out
    assert "    waived (annotation): node-local DNS cache answers on the node's port 53" in out
    assert out.splitlines()[-1].startswith("0 errors, 0 warnings, 0 infos, 3 waived, 0 skipped")


def test_no_waivers_ignores_annotations_and_settings(tmp_path, capsys):
    repo = _repo(tmp_path, WAIVERS.replace("    rule: policy/sensitive-host-mount\n",
                                           "    rule: policy/sensitive-host-mount\n    reason: a log shipper\n"))
    code, out = _run(capsys, repo, "--no-waivers", "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["summary"]["waived"] == 0
    assert report["summary"]["errors"] == 3


def test_sarif_reports_waivers_as_suppressions(tmp_path, capsys):
    _code, out = _run(capsys, _repo(tmp_path, WAIVERS), "--format", "sarif")
    log = json.loads(out)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    suppressions = {result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: result.get("suppressions")
                    for result in log["runs"][0]["results"]}
    assert suppressions["host-port.yaml"] == [{
        "kind": "external", "status": "accepted", "justification": "the ingress controller binds the node's port 80",
        "properties": {"waivedBy": ".planforge.yaml"}}]
    assert suppressions["waived-host-port.yaml"][0]["kind"] == "inSource"
    assert suppressions["sensitive-host-mount.yaml"] is None


def test_junit_keeps_waived_findings_out_of_failures(tmp_path, capsys):
    _code, out = _run(capsys, _repo(tmp_path, WAIVERS), "--format", "junit")
    xmlschema.XMLSchema(str(KUBECONFORM_COMPAT / "fixtures" / "junit.xsd")).validate(out)
    cases = {case.get("name"): case for case in ET.fromstring(out).iter("testcase")}
    waived = cases["policy waived-host-port.yaml"]
    assert waived.find("failure") is None
    assert "(waived: node-local DNS cache answers on the node's port 53)" in waived.find("system-out").text
    assert cases["policy sensitive-host-mount.yaml"].find("failure") is not None


@pytest.mark.parametrize("text, message", [
    ("waivers: {path: a.yaml}\n", "'waivers' must be a list"),
    ("waivers:\n  - rule: policy/host-port\n    reason: x\n", "waiver 1 needs a path and a rule"),
])
def test_malformed_waivers_are_usage_errors(tmp_path, text, message):
    path = tmp_path / ".planforge.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        from_file(path)
    assert message in str(caught.value)
    assert caught.value.problems[0].line and caught.value.problems[0].hint


def test_warning_rules_are_warnings():
    assert severity_of("policy/read-only-root-filesystem") is Severity.WARNING
    assert severity_of("policy/host-port") is Severity.ERROR


def test_settings_waiver_of_no_policy_rule_is_a_finding_and_waives_nothing():
    from planforge.validate.base import Waiver
    from planforge.validate.policy import usable_waivers

    usable, problems = usable_waivers([Waiver("a.yaml", "host-ports", "typo", 3),
                                       Waiver("b.yaml", "host-port", "  the DNS cache  ", 6)])
    assert [(w.path, w.rule, w.reason) for w in usable] == [("b.yaml", "policy/host-port", "the DNS cache")]
    assert [(p.rule, p.file, p.line) for p in problems] == [("policy/waiver-unknown-rule", ".planforge.yaml", 3)]


def test_waivers_in_the_validate_section_keep_their_lines(tmp_path):
    path = tmp_path / ".planforge.yaml"
    path.write_text("strict: true\nvalidate:\n  waivers:\n    - {path: a.yaml, rule: host-port}\n"
                    "    - path: b.yaml\n      rule: host-path\n      reason: logs\n")
    waivers = from_file(path)["waivers"]
    assert [(w.path, w.reason, w.line) for w in waivers] == [("a.yaml", "", 4), ("b.yaml", "logs", 5)]


def test_no_waivers_from_the_environment(tmp_path, capsys, monkeypatch):
    repo = _repo(tmp_path, "strict: true\n")
    monkeypatch.setenv("PLANFORGE_NO_WAIVERS", "1")
    code, out = _run(capsys, repo, "--format", "json")
    assert code == 1 and json.loads(out)["summary"]["waived"] == 0
    monkeypatch.delenv("PLANFORGE_NO_WAIVERS")
    code, out = _run(capsys, repo, "--format", "json")
    assert json.loads(out)["summary"]["waived"] == 1
