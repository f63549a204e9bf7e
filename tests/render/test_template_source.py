"""The template source a generated repository records (`_src_path`): --template, PLANFORGE_TEMPLATE,
the user config file, else planforge's own repository rendered from the local cache; and the pinned
planforge the generated CI, pre-commit hooks and README install from that source."""
from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
import yaml
from render_helpers import PLANS, REPO, git, make_template_repo, run_cli, sample_answers

from planforge.errors import UsageError
from planforge.render import render_new, render_update, resolve_template
from planforge.render.source import default_template_url

DEFAULT_URL = "https://github.com/planforge/planforge.git"


@pytest.fixture(scope="module")
def frame_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git template repository with the common files only (tag v1.2.0)."""
    return make_template_repo(tmp_path_factory.mktemp("tpl") / "template", with_blueprints=False, tag="v1.2.0")


def _recorded(dest: Path) -> dict:
    return yaml.safe_load((dest / ".copier-answers.yml").read_text())


def test_the_default_is_the_package_repository_url():
    assert default_template_url() == DEFAULT_URL  # pyproject.toml [project.urls] Repository


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


def test_configuring_the_default_url_still_renders_offline_from_the_cache(monkeypatch: pytest.MonkeyPatch,
                                                                         isolated_cache: Path):
    monkeypatch.setenv("PLANFORGE_TEMPLATE", DEFAULT_URL)
    source = resolve_template(None, None)
    assert (source.src, source.cache) == (DEFAULT_URL, str(isolated_cache / "template"))


@pytest.mark.slow
def test_update_maps_the_recorded_url_to_the_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """A repository that records planforge's URL updates with no network: the cache stands in for it."""
    dest = tmp_path / "repo"
    code, _, err = run_cli("new", str(PLANS / "aws-single-iac.plan.md"), str(dest), capsys=capsys)
    assert code == 0, err
    assert _recorded(dest)["_src_path"] == DEFAULT_URL
    result = render_update(dest)
    assert result.vcs_ref == "v0.1.0" and result.changed == [] and result.conflicts == []
    assert git("status", "--porcelain", cwd=dest) == ""


def _install(src: str | None, commit: str | None, commit_hash: str | None = "0123abcd" * 5) -> list[str]:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(REPO)),
                             extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])
    answers = {k: v for k, v in (("_src_path", src), ("_commit", commit)) if v is not None}
    template = env.from_string("{% import 'includes/install.jinja' as i with context %}"
                               "{{ i.requirement() }}|{{ i.git_url() }}|{{ i.ref() }}|{{ i.github_action() }}")
    return template.render(_copier_answers=answers, _copier_conf={"vcs_ref_hash": commit_hash}).split("|")


@pytest.mark.parametrize(("src", "url"), [
    ("https://github.com/planforge/planforge.git", "https://github.com/planforge/planforge.git"),
    ("gh:acme/planforge", "https://github.com/acme/planforge.git"),
    ("gl:acme/tools/planforge.git", "https://gitlab.com/acme/tools/planforge.git"),
    ("git+https://git.acme.example/platform/planforge.git", "https://git.acme.example/platform/planforge.git"),
    ("git@github.com:acme/planforge.git", "ssh://git@github.com/acme/planforge.git"),
    ("file:///srv/git/planforge.git", "file:///srv/git/planforge.git"),
    ("/srv/git/planforge", "file://localhost/srv/git/planforge"),
])
def test_install_source_is_the_template_url_at_the_recorded_tag(src: str, url: str):
    requirement, git_url, ref, action = _install(src, "v0.1.0")
    assert (git_url, ref) == (url, "v0.1.0")
    assert requirement == f"planforge @ git+{url}@v0.1.0"
    on_github = url.startswith("https://github.com/")
    assert action == (url.removeprefix("https://github.com/").removesuffix(".git") + "@v0.1.0" if on_github else "")


def test_an_untagged_template_pins_its_commit_and_no_git_pins_head():
    assert _install("gh:acme/planforge", "v0.1.0-3-gabc1234")[2] == "0123abcd" * 5
    assert _install("/tmp/template", None, None)[2] == "HEAD"


def test_generated_files_install_from_the_recorded_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    dest = tmp_path / "repo"
    code, _, err = run_cli("new", str(PLANS / "helm-chart-payments.plan.md"), str(dest), "--no-git", capsys=capsys)
    assert code == 0, err
    requirement = f"planforge @ git+{DEFAULT_URL}@v0.1.0"
    workflow = yaml.safe_load((dest / ".github/workflows/validate.yml").read_text())
    assert workflow["env"]["PLANFORGE_INSTALL"] == requirement
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert "planforge==" not in (dest / ".github/workflows/validate.yml").read_text()
    assert [s["run"] for s in steps if s.get("name") == "Install planforge"] == \
        ['python -m pip install "${PLANFORGE_INSTALL}"'] * 2
    action = next(s for s in steps if s.get("uses", "").startswith("planforge/"))
    assert action["uses"] == "planforge/planforge@v0.1.0"
    assert action["with"]["install"] == "${{ env.PLANFORGE_INSTALL }}"
    assert not any("upload-sarif" in s.get("uses", "") for s in steps)  # the action uploads, guarded
    hooks = yaml.safe_load((dest / ".pre-commit-config.yaml").read_text())["repos"]
    ours = next(r for r in hooks if r["repo"] == DEFAULT_URL)
    assert ours["rev"] == "v0.1.0" and [h["id"] for h in ours["hooks"]] == ["planforge-validate"]
    assert not any(h["id"].startswith("planforge") for r in hooks if r["repo"] == "local" for h in r["hooks"])
    readme = (dest / "README.md").read_text()
    assert f'pip install "{requirement}"' in readme and 'install: "planforge==<version>"' in readme
