"""The documented recipe "Pointing generated repositories at your own template remote",
run as written (docs/templates.md, with the remote URL, the cache path and the edit
filled in): a repository generated from the default template updates from a team remote,
keeping the user's edit and applying the team's change."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from render_helpers import PLANS, REPO, git, run_cli

pytestmark = pytest.mark.slow

DOC = REPO / "docs" / "templates.md"
SECTION = "## Pointing generated repositories at your own template remote"
REMOTE_URL = "https://git.acme.example/platform/template.git"
CACHE_PATH = "~/.cache/planforge/template"
EDIT_PLACEHOLDER = "#    ... edit copier.yml, layout.yml, blueprints/, includes/ or modules/ ..."
UPDATE_LINE = "copier update --defaults              # plain Copier works too"
TEAM_LINE = "copier update --defaults              # team remote"
USER_EDIT = "Owned by the platform team (edited after generation)."


def documented_recipe() -> str:
    text = DOC.read_text()
    section = text[text.index(SECTION):]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def test_the_team_remote_recipe_works_as_documented(tmp_path, capsys, monkeypatch):
    # A cache of its own: the session's cache holds test tags (v9.9.9) a user's never has.
    cache = tmp_path / "cache"
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(cache))
    work = tmp_path / "work"
    work.mkdir()
    plan = PLANS / "aws-single-iac.plan.md"
    infra = work / "infra"
    code, _, err = run_cli("new", str(plan), str(infra), capsys=capsys)
    assert code == 0, err
    published = yaml.safe_load((infra / ".copier-answers.yml").read_text())["_commit"]
    readme = infra / "README.md"
    lines = readme.read_text().splitlines(keepends=True)
    readme.write_text("".join([lines[0], f"\n{USER_EDIT}\n", *lines[1:]]))
    git("commit", "-qam", "user edit", cwd=infra)

    remote = tmp_path / "template.git"
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=tmp_path)
    recipe = documented_recipe()
    for documented in (REMOTE_URL, CACHE_PATH, EDIT_PLACEHOLDER, "plan.md "):
        assert documented in recipe, documented
    edit = f"sed -i 's|{UPDATE_LINE}|{TEAM_LINE}|' blueprints/README.md.jinja"
    script = (recipe.replace(REMOTE_URL, str(remote)).replace(CACHE_PATH, str(cache / "template"))
              .replace(EDIT_PLACEHOLDER, edit).replace("plan.md ", f"{plan} "))
    bindir = str(Path(sys.executable).parent)
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stdout + proc.stderr

    recorded = yaml.safe_load((infra / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == str(remote) and recorded["_commit"] == "v0.1.0.post1" != published
    text = readme.read_text()
    assert USER_EDIT in text, "the user's edit was lost"
    assert TEAM_LINE in text and UPDATE_LINE not in text, "the team's change was not applied"
    assert TEAM_LINE in (work / "payments-infra" / "README.md").read_text()
