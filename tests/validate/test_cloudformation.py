"""The CloudFormation validator with the real cfn-lint (installed by the test extra).

`tests/fixtures/cloudformation/good` holds a clean YAML template (short-form intrinsics) and a SAM template in JSON;
`not-templates/` holds files with the same words that are no templates. Defects are injected into copies.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from planforge.cli import main
from planforge.errors import UsageError
from planforge.validate.base import Check, Context, Settings, Severity, Status
from planforge.validate.cloudformation import CloudFormationValidator
from planforge.validate.cloudformation import batch as batch_module
from planforge.validate.cloudformation import validator as validator_module
from planforge.validate.cloudformation.cli import cfn_lint_binary
from planforge.validate.runner import list_units, run_validation
from planforge.validate.settings import resolve_settings
from planforge.validate.unit_selection import Selection

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cloudformation"
GOOD = FIXTURES / "good"
STORAGE = "storage.yaml"
# A Python file cfn-lint imports as a rule module: it writes the canary when it runs.
CANARY_RULE = "import pathlib\npathlib.Path({canary!r}).write_text('ran')\n"
SECRET = "SECRET-4f1c9a"


def needs_cfn_lint() -> str:
    binary = cfn_lint_binary()
    if binary is None:
        pytest.skip("cfn-lint is not installed (pip install -e '.[test]')")
    return binary


def make_ctx(root: Path, workdir: Path, **settings: object) -> Context:
    workdir.mkdir(parents=True, exist_ok=True)
    values: dict[str, object] = {"timeout": 120, **settings}
    return Context(root.resolve(), Settings(**values), lambda docs, origin: [], workdir)  # type: ignore[arg-type]


def run(root: Path, workdir: Path, **settings: object) -> list[Check]:
    validator = CloudFormationValidator()
    ctx = make_ctx(root, workdir, **settings)
    return [c for t in validator.discover(ctx) for c in validator.run(t, ctx)]


def findings(checks: list[Check]) -> list[tuple[str, str | None, int | None]]:
    return [(f.rule, f.file, f.line) for c in checks for f in c.findings]


def repo_with_storage(tmp_path: Path, old: str = "", new: str = "") -> Path:
    """A repository holding the good storage template, `old` replaced by `new`."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / STORAGE).write_text((GOOD / STORAGE).read_text().replace(old, new) if old else (GOOD / STORAGE).read_text())
    return repo


def typo_repo(tmp_path: Path) -> Path:
    return repo_with_storage(tmp_path, "      BucketName:", "      BucketNam:")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- discovery


def test_templates_are_found_by_content_and_nothing_else_is(tmp_path: Path) -> None:
    ctx = make_ctx(FIXTURES, tmp_path)
    targets = CloudFormationValidator().discover(ctx)
    assert [t.display for t in targets] == ["good/function.json", "good/storage.yaml"]


@pytest.mark.parametrize("text", [
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nResources:\n  B:\n    Type: AWS::S3::Bucket\n",
    "name: ci\non: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo AWS::S3 Resources\n",
    "- hosts: all\n  tasks:\n    - debug: {msg: 'Resources AWS::S3::Bucket'}\n",
    "Resources:\n  B:\n    Type: Org::Service::Thing\n",
    "Resources: AWS::S3::Bucket\n",
])
def test_files_with_the_words_but_not_the_shape_are_not_templates(tmp_path: Path, text: str) -> None:
    write(tmp_path / "file.yaml", text)
    assert CloudFormationValidator().discover(make_ctx(tmp_path, tmp_path / "work")) == []


