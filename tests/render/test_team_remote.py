"""The documented recipe "A team's fork of the template", run as written (docs/templates.md, with
the fork's URL, the config directory and the edit filled in): the fork holds planforge's tags, a
repository generated from planforge's repository switches to the fork (`planforge update --template`), keeping
the user's edit, applying the team's change and naming the fork wherever it names the template source, and the
user config makes the fork the source of new repositories."""
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
SECTION = "## A team's fork of the template"
REMOTE_URL = "https://git.acme.example/platform/planforge.git"
CONFIG_DIR = "~/.config/planforge"
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

    # Step 1, the fork: planforge's repository with its tags (here: the template as published, at v0.1.0).
    remote = tmp_path / "planforge.git"
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=tmp_path)
    git("push", "-q", str(remote), "main", "--tags", cwd=cache / "template")
    recipe = documented_recipe()
    for documented in (REMOTE_URL, CONFIG_DIR, EDIT_PLACEHOLDER, "plan.md "):
        assert documented in recipe, documented
    edit = f"sed -i 's|{UPDATE_LINE}|{TEAM_LINE}|' blueprints/README.md.jinja"
    config_dir = tmp_path / "config"
    script = (recipe.replace(REMOTE_URL, str(remote)).replace(CONFIG_DIR, str(config_dir))
              .replace(EDIT_PLACEHOLDER, edit).replace("plan.md ", f"{plan} "))
    bindir = str(Path(sys.executable).parent)
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
                               "PLANFORGE_CONFIG": str(config_dir / "config.yaml")})
    # `planforge update --template` moves the lines naming the template source with the rest: no conflict.
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in (".github/workflows/validate.yml", ".pre-commit-config.yaml", "README.md"):
        text = (infra / name).read_text()
        assert "<<<<<<< " not in text and str(remote) in text, (name, text)
    assert not git("status", "--porcelain", cwd=infra).strip(), "the documented commit left changes behind"
    recorded = yaml.safe_load((infra / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == str(remote) and recorded["_commit"] == "v0.1.0.post1" != published
    text = readme.read_text()
    assert USER_EDIT in text, "the user's edit was lost"
    assert TEAM_LINE in text and UPDATE_LINE not in text, "the team's change was not applied"
    payments = work / "payments-infra"
    assert TEAM_LINE in (payments / "README.md").read_text()
    assert yaml.safe_load((payments / ".copier-answers.yml").read_text())["_src_path"] == str(remote)
