"""`render_new`: temporary render then move, refusals, determinism, the published default
template (cache git repository tagged v<version>) and the template shipped in the wheel."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from render_helpers import PLANS, REPO, git, make_template_repo, sample_answers, tree

from planforge import __version__
from planforge.errors import UsageError
from planforge.render import TemplateSource, publish_default_template, render_new
from planforge.render.template import content_hash, is_default_template, shipped_template_dir


@pytest.fixture(scope="module")
def frame_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git template repository with the common files only (tag v1)."""
    return make_template_repo(tmp_path_factory.mktemp("tpl") / "template", with_blueprints=False)


def test_new_renders_commits_and_records_the_template(frame_repo: Path, tmp_path: Path):
    dest = tmp_path / "repo"
    result = render_new(sample_answers(), dest, TemplateSource(str(frame_repo), None))
    assert result.committed and (dest / ".git").is_dir()
    assert git("status", "--porcelain", cwd=dest) == ""
    assert "Generate acme-platform" in git("log", "--format=%s", cwd=dest)
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == str(frame_repo) and recorded["_commit"] == "v1"
    assert recorded["tenants"] == ["acme", "globex"]
    assert ".planforge.yaml" in result.files and "README.md" in result.files
    settings = yaml.safe_load((dest / ".planforge.yaml").read_text())
    assert settings == {"kube_version": "1.30", "strict": True,
                        "repo_url": "https://git.example.invalid/CHANGE-ME/acme-platform.git"}
    assert (dest / "validation/pre-deploy/validate.sh").stat().st_mode & 0o111



