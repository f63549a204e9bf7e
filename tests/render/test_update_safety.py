"""`planforge update` loses no edit and survives faults: binary edits (UTF-16, a NUL byte) are kept,
one run at a time per repository, an interrupted update is named by the next run, no temporary
directory outlives a run, and a full disk is one paragraph with the work tree put back."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from render_helpers import PLANS, git, make_template_repo, run_cli, tmpfs, tree

from planforge.render.staging import MARK
from planforge.render.unfinished import MARKER

pytestmark = pytest.mark.slow

PLAN = PLANS / "multi-tenant-saas.plan.md"
UPDATE_LINE = "copier update --defaults              # plain Copier works too"
PLANFORGE = Path(sys.executable).with_name("planforge")
KMS_README = "terraform/modules/kms/README.md"


@pytest.fixture()
def template(tmp_path: Path) -> Path:
    return make_template_repo(tmp_path / "template", tag="v1", with_blueprints=False)


def _generate(template: Path, dest: Path, capsys) -> Path:
    code, _, err = run_cli("new", str(PLAN), str(dest), "--template", str(template), capsys=capsys)
    assert code == 0, err
    return dest


def _release_v2(template: Path) -> None:
    """A template release that changes README.md."""
    readme = template / "blueprints" / "README.md.jinja"
    readme.write_text(readme.read_text().replace(UPDATE_LINE, UPDATE_LINE + " (v2)"))
    git("commit", "-qam", "template v2", cwd=template)
    git("tag", "v2", cwd=template)


def _binary_edits(dest: Path) -> dict[str, bytes]:
    """README.md saved as UTF-16 and a NUL byte in a module's README (which template v2 leaves as it is),
    committed: the committed bytes."""
    readme = dest / "README.md"
    readme.write_text(readme.read_text() + "\nOwned by the platform team.\n", encoding="utf-16")
    notes = dest / KMS_README
    notes.write_bytes(notes.read_bytes() + b"Exported by a tool that writes \x00\n")
    git("commit", "-qam", "edits in binary form", cwd=dest)
    return {"README.md": readme.read_bytes(), KMS_README: notes.read_bytes()}


def _leftovers(*roots: Path) -> list[str]:
    """planforge's scratch directories and Copier's temporary ones anywhere under roots."""
    return sorted(str(p) for root in roots for p in root.rglob("*") if p.is_dir() and ".git" not in p.parts
                  and (MARK in p.name or p.name.startswith(("copier.", "planforge-update-"))))


def test_utf16_and_nul_byte_edits_survive_an_update_that_changes_nothing(template, tmp_path, capsys):
    dest = _generate(template, tmp_path / "repo", capsys)
    edited = _binary_edits(dest)
    code, out, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 0, err
    assert "nothing changed" in out
    assert {path: (dest / path).read_bytes() for path in edited} == edited
    assert git("status", "--porcelain", cwd=dest) == ""


def test_a_binary_edit_the_template_also_changed_is_kept_listed_and_exits_1(template, tmp_path, capsys):
    dest = _generate(template, tmp_path / "repo", capsys)
    edited = _binary_edits(dest)
    gitignore = dest / ".gitignore"
    gitignore.write_text(gitignore.read_text() + "# a text edit\n")
    git("commit", "-qam", "text edit", cwd=dest)
    _release_v2(template)

    code, out, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 1, err
    assert "README.md: you edited this binary file" in err and "your version kept" in err
    assert KMS_README not in err  # the template did not change it: the edit is kept, nothing to say
    assert {path: (dest / path).read_bytes() for path in edited} == edited
    assert gitignore.read_text().endswith("# a text edit\n")
    assert "Traceback" not in err and "internal error" not in err


def _start_update(dest: Path, tmpdir: Path) -> subprocess.Popen:
    # SIGINT/SIGTERM with their default disposition (see test_new_safety._start)
    return subprocess.Popen([str(PLANFORGE), "update", str(dest)], env={**os.environ, "TMPDIR": str(tmpdir)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(proc: subprocess.Popen, condition, what: str) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        assert proc.poll() is None, f"the update ended before {what}: {proc.communicate()}"
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


def _private_tmpdir(tmp_path: Path) -> Path:
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    return tmpdir


def test_a_second_update_at_the_same_time_exits_2_naming_the_first(template, tmp_path, capsys):
    dest = _generate(template, tmp_path / "repo", capsys)
    _release_v2(template)
    marker = dest / ".git" / MARKER
    first = _start_update(dest, _private_tmpdir(tmp_path))
    _wait_for(first, marker.exists, "the first update started")
    second = subprocess.run([str(PLANFORGE), "update", str(dest)], capture_output=True, text=True)
    out, err = first.communicate(timeout=300)

    assert second.returncode == 2, second.stderr
    assert f"in use by another planforge run (pid {first.pid}" in second.stderr
    assert "nothing was changed" in second.stderr and "Traceback" not in second.stderr
    assert first.returncode == 0, err
    assert UPDATE_LINE + " (v2)" in (dest / "README.md").read_text()
    reported = {line.strip() for line in out.splitlines() if line.startswith("  ")}
    assert {line[3:] for line in git("status", "--porcelain", cwd=dest).splitlines()} == reported


def test_kill_9_mid_update_is_named_by_the_next_run_which_cleans_up(template, tmp_path, capsys):
    dest = _generate(template, tmp_path / "repo", capsys)
    _release_v2(template)
    before = tree(dest)
    readme = (dest / "README.md").read_bytes()
    tmpdir = _private_tmpdir(tmp_path)
    proc = _start_update(dest, tmpdir)
    _wait_for(proc, lambda: (dest / "README.md").read_bytes() != readme, "Copier rewrote README.md")
    proc.kill()
    proc.communicate(timeout=60)
    assert _leftovers(tmp_path), "expected the killed run's scratch directory"
    assert git("status", "--porcelain", cwd=dest) != ""

    code, _, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 2, err
    assert f"pid {proc.pid}" in err and "did not finish" in err and "still holds the changes" in err
    assert "git stash -u" in err and "git checkout -- . && git clean -fd" in err
    assert _leftovers(tmp_path) == [] and list(tmpdir.iterdir()) == []

    git("checkout", "--", ".", cwd=dest)
    git("clean", "-fdq", cwd=dest)
    assert tree(dest) == before
    code, out, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 0, err
    assert f"pid {proc.pid}" in err and "the work tree is clean now" in err
    assert UPDATE_LINE + " (v2)" in (dest / "README.md").read_text()
    assert not (dest / ".git" / MARKER).exists()
    code, _, err = run_cli("update", str(dest), capsys=capsys)
    assert "did not finish" not in err  # named once, then forgotten


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_update_leaves_no_temporary_directory(template, tmp_path, capsys, signum):
    dest = _generate(template, tmp_path / "repo", capsys)
    _release_v2(template)
    tmpdir = _private_tmpdir(tmp_path)
    proc = _start_update(dest, tmpdir)
    _wait_for(proc, lambda: any(tmpdir.parent.glob(f".repo{MARK}*/copier*")), "Copier made its temporary files")
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert "the update did not finish" in err and "Traceback" not in err
    assert _leftovers(tmp_path) == [] and list(tmpdir.iterdir()) == []


def test_a_full_disk_mid_update_is_one_paragraph_and_the_work_tree_is_put_back(template, tmp_path, capsys):
    # room for the repository and the template Copier copies beside it; the filler takes the rest
    with tmpfs(tmp_path / "disk", "8m") as disk:
        dest = _generate(template, disk / "repo", capsys)
        _release_v2(template)
        before = tree(dest)
        reserve = disk / "reserve"
        reserve.write_bytes(b"\0" * 65536)
        with open(disk / "filler", "wb") as filler, pytest.raises(OSError, match="No space left"):
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        reserve.unlink()  # room to start the update (its mark), not to finish it

        code, out, err = run_cli("update", str(dest), capsys=capsys)
        assert code == 2, err
        assert "No space left on device" in err and "the partial update was undone" in err
        assert "Traceback" not in err and "internal error" not in err and len(err.splitlines()) <= 3
        assert tree(dest) == before and git("status", "--porcelain", cwd=dest) == ""
        assert not (dest / ".git" / MARKER).exists() and _leftovers(disk) == []
