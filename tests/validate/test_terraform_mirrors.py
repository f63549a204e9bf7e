"""Several provider mirrors: the command line's repeated option and PLANFORGE_TF_PLUGIN_MIRROR's paths each become a
`filesystem_mirror` of the CLI configuration, unpacked (the machine's AWS mirror) or packed (../shared/tf-mirror:
azurerm, digitalocean, oci), and the real terraform installs from all of them."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planforge.cli import build_parser
from planforge.cli.validate import cli_settings
from planforge.validate.base import Check, Context, Settings, Status
from planforge.validate.settings import resolve_settings
from planforge.validate.terraform import TerraformValidator, cli_config, preinit
from testlib import FIXTURES, PLANS, REPO, plan_group, rendered_plan, require_tool, without_planforge_settings

OTHER_PROVIDERS = FIXTURES / "terraform" / "other-providers"
MULTICLOUD = PLANS / "multicloud-aws-azure.plan.md"


def planforge_validate(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`planforge validate ARGS` in a subprocess whose only PLANFORGE_* variables are `env`."""
    environ = without_planforge_settings()
    return subprocess.run([sys.executable, "-m", "planforge", "validate", *args], capture_output=True, text=True,
                          timeout=1200, env={**environ, "PYTHONPATH": str(REPO / "src"), **env})


def validate_checks(root: Path, workdir: Path, mirrors: list[Path]) -> dict[str, Check]:
    """The `validate` check of each Terraform root under `root`, by target."""
    settings = Settings(terraform_plugin_mirrors=mirrors, timeout=600, jobs=1)
    ctx = Context(root=root, settings=settings, validate_documents=lambda docs, origin: [], workdir=workdir)
    validator = TerraformValidator()
    return {c.target: c for t in validator.discover(ctx) for c in validator.run(t, ctx) if c.name == "validate"}


def test_the_option_repeats_and_the_variable_separates_paths_with_pathsep() -> None:
    listed = f"/srv/aws{os.pathsep}{os.pathsep}/srv/packed{os.pathsep}"
    from_env = resolve_settings({}, environ={"PLANFORGE_TF_PLUGIN_MIRROR": listed})
    assert from_env.terraform_plugin_mirrors == [Path("/srv/aws"), Path("/srv/packed")]
    args = build_parser().parse_args(["validate", "--terraform-plugin-mirror", "/a", "--terraform-plugin-mirror", "/b"])
    given = resolve_settings(cli_settings(args), environ={"PLANFORGE_TF_PLUGIN_MIRROR": listed})
    assert given.terraform_plugin_mirrors == [Path("/a"), Path("/b")]  # the command line replaces the variable


def test_each_mirror_is_a_filesystem_mirror_block_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "unpacked", tmp_path / "packed"
    first.mkdir()
    second.mkdir()
    settings = Settings(terraform_plugin_mirrors=[first, second, first / ".." / "unpacked"])
    text = cli_config(Context(root=tmp_path, settings=settings, validate_documents=lambda docs, origin: [],
                              workdir=tmp_path / "work")).read_text()
    assert text.count("filesystem_mirror {") == 2 and "direct" not in text
    assert text.index(f'path    = "{first}"') < text.index(f'path    = "{second}"')


def test_init_written_directly_takes_each_version_from_the_first_mirror_holding_it(tmp_path: Path) -> None:
    """As Terraform: the versions of every mirror together, the package of the selected one from the first mirror
    that has it; a packed package there leaves the install to `terraform init`."""
    provider, target = "registry.terraform.io/hashicorp/null", preinit._platform()
    older, newer, also_newer, packed = (tmp_path / name for name in ("older", "newer", "also-newer", "packed"))
    for mirror, version in ((older, "3.2.1"), (newer, "3.2.2"), (also_newer, "3.2.2")):
        (mirror / provider / version / target).mkdir(parents=True)
    (packed / provider).mkdir(parents=True)
    (packed / provider / f"terraform-provider-null_3.2.2_{target}.zip").write_bytes(b"")
    selected, why = preinit._selected_versions({provider: {">= 3.0.0"}}, [older, newer], target)
    assert why is None and selected == {provider: ((3, 2, 2), [])}
    assert preinit._unpacked_package([older, also_newer, newer], provider, "3.2.2", target) == (
        also_newer / provider / "3.2.2" / target, "")
    package, why = preinit._unpacked_package([older, packed, newer], provider, "3.2.2", target)
    assert package is None and f"the mirror {packed} holds {provider} 3.2.2 packed" in why


