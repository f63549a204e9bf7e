"""The Pulumi validator, with the real pulumi-aws SDK (installed by the test extra).

`tests/fixtures/pulumi/good` is a clean Python program (a VPC and its subnets, a launch template with IMDSv2
metadata options and `get_ami_output`, an RDS instance) with two stacks. Defects are injected into copies.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from planforge.cli import main
from planforge.validate.base import Check, Settings, Severity, Status
from planforge.validate.inputs import Bounds
from planforge.validate.pulumi import RULES
from planforge.validate.pulumi import sdk as sdk_module
from planforge.validate.registry import DEFAULT_VALIDATORS
from planforge.validate.runner import list_units, run_validation
from planforge.validate.unit_selection import Selection

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "pulumi" / "good"
DISCOVERY_DOC = Path(__file__).resolve().parents[2] / "docs" / "discovery.md"
PROJECT = "infra"  # where the fixture lands in a test repository
SECRET = "SECRET-5d2e7b"
# The project's own unit test under Pulumi's mocks: its CI runs it, validate never does (not a fixture file, which
# pytest would collect).
MOCKED_TEST = '''import pulumi


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return f"{args.name}-id", args.inputs

    def call(self, args):
        return {}


pulumi.runtime.set_mocks(Mocks())

from network import network  # noqa: E402  (after the mocks)


@pulumi.runtime.test
def test_one_subnet_per_zone():
    assert len(network("10.0.0.0/16", ["eu-west-1a", "eu-west-1b"]).subnet_ids) == 2
'''


def needs_sdk() -> None:
    pytest.importorskip("pulumi_aws", reason="pulumi-aws is not installed (pip install -e '.[test]')")


def repo_with(tmp_path: Path, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """A repository holding the good project in `infra/`, each file's `old` text replaced by `new`."""
    repo = tmp_path / "repo"
    shutil.copytree(GOOD, repo / PROJECT)
    for name, (old, new) in (edits or {}).items():
        path = repo / PROJECT / name
        text = path.read_text()
        assert old in text, f"{old!r} is not in {name}"
        path.write_text(text.replace(old, new, 1))
    return repo


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def validate(repo: Path, **settings: object) -> list[Check]:
    return run_validation([repo], Settings(**settings), only=["pulumi"])  # type: ignore[arg-type]


def findings(checks: list[Check]) -> list[tuple[str, str | None, int | None]]:
    return [(f.rule, f.file, f.line) for c in checks for f in c.findings]


def only_finding(checks: list[Check]) -> tuple[str, str | None, int | None, str]:
    [found] = [f for c in checks for f in c.findings]
    return found.rule, found.file, found.line, found.message


def check(checks: list[Check], name: str) -> Check:
    [found] = [c for c in checks if c.name == name]
    return found


# --------------------------------------------------------------------------- discovery


def test_pulumi_runs_by_default_and_its_rules_are_documented() -> None:
    assert "pulumi" in DEFAULT_VALIDATORS
    section = DISCOVERY_DOC.read_text(encoding="utf-8").split("\n## Pulumi\n", 1)[1]
    assert [rule for rule in RULES if f"`{rule}`" not in section] == []


def test_projects_are_found_by_their_project_file(tmp_path: Path) -> None:
    project = "name: p\nruntime: nodejs\n"
    write(tmp_path / "a/Pulumi.yaml", project)
    write(tmp_path / "a/nested/Pulumi.yml", project)
    for hidden in (".github/Pulumi.yaml", "node_modules/x/Pulumi.yaml", "venv/lib/Pulumi.yaml",
                   "env/lib/Pulumi.yaml", "a/__pycache__/Pulumi.yaml"):
        write(tmp_path / hidden, project)
    write(tmp_path / "env/pyvenv.cfg", "home = /usr/bin\n")
    units = [u.id for u in list_units([tmp_path], Settings(), only=["pulumi"])]
    assert units == ["pulumi-project:a", "pulumi-project:a/nested"]


