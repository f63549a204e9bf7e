"""A version the plan states for a tool the generated CI installs is read against the release CI installs
(includes/ci/tools.yaml): credited when CI's release is one the plan admits, reported with that release and what the
repository needs otherwise. Workstation tools (Docker, Minikube) are said to be neither installed nor pinned."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testlib import PLANS, REPO, line_of

from planforge.decide import decide
from planforge.plan import parse_text

CHART = (PLANS / "helm-chart-payments.plan.md").read_text(encoding="utf-8")
LANGUAGE = next(line for line in CHART.splitlines() if line.startswith("**Language/Version**"))
TOOLS = yaml.safe_load((REPO / "includes/ci/tools.yaml").read_text(encoding="utf-8"))


def _with(words: str) -> str:
    return CHART.replace(LANGUAGE, f"**Language/Version**: {words}", 1)


def _notes(text: str, words: str) -> list:
    d = decide(parse_text(text, "plan.md"))
    return [n for n in d.not_applied if n.line == line_of(text, words)]


@pytest.mark.parametrize("words", ["Helm 3.x", "Helm 3", "Helm 3.10+", "helm >= 3.13", f"Helm {TOOLS['helm']}",
                                   "Helm " + ".".join(TOOLS["helm"].split(".")[:2])])
def test_a_version_ci_meets_is_credited(words: str) -> None:
    assert _notes(_with(words), words) == []


@pytest.mark.parametrize("words", ["Helm 3.14", "Helm 4.0+", "Helm 2.17"])
def test_a_version_ci_does_not_install_is_reported_with_the_release(words: str) -> None:
    notes = _notes(_with(words), words)
    assert notes and all(f"CI installs Helm {TOOLS['helm']}" in n.why and "pins itself" not in n.why for n in notes)


def test_the_workflows_install_the_releases_of_the_table(tmp_path: Path) -> None:
    from planforge.cli import main

    plan = tmp_path / "plan.md"
    plan.write_text(CHART, encoding="utf-8")
    assert main(["new", str(plan), str(tmp_path / "repo"), "--no-git"]) == 0
    workflow = yaml.safe_load((tmp_path / "repo/.github/workflows/validate.yml").read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    assert {s["with"]["version"] for s in steps if "setup-helm" in s.get("uses", "")} == {f"v{TOOLS['helm']}"}


def test_workstation_tools_are_neither_installed_nor_pinned() -> None:
    text = _with("Helm 3.x, Docker 24.0, Minikube 1.32")
    notes = _notes(text, "Docker 24.0")
    assert {n.text.split(":")[-1].strip(): n.why for n in notes} == {
        "Docker 24.0": "a workstation tool's version: the repository neither installs nor pins it",
        "Minikube 1.32": "a workstation tool's version: the repository neither installs nor pins it"}, notes


def test_a_helm_version_in_a_flux_repository_says_flux_installs_the_charts() -> None:
    source = (PLANS / "gke-flux-secretmanager.plan.md").read_text(encoding="utf-8")
    text = source.replace("**IaC Tools**: Terraform 1.7  ", "**IaC Tools**: Terraform 1.7  \n**Primary Dependencies**: Helm 3.15+")
    d = decide(parse_text(text, "plan.md"))
    notes = [n for n in d.not_applied if n.line == line_of(text, "Helm 3.15+")]
    assert [n.why for n in notes] == ["no Helm runs in this repository's CI: Flux's helm-controller installs the charts "
                                      "with the Helm it ships"], notes
