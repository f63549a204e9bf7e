"""Changing a figure in the plan and running `planforge update DEST --plan PLAN` changes exactly the values
that figure feeds and keeps a user edit elsewhere (real Copier)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from render_helpers import git, new_from_plan, run_cli, tree

pytestmark = pytest.mark.slow

USER_EDIT = "Owned by the ticketing team (edited after generation)."
OLD, NEW = "between 3 and 30 replicas", "between 4 and 40 replicas"
FIGURE_KEYS = ("min_replicas", "max_replicas", "replicas", "prod_replicas")


def answers(dest: Path) -> dict:
    return yaml.safe_load((dest / ".copier-answers.yml").read_text())


def without_replicas(data: dict) -> dict:
    """The answers with the ticketing-api replica figures and the Decisions rendered from them left out."""
    out = {k: v for k, v in data.items() if k not in ("decisions", "_commit")}
    out["apps"] = [{k: v for k, v in app.items() if not (app["name"] == "ticketing-api" and k in FIGURE_KEYS)}
                   for app in data["apps"]]
    # a provenance quoting the changed line quotes it as it now reads
    out["decisions"] = [{**d, "source": d["source"].replace(NEW, OLD)} for d in data["decisions"] if d["name"] != "apps"]
    return out


def test_a_changed_replica_range_changes_exactly_its_values(tmp_path, capsys):
    plan, dest = new_from_plan(tmp_path, "ticketing-eks.plan.md", capsys)
    readme = dest / "README.md"
    readme.write_text(readme.read_text().replace("\n", f"\n\n{USER_EDIT}\n", 1))
    git("commit", "-qam", "user edit", cwd=dest)
    before, files_before = answers(dest), tree(dest)
    api = next(a for a in before["apps"] if a["name"] == "ticketing-api")
    assert (api["min_replicas"], api["max_replicas"]) == (3, 30)

    text = plan.read_text()
    assert OLD in text
    plan.write_text(text.replace(OLD, NEW))
    code, _, err = run_cli("update", str(dest), "--plan", str(plan), capsys=capsys)
    assert code == 0, err

    after = answers(dest)
    api = next(a for a in after["apps"] if a["name"] == "ticketing-api")
    assert (api["min_replicas"], api["max_replicas"], api["replicas"]) == (4, 40, 4)
    assert without_replicas(after) == without_replicas(before)
    assert USER_EDIT in readme.read_text()
    files_after = tree(dest)
    assert files_after.keys() == files_before.keys()
    changed = {p for p in files_after if files_after[p] != files_before[p]}
    assert ".copier-answers.yml" in changed
    # what the range feeds changes and nothing else: the app's replicas, HPA and PodDisruptionBudget (all but one
    # of the minimum: 2 -> 3), the namespace quotas that leave room for the maximum, the README's rows
    follows = {("3", "4"), ("30", "40"), ("2", "3")}
    quota_keys = re.compile(r"^\s+(?:requests|limits)\.(?:cpu|memory): |^\s+value: ")
    for path in changed - {".copier-answers.yml"}:
        old_lines = files_before[path].decode().splitlines()
        new_lines = files_after[path].decode().splitlines()
        assert len(old_lines) == len(new_lines), path
        for was, now in zip(old_lines, new_lines):
            if was == now:
                continue
            if path.startswith("kubernetes/apps/ticketing-api/"):
                assert re.sub(r"\d+", "#", was) == re.sub(r"\d+", "#", now), (path, was, now)
                pairs = {(a, b) for a, b in zip(re.findall(r"\d+", was), re.findall(r"\d+", now)) if a != b}
                assert pairs <= follows, (path, was, now)
            elif path == "README.md":
                assert "4-40 replicas" in now or "4 and 40" in now, (was, now)
            else:
                assert path.endswith(("resource-quotas.yaml", "overlays/prod/kustomization.yaml")), path
                assert quota_keys.match(was) and quota_keys.match(now), (path, was, now)
