"""A repository whose paths come from the plan's tree keeps them through `planforge update`, and a
renamed tree directory moves the generated one (real Copier)."""
from __future__ import annotations


import pytest
import yaml
from render_helpers import git, new_from_plan, run_cli, tree

pytestmark = pytest.mark.slow


def test_update_keeps_and_follows_the_trees_paths(tmp_path, capsys):
    plan, dest = new_from_plan(tmp_path, "tree-layout.plan.md", capsys)
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert recorded["paths"]["tf_environments"] == "envs"
    before = tree(dest)

    code, _, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err
    assert tree(dest) == before  # the recorded paths are replayed: nothing moves

    plan.write_text(plan.read_text().replace("└── envs/", "└── environments/"))
    code, _, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err
    assert (dest / "infra/terraform/environments/prod/main.tf").is_file()
    assert not (dest / "infra/terraform/envs").exists()
    assert "tf_environments" not in yaml.safe_load((dest / ".copier-answers.yml").read_text())["paths"]
    assert " D infra/terraform/envs/prod/main.tf" in git("status", "--porcelain", cwd=dest).splitlines()
