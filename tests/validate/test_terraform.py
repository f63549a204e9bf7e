"""The Terraform validator on fixtures with exactly one defect each, with the real terraform CLI."""
from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from planforge.errors import EXIT_USAGE, UsageError
from planforge.validate import terraform as tfmod
from planforge.validate.base import Check, Context, Settings, Severity, Status
from planforge.validate.terraform import validation
from planforge.validate.terraform.hcltext import mask_hcl
from testlib import PLANS
from planforge.validate.terraform import TerraformValidator

from testlib import require_tool

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"


@pytest.fixture(autouse=True)
def _terraform() -> None:
    require_tool("terraform")


def make_ctx(root: Path, workdir: Path, mirror: Path | None = None, memory_budget: int = 0) -> Context:
    settings = Settings(terraform_plugin_mirrors=[mirror] if mirror else [], timeout=120,
                        memory_budget=memory_budget)
    return Context(root=root, settings=settings,
                   validate_documents=lambda docs, origin: [], workdir=workdir)


def run_all(root: Path, workdir: Path, mirror: Path | None = None) -> tuple[TerraformValidator, list[Check]]:
    validator = TerraformValidator()
    ctx = make_ctx(root, workdir, mirror)
    checks = [c for t in validator.discover(ctx) for c in validator.run(t, ctx)]
    return validator, checks


def errors(checks: list[Check]) -> list[tuple[str, str | None, int | None, int | None]]:
    return [(f.rule, f.file, f.line, f.column) for c in checks for f in c.findings if f.severity == Severity.ERROR]


def by_name(checks: list[Check], name: str, target: str = ".") -> Check:
    (check,) = [c for c in checks if c.name == name and c.target == target]
    return check


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------- text scanning


def test_mask_keeps_code_and_interpolations_only() -> None:
    text = 'x = "${var.a} var.b $${var.c}" # var.d\ny = <<EOF\n var.e ${local.f}\nEOF\n/* var.g */ z = module.h.id\n'
    masked = mask_hcl(text)
    assert len(masked) == len(text) and masked.count("\n") == text.count("\n")
    for kept in ("var.a", "local.f", "module.h"):
        assert kept in masked
    for dropped in ("var.b", "var.c", "var.d", "var.e", "var.g"):
        assert dropped not in masked


# --------------------------------------------------------------------------- discovery


def test_discovery_roots_modules_and_identical_roots(tmp_path: Path) -> None:
    validator = TerraformValidator()
    targets = validator.discover(make_ctx(FIXTURES / "clean-multi-root", tmp_path))
    kinds = {t.display: t.kind for t in targets}
    assert kinds == {"envs/dev": "terraform-root", "envs/prod": "terraform-root", "modules/network": "terraform-module"}
    dev = next(t for t in targets if t.display == "envs/dev")
    assert dev.extra["identical_roots"] == ["envs/dev", "envs/prod"]


