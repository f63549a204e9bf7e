"""`planforge validate` from the command line: exit codes, option parsing, formats, settings precedence."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from testlib import KUBECONFORM_COMPAT

from planforge.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
POLICY = FIXTURES / "policy"
REPORT_SCHEMA = REPO / "src" / "planforge" / "data" / "report.schema.json"
SARIF_SCHEMA = FIXTURES / "sarif-schema-2.1.0.json"
# An unknown field (spec.replicas on a DaemonSet): valid by default, an error with --strict.
EXTRA_PROPERTY = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: nginx-ds
spec:
  replicas: 2
  selector:
    matchLabels: {k8s-app: nginx-ds}
  template:
    metadata:
      labels: {k8s-app: nginx-ds}
    spec:
      containers:
        - image: nginx:1.27.3
          name: nginx
"""
SETTINGS_ENV = [k for k in os.environ if k.startswith("PLANFORGE_") and k not in ("PLANFORGE_DEBUG",)]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for key in SETTINGS_ENV:
        monkeypatch.delenv(key, raising=False)


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None, cwd: Path | None = None):
    """Run `python -m planforge validate ARGS` in a subprocess: (exit code, stdout, stderr)."""
    full_env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    full_env["PYTHONPATH"] = str(REPO / "src")
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "planforge", "validate", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, cwd=cwd, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------- exit codes


def test_clean_file_exits_0(capsys):
    code, out, _ = run_main(capsys, "--only", "schemas,policy", str(POLICY / "good.yaml"))
    assert code == 0
    assert out.splitlines()[-1].startswith("0 errors, 0 warnings, 0 infos, 0 skipped in 3 checks")


def test_findings_exit_1_with_file_line_rule(capsys):
    code, out, _ = run_main(capsys, "--only", "policy", str(POLICY / "image-latest.yaml"))
    assert code == 1
    line = (POLICY / "image-latest.yaml").read_text().splitlines().index("          image: nginx:latest") + 1
    assert f"{POLICY / 'image-latest.yaml'}:{line}: error [policy/image-tag]" in out


def test_missing_path_exits_1(capsys):
    code, out, _ = run_main(capsys, "--only", "schemas", "does/not/exist.yaml")
    assert code == 1
    assert "does/not/exist.yaml: error [input/missing-path] open does/not/exist.yaml: no such file or directory" in out


@pytest.mark.parametrize("args, message", [
    (["--only", "helmet"], "unknown validator 'helmet' in --only"),
    (["--format", "xml"], "--format must be one of text, json, junit, sarif"),
    (["--schema-engine", "fast"], "--schema-engine must be one of auto, embedded, kubeconform"),
    (["-j", "many"], "option --jobs is invalid"),
    (["--kube-version", "latest"], "option --kube-version is invalid"),
    (["--ignore-filename-pattern", "a("], "is not a valid regular expression"),
    (["--terraform-plugin-mirror", "/no/such/mirror"], "does not exist"),
    (["-", "-"], "stdin (-) can be given only once"),
])
def test_usage_errors_exit_2_with_one_sentence(capsys, args, message):
    code, out, err = run_main(capsys, *args, str(POLICY / "good.yaml"))
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("fixture, tool", [
    ("terraform/unformatted", "terraform is not on PATH"),
    ("kustomize/missing-resource", "neither kustomize nor kubectl is on PATH"),
])
def test_missing_tool_exits_2_with_one_sentence(tmp_path, fixture, tool):
    """A tool the repository needs is missing: exit 2 and one sentence, never findings or a traceback."""
    code, out, err = cli(str(FIXTURES / fixture), env={"PATH": str(tmp_path)})
    assert code == 2, (out, err)
    assert err.startswith(f"planforge: {tool}") and err.count("\n") == 1 and "Traceback" not in err
    # the same tools are not needed where there is nothing for them
    assert cli(str(FIXTURES / "policy" / "good.yaml"), env={"PATH": str(tmp_path)})[0] == 0


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--only"])
    assert exc.value.code == 2
    assert "expected one argument" in capsys.readouterr().err


def test_unwritable_output_exits_2(capsys, tmp_path):
    code, _, err = run_main(capsys, "--only", "schemas", "-o", str(tmp_path / "no" / "dir" / "r.json"),
                            str(POLICY / "good.yaml"))
    assert code == 2 and "cannot write the report" in err


# ----------------------------------------------------------------- option parsing


def parse(*args: str):
    return build_parser().parse_args(["validate", *args])


