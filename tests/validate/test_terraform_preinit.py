"""The aggregate's `terraform init` is written directly when it provably would do nothing else: the same module
manifest, provider layout and locked versions as a real init, and the same findings."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from planforge.validate.base import Check, Context, Settings
from planforge.validate.terraform import TerraformValidator, preinit
from testlib import require_tool

VERSIONS = 'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = "~> 5.0"\n    }\n  }\n}\n'
FILES = {  # two roots calling a module that calls another (one root twice), all requiring hashicorp/aws
    "modules/inner/main.tf": VERSIONS + '\nvariable "name" {\n  type = string\n}\n\nresource "aws_s3_bucket" "b" {\n  bucket = var.name\n}\n',
    "modules/outer/main.tf": 'variable "name" {\n  type = string\n}\n\nmodule "inner" {\n  source = "../inner"\n  name   = var.name\n}\n',
    "roots/a/main.tf": VERSIONS + '\nmodule "outer" {\n  source = "../../modules/outer"\n  name   = "a"\n}\n\n'
                                  'module "direct" {\n  source = "./../../modules/inner"\n  name   = "a2"\n}\n',
    "roots/b/main.tf": VERSIONS + '\nprovider "aws" {\n  region = "eu-west-1"\n}\n\nmodule "outer" {\n  source = "../../modules/outer"\n'
                                  '  name   = 3\n}\n\nresource "aws_s3_bucket" "bad" {\n  bucket_nope = "x"\n}\n',
}


def write_repo(repo: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    return repo


def run(repo: Path, workdir: Path, mirror: Path, aggregate: bool = True) -> tuple[TerraformValidator, list[Check]]:
    settings = Settings(terraform_plugin_mirrors=[mirror], timeout=600, terraform_aggregate=aggregate, jobs=1)
    ctx = Context(root=repo, settings=settings, validate_documents=lambda docs, origin: [], workdir=workdir)
    validator = TerraformValidator()
    return validator, [c for t in validator.discover(ctx) for c in validator.run(t, ctx) if c.name == "validate"]


def findings(checks: list[Check]) -> list[tuple[str, str | None, int | None, str]]:
    return sorted((c.target, f.file, f.line, f.message) for c in checks for f in c.findings)


def real_init(directory: Path, data: Path, mirror: Path) -> None:
    """`terraform init -backend=false` in `directory`, with providers from `mirror` and its data in `data`."""
    rc = data.parent / f"{data.name}.tfrc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n', encoding="utf-8")
    env = {**os.environ, "TF_DATA_DIR": str(data), "TF_CLI_CONFIG_FILE": str(rc), "CHECKPOINT_DISABLE": "1",
           "TF_IN_AUTOMATION": "1"}
    proc = subprocess.run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def installed(data: Path) -> tuple[list[dict], dict[str, str | None]]:
    """The module manifest and every entry of a data directory (a link -> what it points to)."""
    manifest = json.loads((data / "modules" / "modules.json").read_text(encoding="utf-8"))["Modules"]
    entries = {str(p.relative_to(data)): os.readlink(p) if p.is_symlink() else None for p in data.rglob("*")}
    return sorted(manifest, key=lambda r: r["Key"]), entries


def locked(directory: Path) -> dict[str, tuple[tuple[int, int, int], list[str]]]:
    lock = directory / preinit.LOCK_FILE
    locks, why = preinit._locked(lock, lock.read_text(encoding="utf-8"))
    assert why is None
    return locks


@pytest.mark.parametrize("with_lock", [False, True])
def test_written_init_equals_real_init(tmp_path: Path, tf_mirror: Path, with_lock: bool) -> None:
    require_tool("terraform")
    repo = write_repo(tmp_path / "repo", FILES)
    if with_lock:  # the repository's lock files, as `terraform init` records them
        for root in ("roots/a", "roots/b"):
            real_init(repo / root, tmp_path / f"lock-data-{root[-1]}", tf_mirror)
    validator, together = run(repo, tmp_path / "work", tf_mirror)
    assert validator.validation_runs == ["aggregate of roots/a, roots/b"]
    assert all("providers linked from the mirror without terraform init" in (c.tool or "") for c in together)
    [aggregate] = (tmp_path / "work" / "terraform").glob("aggregate-*")
    copy = tmp_path / "init" / "aggregate"
    shutil.copytree(aggregate / "aggregate", copy)
    (copy / preinit.LOCK_FILE).unlink()  # a real init starts from the repository's state
    if with_lock:
        shutil.copyfile(repo / "roots/a" / preinit.LOCK_FILE, copy / preinit.LOCK_FILE)
    shutil.copytree(aggregate / "src", tmp_path / "init" / "src")
    real_init(copy, tmp_path / "init-data", tf_mirror)
    assert installed(aggregate / "data") == installed(tmp_path / "init-data")
    manifest, _ = installed(aggregate / "data")
    assert {r["Key"] for r in manifest} == {"", "m0", "m0.direct", "m0.outer", "m0.outer.inner", "m1", "m1.outer",
                                            "m1.outer.inner"}
    assert {p: v for p, (v, _) in locked(aggregate / "aggregate").items()} == {p: v for p, (v, _) in locked(copy).items()}
    assert all(not hashes for _, hashes in locked(aggregate / "aggregate").values())  # verified by planforge instead
    [(provider, (version, hashes))] = locked(copy).items()
    package = tf_mirror / provider / ".".join(map(str, version)) / str(preinit._platform())
    assert preinit.package_hash(package) in hashes  # the h1: hash init records
    _, apart = run(repo, tmp_path / "apart", tf_mirror, aggregate=False)
    assert findings(together) == findings(apart)
    assert {(f[0], f[1]) for f in findings(together) if f[1]} >= {("roots/b", "roots/b/main.tf")}


def aggregate_fails_as_per_root(tmp_path: Path, files: dict[str, str], lock: str, tf_mirror: Path) -> tuple[list, list]:
    """Both roots locked with `lock`: the aggregate runs, fails, and its findings are the per-root runs' own."""
    repo = write_repo(tmp_path / "repo", files)
    for root in ("roots/a", "roots/b"):
        (repo / root / preinit.LOCK_FILE).write_text(lock, encoding="utf-8")
    validator, together = run(repo, tmp_path / "work", tf_mirror)
    assert validator.validation_runs[0] == "aggregate of roots/a, roots/b"
    assert all("the aggregate configuration failed" in (c.tool or "") for c in together)
    _, apart = run(repo, tmp_path / "apart", tf_mirror, aggregate=False)
    assert findings(together) == findings(apart)
    return together, apart