@pytest.mark.parametrize("how", ["option", "variable", "file"])
def test_a_mirror_that_is_not_a_directory_is_a_usage_error_naming_it(tmp_path: Path, tf_mirror: Path,
                                                                      how: str) -> None:
    (tmp_path / "main.tf").write_text('resource "terraform_data" "x" {}\n')
    missing = tmp_path / ("main.tf" if how == "file" else "no-such-mirror")
    if how == "variable":
        proc = planforge_validate(str(tmp_path), PLANFORGE_TF_PLUGIN_MIRROR=f"{tf_mirror}{os.pathsep}{missing}")
    else:
        proc = planforge_validate(str(tmp_path), "--terraform-plugin-mirror", str(tf_mirror),
                                  "--terraform-plugin-mirror", str(missing))
    state = "is not a directory" if how == "file" else "does not exist"
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"the Terraform plugin mirror {missing} (given with" in proc.stderr and f") {state} (fix: " in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1  # one sentence, as every usage error
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr and proc.stdout == ""


@pytest.mark.slow
def test_digitalocean_and_oci_roots_validate_through_the_packed_mirror(tmp_path: Path, tf_mirror: Path,
                                                                       packed_tf_mirror: Path) -> None:
    require_tool("terraform")
    repo = tmp_path / "repo"
    shutil.copytree(OTHER_PROVIDERS, repo)
    (repo / "digitalocean-unsupported").mkdir()  # the DigitalOcean root with an argument its schema lacks
    clean = (repo / "digitalocean" / "main.tf").read_text()
    (repo / "digitalocean-unsupported" / "main.tf").write_text(clean.replace('  ip_range = "10.10.0.0/16"\n',
                                                                              '  ip_range = "10.10.0.0/16"\n'
                                                                              '  colour   = "blue"\n'))
    checks = validate_checks(repo, tmp_path / "both", [tf_mirror, packed_tf_mirror])
    assert {t: c.status for t, c in checks.items()} == {
        "digitalocean": Status.PASSED, "oci": Status.PASSED, "digitalocean-unsupported": Status.FAILED}
    (finding,) = checks["digitalocean-unsupported"].findings
    assert (finding.rule, finding.file, finding.line) == ("terraform/validate", "digitalocean-unsupported/main.tf", 14)
    assert 'An argument named "colour" is not expected here' in finding.message
    alone = validate_checks(OTHER_PROVIDERS / "digitalocean", tmp_path / "aws-only", [tf_mirror])["."]
    assert alone.status is Status.SKIPPED
    assert f"digitalocean/digitalocean not available (plugin mirror {tf_mirror.resolve()})" in (alone.reason or "")


@pytest.mark.slow
@plan_group(MULTICLOUD)
def test_a_multicloud_repository_validates_its_aws_and_azure_roots(tmp_path_factory: pytest.TempPathFactory,
                                                                   tf_mirror: Path, packed_tf_mirror: Path) -> None:
    require_tool("terraform")
    repo = rendered_plan(MULTICLOUD, tmp_path_factory)
    proc = planforge_validate(str(repo), "--only", "terraform", "--format", "json", "--no-cache",
                              "--terraform-plugin-mirror", str(tf_mirror), "--terraform-plugin-mirror",
                              str(packed_tf_mirror))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    validated = {c["target"]: c for c in json.loads(proc.stdout)["checks"] if c["name"] == "validate"}
    roots = {f"terraform/{cloud}environments/{env}" for cloud in ("", "azure/") for env in ("dev", "staging", "prod")}
    assert roots <= set(validated)
    assert {t: (c["status"], c["findings"]) for t, c in validated.items() if t in roots} == {
        t: ("passed", []) for t in roots}  # no skip, and no deprecation warning left
    # The AWS roots' providers come from the unpacked mirror without `terraform init`, the packed one beside it.
    assert any("providers linked from the mirror without terraform init" in validated[f"terraform/environments/{env}"]
               ["tool"] for env in ("dev", "staging", "prod"))