def test_value_options_repeat_and_mix_with_paths():
    from planforge.cli.validate import cli_settings

    args = parse("a", "--skip", "Secret", "b", "--skip", "v1/ConfigMap,Job", "--only", "schemas", "c",
                 "--only", "policy", "--schema-location", "x/{{ .ResourceKind }}.json", "--schema-location", "y",
                 "--ignore-filename-pattern", "a{1,2}", "--reject", "Pod", "-j", "3", "-j", "2", "--format", "json")
    assert args.paths == ["a", "b", "c"]
    assert args.only == ["schemas", "policy"]
    settings = cli_settings(args)
    assert settings["skip_kinds"] == ["Secret", "v1/ConfigMap", "Job"]
    assert settings["reject_kinds"] == ["Pod"]
    assert settings["schema_locations"] == ["x/{{ .ResourceKind }}.json", "y"]
    assert settings["ignore_filename_patterns"] == ["a{1,2}"]  # regexes are never split on commas
    assert settings["jobs"] == "2"  # the last value wins for single-valued options
    assert settings["strict"] is None  # not given: the environment or the file decide


def test_each_option_takes_exactly_one_value():
    args = parse("--skip", "A", "B")
    assert args.skip == ["A"] and args.paths == ["B"]


def test_mixed_options_and_paths_end_to_end(tmp_path):
    out = tmp_path / "r.json"
    code, _, err = cli(str(POLICY / "good.yaml"), "--only", "policy", str(POLICY / "seccomp.yaml"), "--format",
                       "json", "-o", str(out), "--only", "schemas")
    assert code == 1, err
    data = json.loads(out.read_text())
    assert data["paths"] == [str(POLICY / "good.yaml"), str(POLICY / "seccomp.yaml")]
    assert {c["validator"] for c in data["checks"]} == {"policy", "schemas"}
    assert [f["rule"] for c in data["checks"] for f in c["findings"]] == ["policy/seccomp"]
    assert "1 error" in err  # the summary line goes to stderr when the report goes to a file


def test_skip_and_reject_repeated(capsys, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
                    "apiVersion: v1\nkind: Secret\nmetadata: {name: b}\n")
    code, out, _ = run_main(capsys, "--only", "schemas", "--reject", "Pod", "--reject", "Secret", str(path))
    assert code == 1 and "schemas/rejected" in out
    # as in kubeconform, a skipped kind is not rejected
    assert run_main(capsys, "--only", "schemas", "--reject", "Secret", "--skip", "ConfigMap", "--skip", "Secret",
                    str(path))[0] == 0


# ----------------------------------------------------------------- stdin


def test_stdin_dash():
    code, out, _ = cli("--only", "schemas,policy", "-", stdin=(POLICY / "readiness-probe.yaml").read_text())
    assert code == 1
    line = (POLICY / "readiness-probe.yaml").read_text().splitlines().index("        - name: web") + 1
    assert f"stdin:{line}: error [policy/readiness-probe]" in out
    code, _, _ = cli("--only", "schemas,policy", "-", stdin=(POLICY / "good.yaml").read_text())
    assert code == 0


# ----------------------------------------------------------------- formats


def test_json_junit_sarif_outputs_validate(tmp_path):
    target = tmp_path / "repo"
    shutil.copytree(FIXTURES / "helm" / "clean", target)  # a chart: lint, renderings, their schema and policy checks
    shutil.copy(POLICY / "capabilities.yaml", target / "app.yaml")
    reports = {}
    for fmt in ("json", "junit", "sarif"):
        out = tmp_path / f"report.{fmt}"
        code, stdout, err = cli("--only", "schemas,policy,helm", "--format", fmt, "-o", str(out), str(target))
        assert code == 1, err
        assert stdout == ""
        reports[fmt] = out.read_text()
    data = json.loads(reports["json"])
    jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(data)
    assert [f["rule"] for c in data["checks"] for f in c["findings"]] == ["policy/capabilities"]
    assert {c["validator"] for c in data["checks"]} == {"helm", "schemas", "policy"}
    assert any(c["target"].startswith("helm template") for c in data["checks"])
    xmlschema.XMLSchema(str(KUBECONFORM_COMPAT / "fixtures" / "junit.xsd")).validate(reports["junit"])
    assert 'type="policy/capabilities"' in reports["junit"]
    sarif = json.loads(reports["sarif"])
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "policy/capabilities"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.yaml"
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["shortDescription"]["text"].startswith("Containers must drop ALL capabilities")