def test_init_runs_when_the_locked_version_does_not_satisfy_a_constraint(tmp_path: Path, tf_mirror: Path) -> None:
    """A lock that a real init refuses (the version is outside a constraint) is not linked: init runs and its
    error is the aggregate's failure, as without the shortcut."""
    require_tool("terraform")
    files = {name: text.replace('"~> 5.0"', '"~> 4.0"') if "inner" in name else text for name, text in FILES.items()}
    lock = 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "5.100.0"\n}\n'
    aggregate_fails_as_per_root(tmp_path, files, lock, tf_mirror)


def test_init_runs_when_the_mirror_package_does_not_match_the_lock(tmp_path: Path, tf_mirror: Path) -> None:
    """A lock whose h1: hash is not the mirror package's: init refuses it, so the aggregate fails as without
    the shortcut (the hash is checked by planforge while validate runs, and that run is discarded)."""
    require_tool("terraform")
    lock = ('provider "registry.terraform.io/hashicorp/aws" {\n  version = "5.100.0"\n'
            '  hashes = [\n    "h1:AAAAWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=",\n  ]\n}\n')
    together, apart = aggregate_fails_as_per_root(tmp_path, FILES, lock, tf_mirror)
    assert [(c.target, c.status, c.reason) for c in together] == [(c.target, c.status, c.reason) for c in apart]
    assert all(c.reason and "not available" in c.reason for c in together)  # init's refusal, as a run of its own


def test_init_runs_when_validate_misses_a_provider(tmp_path: Path, tf_mirror: Path) -> None:
    """A provider used but not required (hashicorp/random, implied) is not in the mirror's links: validate reports
    it without a range, and init runs (here it fails too: the mirror lacks it) instead of reporting that."""
    require_tool("terraform")
    files = {**FILES, "roots/a/extra.tf": 'resource "random_id" "x" {\n  byte_length = 4\n}\n'}
    repo = write_repo(tmp_path / "repo", files)
    validator, together = run(repo, tmp_path / "work", tf_mirror)
    assert validator.validation_runs[0] == "aggregate of roots/a, roots/b"
    assert not any("without terraform init" in (c.tool or "") for c in together)
    _, apart = run(repo, tmp_path / "apart", tf_mirror, aggregate=False)
    assert findings(together) == findings(apart)


@pytest.mark.parametrize(("constraint", "versions"), [
    ("~> 5.0", {(5, 0, 0): True, (5, 100, 0): True, (6, 0, 0): False, (4, 9, 9): False}),
    ("~> 5.1.2", {(5, 1, 2): True, (5, 1, 9): True, (5, 2, 0): False, (5, 1, 1): False}),
    ("~> 5", {(5, 9, 0): True, (6, 0, 0): False}),
    (">= 5.2", {(5, 2, 0): True, (5, 1, 9): False}),
    ("< 6", {(5, 99, 0): True, (6, 0, 0): False}),
    ("!= 5.1.0", {(5, 1, 0): False, (5, 1, 1): True}),
    ("5.1.0", {(5, 1, 0): True, (5, 1, 1): False}),
])
def test_satisfies_reads_constraints_as_terraform(constraint: str, versions: dict[tuple[int, int, int], bool]) -> None:
    assert preinit._understood(constraint)
    assert {v: preinit.satisfies(v, constraint) for v in versions} == versions


@pytest.mark.parametrize("constraint", ["> 5.1", "<= 5", "= 5.1", "5.1", ">= 5.0.0-beta1", "~> x"])
def test_constraints_with_uncertain_meaning_leave_it_to_init(constraint: str) -> None:
    assert not preinit._understood(constraint)


def test_terraform_runs_with_a_larger_gc_target_unless_gogc_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from planforge.validate.terraform.cli import GOGC, terraform_env

    ctx = Context(root=tmp_path, settings=Settings(), validate_documents=lambda docs, origin: [], workdir=tmp_path)
    monkeypatch.delenv("GOGC", raising=False)
    assert terraform_env(ctx)["GOGC"] == GOGC == "200"
    monkeypatch.setenv("GOGC", "50")
    assert terraform_env(ctx)["GOGC"] == "50"