def test_discovery_modules_dir_examples_and_unreferenced(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    for rel, text in {
        "modules/lonely/main.tf": 'output "x" {\n  value = 1\n}\n',
        "modules/lonely/examples/basic/main.tf": 'module "lonely" {\n  source = "../.."\n}\n',
        "live/main.tf": 'output "y" {\n  value = 2\n}\n',
        "live/nested/main.tf": 'output "z" {\n  value = 3\n}\n',
    }.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    targets = TerraformValidator().discover(make_ctx(repo, tmp_path / "work"))
    kinds = {t.display: (t.kind, t.extra.get("standalone", False)) for t in targets}
    assert kinds == {
        "modules/lonely": ("terraform-module", False),  # used by its example
        "modules/lonely/examples/basic": ("terraform-root", False),
        "live": ("terraform-root", False),
        "live/nested": ("terraform-root", False),
    }


# --------------------------------------------------------------------------- one defect each


def test_unsupported_argument_from_terraform_validate(tmp_path: Path, tf_mirror: Path) -> None:
    _, checks = run_all(FIXTURES / "unsupported-argument", tmp_path, tf_mirror)
    assert errors(checks) == [("terraform/validate", "main.tf", 19, 3)]
    (finding,) = by_name(checks, "validate").findings
    assert "acl_policy" in finding.message and "Unsupported argument" in finding.message
    assert by_name(checks, "static").status == by_name(checks, "fmt").status == Status.PASSED


def test_undeclared_variable(tmp_path: Path) -> None:
    _, checks = run_all(FIXTURES / "undeclared-variable", tmp_path)
    static = by_name(checks, "static")
    assert [(f.rule, f.file, f.line, f.column) for f in static.findings] == [
        ("terraform/undeclared-reference", "main.tf", 9, 26)
    ]
    assert "var.suffix" in static.findings[0].message  # and not var.comment_only, which is in a comment
    # terraform validate agrees, at the same place
    assert {(f, line) for _, f, line, _ in errors(checks)} == {("main.tf", 9)}


def test_missing_module_source(tmp_path: Path) -> None:
    _, checks = run_all(FIXTURES / "missing-module-source", tmp_path)
    assert errors(checks) == [("terraform/module-source-missing", "main.tf", 2, None)]
    validate = by_name(checks, "validate")
    assert validate.status == Status.SKIPPED and "module source" in (validate.reason or "")


def test_unformatted_file(tmp_path: Path) -> None:
    _, checks = run_all(FIXTURES / "unformatted", tmp_path)
    assert errors(checks) == [("terraform/fmt", "main.tf", 8, None)]
    (finding,) = by_name(checks, "fmt").findings
    assert finding.detail and "+  input            = var.name" in finding.detail


def test_unformatted_tftest_file(tmp_path: Path) -> None:
    _, checks = run_all(FIXTURES / "unformatted-test", tmp_path)
    assert errors(checks) == [("terraform/fmt", "tests/example.tftest.hcl", 5, None)]


def test_undeclared_tfvars_key(tmp_path: Path) -> None:
    _, checks = run_all(FIXTURES / "undeclared-tfvars", tmp_path)
    assert errors(checks) == [("terraform/tfvars-undeclared", "terraform.tfvars", 3, None)]
    assert '"regoin"' in by_name(checks, "static").findings[0].message
    assert by_name(checks, "validate").status == Status.PASSED


def test_missing_required_variable_in_tfvars(tmp_path: Path) -> None:
    _, checks = run_all(FIXTURES / "missing-required-tfvars", tmp_path)
    assert errors(checks) == [("terraform/tfvars-missing-required", "variables.tf", 7, None)]
    message = by_name(checks, "static").findings[0].message
    assert '"name"' in message and "terraform.tfvars" in message


def test_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    _, checks = run_all(FIXTURES / "syntax-error", tmp_path)
    assert errors(checks) == [("terraform/syntax", "main.tf", 6, 10)]
    assert by_name(checks, "validate").status == Status.SKIPPED


def test_unavailable_provider_is_skipped_with_reason(tmp_path: Path, tf_mirror: Path) -> None:
    _, checks = run_all(FIXTURES / "google-root", tmp_path, tf_mirror)
    validate = by_name(checks, "validate")
    assert validate.status == Status.SKIPPED
    assert "provider registry.terraform.io/hashicorp/google not available" in (validate.reason or "")
    assert errors(checks) == []


# --------------------------------------------------------------------------- clean repo, dedup, no writes


def test_clean_multi_root_passes_validates_once_and_writes_nothing(tmp_path: Path, tf_mirror: Path) -> None:
    root = FIXTURES / "clean-multi-root"
    before = tree_digest(root)
    validator = TerraformValidator()
    ctx = make_ctx(root, tmp_path, tf_mirror)
    targets = validator.discover(ctx)
    with ThreadPoolExecutor(max_workers=3) as pool:  # concurrently, as the runner does
        checks = [c for result in pool.map(lambda t: validator.run(t, ctx), targets) for c in result]
    assert [(c.target, c.name) for c in checks if c.status != Status.PASSED] == []
    assert {(c.target, c.name) for c in checks} == {
        (t, n) for t in ("envs/dev", "envs/prod") for n in ("static", "fmt", "validate")
    } | {("modules/network", "static"), ("modules/network", "fmt")}
    assert len(validator.validation_runs) == 1  # envs/dev and envs/prod differ only in tfvars and backend key
    for env in ("envs/dev", "envs/prod"):
        assert "validated once for envs/dev, envs/prod" in (by_name(checks, "validate", env).tool or "")
    assert tree_digest(root) == before
    assert not list(root.rglob(".terraform*"))


def test_defect_fixtures_are_not_modified(tmp_path: Path) -> None:
    root = FIXTURES / "undeclared-tfvars"
    before = tree_digest(root)
    run_all(root, tmp_path)
    assert tree_digest(root) == before and not list(root.rglob(".terraform*"))


# --------------------------------------------------------------------------- tool plumbing


def test_missing_terraform_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UsageError) as info:
        TerraformValidator().discover(make_ctx(FIXTURES / "unformatted", tmp_path))
    assert info.value.exit_code == EXIT_USAGE and "terraform" in info.value.message