def test_format_to_stdout(capsys):
    code, out, _ = run_main(capsys, "--only", "policy", "--format", "sarif", str(POLICY / "good.yaml"))
    assert code == 0 and json.loads(out)["version"] == "2.1.0"


# ----------------------------------------------------------------- settings precedence


@pytest.fixture
def strict_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "ds.yaml").write_text(EXTRA_PROPERTY)
    (repo / ".planforge.yaml").write_text("# generated\nstrict: true\nkube_version: '1.29'\n")
    return repo


def test_planforge_yaml_applies(capsys, strict_repo):
    code, out, _ = run_main(capsys, "--only", "schemas", "--format", "json", str(strict_repo))
    data = json.loads(out)
    assert code == 1 and data["settings"] == {"kube_version": "1.29.0", "strict": True, "notices": []}
    assert [f["json_path"] for c in data["checks"] for f in c["findings"]] == ["spec.replicas"]


def test_environment_overrides_file_and_cli_overrides_environment(strict_repo, monkeypatch, capsys):
    monkeypatch.setenv("PLANFORGE_STRICT", "false")
    assert run_main(capsys, "--only", "schemas", str(strict_repo))[0] == 0
    assert run_main(capsys, "--only", "schemas", "--strict", str(strict_repo))[0] == 1
    monkeypatch.delenv("PLANFORGE_STRICT")
    assert run_main(capsys, "--only", "schemas", "--no-strict", str(strict_repo))[0] == 0
    monkeypatch.setenv("PLANFORGE_KUBE_VERSION", "1.30")
    _, out, _ = run_main(capsys, "--only", "schemas", "--format", "json", str(strict_repo))
    assert json.loads(out)["settings"]["kube_version"] == "1.30.0"
    _, out, _ = run_main(capsys, "--only", "schemas", "--format", "json", "--kube-version", "1.29.2", str(strict_repo))
    assert json.loads(out)["settings"]["kube_version"] == "1.29.2"


def test_settings_file_comes_from_the_first_directory_path(strict_repo, tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "ds.yaml").write_text(EXTRA_PROPERTY)
    assert run_main(capsys, "--only", "schemas", str(other), str(strict_repo))[0] == 0  # other has no file
    assert run_main(capsys, "--only", "schemas", str(strict_repo), str(other))[0] == 1


def test_settings_file_default_path_is_the_current_directory(strict_repo):
    assert cli("--only", "schemas", cwd=strict_repo)[0] == 1
    assert cli("--only", "schemas", cwd=strict_repo, env={"PLANFORGE_STRICT": "0"})[0] == 0


def test_invalid_settings_exit_2(strict_repo, capsys, monkeypatch):
    monkeypatch.setenv("PLANFORGE_STRICT", "maybe")
    code, _, err = run_main(capsys, str(strict_repo))
    assert code == 2 and "PLANFORGE_STRICT" in err
    monkeypatch.delenv("PLANFORGE_STRICT")
    (strict_repo / ".planforge.yaml").write_text("strict: true\njobs: lots\n")
    code, _, err = run_main(capsys, str(strict_repo))
    assert code == 2 and ".planforge.yaml" in err and "jobs" in err and ":2:" in err


# ----------------------------------------------------------------- lazy imports


def test_only_schemas_imports_nothing_heavy(tmp_path):
    (tmp_path / "app.yaml").write_text((POLICY / "good.yaml").read_text())
    code, _, err = cli_importtime("--only", "schemas", str(tmp_path))
    assert code == 0, err
    imported = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in err.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "planforge" in imported and "yaml" in imported  # the measurement saw the run
    assert not imported & {"copier", "kubernetes", "hcl2", "lark", "pydantic", "helm_python", "pyhelm3"}


def cli_importtime(*args: str):
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env["PYTHONPATH"] = str(REPO / "src")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "planforge", "validate", *args],
                          capture_output=True, text=True, env=env, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_ignored_missing_schema_is_reported_as_skipped_and_fails_with_fail_on_skip(capsys):
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "widget-crd-kind.yaml"
    code, out, _ = run_main(capsys, "--only", "schemas", "--ignore-missing-schemas", str(fixture))
    assert code == 0
    assert out.splitlines()[-1].startswith("0 errors, 0 warnings, 0 infos, 1 skipped in 1 check (schemas: 1 check, 1 skipped)")
    assert "no schema for Widget (widgets.example.com/v1); --ignore-missing-schemas" in out
    code, out, _ = run_main(capsys, "--only", "schemas", "--ignore-missing-schemas", "--fail-on-skip", str(fixture))
    assert code == 1 and "[schemas/skipped]" in out
