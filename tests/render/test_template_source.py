"""The template source a generated repository records (`_src_path`): --template, PLANFORGE_TEMPLATE,
the user config file, else the shipped template's address, rendered from the local cache; and the
pinned planforge the generated CI, pre-commit hooks and README install from a chosen source (none
from the shipped template's address, nor from the retired one planforge does not own)."""
from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml
from render_helpers import PLANS, REPO, git, make_template_repo, run_cli, sample_answers

from planforge.errors import UsageError
from planforge.render import render_new, render_update, resolve_template
from planforge.render.source import default_template_url, retired_template_urls
from planforge.render.switch import requested_source

RETIRED_URL = "https://github.com/planforge/planforge.git"  # what planforge 0.1 recorded; not planforge's


@pytest.fixture(scope="module")
def frame_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git template repository with the common files only (tag v1.2.0)."""
    return make_template_repo(tmp_path_factory.mktemp("tpl") / "template", with_blueprints=False, tag="v1.2.0")


def _recorded(dest: Path) -> dict:
    return yaml.safe_load((dest / ".copier-answers.yml").read_text())


def test_the_shipped_template_records_an_address_nobody_serves():
    """RFC 2606 reserves `.invalid`: plain `copier update` and pip fail on it instead of fetching another's code."""
    from urllib.parse import urlparse

    assert urlparse(default_template_url()).hostname.endswith(".invalid")
    assert retired_template_urls()[0] == RETIRED_URL


@pytest.mark.parametrize("form", ["https://github.com/planforge/planforge", "gh:planforge/planforge",
                                  "git@github.com:planforge/planforge.git"])
def test_every_form_of_the_retired_address_installs_nothing(form: str):
    assert form in retired_template_urls()
    requirement, _, _, action = _install(form, "v0.1.0")
    assert (requirement, action) == ("", "")


def test_an_update_moves_a_retired_address_to_the_shipped_one(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("PLANFORGE_TEMPLATE", raising=False)
    assert requested_source(None, RETIRED_URL) == default_template_url()
    assert requested_source(None, default_template_url()) is None
    assert requested_source("gh:acme/planforge", RETIRED_URL) == "gh:acme/planforge"


def test_planforge_template_setting_is_recorded(frame_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PLANFORGE_TEMPLATE", str(frame_repo))
    source = resolve_template(None, None)
    assert source.src == str(frame_repo) and source.cache is None and source.vcs_ref is None
    render_new(sample_answers(), tmp_path / "repo", source, init_git=False)
    assert _recorded(tmp_path / "repo")["_src_path"] == str(frame_repo)
    assert _recorded(tmp_path / "repo")["_commit"] == "v1.2.0"


def test_user_config_names_the_template_and_the_command_line_wins(frame_repo: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    config = tmp_path / "config.yaml"
    config.write_text(f"template: {frame_repo}\n")
    monkeypatch.setenv("PLANFORGE_CONFIG", str(config))
    assert resolve_template(None, "v1.2.0").src == str(frame_repo)
    assert resolve_template("gh:acme/planforge", None).src == "gh:acme/planforge"
    monkeypatch.setenv("PLANFORGE_TEMPLATE", "gh:other/planforge")
    assert resolve_template(None, None).src == "gh:other/planforge"  # the environment beats the file


@pytest.mark.parametrize("text", ["template: 3\n", "template: [a]\n", "template: {\n"])
def test_a_bad_config_file_is_a_usage_error_naming_it(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    config = tmp_path / "config.yaml"
    config.write_text(text)
    monkeypatch.setenv("PLANFORGE_CONFIG", str(config))
    with pytest.raises(UsageError) as caught:
        resolve_template(None, None)
    assert str(config) in str(caught.value)


@pytest.mark.parametrize("configured", [default_template_url(), RETIRED_URL])
def test_configuring_the_shipped_address_renders_offline_from_the_cache(configured: str, monkeypatch: pytest.MonkeyPatch,
                                                                        isolated_cache: Path):
    monkeypatch.setenv("PLANFORGE_TEMPLATE", configured)
    source = resolve_template(None, None)
    assert (source.src, source.cache) == (default_template_url(), str(isolated_cache / "template"))


@pytest.mark.slow
def test_update_maps_the_recorded_url_to_the_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """A repository that records the shipped template's address updates with no network: the cache stands in
    for it. One that records the retired address is moved to the shipped one, and installs nothing from it."""
    dest = tmp_path / "repo"
    code, _, err = run_cli("new", str(PLANS / "aws-single-iac.plan.md"), str(dest), capsys=capsys)
    assert code == 0, err
    assert _recorded(dest)["_src_path"] == default_template_url()
    result = render_update(dest)
    assert result.vcs_ref == "v0.1.0" and result.changed == [] and result.conflicts == []
    assert git("status", "--porcelain", cwd=dest) == ""
    answers = dest / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(default_template_url(), RETIRED_URL))
    git("commit", "-qam", "as planforge 0.1 recorded it", cwd=dest)
    code, out, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 0, err
    assert f"Template source: {RETIRED_URL} -> {default_template_url()}" in out
    assert _recorded(dest)["_src_path"] == default_template_url()
    assert git("status", "--porcelain", cwd=dest) == " M .copier-answers.yml\n"  # the switch alone, to commit
    # A machine whose cache lacks the old template renders the last generation from this one: the old install line
    # is then the user's own edit and stays. The update says so, naming the file, and fails.
    git("checkout", "-q", "--", ".", cwd=dest)
    workflow = dest / ".github/workflows/validate.yml"
    workflow.write_text(workflow.read_text().replace(
        'PLANFORGE_INSTALL: ""', f'PLANFORGE_INSTALL: "planforge @ git+{RETIRED_URL}@v0.1.0"'))
    git("commit", "-qam", "the install line planforge 0.1 wrote", cwd=dest)
    code, out, err = run_cli("update", str(dest), capsys=capsys)
    assert code == 1 and ".github/workflows/validate.yml" in err and "does not own" in err, out + err
    assert _recorded(dest)["_src_path"] == default_template_url()


def _install(src: str | None, commit: str | None, commit_hash: str | None = "0123abcd" * 5) -> list[str]:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(REPO)),
                             extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])
    answers = {k: v for k, v in (("_src_path", src), ("_commit", commit)) if v is not None}
    template = env.from_string("{% import 'includes/install.jinja' as i with context %}"
                               "{{ i.requirement() }}|{{ i.git_url() }}|{{ i.ref() }}|{{ i.github_action() }}")
    return template.render(_copier_answers=answers, _copier_conf={"vcs_ref_hash": commit_hash}).split("|")


