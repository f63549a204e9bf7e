"""`planforge update DEST --template SRC`: a repository generated from template A at v1 moves to a team's fork B
at v2 (B changes a README heading). planforge records B and v2 itself, the user's edit is kept, and every line that
embeds the template source (CI's install requirement and report action, the pre-commit repository) names B, with
no conflict. A source that cannot be used, and a PLANFORGE_TEMPLATE naming another source, change nothing (exit 2)."""
from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from render_helpers import PLANS, USER_EDIT, commit_user_edits, git, make_template_repo, run_cli, tree

pytestmark = pytest.mark.slow

FORK_URL = "https://github.com/acme/planforge.git"  # fetched from a local clone (url.<clone>.insteadOf)
FORK_HEADING = "## Update (acme conventions)"


@pytest.fixture()
def generated(tmp_path: Path, capsys) -> tuple[Path, Path]:
    """(repository generated from template A at v1 with a committed user edit, fork B of A tagged v2)."""
    template_a = make_template_repo(tmp_path / "a", tag="v1", with_blueprints=False)
    plan = tmp_path / "plan.md"
    shutil.copy(PLANS / "multi-tenant-saas.plan.md", plan)
    dest = tmp_path / "repo"
    code, _, err = run_cli("new", str(plan), str(dest), "--template", str(template_a), capsys=capsys)
    assert code == 0, err
    commit_user_edits(dest)
    fork = tmp_path / "b"
    git("clone", "-q", str(template_a), str(fork), cwd=tmp_path)
    readme = fork / "blueprints" / "README.md.jinja"
    assert "\n## Update\n" in readme.read_text()
    readme.write_text(readme.read_text().replace("\n## Update\n", f"\n{FORK_HEADING}\n", 1))
    git("commit", "-qam", "acme conventions", cwd=fork)
    git("tag", "v2", cwd=fork)
    return dest, fork


@contextlib.contextmanager
def _fork_on_github(monkeypatch: pytest.MonkeyPatch, fork: Path, tmp_path: Path) -> Iterator[None]:
    """git (planforge's and Copier's, which runs under plumbum's own copy of the environment) fetches FORK_URL
    from the local fork."""
    from plumbum import local

    env = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"url.{fork}.insteadOf", "GIT_CONFIG_VALUE_0": FORK_URL,
           "COPIER_CACHE_DIR": str(tmp_path / "copier-cache")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with local.env(**env):
        yield


def test_switching_to_a_fork_records_it_keeps_edits_and_moves_embedded_sources(generated, tmp_path, capsys,
                                                                               monkeypatch) -> None:
    dest, fork = generated
    old_src = yaml.safe_load((dest / ".copier-answers.yml").read_text())["_src_path"]
    with _fork_on_github(monkeypatch, fork, tmp_path):
        code, out, err = run_cli("update", str(dest), "--template", FORK_URL, capsys=capsys)

    assert code == 0, out + err
    assert f"Template source: {old_src} -> {FORK_URL}" in out
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert (recorded["_src_path"], recorded["_commit"]) == (FORK_URL, "v2")
    readme = (dest / "README.md").read_text()
    assert USER_EDIT in readme, "the user's edit was lost"
    assert FORK_HEADING in readme.splitlines(), "the fork's change was not applied"
    v2 = git("rev-parse", "v2^{commit}", cwd=fork).strip()  # embedded pins name the commit, not the movable tag
    validate = yaml.safe_load((dest / ".github/workflows/validate.yml").read_text())
    assert validate["env"]["PLANFORGE_INSTALL"] == f"planforge @ git+{FORK_URL}@{v2}"
    uses = [step.get("uses", "") for job in validate["jobs"].values() for step in job["steps"]]
    assert f"acme/planforge@{v2}" in uses, uses
    pre_commit = yaml.safe_load((dest / ".pre-commit-config.yaml").read_text())
    assert {"repo": FORK_URL, "rev": v2} in [{k: r[k] for k in ("repo", "rev") if k in r}
                                             for r in pre_commit["repos"]]
    for path, content in tree(dest).items():
        text = content.decode(errors="replace")
        assert "<<<<<<< " not in text, f"{path}: conflict markers"
        assert old_src not in text, f"{path} still names template A"

    # The next plain update stays on the fork: nothing to do.
    git("commit", "-qam", "switch to the acme fork", cwd=dest)
    with _fork_on_github(monkeypatch, fork, tmp_path):
        code, out, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 0 and "nothing changed" in out, out + err


@pytest.mark.parametrize("case", ["missing path", "not git", "no tag"])
def test_a_source_that_cannot_be_used_changes_nothing(generated, tmp_path, capsys, case) -> None:
    dest, fork = generated
    source = tmp_path / "source"
    if case != "missing path":
        source.mkdir()
        (source / "copier.yml").write_text("{}\n")
    if case == "no tag":
        git("init", "-q", cwd=source)
        git("add", "-A", cwd=source)
        git("commit", "-qm", "untagged", cwd=source)
    before = tree(dest)

    code, out, err = run_cli("update", str(dest), "--template", str(source), capsys=capsys)

    assert code == 2, out + err
    assert f"the template source {source} cannot be used" in err and "nothing was changed" in err, err
    assert ("no tag" in err) == (case == "no tag") and "Traceback" not in err
    assert tree(dest) == before and not git("status", "--porcelain", cwd=dest).strip()


def test_planforge_template_in_the_environment_is_refused_not_ignored(generated, capsys, monkeypatch) -> None:
    dest, fork = generated
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())["_src_path"]
    before = tree(dest)
    monkeypatch.setenv("PLANFORGE_TEMPLATE", str(fork))

    code, out, err = run_cli("update", str(dest), capsys=capsys)

    assert code == 2, out + err
    assert f"PLANFORGE_TEMPLATE names the template source {fork}" in err and recorded in err
    assert f"planforge update DEST --template {fork}" in err
    assert tree(dest) == before

    monkeypatch.setenv("PLANFORGE_TEMPLATE", recorded)  # the recorded source itself: an ordinary update
    code, out, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 0 and "nothing changed" in out, out + err
