"""One `terraform validate` for the roots sharing a provider set gives the findings of one run per root."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planforge.validate.base import Check, Context, Settings
from planforge.validate.terraform import TerraformValidator
from testlib import PLANS, require_tool

DEFECTS = {  # file -> text appended: a tenant root, a shared root and a module each get one defect
    "terraform/tenants/globex/main.tf": '\nresource "aws_s3_bucket" "bad" {\n  bucket_nope = "x"\n}\n',
    "terraform/shared/monitoring/outputs.tf": '\noutput "broken" {\n  value = module.nothing_here.id\n}\n',
    "terraform/modules/kms/main.tf": ('\nresource "aws_kms_alias" "extra" {\n  name          = "alias/x"\n'
                                      "  target_key_id = aws_kms_key.missing.id\n}\n"),
}
# roots (and the modules only they call) left out: the defects' roots and a second tenant calling the same modules
# are enough (32 s -> 14 s)
KEPT_OUT = ("terraform/bootstrap", "terraform/shared/cluster", "terraform/shared/networking",
            "terraform/tenants/initech", "terraform/modules/eks", "terraform/modules/vpc")


@pytest.fixture(scope="module")
def defect_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("terraform")
    dest = tmp_path_factory.mktemp("aggregate") / "repo"
    proc = subprocess.run([sys.executable, "-m", "planforge", "new", str(PLANS / "multi-tenant-saas.plan.md"), str(dest),
                           "--no-git"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert len(list(dest.glob("terraform/tenants/*/main.tf"))) >= 3
    for root in KEPT_OUT:
        shutil.rmtree(dest / root)
    for name, text in DEFECTS.items():
        with (dest / name).open("a", encoding="utf-8") as fh:
            fh.write(text)
    return dest


def validate(root: Path, workdir: Path, mirror: Path, aggregate: bool) -> tuple[TerraformValidator, list[Check]]:
    settings = Settings(terraform_plugin_mirrors=[mirror], timeout=600, terraform_aggregate=aggregate, jobs=1)
    ctx = Context(root=root, settings=settings, validate_documents=lambda docs, origin: [], workdir=workdir)
    validator = TerraformValidator()
    checks = [c for t in validator.discover(ctx) for c in validator.run(t, ctx) if c.name == "validate"]
    return validator, checks


def findings(checks: list[Check]) -> list[tuple[str, str, str | None, int | None, int | None, str]]:
    return sorted((c.target, f.rule, f.file, f.line, f.column, f.message) for c in checks for f in c.findings)


def test_aggregate_findings_equal_per_root_findings(defect_repo: Path, tmp_path: Path, tf_mirror: Path) -> None:
    aggregated, together = validate(defect_repo, tmp_path / "a", tf_mirror, aggregate=True)
    alone, apart = validate(defect_repo, tmp_path / "b", tf_mirror, aggregate=False)
    assert [r for r in aggregated.validation_runs if r.startswith("aggregate of")] == aggregated.validation_runs
    assert len(aggregated.validation_runs) == 1 < len(alone.validation_runs)
    assert findings(together) == findings(apart)
    files = {f[2] for f in findings(together)}
    assert set(DEFECTS) <= files  # each defect found, the module's once: by the first root calling it
    kms = [f for f in findings(together) if f[2] == "terraform/modules/kms/main.tf"]
    assert len(kms) == 1
    assert all("module.m" not in f[5] for f in kms)
    assert [(c.target, c.status) for c in together] == [(c.target, c.status) for c in apart]
    assert all("validated together with" in (c.tool or "") for c in together)


def test_sensitive_root_output_is_still_an_error(tmp_path: Path, tf_mirror: Path) -> None:
    """'Output refers to sensitive values' is checked in a root module only: such roots are validated on their own."""
    for name in ("a", "b"):
        root = tmp_path / "repo" / name
        root.mkdir(parents=True)
        (root / "main.tf").write_text(
            f'variable "secret_{name}" {{\n  type      = string\n  sensitive = true\n}}\n\n'
            f'output "leak" {{\n  value = var.secret_{name}\n}}\n', encoding="utf-8")
    aggregated, together = validate(tmp_path / "repo", tmp_path / "a", tf_mirror, aggregate=True)
    _, apart = validate(tmp_path / "repo", tmp_path / "b", tf_mirror, aggregate=False)
    assert aggregated.validation_runs == ["a", "b"]
    assert findings(together) == findings(apart)
    assert [(f[2], f[3]) for f in findings(together)] == [("a/main.tf", 6), ("b/main.tf", 6)]
    assert all("validated on its own: it has sensitive variables" in (c.tool or "") for c in together)


def test_root_only_blocks_are_validated_on_their_own(tmp_path: Path, tf_mirror: Path) -> None:
    """`import` blocks are allowed in a root module only: that root runs alone, the others together."""
    repo = tmp_path / "repo"
    texts = {
        "a": 'resource "terraform_data" "x" {}\n\nimport {\n  to = terraform_data.x\n  id = "x"\n}\n',
        "b": 'variable "n" {\n  type = number\n}\n\nresource "terraform_data" "x" {\n  input = var.n + 1\n}\n',
        "c": 'resource "terraform_data" "x" {\n  input = var.missing\n}\n',
    }
    for name, text in texts.items():
        (repo / name).mkdir(parents=True)
        (repo / name / "main.tf").write_text(text, encoding="utf-8")
    aggregated, together = validate(repo, tmp_path / "a", tf_mirror, aggregate=True)
    _, apart = validate(repo, tmp_path / "b", tf_mirror, aggregate=False)
    assert aggregated.validation_runs == ["a", "aggregate of b, c"]
    assert "validated on its own: it has `import` blocks" in (together[0].tool or "")
    assert findings(together) == findings(apart)
    assert [(f[0], f[3]) for f in findings(together)] == [("c", 2)]


def test_a_shard_aggregates_only_its_own_roots(tmp_path: Path, tf_mirror: Path) -> None:
    """With --shard (or --changed-since, or cached roots), the roots left out are neither aggregated nor validated."""
    from planforge.validate.runner import run_validation
    from planforge.validate.unit_selection import Selection

    repo = tmp_path / "repo"
    for name in ("a", "b", "c", "d"):
        (repo / name).mkdir(parents=True)
        (repo / name / "main.tf").write_text(f'resource "terraform_data" "{name}" {{\n  input = "{name}"\n}}\n',
                                             encoding="utf-8")
    settings = Settings(terraform_plugin_mirrors=[tf_mirror], timeout=600)
    shards = []
    for index in (1, 2):
        checks = run_validation([repo], settings, ["terraform"], selection=Selection(shard=(index, 2)))
        validated = sorted(c.target for c in checks if c.name == "validate")
        assert len(validated) == 2
        names = ", ".join(validated)
        assert all(c.tool and f"validated together with the roots of the same providers ({names})" in c.tool
                   for c in checks if c.name == "validate")
        assert sorted({c.target for c in checks}) == validated  # fmt and static checks of the shard's roots only
        shards.append(validated)
    assert sorted(shards[0] + shards[1]) == ["a", "b", "c", "d"]
