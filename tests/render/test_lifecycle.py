"""The update lifecycle through the CLI, with a temporary git clone of the template
tagged v1/v2: template changes merge with user edits, plan changes add and remove
tenant directories, conflicts exit 1 listing the file, and no-op updates change nothing.

Template-change tests use the common files only (fast); the plan-change test renders the
whole template so tenant directories of every blueprint are exercised."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from render_helpers import PLANS, git, make_template_repo, run_cli, tree

pytestmark = pytest.mark.slow

PLAN = PLANS / "multi-tenant-saas.plan.md"
TENANTS = ("acme", "globex", "initech")
UPDATE_LINE = "copier update --defaults              # plain Copier works too"
USER_EDIT = "Owned by the platform team (edited after generation)."


@pytest.fixture()
def plan(tmp_path: Path) -> Path:
    copy = tmp_path / "plan" / "plan.md"
    copy.parent.mkdir()
    shutil.copy(PLAN, copy)
    return copy


def set_tenants(plan: Path, old: list[str], names: list[str]) -> None:
    """Rewrite every place the plan names its tenants (scope, layout tree, decision)."""
    text = plan.read_text()

    def layout(items: list[str]) -> str:
        return "".join(f"    {'└' if i == len(items) - 1 else '├'}── {t}/\n" for i, t in enumerate(items))

    def prose(items: list[str]) -> str:
        return "tenants " + ", ".join(items[:-1]) + " and " + items[-1]

    replacements = {
        layout(old): layout(names),
        f"{len(old)} organizations ({', '.join(old)})": f"{len(names)} organizations ({', '.join(names)})",
        prose(old): prose(names),
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    plan.write_text(text)


@pytest.fixture()
def template(tmp_path: Path) -> Path:
    """The common files only: what the template-change tests edit."""
    return make_template_repo(tmp_path / "template", tag="v1", with_blueprints=False)


@pytest.fixture()
def full_template(tmp_path: Path) -> Path:
    return make_template_repo(tmp_path / "full-template", tag="v1")


def _generate(plan: Path, template: Path, dest: Path, capsys) -> None:
    code, out, err = run_cli("new", str(plan), str(dest), "--template", str(template), capsys=capsys)
    assert code == 0, err
    assert "Generated multi-tenant repository" in out


def _edit_readme_title(dest: Path) -> None:
    readme = dest / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    lines.insert(1, f"\n{USER_EDIT}\n")
    readme.write_text("".join(lines))
    git("commit", "-qam", "user edit", cwd=dest)


def _release(template: Path, tag: str, *, readme_line: str | None = None, rename: bool = False,
             delete: bool = False) -> None:
    if readme_line is not None:
        readme = template / "blueprints" / "README.md.jinja"
        text = readme.read_text()
        assert UPDATE_LINE in text
        readme.write_text(text.replace(UPDATE_LINE, readme_line))
    if rename:
        git("mv", "blueprints/validation/pre-deploy/validate.sh", "blueprints/validation/pre-deploy/run.sh",
            cwd=template)
    if delete:
        git("rm", "-q", "blueprints/.pre-commit-config.yaml.jinja", cwd=template)
    git("add", "-A", cwd=template)
    git("commit", "-qm", f"template {tag}", cwd=template)
    git("tag", tag, cwd=template)


def test_template_update_keeps_user_edits_and_applies_change_rename_delete(plan, template, tmp_path, capsys):
    dest = tmp_path / "repo"
    _generate(plan, template, dest, capsys)
    _edit_readme_title(dest)
    _release(template, "v2", readme_line=UPDATE_LINE + " (v2)", rename=True, delete=True)

    code, out, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 0, err
    readme = (dest / "README.md").read_text()
    assert USER_EDIT in readme, "the user's edit was lost"
    assert UPDATE_LINE + " (v2)" in readme, "the template's change was not applied"
    assert (dest / "validation/pre-deploy/run.sh").is_file()
    assert not (dest / "validation/pre-deploy/validate.sh").exists()
    assert not (dest / ".pre-commit-config.yaml").exists()
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["_commit"] == "v2"
    assert "README.md" in out


def test_plan_update_adds_and_removes_a_tenant(plan, full_template, tmp_path, capsys):
    dest = tmp_path / "repo"
    _generate(plan, full_template, dest, capsys)
    _edit_readme_title(dest)
    roots = ("kubernetes/tenants", "terraform/tenants")
    assert all((dest / r / "acme").is_dir() for r in roots)
    acme_before = {r: tree(dest / r / "acme") for r in roots}

    set_tenants(plan, list(TENANTS), ["acme", "globex", "initech", "umbrella"])
    code, out, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err
    for root in roots:
        assert any((dest / root / "umbrella").iterdir()), f"{root}/umbrella was not created"
        assert tree(dest / root / "acme") == acme_before[root], f"{root}/acme changed"
    assert USER_EDIT in (dest / "README.md").read_text()
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["tenants"] == ["acme", "globex", "initech",
                                                                                     "umbrella"]
    git("add", "-A", cwd=dest)
    git("commit", "-qm", "add umbrella", cwd=dest)

    set_tenants(plan, ["acme", "globex", "initech", "umbrella"], ["acme", "initech", "umbrella"])
    code, out, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err
    for root in roots:
        assert not (dest / root / "globex").exists(), f"{root}/globex was not removed"
        assert (dest / root / "umbrella").is_dir() and tree(dest / root / "acme") == acme_before[root]
    assert USER_EDIT in (dest / "README.md").read_text()


def test_conflicting_edit_exits_1_listing_the_file(plan, template, tmp_path, capsys):
    dest = tmp_path / "repo"
    _generate(plan, template, dest, capsys)
    readme = dest / "README.md"
    readme.write_text(readme.read_text().replace(UPDATE_LINE, "copier update --defaults --vcs-ref HEAD  # ours"))
    git("commit", "-qam", "user edit on the same line", cwd=dest)
    _release(template, "v2", readme_line="copier update --defaults --trust   # theirs")

    code, out, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 1
    assert "conflict" in err and "README.md" in err
    assert "<<<<<<<" in readme.read_text()


def test_update_with_nothing_changed_changes_nothing(plan, template, tmp_path, capsys):
    """Neither template nor plan changed: planforge update and plain copier update are no-ops."""
    dest = tmp_path / "repo"
    _generate(plan, template, dest, capsys)
    before = tree(dest)
    code, out, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err
    assert "nothing changed" in out
    assert git("status", "--porcelain", cwd=dest) == ""
    copier = Path(sys.executable).with_name("copier")
    proc = subprocess.run([str(copier), "update", "--defaults", "--quiet"], cwd=dest, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert git("status", "--porcelain", cwd=dest) == ""
    assert tree(dest) == before


def test_plain_copier_update_applies_a_template_release(plan, template, tmp_path, capsys):
    dest = tmp_path / "repo"
    _generate(plan, template, dest, capsys)
    _edit_readme_title(dest)
    _release(template, "v2", readme_line=UPDATE_LINE + " (v2)")
    copier = Path(sys.executable).with_name("copier")
    proc = subprocess.run([str(copier), "update", "--defaults", "--quiet"], cwd=dest, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    readme = (dest / "README.md").read_text()
    assert USER_EDIT in readme and UPDATE_LINE + " (v2)" in readme


def test_removing_a_tenant_keeps_the_files_you_edited_and_lists_what_went(plan, full_template, tmp_path, capsys):
    dest = tmp_path / "repo"
    _generate(plan, full_template, dest, capsys)
    quotas = dest / "kubernetes/tenants/globex/resource-quotas.yaml"
    edited = quotas.read_text() + "# raised for the Q3 launch\n"
    quotas.write_text(edited)
    (dest / "terraform/tenants/globex/notes.md").write_text("mine\n")  # not generated: Copier leaves it
    git("add", "-A", cwd=dest)
    git("commit", "-qm", "tune globex", cwd=dest)

    set_tenants(plan, list(TENANTS), ["acme", "initech"])
    code, out, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 1, err
    assert "kubernetes/tenants/globex/resource-quotas.yaml" in err and "--prune-edited" in err
    assert quotas.read_text() == edited, "the user's edit was lost"
    assert (dest / "terraform/tenants/globex/notes.md").read_text() == "mine\n"
    assert not (dest / "kubernetes/tenants/globex/rbac.yaml").exists()
    assert not (dest / "terraform/tenants/globex/main.tf").exists()
    assert "kubernetes/tenants/globex/rbac.yaml" in out and "terraform/tenants/globex/main.tf" in out
    assert "resource-quotas.yaml" not in out
    assert git("status", "--porcelain", "--", "kubernetes/tenants/globex/resource-quotas.yaml", cwd=dest) == ""

    git("checkout", "--", ".", cwd=dest)
    git("clean", "-fdq", cwd=dest)
    code, out, err = run_cli("update", str(dest), "--plan", str(plan), "--prune-edited", capsys=capsys)
    assert code == 0, err
    assert not quotas.exists() and "--prune-edited" in out and "kubernetes/tenants/globex/resource-quotas.yaml" in out
    assert (dest / "terraform/tenants/globex/notes.md").read_text() == "mine\n"


def test_a_template_release_that_deletes_an_edited_file_keeps_it(plan, template, tmp_path, capsys):
    dest = tmp_path / "repo"
    _generate(plan, template, dest, capsys)
    hooks = dest / ".pre-commit-config.yaml"
    hooks.write_text(hooks.read_text() + "# our extra hook\n")
    git("commit", "-qam", "user hook", cwd=dest)
    _release(template, "v2", rename=True, delete=True)

    code, out, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 1, err
    assert ".pre-commit-config.yaml" in err and "kept" in err
    assert hooks.read_text().endswith("# our extra hook\n")
    assert not (dest / "validation/pre-deploy/validate.sh").exists()  # unedited: removed and listed
    assert "validation/pre-deploy/validate.sh" in out and (dest / "validation/pre-deploy/run.sh").is_file()



def test_an_interrupted_update_says_how_to_restore(tmp_path, tmp_path_factory, capsys, monkeypatch):
    """A signal while Copier updates in place leaves a partial update: the message says how to undo it."""
    from testlib import generate_repo

    from planforge.render import engine
    from planforge.render.staging import Interrupted

    dest = tmp_path / "repo"
    shutil.copytree(generate_repo("aws-single-iac", tmp_path_factory), dest, symlinks=True)

    def interrupted_copier(**kwargs):
        raise Interrupted(15)

    monkeypatch.setattr(engine, "_update", interrupted_copier)
    code, _, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 128 + 15
    assert "interrupted" in err and "the update did not finish" in err and "git checkout -- ." in err
