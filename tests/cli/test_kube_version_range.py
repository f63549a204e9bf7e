"""A Kubernetes version outside the packaged schema range validates against the nearest packaged version,
with a notice in the report, so a repository generated for such a version passes its own CI."""
from __future__ import annotations

import json

import pytest

from planforge.cli import main
from planforge.validate.schemas.locations import nearest_packaged_version

from testlib import PLANS

KUBE_124 = PLANS / "tools" / "helm-chart-kube124.plan.md"


def test_nearest_packaged_version_only_outside_the_range():
    assert nearest_packaged_version("1.24") == "1.25.0"
    assert nearest_packaged_version("1.2") == "1.25.0"
    assert nearest_packaged_version("1.29") is None
    assert nearest_packaged_version("1.99") is not None and nearest_packaged_version("1.99") != "1.99.0"
    assert nearest_packaged_version("master") is None


@pytest.fixture(scope="module")
def repo_124(tmp_path_factory):
    dest = tmp_path_factory.mktemp("kube124") / "repo"
    assert main(["new", str(KUBE_124), str(dest), "--no-git"]) == 0
    assert 'kube_version: "1.24"' in (dest / ".planforge.yaml").read_text(encoding="utf-8")
    return dest


def test_generated_repository_for_kubernetes_124_passes_its_own_strict_validation(repo_124, capsys, monkeypatch):
    monkeypatch.chdir(repo_124)
    code = main(["validate", "--strict", "--only", "helm,schemas,policy"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "notice: Kubernetes 1.24.0 is outside the packaged schema range" in out
    assert "1.25.0" in out


def test_notice_is_in_the_json_report(repo_124, capsys, monkeypatch):
    monkeypatch.chdir(repo_124)
    assert main(["validate", "--strict", "--only", "schemas", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["settings"]["kube_version"] == "1.25.0"
    assert "Kubernetes 1.24" in report["settings"]["notices"][0]


def test_schema_location_given_no_nearest_version(repo_124, capsys, monkeypatch, tmp_path):
    """--schema-location entries serve the asked version: no fallback, no notice (the packaged schemas have
    no 1.24, which is still said as an error)."""
    monkeypatch.chdir(repo_124)
    code = main(["validate", "--strict", "--only", "schemas", "--schema-location", str(tmp_path)])
    captured = capsys.readouterr()
    assert code != 0
    assert "notice:" not in captured.out
    assert "no Kubernetes schemas for version 1.24" in captured.err + captured.out