def test_one_shared_cli_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLANFORGE_TF_PLUGIN_MIRROR", raising=False)
    registry = tfmod.cli_config(make_ctx(FIXTURES, tmp_path / "a"))
    assert "plugin_cache_dir" in registry.read_text() and "filesystem_mirror" not in registry.read_text()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", str(mirror))
    config = tfmod.cli_config(make_ctx(FIXTURES, tmp_path / "b"))
    assert f'path    = "{mirror}"' in config.read_text()
    assert tfmod.cli_config(make_ctx(FIXTURES, tmp_path / "b")) == config
    monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", str(tmp_path / "nope"))
    with pytest.raises(UsageError):
        tfmod.cli_config(make_ctx(FIXTURES, tmp_path / "c"))


def test_concurrent_validations_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_run = validation.run_terraform
    lock = threading.Lock()
    active = peak = 0

    def counting_run(cmd, cwd, env, timeout):  # type: ignore[no-untyped-def]
        nonlocal active, peak
        if "validate" not in cmd:
            return real_run(cmd, cwd, env, timeout)
        with lock:
            active += 1
            peak = max(peak, active)
        try:
            return real_run(cmd, cwd, env, timeout)
        finally:
            with lock:
                active -= 1

    monkeypatch.setattr(validation, "run_terraform", counting_run)
    old = tfmod.MAX_CONCURRENT_VALIDATIONS
    try:
        validator = TerraformValidator()
        roots = ["undeclared-tfvars", "missing-required-tfvars", "unformatted", "unformatted-test"]
        ctxs = [make_ctx(FIXTURES / r, tmp_path / r, memory_budget=tfmod.VALIDATE_PEAK_MIB + 100) for r in roots]
        jobs = [(t, c) for c in ctxs for t in validator.discover(c)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda job: validator._validate_check(job[0], job[1], tfmod.terraform_binary()), jobs))
    finally:
        tfmod.set_max_concurrent_validations(old)
    assert len(validator.validation_runs) == 4 and peak == 1


