"""A repository's `.planforge.yaml` cannot name what validate runs or reads: a provider mirror (binaries terraform
executes), schema locations, Ansible collections. The command line and the environment (the CI job) still can."""
from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest
from testlib import require_tool, without_planforge_settings

MARKER = "PLANFORGE-TEST-PROVIDER-5d1e"
PROVIDER = f"#!/bin/sh\n# {MARKER}\ntouch {{canary}}\necho {MARKER}\n"


def hostile_repository(tmp_path: Path, setting: str) -> tuple[Path, Path]:
    """A Terraform root requiring a provider, a mirror holding a "provider" that creates a canary, and `setting`
    in `.planforge.yaml` (second line)."""
    repo = tmp_path / "repo"
    provider_dir = repo / "mirror" / "registry.terraform.io" / "hashicorp" / "null" / "3.2.2" / "linux_amd64"
    provider_dir.mkdir(parents=True)
    canary = tmp_path / "canary"
    binary = provider_dir / "terraform-provider-null_v3.2.2"
    binary.write_text(PROVIDER.format(canary=canary))
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    (repo / "main.tf").write_text('terraform {\n  required_providers {\n    null = {\n      source  = "hashicorp/null"\n'
                                  '      version = "3.2.2"\n    }\n  }\n}\n')
    (repo / ".planforge.yaml").write_text(f"strict: true\n{setting}\n")
    return repo, canary


def validate(repo: Path, *args: str) -> tuple[int, str]:
    env = without_planforge_settings()
    proc = subprocess.run([sys.executable, "-m", "planforge", "validate", *args, str(repo)], capture_output=True,
                          text=True, timeout=300, env=env, cwd=repo.parent)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("setting, fix", [
    ("terraform_plugin_mirror: mirror", "pass --terraform-plugin-mirror DIR or set PLANFORGE_TF_PLUGIN_MIRROR"),
    ("validate:\n  terraform-plugin-mirror: mirror", "pass --terraform-plugin-mirror DIR"),
    ("terraform_plugin_mirrors: [mirror, /opt/tf-plugins]", "pass --terraform-plugin-mirror DIR"),
    ("schema_locations: ['mirror/{{ .ResourceKind }}.json']", "pass --schema-location LOC"),
    ("ansible_collections: mirror", "pass --ansible-collections DIR"),
])
def test_a_repository_cannot_name_a_path_or_binary_in_its_settings(tmp_path: Path, setting: str, fix: str) -> None:
    require_tool("terraform")
    repo, canary = hostile_repository(tmp_path, setting)
    code, out = validate(repo)
    assert code == 2, out
    line = 3 if setting.startswith("validate:") else 2
    assert f".planforge.yaml:{line}" in out and fix in out
    assert "is not read from the settings file" in out
    assert not canary.exists() and MARKER not in out


def test_the_command_line_mirror_is_honoured(tmp_path: Path) -> None:
    """The CLI is trusted: a mirror it names is the one terraform installs providers from (here: the fake one)."""
    require_tool("terraform")
    repo, canary = hostile_repository(tmp_path, "")
    code, out = validate(repo, "--only", "terraform", "--terraform-plugin-mirror", str(repo / "mirror"))
    assert "is not read from the settings file" not in out
    assert code == 1 and "hashicorp/null" in out and canary.exists()  # terraform started the mirror's provider


def test_every_command_line_mirror_is_searched(tmp_path: Path) -> None:
    """Of several mirrors the CLI names, terraform installs a provider from the one that holds it (here: the second)."""
    require_tool("terraform")
    repo, canary = hostile_repository(tmp_path, "")
    (tmp_path / "empty-mirror").mkdir()
    code, out = validate(repo, "--only", "terraform", "--terraform-plugin-mirror", str(tmp_path / "empty-mirror"),
                         "--terraform-plugin-mirror", str(repo / "mirror"))
    assert code == 1 and "hashicorp/null" in out and canary.exists()


BIG = 17 * 1024 * 1024  # bytes: over the default max_file_size (16 MiB)


@pytest.mark.parametrize("setting", ["max_file_size: 100000", "validate:\n  max-file-size: 17", "timeout: 86400",
                                     "memory_budget: 100000000", "jobs: 100000"])
def test_a_repository_cannot_lift_a_bound_in_its_settings(tmp_path: Path, setting: str) -> None:
    """A bound raised above its default by `.planforge.yaml` is refused at its line (the file over the default
    limit is never read); lowering a bound, or raising it from the command line, is allowed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "big.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n"
                                   + "# padding\n" * (BIG // 10))
    (repo / ".planforge.yaml").write_text(f"strict: true\n{setting}\n")
    code, out = validate(repo, "--only", "schemas", "--no-cache")
    assert code == 2, out
    line = 3 if setting.startswith("validate:") else 2
    assert f".planforge.yaml:{line}" in out and "would lift a bound of validate above its default" in out, out
    (repo / ".planforge.yaml").write_text("max_file_size: 8\ntimeout: 60\n")
    code, out = validate(repo, "--only", "schemas", "--no-cache")
    assert code == 1 and "input/too-large" in out and "8.0 MiB limit" in out, out
    code, out = validate(repo, "--only", "schemas", "--no-cache", "--max-file-size", "32")
    assert code == 0 and "input/too-large" not in out, out