def test_each_project_is_a_unit_and_an_unchanged_one_comes_from_the_cache(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path)
    [unit] = list_units([repo], Settings(), only=["pulumi"])
    assert unit.id == "pulumi-project:infra" and "infra/network.py" in unit.paths and "infra/Pulumi.dev.yaml" in unit.paths
    first: list[str] = []
    second: list[str] = []
    run_validation([repo], Settings(), ["pulumi"], selection=Selection(use_cache=True), notes=first)
    again = run_validation([repo], Settings(), ["pulumi"], selection=Selection(use_cache=True), notes=second)
    assert second == ["cached: pulumi infra (unchanged since its last validation)"]
    assert all(c.status is Status.PASSED for c in again)


# --------------------------------------------------------------------------- the clean program


def test_the_good_project_passes_every_check(tmp_path: Path) -> None:
    needs_sdk()
    checks = validate(repo_with(tmp_path))
    assert [(c.name, c.target, c.status, c.findings) for c in checks] == [
        ("project", PROJECT, Status.PASSED, []), ("syntax", PROJECT, Status.PASSED, []),
        ("sdk", PROJECT, Status.PASSED, [])]
    assert (check(checks, "sdk").tool or "").startswith("pulumi-aws 7.")
    assert (check(checks, "syntax").tool or "").startswith("Python 3.")


# --------------------------------------------------------------------------- SDK checks