@pytest.mark.parametrize("budget", [1, 2 * tfmod.VALIDATE_PEAK_MIB, 7 * tfmod.VALIDATE_PEAK_MIB + 1])
def test_the_validation_bound_follows_the_memory_budget(tmp_path: Path, budget: int) -> None:
    """The settings' budget, applied by discovery, is what the runner bounds terraform targets by."""
    from planforge.validate.scheduler import validator_bound

    old = tfmod.MAX_CONCURRENT_VALIDATIONS
    try:
        TerraformValidator().discover(make_ctx(FIXTURES / "unformatted", tmp_path, memory_budget=budget))
        expected = max(1, budget // tfmod.VALIDATE_PEAK_MIB)
        assert tfmod.MAX_CONCURRENT_VALIDATIONS == expected
        assert validator_bound("terraform", jobs=16) == expected
    finally:
        tfmod.set_max_concurrent_validations(old)


def test_init_error_becomes_located_finding(tmp_path: Path) -> None:
    # python-hcl2 parses any block type; terraform init rejects it with a source range
    _, checks = run_all(FIXTURES / "unknown-block", tmp_path)
    assert errors(checks) == [("terraform/validate", "main.tf", 1, 1)]
    assert "resourse" in by_name(checks, "validate").findings[0].message


def test_every_subprocess_has_a_timeout(tmp_path: Path) -> None:
    ctx = make_ctx(FIXTURES / "unformatted-test", tmp_path)
    ctx.settings.timeout = 0.001
    validator = TerraformValidator()
    checks = [c for t in validator.discover(ctx) for c in validator.run(t, ctx)]
    timed_out = [f for c in checks for f in c.findings if "timed out after" in f.message]
    assert by_name(checks, "validate").status == Status.FAILED and timed_out
    assert all(f.file and f.line for f in timed_out)


def test_python_hcl2_grammar_gap_is_not_an_error(tmp_path: Path) -> None:
    # "${~ x ~}" strip markers are valid HCL that python-hcl2 8 rejects; Terraform decides
    _, checks = run_all(FIXTURES / "hcl2-grammar-gap", tmp_path)
    assert errors(checks) == []
    (info,) = by_name(checks, "static").findings
    assert (info.rule, info.severity, info.file, info.line) == ("terraform/static-incomplete", Severity.INFO, "main.tf", 9)
    assert by_name(checks, "validate").status == Status.PASSED


def test_env_subdirectory_tfvars_and_json_declarations(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "envs").mkdir(parents=True)
    (repo / "variables.tf.json").write_text('{\n  "variable": {\n    "region": {\n      "type": "string"\n    }\n  }\n}\n')
    (repo / "main.tf").write_text('output "region" {\n  value = var.region\n}\n')
    (repo / "envs" / "prod.tfvars").write_text('region = "eu-west-1"\nzone   = "a"\n')
    (repo / "envs" / "dev.tfvars.json").write_text('{\n  "region": "eu-west-1",\n  "size": 2\n}\n')
    validator = TerraformValidator()
    ctx = make_ctx(repo, tmp_path / "work")
    (target,) = validator.discover(ctx)
    assert target.kind == "terraform-root"  # envs/*.tfvars belong to it; nothing references it
    static = validator._static_check(target, ctx, tfmod.terraform_binary())
    assert [(f.rule, f.file, f.line) for f in static.findings] == [
        ("terraform/tfvars-undeclared", "envs/dev.tfvars.json", 3),
        ("terraform/tfvars-undeclared", "envs/prod.tfvars", 2),
    ]


@pytest.mark.slow
def test_generated_repository_targets_and_clean_validation(tmp_path: Path, tf_mirror: Path) -> None:
    import subprocess
    import sys

    dest = tmp_path / "repo"
    plan = PLANS / "aws-single-iac.plan.md"
    proc = subprocess.run([sys.executable, "-m", "planforge", "new", str(plan), str(dest), "--no-git"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    before = tree_digest(dest)
    validator = TerraformValidator()
    ctx = make_ctx(dest, tmp_path / "work", tf_mirror)
    targets = validator.discover(ctx)
    envs = sorted(str(p.parent.relative_to(dest)) for p in dest.glob("terraform/environments/*/main.tf"))
    modules = sorted(str(p.parent.relative_to(dest)) for p in dest.glob("terraform/modules/*/main.tf"))
    assert envs and modules
    assert sorted(t.display for t in targets if t.kind == "terraform-module") == modules
    assert set(envs) <= {t.display for t in targets if t.kind == "terraform-root"}
    # every environment renders the same configuration: one validation for all of them
    assert {tuple(t.extra["identical_roots"]) for t in targets if t.display in envs} == {tuple(envs)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        checks = [c for result in pool.map(lambda t: validator.run(t, ctx), targets) for c in result]
    problems = [(c.target, c.name, c.reason, [(f.file, f.line, f.message) for f in c.findings])
                for c in checks if c.status != Status.PASSED]
    assert problems == []
    roots = {t.display for t in targets if t.kind == "terraform-root"}
    assert roots - set(envs) == {"terraform/bootstrap"}
    # bootstrap and the environments (one configuration) require the same providers: one terraform validate
    assert validator.validation_runs == [f"aggregate of terraform/bootstrap, {envs[0]}"]
    assert tree_digest(dest) == before


def test_shared_validation_maps_findings_onto_each_root(tmp_path: Path, tf_mirror: Path) -> None:
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "clean-multi-root", repo)
    for env in ("dev", "prod"):  # the same defect in both environments: still one validation
        with (repo / "envs" / env / "outputs.tf").open("a") as fh:
            fh.write('\noutput "subnet_ids" {\n  description = "Not exported by the module."\n  value       = module.network.subnet_ids\n}\n')
    validator, checks = run_all(repo, tmp_path / "work", tf_mirror)
    assert len(validator.validation_runs) == 1
    assert sorted(errors(checks)) == [  # "Unsupported attribute" at `.subnet_ids`
        ("terraform/validate", "envs/dev/outputs.tf", 8, 31),
        ("terraform/validate", "envs/prod/outputs.tf", 8, 31),
    ]


def test_non_utf8_source_is_a_syntax_finding_not_a_crash(tmp_path: Path) -> None:
    """Terraform echoes the offending bytes on stderr; decoding them must not crash the validator."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "main.tf").write_bytes(b'resource "terraform_data" "x" {\n  input = "caf\xe9" +\n}\n')
    _, checks = run_all(root, tmp_path / "work")
    assert [e[:3] for e in errors(checks)] == [("terraform/syntax", "main.tf", 3)]
    assert by_name(checks, "validate").status == Status.SKIPPED


def test_required_variable_missing_from_an_environment_tfvars(tmp_path: Path) -> None:
    """envs/prod.tfvars (a -var-file) lacks a required variable that neither it nor terraform.tfvars sets."""
    _, checks = run_all(FIXTURES / "missing-required-env-tfvars", tmp_path)
    assert errors(checks) == [("terraform/tfvars-missing-required", "envs/prod.tfvars", 1, None)]
    message = by_name(checks, "static").findings[0].message
    assert '"name"' in message and "prod.tfvars" in message and "terraform.tfvars" in message


def test_roots_sharing_a_state_are_errors_naming_both_files(tmp_path: Path) -> None:
    validator = TerraformValidator()
    ctx = make_ctx(FIXTURES / "shared-state", tmp_path)
    found = {t.display: [(f.rule, f.file, f.line, f.message) for f in t.extra.get("shared_state", [])]
             for t in validator.discover(ctx)}
    assert {d: [(rule, file, line) for rule, file, line, _ in fs] for d, fs in found.items()} == {
        "s3-a": [("terraform/shared-state", "s3-a/backend.tf", 2)],
        "s3-b": [("terraform/shared-state", "s3-b/backend.tf", 3)],
        "partial": [("terraform/shared-state", "partial/backend-prod.hcl", 1)],  # backend-dev.hcl is its own
        "tfc-a": [("terraform/shared-state", "tfc-a/backend.tf", 2)],
        "tfc-b": [("terraform/shared-state", "tfc-b/backend.tf", 2)],
        "tfc-tags": [], "own": [],
    }
    [(_, _, _, message)] = found["s3-a"]
    assert "s3-b/backend.tf:3" in message and "partial/backend-prod.hcl:1" in message
    [(_, _, _, message)] = found["tfc-a"]
    assert 'name "acme-app-prod"' in message and '"acme"' in message and "tfc-b/backend.tf:2" in message
    static = [c for t in validator.discover(ctx) if t.display == "tfc-b" for c in validator.run(t, ctx) if c.name == "static"]
    assert static[0].status == Status.FAILED and [f.rule for f in static[0].findings] == ["terraform/shared-state"]


def test_fmt_is_one_call_for_every_file_and_survives_a_parse_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from planforge.validate.terraform import fmt

    calls: list[list[str]] = []
    real_run = fmt.run_terraform

    def recording_run(cmd, cwd, env, settings):  # type: ignore[no-untyped-def]
        calls.append(cmd)
        return real_run(cmd, cwd, env, settings)

    monkeypatch.setattr(fmt, "run_terraform", recording_run)
    repo = tmp_path / "repo"
    for name in ("a", "b", "c"):
        (repo / name).mkdir(parents=True)
        (repo / name / "main.tf").write_text('variable "x" {\n  default   = 1\n}\n' if name != "c" else
                                             'variable "x" {\n  default = 1\n}\n', encoding="utf-8")
    (repo / "b" / "terraform.tfvars").write_text("x   = 2\n", encoding="utf-8")
    _, checks = run_all(repo, tmp_path / "w1")
    assert len([c for c in calls if "fmt" in c]) == 1
    assert sorted((f.file, f.line) for c in checks if c.name == "fmt" for f in c.findings) == [
        ("a/main.tf", 2), ("b/main.tf", 2), ("b/terraform.tfvars", 1)]
    (repo / "a" / "broken.tf").write_text('locals {\n  y = {\n', encoding="utf-8")  # terraform fmt stops here
    calls.clear()
    _, checks = run_all(repo, tmp_path / "w2")
    assert sorted((f.file, f.line) for c in checks if c.name == "fmt" for f in c.findings) == [
        ("a/main.tf", 2), ("b/main.tf", 2), ("b/terraform.tfvars", 1)]
    assert sum(1 for c in calls if "fmt" in c and "-list=true" in c) == 2  # once more without the broken file


def test_parses_are_kept_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Identical files parse once (each syntax problem still names its own file); a later run reads the parse back."""
    from planforge.validate.terraform import hclconfig

    text = 'variable "region" {\n  type = string\n}\n'
    broken = 'resource "x" "y" {\n  a = \n'
    first, problem_a = hclconfig.parse_file(tmp_path / "a" / "main.tf", text)
    assert first == {"variable": [{"region": {"type": "string"}}]} and problem_a is None
    assert hclconfig.parse_file(tmp_path / "b" / "bad.tf", broken)[1].file == tmp_path / "b" / "bad.tf"
    assert hclconfig.parse_file(tmp_path / "c" / "bad.tf", broken)[1].file == tmp_path / "c" / "bad.tf"
    hclconfig._parse_text.cache_clear()  # a new run: nothing parsed in memory

    def no_parser(text: str) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(hclconfig, "_parse_hcl", no_parser)
    assert hclconfig.parse_file(tmp_path / "d" / "variables.tf", text) == (first, None)
    again = hclconfig.parse_file(tmp_path / "e" / "bad.tf", broken)[1]
    assert again is not None and again.file == tmp_path / "e" / "bad.tf" and again.line == 2