def test_git_is_asked_about_file_modes_once_per_run(frame_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Copier asks `git config core.fileMode` for every rendered file; planforge's worker asks once."""
    from copier import _main, _vcs

    asked: list[tuple[str, ...]] = []

    class Counting:
        def __init__(self, git):  # type: ignore[no-untyped-def]
            self.git = git

        def __call__(self, *cmd: str):  # type: ignore[no-untyped-def]
            asked.append(cmd)
            return self.git(*cmd)

        def __getitem__(self, item):  # type: ignore[no-untyped-def]
            return self.git[item]

    def counting(get_git):  # type: ignore[no-untyped-def]
        return lambda *args, **kwargs: Counting(get_git(*args, **kwargs))

    monkeypatch.setattr(_main, "get_git", counting(_main.get_git))
    monkeypatch.setattr(_vcs, "get_git", counting(_vcs.get_git))
    result = render_new(sample_answers(), tmp_path / "repo", TemplateSource(str(frame_repo), None), init_git=False)
    assert len(result.files) > 5
    assert sum(1 for cmd in asked if "core.fileMode" in cmd) == 1
    assert (tmp_path / "repo/validation/pre-deploy/validate.sh").stat().st_mode & 0o111

def test_new_is_deterministic(frame_repo: Path, tmp_path: Path):
    trees = []
    for name in ("a", "b"):
        render_new(sample_answers(), tmp_path / name, TemplateSource(str(frame_repo), None), init_git=False)
        trees.append(tree(tmp_path / name))
    assert trees[0] == trees[1]
    assert not (tmp_path / "a" / ".git").exists()


def test_refuses_non_empty_dest_unless_forced(frame_repo: Path, tmp_path: Path):
    dest = tmp_path / "repo"
    dest.mkdir()
    (dest / "mine.txt").write_text("keep me\n")
    with pytest.raises(UsageError, match="not empty"):
        render_new(sample_answers(), dest, TemplateSource(str(frame_repo), None), init_git=False)
    assert sorted(p.name for p in dest.iterdir()) == ["mine.txt"]
    render_new(sample_answers(), dest, TemplateSource(str(frame_repo), None), init_git=False, force=True)
    assert (dest / "mine.txt").read_text() == "keep me\n" and (dest / "README.md").is_file()


def test_failure_leaves_dest_untouched(tmp_path: Path):
    broken = make_template_repo(tmp_path / "broken", with_blueprints=False)
    (broken / "blueprints" / "README.md.jinja").write_text("{% if %}broken\n")
    git("commit", "-qam", "break", cwd=broken)
    git("tag", "v2", cwd=broken)
    dest = tmp_path / "repo"
    dest.mkdir()
    (dest / "keep.txt").write_text("x")
    before = tree(dest)
    with pytest.raises(UsageError, match="template is broken"):
        render_new(sample_answers(), dest, TemplateSource(str(broken), None), force=True)
    assert tree(dest) == before and not (dest / ".git").exists()


def test_a_missing_included_template_is_named(tmp_path: Path):
    """An include of a file the template lacks is a TemplateNotFound (no line): the error names the file."""
    broken = make_template_repo(tmp_path / "broken", with_blueprints=False)
    (broken / "blueprints" / "README.md.jinja").write_text("{% include 'includes/absent.jinja' %}\n")
    git("commit", "-qam", "break", cwd=broken)
    git("tag", "v2", cwd=broken)
    with pytest.raises(UsageError, match=r"template is broken: TemplateNotFound: .*\(includes/absent.jinja\)$"):
        render_new(sample_answers(), tmp_path / "repo", TemplateSource(str(broken), None), force=True)


def test_nothing_is_written_outside_dest(frame_repo: Path, tmp_path: Path):
    parent = tmp_path / "parent"
    parent.mkdir()
    render_new(sample_answers(), parent / "repo", TemplateSource(str(frame_repo), None))
    assert [p.name for p in parent.iterdir()] == ["repo"]


def test_default_template_is_published_and_tagged(tmp_path: Path, isolated_cache: Path):
    source = publish_default_template()
    repo = Path(source.src)
    assert repo == isolated_cache / "template" and is_default_template(source.src)
    assert source.vcs_ref in (f"v{__version__}", f"v{__version__}+{content_hash(shipped_template_dir())[:12]}")
    assert source.vcs_ref in git("tag", "--list", cwd=repo).split()
    # Publishing again is a no-op; a newer planforge adds a newer tag next to it.
    assert publish_default_template() == source
    newer = publish_default_template(version="9.9.9")
    assert newer.vcs_ref == "v9.9.9"
    assert {source.vcs_ref, "v9.9.9"} <= set(git("tag", "--list", cwd=repo).split())


def test_new_with_default_template_records_the_shipped_address(tmp_path: Path, isolated_cache: Path):
    """The answers file names the shipped template's address at this version's tag; the render came from the
    local cache (no network here), and Copier's mirror of the URL stays beside that cache."""
    from planforge.render import resolve_template
    from planforge.render.source import default_template_url

    source = resolve_template(None, None)
    assert source.src == default_template_url() == "https://planforge.invalid/planforge.git"
    assert source.cache == str(isolated_cache / "template")
    dest = tmp_path / "repo"
    from planforge.decide import decide
    from planforge.plan import parse_plan

    render_new(decide(parse_plan(PLANS / "aws-single-iac.plan.md")).answers, dest, source, init_git=False)
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == source.src
    assert recorded["_commit"] == source.vcs_ref == "v0.1.0"
    assert list((isolated_cache / "copier").glob("*.git"))
    assert "GIT_CONFIG_COUNT" not in os.environ  # the mapping ends with the render


@pytest.mark.slow
def test_wheel_ships_the_template(tmp_path: Path):
    """`pip wheel .` carries copier.yml + blueprints/ as planforge/template (package data)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    if proc.returncode != 0 and ("No matching distribution" in proc.stderr or "Could not fetch" in proc.stderr):
        pytest.skip(f"cannot fetch the build backend for an isolated build: {proc.stderr.strip()[-200:]}")
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("planforge-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "planforge/template/copier.yml" in names
    assert "planforge/template/blueprints/README.md.jinja" in names
    assert "planforge/template/blueprints/{{_copier_conf.answers_file}}.jinja" in names
    assert any(n.startswith("planforge/template/blueprints/validation/post-deploy/") for n in names)
    extracted = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(extracted)
    probe = subprocess.run(
        [sys.executable, "-c", "import planforge.render.template as t; print(t.shipped_template_dir())"],
        capture_output=True, text=True, env={"PYTHONPATH": str(extracted), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()) == extracted / "planforge" / "template"
    # The installed package publishes its own template copy and renders from it.
    cache = tmp_path / "cache"
    render = subprocess.run(
        [sys.executable, "-m", "planforge", "new", str(PLANS / "aws-single-iac.plan.md"), str(tmp_path / "out"),
         "--no-git"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
        env={"PYTHONPATH": str(extracted), "PATH": "/usr/bin:/bin", "PLANFORGE_CACHE_DIR": str(cache),
             "HOME": str(tmp_path)},
    )
    assert render.returncode == 0, render.stderr
    recorded = yaml.safe_load((tmp_path / "out" / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == "https://planforge.invalid/planforge.git"
    assert (tmp_path / "out" / "terraform").is_dir()


def test_unwritable_cache_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory\n")
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(UsageError, match="cannot publish the planforge template"):
        publish_default_template()
