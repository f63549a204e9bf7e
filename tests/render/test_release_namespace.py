"""Every place that names where a chart's release goes names the same namespace (the chart's README, the values
headers, the top README's example, the post-deploy expectations), and the README's install example runs from the
repository root: each `-f` file exists. A repository whose chart is named unlike its project is where these parted."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from testlib import REAL_PLANS, rendered_plan

CHART_UNLIKE_PROJECT = REAL_PLANS / "sitarasheikh--todo-app--011-cloud-native-deployment.plan.md"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rendered_plan(CHART_UNLIKE_PROJECT, tmp_path_factory)


def test_every_place_names_one_release_namespace(repo: Path) -> None:
    [chart] = [p.parent for p in repo.rglob("Chart.yaml")]
    named = set(re.findall(r"--namespace (\S+)", (chart / "README.md").read_text()))
    for values in chart.glob("values-*.yaml"):
        named |= set(re.findall(r"--namespace (\S+)", values.read_text().splitlines()[0]))
    example = next(line for line in (repo / "README.md").read_text().splitlines() if line.startswith("e.g. `helm install"))
    named |= set(re.findall(r" -n (\S+)", example))
    expected = yaml.safe_load((repo / "validation/post-deploy/expected.yaml").read_text())["environments"]
    named |= {ns for env in expected.values() for ns in env["namespaces"]}
    assert len(named) == 1, named


def test_the_readme_install_example_runs_from_the_root(repo: Path) -> None:
    example = next(line for line in (repo / "README.md").read_text().splitlines() if line.startswith("e.g. `helm install"))
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    files = [f.rstrip("`.") for f in re.findall(r" -f (\S+)", example)]
    assert files and any("/platforms/<platform>.yaml" in f for f in files)  # the Ingresses' class is there
    for env in answers["environments"]:
        for platform in answers["platforms"]:
            for f in files:
                assert (repo / f.replace("<env>", env).replace("<platform>", platform)).is_file(), f
    chart_dir = example.split()[4]
    assert (repo / chart_dir / "Chart.yaml").is_file()


def test_renovate_is_described_by_what_the_repository_pins(repo: Path) -> None:
    [row] = [line for line in (repo / "README.md").read_text().splitlines() if line.startswith("| `renovate.json`")]
    assert ("Terraform" in row) == (repo / "terraform").is_dir()
