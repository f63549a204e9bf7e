"""`planforge report merge`: shard reports combine into one valid SARIF, JUnit, JSON or text report."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from report_samples import sample_checks
from test_machine_formats import junit_xsd, validate_json_report, validate_sarif

from planforge.cli import main
from planforge.report import ReportMeta, render
from planforge.validate.base import Check, Finding, Severity, Status


def _write(path: Path, checks: list[Check], **meta: object) -> str:
    path.write_text(render("json", checks, ReportMeta(kube_version="1.29.0", strict=True, **meta)))
    return str(path)


@pytest.fixture
def shards(tmp_path: Path) -> list[str]:
    """The sample checks split over three shard reports."""
    checks = sample_checks()
    parts = [checks[:3], checks[3:6], checks[6:]]
    return [_write(tmp_path / f"shard-{i}.json", part, elapsed=float(i)) for i, part in enumerate(parts, 1)]


def _merge(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", "merge", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_merged_sarif_validates_and_counts_every_finding(shards, capsys):
    code, out, _ = _merge(capsys, *shards, "--format", "sarif", "--sarif-category", "planforge/")
    assert code == 1
    data = validate_sarif(out)
    [run] = data["runs"]
    assert run["automationDetails"] == {"id": "planforge/"}
    expected = sum(len(c["findings"]) for s in shards for c in json.loads(Path(s).read_text())["checks"])
    assert len(run["results"]) == expected == 7
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(ids) == len(set(ids))
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    assert [n["descriptor"]["id"] for n in run["invocations"][0]["toolExecutionNotifications"]] == ["terraform/skipped"]


def test_merged_junit_validates_and_counts_every_check(shards, capsys, tmp_path):
    out_file = tmp_path / "merged.xml"
    code, out, err = _merge(capsys, *shards, "--format", "junit", "-o", str(out_file))
    assert code == 1 and out == "" and "8 checks" in err
    text = out_file.read_text()
    junit_xsd().validate(text)
    root = ET.fromstring(text)
    assert root.get("tests") == "8" and len(root.findall("./testsuite/testcase")) == 8
    assert root.get("failures") == "3" and root.get("errors") == "1"


def test_merged_json_summary_is_the_sum_of_the_shards(shards, capsys):
    code, out, _ = _merge(capsys, *shards, "--format", "json")
    merged = validate_json_report(out)
    parts = [json.loads(Path(s).read_text())["summary"] for s in shards]
    for count in ("checks", "passed", "failed", "skipped", "errors", "warnings", "infos"):
        assert merged["summary"][count] == sum(p[count] for p in parts), count
    whole = json.loads(render("json", sample_checks()))
    assert merged["summary"] == whole["summary"]
    assert merged["exit_code"] == code == 1
    assert merged["elapsed"] == 3.0  # the longest shard: shards run side by side
    assert merged["settings"]["strict"] is True and merged["settings"]["kube_version"] == "1.29.0"


def test_merge_order_does_not_depend_on_the_argument_order(shards, capsys):
    forward = json.loads(_merge(capsys, *shards, "--format", "json")[1])["checks"]
    backward = json.loads(_merge(capsys, *reversed(shards), "--format", "json")[1])["checks"]
    assert forward == backward
    validators = [c["validator"] for c in forward]
    assert validators == ["terraform", "terraform", "helm", "helm", "argocd", "schemas", "policy", "input"]


def test_the_same_check_from_overlapping_shards_is_kept_once(shards, capsys, tmp_path):
    everything = _write(tmp_path / "full.json", sample_checks())
    merged = json.loads(_merge(capsys, *shards, everything, "--format", "json")[1])
    assert merged["summary"]["checks"] == 8 and merged["summary"]["errors"] == 5


def test_disagreeing_runs_of_the_same_check_are_refused(shards, capsys, tmp_path):
    other = _write(tmp_path / "other.json", [Check("schemas", "schema", "k8s/app.yaml", Status.FAILED, [
        Finding("schemas", "schemas/invalid", Severity.ERROR, "bad", file="k8s/app.yaml", line=1)])])
    code, out, err = _merge(capsys, *shards, other)
    assert code == 2 and out == ""
    assert "two reports disagree" in err and "schemas/schema on k8s/app.yaml" in err
    assert str(tmp_path / "other.json") in err and "shard-2.json" in err


def test_reports_of_different_settings_are_refused(shards, capsys, tmp_path):
    lax = tmp_path / "lax.json"
    lax.write_text(render("json", [], ReportMeta(kube_version="1.29.0", strict=False)))
    code, _, err = _merge(capsys, shards[0], str(lax))
    assert code == 2 and f"{lax}: strict is False here but True in" in err


@pytest.mark.parametrize("content, expected", [
    ('{"schema_version": 1,\n  "tool": ', ":2: not JSON"),
    ('{"schema_version": 2}', "not a planforge JSON report"),
    ('{"runs": []}', "not a planforge JSON report"),
])
def test_unreadable_reports_name_the_file_and_a_fix(tmp_path, capsys, content, expected):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, out, err = _merge(capsys, str(bad))
    assert code == 2 and out == ""
    assert f"{bad}" in err and expected in err and "fix: give the reports" in err and "Traceback" not in err


def test_a_missing_report_is_a_usage_error(tmp_path, capsys):
    code, _, err = _merge(capsys, str(tmp_path / "shard-9.json"))
    assert code == 2 and "shard-9.json: cannot read it" in err


def test_clean_shards_merge_to_exit_0(tmp_path, capsys):
    clean = [_write(tmp_path / f"s{i}.json", [Check("schemas", "schema", f"k8s/{i}.yaml", Status.PASSED)])
             for i in range(2)]
    code, out, _ = _merge(capsys, *clean)
    assert code == 0 and "2 checks" in out


def test_validate_sets_the_sarif_category(tmp_path, capsys):
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n")
    code = main(["validate", str(tmp_path), "--only", "schemas", "--format", "sarif",
                 "--sarif-category", "planforge/shard-1-of-3/"])
    data = validate_sarif(capsys.readouterr().out)
    assert code == 0 and data["runs"][0]["automationDetails"] == {"id": "planforge/shard-1-of-3/"}
    main(["validate", str(tmp_path), "--only", "schemas", "--format", "sarif"])
    assert "automationDetails" not in json.loads(capsys.readouterr().out)["runs"][0]


@pytest.mark.parametrize("category, shard, expected", [
    (None, ["2/3"], "planforge/shard-2-of-3/"),
    (["mine/"], ["2/3"], "mine/"),
    (None, None, None),
])
def test_a_shard_gets_its_own_sarif_category(category, shard, expected):
    import argparse

    from planforge.cli.validate import sarif_category

    assert sarif_category(argparse.Namespace(sarif_category=category, shard=shard)) == expected


def test_reports_validate_wrote_merge_into_the_sum(tmp_path, capsys):
    """Two real validate runs of one repository (schemas, then policy) merge into one report counting both."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: 3\n")
    (repo / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                                   "    - name: c\n      image: nginx:latest\n")
    reports = []
    for only in ("schemas", "policy"):
        report = tmp_path / f"{only}.json"
        main(["validate", str(repo), "--only", only, "--format", "json", "-o", str(report)])
        reports.append(json.loads(report.read_text()))
    capsys.readouterr()
    code, out, _ = _merge(capsys, str(tmp_path / "policy.json"), str(tmp_path / "schemas.json"), "--format", "json")
    merged = validate_json_report(out)
    assert code == 1 and merged["paths"] == [str(repo)]
    for count in ("checks", "errors", "warnings"):
        assert merged["summary"][count] == sum(r["summary"][count] for r in reports), count
    assert reports[0]["summary"]["errors"] >= 1 and reports[1]["summary"]["errors"] >= 1
    assert [c["validator"] for c in merged["checks"]] == sorted(
        (c["validator"] for c in merged["checks"]), key=["schemas", "policy"].index)


def test_reports_of_different_paths_are_refused(shards, capsys, tmp_path):
    other = _write(tmp_path / "other.json", [], paths=["elsewhere"])
    code, _, err = _merge(capsys, shards[0], other)
    assert code == 2 and "paths is ['elsewhere'] here but ['.'] in" in err and "same PATHs" in err