def test_github_workflows_helm_charts_and_hidden_files_are_not_searched(tmp_path: Path) -> None:
    template = (GOOD / STORAGE).read_text()
    for place in (".github/workflows/deploy.yml", "charts/web/templates/stack.yaml", ".stack.yaml",
                  "node_modules/x/stack.yaml"):
        write(tmp_path / place, template)
    write(tmp_path / "charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
    assert CloudFormationValidator().discover(make_ctx(tmp_path, tmp_path / "work")) == []


def test_sam_transform_and_a_template_that_does_not_parse_are_templates(tmp_path: Path) -> None:
    write(tmp_path / "sam.yaml", "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: Org::X\n")
    write(tmp_path / "broken.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n")
    targets = CloudFormationValidator().discover(make_ctx(tmp_path, tmp_path / "work"))
    assert [t.display for t in targets] == ["broken.yaml", "sam.yaml"]


def test_huge_and_deeply_nested_yaml_does_not_hang_discovery(tmp_path: Path) -> None:
    bomb = ["AWSTemplateFormatVersion: '2010-09-09'", 'a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    bomb += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
             f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
             for i in range(9)]
    write(tmp_path / "bomb.yaml", "\n".join(bomb) + "\nResources: {}\n")
    write(tmp_path / "deep.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: " + "[" * 5000 + "]" * 5000)
    start = time.monotonic()
    checks = run(tmp_path, tmp_path / "work")
    assert time.monotonic() - start < 30
    assert sorted(findings(checks)) == [("input/too-complex", "bomb.yaml", 1), ("input/too-complex", "deep.yaml", 2)]


# --------------------------------------------------------------------------- cfn-lint findings


def test_good_templates_pass_with_no_finding(tmp_path: Path) -> None:
    needs_cfn_lint()
    checks = run(GOOD, tmp_path)
    assert [(c.target, c.status, c.findings) for c in checks] == [
        ("function.json", Status.PASSED, []), ("storage.yaml", Status.PASSED, [])]
    assert all((c.tool or "").startswith("cfn-lint ") for c in checks)


def test_a_wrong_property_is_an_error_at_its_file_and_line(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    needs_cfn_lint()
    repo = typo_repo(tmp_path)
    [check] = run(repo, tmp_path / "work")
    [finding] = check.findings
    assert (finding.rule, finding.file, finding.line, finding.severity) == (
        "cloudformation/E3002", STORAGE, 14, Severity.ERROR)
    assert "BucketNam" in finding.message and finding.json_path == "Resources.Bucket.Properties.BucketNam"
    assert finding.hint and "https://" in finding.hint
    assert check.status is Status.FAILED
    assert main(["validate", str(repo), "--only", "cloudformation", "--no-cache"]) == 1
    assert f"{STORAGE}:14:7: error [cloudformation/E3002]" in capsys.readouterr().out


def test_a_value_of_the_wrong_type_is_an_error(tmp_path: Path) -> None:
    needs_cfn_lint()
    repo = repo_with_storage(tmp_path, "DelaySeconds: 5", "DelaySeconds: soon")
    assert findings(run(repo, tmp_path / "work")) == [("cloudformation/E3012", STORAGE, 20)]


def test_a_syntax_error_is_reported_at_its_line(tmp_path: Path) -> None:
    needs_cfn_lint()
    write(tmp_path / "repo/broken.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n")
    assert findings(run(tmp_path / "repo", tmp_path / "work")) == [("cloudformation/E0000", "broken.yaml", 3)]


def test_regions_are_a_setting(tmp_path: Path) -> None:
    assert resolve_settings({"cloudformation_regions": "eu-west-1,us-east-2"}, {}).cloudformation_regions == [
        "eu-west-1", "us-east-2"]
    assert resolve_settings({}, {"PLANFORGE_CLOUDFORMATION_REGIONS": "eu-west-1"}).cloudformation_regions == [
        "eu-west-1"]
    assert Settings().cloudformation_regions == ["us-east-1"]
    with pytest.raises(UsageError, match="not an AWS region"):
        resolve_settings({"cloudformation_regions": "Europe"}, {})
    needs_cfn_lint()
    [check] = run(GOOD, tmp_path, cloudformation_regions=["xx-north-9"])[1:]
    assert findings([check]) == [("cloudformation/tool-failure", STORAGE, None)]
    assert "xx-north-9" in check.findings[0].message


def test_a_template_s_ignore_checks_are_visible_waivers(tmp_path: Path) -> None:
    needs_cfn_lint()
    repo = repo_with_storage(tmp_path, "  Queue:\n    Type: AWS::SQS::Queue\n",
                             "  Queue:\n    Type: AWS::SQS::Queue\n    Metadata:\n      cfn-lint:\n        config:\n"
                             "          ignore_checks: [E3012]\n")
    queue = repo / STORAGE
    queue.write_text(queue.read_text().replace("DelaySeconds: 5", "DelaySeconds: soon")
                     .replace("      BucketName:", "      BucketNam:")
                     .replace('AWSTemplateFormatVersion: "2010-09-09"\n',
                              'AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n  cfn-lint:\n    config:\n'
                              '      ignore_checks: [E300]\n'))
    [check] = run(repo, tmp_path / "work")
    waived = {(f.rule, f.waived_by) for f in check.findings if f.waived}
    assert waived == {("cloudformation/E3002", "annotation"), ("cloudformation/E3012", "annotation")}
    assert check.status is Status.PASSED
    [strict] = run(repo, tmp_path / "work2", no_waivers=True)
    assert strict.status is Status.FAILED and not any(f.waived for f in strict.findings)


def test_templates_share_cfn_lint_calls_and_keep_their_own_findings(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    needs_cfn_lint()
    calls: list[list[str]] = []
    real = batch_module.run_cfn_lint
    monkeypatch.setattr(batch_module, "run_cfn_lint", lambda cmd, ctx: calls.append(cmd) or real(cmd, ctx))
    repo = typo_repo(tmp_path)
    for name in ("[ab].yaml", "*.yaml", "good.yaml"):  # glob characters: cfn-lint would expand them
        write(repo / name, (GOOD / STORAGE).read_text())
    checks = run(repo, tmp_path / "work")
    assert len(calls) == 1 and sorted(findings(checks)) == [("cloudformation/E3002", STORAGE, 14)]
    assert [c.target for c in checks] == ["*.yaml", "[ab].yaml", "good.yaml", STORAGE]


def test_a_template_with_its_own_config_is_linted_alone(tmp_path: Path) -> None:
    """cfn-lint judges a template's syntax errors by the settings of the template it read before (here
    `ignore_checks: [E0000]` would hide b.yaml's duplicate key): such a template gets a call of its own."""
    needs_cfn_lint()
    write(tmp_path / "a.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n  cfn-lint:\n    config:\n'
                               "      ignore_checks: [E0000]\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    write(tmp_path / "b.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n'
                               "  Q:\n    Type: AWS::SQS::Queue\n")
    assert ("cloudformation/E0000", "b.yaml", 5) in findings(run(tmp_path, tmp_path / "work"))


def test_a_failed_shared_call_is_reported_on_each_template(tmp_path: Path) -> None:
    needs_cfn_lint()
    repo = typo_repo(tmp_path)
    write(repo / "other.yaml", (GOOD / STORAGE).read_text())
    checks = run(repo, tmp_path / "work", timeout=0.01)
    assert sorted(findings(checks)) == [("cloudformation/tool-failure", "other.yaml", None),
                                        ("cloudformation/tool-failure", STORAGE, None)]
    assert all("timed out" in f.message for c in checks for f in c.findings)


def test_a_template_named_on_the_command_line_is_linted_not_read_as_a_manifest(tmp_path: Path) -> None:
    needs_cfn_lint()
    template = typo_repo(tmp_path) / STORAGE
    checks = run_validation([template], Settings())
    assert [(c.validator, c.target) for c in checks] == [("cloudformation", str(template))]
    assert findings(checks) == [("cloudformation/E3002", str(template), 14)]
    manifests = run_validation([template], Settings(), only=["schemas"])  # cloudformation not selected
    assert {c.validator for c in manifests} == {"schemas"}


# --------------------------------------------------------------------------- hostile repositories


def test_cfnlintrc_of_the_repository_and_home_are_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    binary = needs_cfn_lint()
    repo = typo_repo(tmp_path)
    canary = tmp_path / "canary"
    write(repo / "rules/canary_rule.py", CANARY_RULE.format(canary=str(canary)))
    hostile = f"append_rules: [{repo / 'rules'}]\nmerge_configs: true\nignore_checks: [E3002]\n"
    for name in (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml"):
        write(repo / name, hostile)
    write(repo / ".cfnlintrc.json", json.dumps({"append_rules": [str(repo / "rules")]}))
    home = tmp_path / "home"
    write(home / ".cfnlintrc", hostile)
    # The control: cfn-lint run by hand in the repository runs its rule.
    subprocess.run([binary, STORAGE], cwd=repo, env={**os.environ, "HOME": str(home)}, capture_output=True,
                   timeout=120, check=False)
    assert canary.read_text() == "ran"
    canary.unlink()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(repo)
    assert main(["validate", ".", "--only", "cloudformation", "--no-cache"]) == 1
    assert not canary.exists()
    assert f"{STORAGE}:14:7: error [cloudformation/E3002]" in capsys.readouterr().out


def test_template_metadata_loads_no_rules_and_says_so(tmp_path: Path) -> None:
    needs_cfn_lint()
    repo = typo_repo(tmp_path)
    canary = tmp_path / "canary"
    write(repo / "rules/canary_rule.py", CANARY_RULE.format(canary=str(canary)))
    template = repo / STORAGE
    template.write_text(template.read_text().replace(
        'AWSTemplateFormatVersion: "2010-09-09"\n',
        'AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n  cfn-lint:\n    config:\n'
        f"      append_rules: [{repo / 'rules'}]\n      custom_rules: /etc/passwd\n"
        "      override_spec: /etc/hostname\n      merge_configs: true\n"))
    [check] = run(repo, tmp_path / "work")
    assert not canary.exists()
    found = findings([check])
    assert ("cloudformation/E3002", STORAGE, 21) in found
    assert [line for rule, _, line in found if rule == "cloudformation/untrusted-config"] == [5, 6, 7, 8]
    assert {rule for rule, _, _ in found} <= {"cloudformation/E3002", "cloudformation/untrusted-config",
                                              "cloudformation/W4005"}  # cfn-lint's own word on unknown keys


def test_a_symlinked_template_outside_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = write(tmp_path / "outside/stack.yaml", (GOOD / STORAGE).read_text() + f"# {SECRET}\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / STORAGE).symlink_to(outside)
    assert main(["validate", str(repo), "--only", "cloudformation", "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "input/outside-root" in out and STORAGE in out and SECRET not in out
    assert findings(run(repo, tmp_path / "work")) == [("input/outside-root", STORAGE, None)]


def test_a_nested_template_outside_stops_the_lint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "outside/nested.yaml", f"Parameters:\n  {SECRET}:\n    Type: String\n")
    repo = tmp_path / "repo"
    write(repo / "parent.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Child:\n"
                                "    Type: AWS::CloudFormation::Stack\n    Properties:\n"
                                "      TemplateURL: !If [Prod, ./child.yaml, ../outside/nested.yaml]\n")
    write(repo / "child.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    checks = run(repo, tmp_path / "work")
    assert ("input/outside-root", "parent.yaml", 6) in findings(checks)
    assert main(["validate", str(repo), "--only", "cloudformation", "--no-cache"]) == 1
    assert SECRET not in capsys.readouterr().out


# --------------------------------------------------------------------------- tool absent, units, cache


def test_without_cfn_lint_the_lint_is_skipped_with_the_install_command(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validator_module, "cfn_lint_binary", lambda: None)
    [check] = run(typo_repo(tmp_path), tmp_path / "work")
    assert check.status is Status.SKIPPED and "pip install cfn-lint" in (check.reason or "")
    [failed] = run_validation([tmp_path / "repo"], Settings(fail_on_skip=True), only=["cloudformation"])
    assert failed.status is Status.FAILED and [f.rule for f in failed.findings] == ["cloudformation/skipped"]


def test_each_template_is_a_unit_with_the_nested_templates_it_reads(tmp_path: Path) -> None:
    write(tmp_path / "parent.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Child:\n"
                                    "    Type: AWS::CloudFormation::Stack\n    Properties:\n"
                                    "      TemplateURL: stacks/child.yaml\n")
    write(tmp_path / "stacks/child.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    units = {u.id: u.paths for u in list_units([tmp_path], Settings(), only=["cloudformation"])}
    assert units == {"cloudformation-template:parent.yaml": ("parent.yaml", "stacks/child.yaml"),
                     "cloudformation-template:stacks/child.yaml": ("stacks/child.yaml",)}


def test_an_unchanged_template_comes_from_the_cache_and_an_edit_runs_it_again(tmp_path: Path) -> None:
    needs_cfn_lint()
    repo = typo_repo(tmp_path)
    first, second, third = [], [], []
    checks = run_validation([repo], Settings(), ["cloudformation"], selection=Selection(use_cache=True), notes=first)
    again = run_validation([repo], Settings(), ["cloudformation"], selection=Selection(use_cache=True), notes=second)
    assert not first and second == [f"cached: cloudformation {STORAGE} (unchanged since its last validation)"]
    assert findings(again) == findings(checks) == [("cloudformation/E3002", STORAGE, 14)]
    (repo / STORAGE).write_text((GOOD / STORAGE).read_text())
    edited = run_validation([repo], Settings(), ["cloudformation"], selection=Selection(use_cache=True), notes=third)
    assert not third and findings(edited) == [] and edited[0].status is Status.PASSED


def test_the_fixtures_stay_clean_for_cfn_lint_outside_planforge(tmp_path: Path) -> None:
    """The good fixtures pass cfn-lint as users run it, so the tests above measure planforge, not the fixtures."""
    binary = needs_cfn_lint()
    shutil.copytree(GOOD, tmp_path / "good")
    result = subprocess.run([binary, "good/storage.yaml", "good/function.json"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False, env={**os.environ, "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