@pytest.mark.parametrize(("src", "url"), [
    ("https://github.com/acme/planforge.git", "https://github.com/acme/planforge.git"),
    ("gh:acme/planforge", "https://github.com/acme/planforge.git"),
    ("gl:acme/tools/planforge.git", "https://gitlab.com/acme/tools/planforge.git"),
    ("git+https://git.acme.example/platform/planforge.git", "https://git.acme.example/platform/planforge.git"),
    ("git@github.com:acme/planforge.git", "ssh://git@github.com/acme/planforge.git"),
    ("file:///srv/git/planforge.git", "file:///srv/git/planforge.git"),
    ("/srv/git/planforge", "file://localhost/srv/git/planforge"),
])
def test_a_chosen_source_installs_from_its_url_at_the_rendered_commit(src: str, url: str):
    commit = "0123abcd" * 5
    requirement, git_url, ref, action = _install(src, "v0.1.0", commit)
    assert (git_url, ref) == (url, commit)  # the commit, which cannot be moved as a tag can
    assert requirement == f"planforge @ git+{url}@{commit}"
    on_github = url.startswith("https://github.com/")
    assert action == (url.removeprefix("https://github.com/").removesuffix(".git") + f"@{commit}" if on_github else "")


@pytest.mark.parametrize("src", [default_template_url(), RETIRED_URL])
def test_the_shipped_address_and_the_retired_one_install_nothing(src: str):
    requirement, _, _, action = _install(src, "v0.1.0")
    assert (requirement, action) == ("", "")


def test_a_template_without_git_pins_its_tag_or_head():
    assert _install("/tmp/template", "v0.1.0", None)[2] == "v0.1.0"
    assert _install("/tmp/template", None, None)[2] == "HEAD"


def test_generated_files_name_no_install_source_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """`planforge new` from the shipped template says nothing was chosen, and CI fails closed until it is."""
    dest = tmp_path / "repo"
    code, out, err = run_cli("new", str(PLANS / "helm-chart-payments.plan.md"), str(dest), "--no-git", capsys=capsys)
    assert code == 0, err
    assert "no source to install planforge from was chosen" in err and "planforge installs from: nothing chosen" in out
    workflow = yaml.safe_load((dest / ".github/workflows/validate.yml").read_text())
    assert workflow["env"]["PLANFORGE_INSTALL"] == ""
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    installs = [s["run"] for s in steps if s.get("name") == "Install planforge"]
    assert len(installs) == 3 and all('"${PLANFORGE_INSTALL:?no source to install planforge from' in run for run in installs)
    assert not any("planforge" in s.get("uses", "") for s in steps)  # no action of a source nobody chose
    _fails_closed_then_installs(installs[0], tmp_path)
    texts = [p.read_text() for p in dest.rglob("*") if p.is_file() and p.name != ".copier-answers.yml"]
    assert not any(RETIRED_URL.removesuffix(".git") in t or "planforge.invalid" in t for t in texts)
    hooks = yaml.safe_load((dest / ".pre-commit-config.yaml").read_text())["repos"]
    [ours] = [h for r in hooks if r["repo"] == "local" for h in r["hooks"] if h["id"] == "planforge-validate"]
    assert ours["language"] == "system"


def _fails_closed_then_installs(run: str, tmp_path: Path) -> None:
    """The CI step, run by bash: empty PLANFORGE_INSTALL stops it with the fix; a set one reaches pip (a fake)."""
    import os
    import subprocess

    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python").write_text('#!/bin/sh\necho "python $*"\n')
    (fake / "python").chmod(0o755)
    env = {"PATH": f"{fake}:/usr/bin:/bin"}
    empty = subprocess.run(["bash", "-c", run], capture_output=True, text=True, env={**env, "PLANFORGE_INSTALL": ""})
    assert empty.returncode != 0 and "set install in .planforge.yaml and run planforge update ." in empty.stderr
    assert "python" not in empty.stdout
    chosen = subprocess.run(["bash", "-c", run], capture_output=True, text=True,
                            env={**env, "PLANFORGE_INSTALL": "planforge==0.1.0"})
    assert chosen.returncode == 0 and chosen.stdout == "python -m pip install planforge==0.1.0\n"
    assert os.environ.get("PLANFORGE_INSTALL") is None  # nothing leaked into this process


def test_an_install_spec_is_what_new_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    dest = tmp_path / "repo"
    code, out, err = run_cli("new", str(PLANS / "helm-chart-payments.plan.md"), str(dest), "--no-git",
                             "--install", "planforge==0.1.0", capsys=capsys)
    assert code == 0, err
    assert "planforge installs from: planforge==0.1.0 (--install)" in out and "no source to install" not in err
    workflow = yaml.safe_load((dest / ".github/workflows/validate.yml").read_text())
    assert workflow["env"]["PLANFORGE_INSTALL"] == "planforge==0.1.0"