def test_a_wrong_argument_is_an_error_with_the_argument_meant(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    needs_sdk()
    repo = repo_with(tmp_path, {"network.py": ("cidr_block=cidr_block,", "cidr_blok=cidr_block,")})
    checks = validate(repo)
    rule, file, line, message = only_finding(checks)
    assert (rule, file, line) == ("pulumi/sdk-argument", "infra/network.py", 18)
    assert "`cidr_blok`" in message and "did you mean `cidr_block`?" in message and "pulumi-aws 7." in message
    assert check(checks, "sdk").status is Status.FAILED
    assert main(["validate", str(repo), "--only", "pulumi", "--no-cache"]) == 1
    assert "infra/network.py:18:35: error [pulumi/sdk-argument]" in capsys.readouterr().out


def test_a_camel_case_argument_is_pointed_at_its_snake_case_name(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path, {"compute.py": ('http_tokens="required"', 'httpTokens="required"')})
    rule, file, line, message = only_finding(validate(repo))
    assert (rule, file, line) == ("pulumi/sdk-argument", "infra/compute.py", 14)
    assert "`ec2.LaunchTemplateMetadataOptionsArgs` takes no argument `httpTokens`" in message
    assert "did you mean `http_tokens`?" in message


def test_a_name_the_sdk_does_not_have_is_an_error(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path, {"network.py": ("aws.ec2.Vpc(", "aws.ec2.Vpcc("),
                                "database.py": ("import Instance, SubnetGroup", "import Instance, SubnetGroupp")})
    checks = validate(repo)
    assert findings(checks) == [("pulumi/sdk-unknown", "infra/database.py", 3),
                                ("pulumi/sdk-unknown", "infra/network.py", 18)]
    messages = [f.message for f in check(checks, "sdk").findings]
    assert "did you mean `SubnetGroup`?" in messages[0]
    assert messages[1].startswith("`aws.ec2.Vpcc`: pulumi_aws.ec2 has no `Vpcc`") and "did you mean `Vpc`?" in messages[1]


def test_a_missing_required_input_is_an_error(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path, {"database.py": ('instance_class="db.t4g.micro", ', "")})
    rule, file, line, message = only_finding(validate(repo))
    assert (rule, file, line) == ("pulumi/sdk-required", "infra/database.py", 8)
    assert "`Instance` is called without `instance_class`" in message


def test_inputs_in_an_args_object_or_unpacked_are_not_required(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path)
    write(repo / PROJECT / "extra.py", "import pulumi_aws as aws\n\nsettings = {'engine': 'postgres'}\n"
                                       "aws.rds.Instance('a', aws.rds.InstanceArgs(instance_class='db.t4g.micro'))\n"
                                       "aws.rds.Instance('b', args=aws.rds.InstanceArgs(instance_class='db.t4g.micro'))\n"
                                       "aws.rds.Instance('c', **settings)\n"
                                       "aws.rds.Instance('d', unknown_but_unpacked=1, **settings)\n")
    assert findings(validate(repo)) == []


def test_args_classes_and_functions_are_checked_against_their_signatures(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path)
    write(repo / PROJECT / "extra.py",
          "import pulumi_aws as aws\nfrom pulumi_aws.ec2 import Vpc\n\n"
          "aws.ec2.get_ami_output(most_recnt=True)\n"
          "aws.ec2.GetAmiFilterArgs(name='name')\n"
          "Vpc(cidr_block='10.0.0.0/16')\n"
          "aws.ec2.Vpc.get('v', id='vpc-1', opts=None)\n")
    checks = validate(repo)
    assert findings(checks) == [("pulumi/sdk-argument", "infra/extra.py", 4),
                                ("pulumi/sdk-required", "infra/extra.py", 5),
                                ("pulumi/sdk-required", "infra/extra.py", 6)]
    messages = [f.message for f in check(checks, "sdk").findings]
    assert "did you mean `most_recent`?" in messages[0]
    assert "without `values`" in messages[1] and "without `resource_name`" in messages[2]


def test_names_bound_otherwise_are_not_followed(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path)
    write(repo / PROJECT / "extra.py",
          "import pulumi_aws as aws\nfrom pulumi_aws import ec2\n\n"
          "def make(ec2):\n    return ec2.Anything(whatever=1)\n\n"
          "print(aws.config.region)\n"
          "size = aws.ec2.InstanceType.T3_MICRO\n")
    assert findings(validate(repo)) == []


def test_an_sdk_that_is_not_installed_is_a_note_and_the_others_are_checked(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path, {"network.py": ("cidr_block=cidr_block,", "cidr_blok=cidr_block,")})
    write(repo / PROJECT / "extra.py", "import pulumi_noprovider as nope\n\nnope.Thing('x', any_argument=1)\n")
    checks = validate(repo)
    assert findings(checks) == [("pulumi/sdk-missing", "infra/extra.py", 1),
                                ("pulumi/sdk-argument", "infra/network.py", 18)]
    note = check(checks, "sdk").findings[0]
    assert note.severity is Severity.INFO and "pulumi-noprovider is not installed" in note.message
    assert note.hint == "install it where planforge runs: pip install pulumi-noprovider"


def test_without_the_sdk_the_check_is_skipped_with_the_install_command(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    real = sdk_module.import_module

    def importer(name: str) -> object:
        if name.split(".")[0] == "pulumi_aws":
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real(name)

    monkeypatch.setattr(sdk_module, "import_module", importer)
    repo = repo_with(tmp_path, {"network.py": ("cidr_block=cidr_block,", "cidr_blok=cidr_block,")})
    checks = validate(repo)
    sdk = check(checks, "sdk")
    assert sdk.status is Status.SKIPPED and "pip install 'planforge[pulumi]'" in (sdk.reason or "")
    assert {(f.rule, f.severity) for f in sdk.findings} == {("pulumi/sdk-missing", Severity.INFO)}
    assert [f.file for f in sdk.findings] == ["infra/compute.py"]  # once per project, where it is first imported
    assert all(c.status is Status.PASSED for c in checks if c.name != "sdk")
    strict = check(validate(repo, fail_on_skip=True), "sdk")
    assert strict.status is Status.FAILED and "pulumi/skipped" in [f.rule for f in strict.findings]


# --------------------------------------------------------------------------- syntax


def test_a_syntax_error_is_an_error_at_its_line(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path, {"compute.py": ("    return ec2.LaunchTemplate(", "    return ec2.LaunchTemplate((")})
    for ignored in ("venv/lib/bad.py", ".venv/lib/bad.py", "__pycache__/bad.py", "env/bad.py", ".hidden/bad.py"):
        write(repo / PROJECT / ignored, "def broken(:\n")
    write(repo / PROJECT / "env/pyvenv.cfg", "home = /usr/bin\n")
    checks = validate(repo)
    rule, file, line, message = only_finding(checks)
    assert (rule, file, line) == ("pulumi/syntax", "infra/compute.py", 10)
    assert message.startswith("Python 3.")
    assert check(checks, "syntax").status is Status.FAILED and check(checks, "sdk").status is Status.PASSED


# --------------------------------------------------------------------------- stack files


def test_a_stack_without_a_declared_key_is_an_error_at_the_stack_file(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path, {"Pulumi.dev.yaml": ("  invoices:instanceType: t3.micro\n", "")})
    rule, file, line, message = only_finding(validate(repo))
    assert (rule, file, line) == ("pulumi/stack-config", "infra/Pulumi.dev.yaml", 1)
    assert "stack 'dev'" in message and "`invoices:instanceType`" in message


def test_a_stack_that_imports_an_environment_may_leave_keys_to_it(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path, {"Pulumi.dev.yaml": ("  invoices:instanceType: t3.micro\n", "")})
    (repo / PROJECT / "Pulumi.dev.yaml").write_text("environment:\n  - invoices/dev\n"
                                                    + (repo / PROJECT / "Pulumi.dev.yaml").read_text())
    assert findings(validate(repo)) == []


@pytest.mark.parametrize(("old", "new", "line", "words", "severity"), [
    ('invoices:minSize: "3"', "invoices:minSize: many", 3, "must be of type `integer`", Severity.ERROR),
    ("invoices:multiAz: true", "invoices:multiAz: maybe", 4, "must be of type `boolean`", Severity.ERROR),
    ("    - eu-west-1c", "    - [eu-west-1c]", 6, "must be of type `array<string>`", Severity.ERROR),
    ("  invoices:dbPassword:\n    secure: AAABAFh9aVd1x2zmU7W1fmjQ3CAfy1I1HTwCJ0yGGpPYQbnG",
     "  invoices:dbPassword: hunter2", 9, "in plain text", Severity.ERROR),
    ("invoices:minSize", "minSize", 3, "not of the form `<namespace>:<key>`", Severity.ERROR),
    ('invoices:minSize: "3"', 'invoices:minSise: "3"', 3, "did you mean `minSize`?", Severity.WARNING),
])
def test_stack_values_are_checked_against_the_declarations(tmp_path: Path, old: str, new: str, line: int, words: str,
                                                            severity: Severity) -> None:
    needs_sdk()
    checks = validate(repo_with(tmp_path, {"Pulumi.prod.yaml": (old, new)}))
    [found] = check(checks, "project").findings
    assert (found.rule, found.file, found.line, found.severity) == (
        "pulumi/stack-config", "infra/Pulumi.prod.yaml", line, severity)
    assert words in found.message


# --------------------------------------------------------------------------- Pulumi.yaml


@pytest.mark.parametrize(("old", "new", "line", "words"), [
    ("name: invoices\n", "nmae: invoices\n", 1, "has no `name`; found `nmae` instead"),
    ("runtime:\n  name: python", "runtim:\n  name: python", 1, "has no `runtime`; found `runtim` instead"),
    ("    type: integer\n    default: 1", "    type: int\n    default: 1", 24, "did you mean `integer`?"),
    ("    type: integer\n    default: 1", "    type: integer\n    default: one", 25, "not of type `integer`"),
    ("    type: array\n    items:\n      type: string\n", "    type: array\n", 16,
     "declares an array but not the type of its items"),
    ("  aws:region:\n    value: eu-west-1", "  aws:region:\n    default: eu-west-1", 9, "may not have a `default`"),
    ("    description: Address space of the network.", "    descripton: Address space of the network.", 13,
     "unknown attribute `descripton`; did you mean `description`?"),
    ("    virtualenv: venv\n", "    virtualenv: venv\nmain: src/\n", 8, "`main: src/` names nothing"),
    ("    virtualenv: venv\n", "    virtualenv: venv\nmain: ../elsewhere\n", 8, "leads outside the project directory"),
])
def test_project_file_problems_are_errors_at_their_line(tmp_path: Path, old: str, new: str, line: int,
                                                         words: str) -> None:
    needs_sdk()
    checks = validate(repo_with(tmp_path, {"Pulumi.yaml": (old, new)}))
    found = [f for f in check(checks, "project").findings if f.rule == "pulumi/project"]
    assert [(f.file, f.line) for f in found] == [("infra/Pulumi.yaml", line)]
    assert words in found[0].message


def test_a_python_program_needs_its_main_file(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path)
    (repo / PROJECT / "__main__.py").rename(repo / PROJECT / "app.py")
    rule, file, line, message = only_finding(validate(repo))
    assert (rule, file, line) == ("pulumi/project", "infra/Pulumi.yaml", 1) and "no __main__.py" in message
    (repo / PROJECT / "Pulumi.yaml").write_text((repo / PROJECT / "Pulumi.yaml").read_text() + "main: app.py\n")
    assert findings(validate(repo)) == []


def test_stack_files_in_the_stack_config_dir_are_checked_and_belong_to_the_unit(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path, {"Pulumi.yaml": ("name: invoices\n", "name: invoices\nstackConfigDir: ../stacks\n")})
    (repo / "stacks").mkdir()
    (repo / PROJECT / "Pulumi.dev.yaml").rename(repo / "stacks/Pulumi.dev.yaml")
    (repo / PROJECT / "Pulumi.prod.yaml").unlink()
    write(repo / "stacks/Pulumi.test.yaml", "config:\n  invoices:multiAz: false\n")
    checks = validate(repo)
    assert findings(checks) == [("pulumi/stack-config", "stacks/Pulumi.test.yaml", 1)] * 2
    assert ["invoices:dbPassword" in f.message or "invoices:instanceType" in f.message
            for f in check(checks, "project").findings] == [True, True]
    [unit] = list_units([repo], Settings(), only=["pulumi"])
    assert {"stacks/Pulumi.dev.yaml", "stacks/Pulumi.test.yaml"} <= set(unit.paths)


def test_programs_of_other_runtimes_are_skipped_with_the_reason(tmp_path: Path) -> None:
    write(tmp_path / "web/Pulumi.yaml", "name: web\nruntime: nodejs\nconfig:\n  size:\n    type: integer\n")
    write(tmp_path / "web/Pulumi.dev.yaml", "config:\n  web:size: large\n")
    checks = validate(tmp_path)
    assert [(c.name, c.status) for c in checks] == [("project", Status.FAILED), ("program", Status.SKIPPED)]
    assert findings(checks) == [("pulumi/stack-config", "web/Pulumi.dev.yaml", 2)]
    assert "only Python programs are checked" in (check(checks, "program").reason or "")


def test_undeclared_stack_keys_are_left_alone_when_the_project_declares_none_of_its_own(tmp_path: Path) -> None:
    write(tmp_path / "web/Pulumi.yaml", "name: web\nruntime: nodejs\nconfig:\n  aws:region: eu-west-1\n")
    write(tmp_path / "web/Pulumi.dev.yaml", "config:\n  web:anything: 1\n  aws:region: eu-west-2\n")
    assert findings(validate(tmp_path)) == []


def test_yaml_that_does_not_parse_is_an_error_at_its_line(tmp_path: Path) -> None:
    write(tmp_path / "web/Pulumi.yaml", "name: web\nruntime: nodejs\nconfig: [\n")
    write(tmp_path / "api/Pulumi.yaml", "name: api\nruntime: nodejs\n")
    write(tmp_path / "api/Pulumi.dev.yaml", "config:\n  api:size: 1\n   api:other: 2\n")
    assert findings(validate(tmp_path)) == [("pulumi/stack-config", "api/Pulumi.dev.yaml", 3),
                                            ("pulumi/project", "web/Pulumi.yaml", 4)]


def test_a_pulumi_yaml_named_on_the_command_line_stands_for_its_project(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path, {"network.py": ("cidr_block=cidr_block,", "cidr_blok=cidr_block,")})
    checks = run_validation([repo / PROJECT / "Pulumi.yaml"], Settings(), only=["pulumi"])
    assert ("pulumi/sdk-argument", "network.py", 18) in findings(checks)


# --------------------------------------------------------------------------- hostile repositories


def test_the_repository_s_python_is_never_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every file of the program, its unit tests too, would write the canary (and fail) if it were imported or
    run."""
    needs_sdk()
    canary = tmp_path / "canary"
    payload = f"import pathlib\npathlib.Path({str(canary)!r}).write_text('ran')\nraise SystemExit(3)\n"
    repo = repo_with(tmp_path, {"compute.py": ('http_tokens="required"', 'httpTokens="required"')})
    write(repo / PROJECT / "tests/test_network.py", MOCKED_TEST)
    for name in ("__main__.py", "compute.py", "database.py", "tests/conftest.py", "tests/test_network.py",
                 "pulumi_helpers.py"):
        path = repo / PROJECT / name
        write(path, payload + (path.read_text() if path.exists() else ""))
    write(repo / PROJECT / "extra.py", "import pulumi_helpers\npulumi_helpers.anything(x=1)\n")
    # The control: the program run by hand writes the canary.
    ran = subprocess.run([sys.executable, str(repo / PROJECT / "__main__.py")], capture_output=True, timeout=60,
                         check=False)
    assert ran.returncode == 3 and canary.read_text() == "ran"
    canary.unlink()
    assert main(["validate", str(repo), "--only", "pulumi", "--no-cache"]) == 1
    assert "infra/compute.py:17:89: error [pulumi/sdk-argument]" in capsys.readouterr().out
    assert findings(validate(repo)) == [("pulumi/sdk-argument", "infra/compute.py", 17)]
    assert not canary.exists()


def test_an_sdk_shadowed_by_the_repository_is_not_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the repository on the import path, `import pulumi_aws` would run its copy: no SDK is imported."""
    canary = tmp_path / "canary"
    repo = repo_with(tmp_path)
    write(repo / "shadow/pulumi_aws/__init__.py", f"import pathlib\npathlib.Path({str(canary)!r}).write_text('ran')\n")
    # The control: Python with the repository on its import path imports the repository's copy.
    subprocess.run([sys.executable, "-c", "import pulumi_aws"], env={**os.environ, "PYTHONPATH": str(repo / "shadow")},
                   capture_output=True, timeout=60, check=False)
    assert canary.read_text() == "ran"
    canary.unlink()
    monkeypatch.syspath_prepend(str(repo / "shadow"))
    for name in [m for m in sys.modules if m == "pulumi_aws" or m.startswith("pulumi_aws.")]:
        monkeypatch.delitem(sys.modules, name)
    checks = validate(repo)
    sdk = check(checks, "sdk")
    assert sdk.status is Status.SKIPPED and "shadow" in (sdk.reason or "") and "PYTHONPATH" in (sdk.reason or "")
    assert not canary.exists()


def test_the_installation_planforge_runs_from_is_trusted_on_the_import_path(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    site_packages = Path(sysconfig.get_paths()["purelib"])
    assert sdk_module.unsafe_import_path(Bounds.of([site_packages.parent])) is None
    monkeypatch.syspath_prepend(str(tmp_path))
    assert sdk_module.unsafe_import_path(Bounds.of([tmp_path])) == os.path.realpath(tmp_path)


def test_files_outside_the_validated_paths_are_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    needs_sdk()
    outside = write(tmp_path / "outside/secret.py", f"{SECRET} = (\n")
    repo = repo_with(tmp_path)
    (repo / PROJECT / "linked.py").symlink_to(outside)
    (repo / PROJECT / "Pulumi.staging.yaml").symlink_to(outside)
    assert findings(validate(repo)) == [("input/outside-root", "infra/Pulumi.staging.yaml", None),
                                        ("input/outside-root", "infra/linked.py", None)]
    assert main(["validate", str(repo), "--only", "pulumi", "--no-cache"]) == 1
    assert SECRET not in capsys.readouterr().out


def test_a_python_file_too_large_to_parse_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    needs_sdk()
    repo = repo_with(tmp_path)
    write(repo / PROJECT / "huge.py", "x = 1\n" * 70_000)
    write(repo / PROJECT / "fields.py", 'x = f"' + "{x}" * 260_000 + '"\n')
    assert findings(validate(repo)) == [("input/too-complex", "infra/fields.py", None),
                                        ("input/too-complex", "infra/huge.py", None)]


def test_a_yaml_bomb_is_refused_before_it_is_loaded(tmp_path: Path) -> None:
    bomb = ["name: p", "runtime: nodejs", 'a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    bomb += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(9)]
    write(tmp_path / "p/Pulumi.yaml", "\n".join(bomb) + "\n")
    assert findings(validate(tmp_path)) == [("input/too-complex", "p/Pulumi.yaml", 1)]
