"""`planforge validate --write-baseline FILE` / `--baseline FILE`: adopting validate on a repository with findings.
The baseline hides the findings it records, also after lines are added above them, and every new finding is still
reported and fails the run. The baseline is input: a malformed, oversized or non-regular one is a usage error naming
the file, and a repository cannot name one in `.planforge.yaml`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from planforge.cli import main

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: app
          image: nginx:latest
"""


def _validate(repo: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, dict, str]:
    report = repo.parent / "report.json"
    code = main(["validate", "--only", "policy", "--format", "json", "-o", str(report), *options, str(repo)])
    err = capsys.readouterr().err
    return code, (json.loads(report.read_text()) if code != 2 else {}), err


def _findings(report: dict) -> list[tuple[str, str, str]]:
    return sorted((f["rule"], f["file"], f["message"]) for c in report["checks"] for f in c["findings"]
                  if f["severity"] != "info")


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "web.yaml").write_text(DEPLOYMENT.format(name="web"))
    return root


def test_the_baseline_hides_old_findings_across_line_shifts_and_reports_new_ones(repo, tmp_path, capsys) -> None:
    baseline = tmp_path / "baseline.json"
    code, before, _ = _validate(repo, capsys)
    assert code == 1 and _findings(before), before
    code, written, _ = _validate(repo, capsys, "--write-baseline", str(baseline))
    assert code == 0 and _findings(written) == _findings(before)
    recorded = json.loads(baseline.read_text())
    assert recorded["version"] == 1 and sum(e["count"] for e in recorded["findings"]) == len(_findings(before))

    code, suppressed, err = _validate(repo, capsys, "--baseline", str(baseline))
    assert code == 0 and _findings(suppressed) == [], suppressed
    notice = f"{len(_findings(before))} finding(s) suppressed"
    assert any(notice in n for n in suppressed["settings"]["notices"]) and notice in err, (suppressed, err)

    # Lines above the old findings (a comment block, a document before it) move them; they stay suppressed.
    (repo / "web.yaml").write_text("# owned by the shop team\n# reviewed 2024-01-01\n"
                                   + DEPLOYMENT.format(name="web"))
    code, shifted, _ = _validate(repo, capsys, "--baseline", str(baseline))
    assert code == 0 and _findings(shifted) == [], shifted

    # A new defect: a second Deployment. Only its findings are reported, and they fail the run.
    (repo / "api.yaml").write_text(DEPLOYMENT.format(name="api"))
    code, new, _ = _validate(repo, capsys, "--baseline", str(baseline))
    assert code == 1
    assert _findings(new) and {file for _, file, _ in _findings(new)} == {"api.yaml"}, new
    assert len(_findings(new)) == len(_findings(before))


def test_the_same_finding_twice_in_one_file_is_new_beyond_the_recorded_count(repo, tmp_path, capsys) -> None:
    baseline = tmp_path / "baseline.json"
    assert _validate(repo, capsys, "--write-baseline", str(baseline))[0] == 0
    (repo / "web.yaml").write_text(DEPLOYMENT.format(name="web") + "---\n" + DEPLOYMENT.format(name="web"))
    code, report, _ = _validate(repo, capsys, "--baseline", str(baseline))
    assert code == 1 and {file for _, file, _ in _findings(report)} == {"web.yaml"}


@pytest.mark.parametrize("content, reason", [
    ("{not json", "not JSON"),
    ('{"version": 2, "findings": []}', "not a planforge baseline"),
    ('{"version": 1, "findings": [{"fingerprint": "abc", "count": 1}]}', "findings[0]"),
    ('{"version": 1, "findings": [{"fingerprint": "' + "a" * 64 + '", "count": 0}]}', "findings[0]"),
    ("[" * 100_000 + "]" * 100_000, "not JSON"),
    ("directory", "not a regular file"),
    ("oversized", "over the 1 MiB limit"),
])
def test_a_baseline_that_is_not_one_is_a_usage_error_naming_it(repo, tmp_path, capsys, content, reason) -> None:
    baseline = tmp_path / "baseline.json"
    if content == "directory":
        baseline.mkdir()
    elif content == "oversized":
        baseline.write_text('{"version": 1, "findings": []}' + " " * (1024 * 1024))
    else:
        baseline.write_text(content)
    code, _, err = _validate(repo, capsys, "--baseline", str(baseline), "--max-file-size", "1")
    assert code == 2, err
    assert f"the baseline {baseline} cannot be used" in err and reason in err and "Traceback" not in err, err


def test_a_repository_cannot_name_its_own_baseline(repo, tmp_path, capsys) -> None:
    (repo / "baseline.json").write_text('{"version": 1, "findings": []}')
    (repo / ".planforge.yaml").write_text("strict: true\nbaseline: baseline.json\n")
    code, _, err = _validate(repo, capsys)
    assert code == 2
    assert ".planforge.yaml:2:" in err and "'baseline' is not read from the settings file" in err
    assert "--baseline FILE" in err and "PLANFORGE_BASELINE" in err


def test_the_environment_names_a_baseline(repo, tmp_path, capsys, monkeypatch) -> None:
    baseline = tmp_path / "baseline.json"
    assert _validate(repo, capsys, "--write-baseline", str(baseline))[0] == 0
    monkeypatch.setenv("PLANFORGE_BASELINE", str(baseline))
    code, report, _ = _validate(repo, capsys)
    assert code == 0 and _findings(report) == []
