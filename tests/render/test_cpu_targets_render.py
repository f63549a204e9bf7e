"""The CPU utilization a plan's HPAs scale at is the one the rendered HorizontalPodAutoscalers target: a chart
service's (through its values, rendered with the real `helm`) and a Kustomize application's (`kubectl kustomize`);
a service the plan gives none keeps the blueprint's 75%."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import kustomize, plan_variant
from testlib import PLANS, REAL_PLANS, plan_group, rendered_plan, require_tool

from planforge.cli import main

SITARA = REAL_PLANS / "sitarasheikh--todo-app--011-cloud-native-deployment.plan.md"  # hpa-backend: CPU 70% target


def _targets(objects: list[dict]) -> dict[str, int]:
    return {d["metadata"]["name"]: d["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"]
            for d in objects if d["kind"] == "HorizontalPodAutoscaler"}


@plan_group(SITARA)
def test_the_charts_hpa_targets_the_plans_cpu(tmp_path_factory: pytest.TempPathFactory) -> None:
    chart = rendered_plan(SITARA, tmp_path_factory) / "phase-4/helm/todo-app"
    values = yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8"))["services"]
    assert values["backend"]["autoscaling"]["targetCPUUtilizationPercentage"] == 70
    assert values["frontend"]["autoscaling"]["targetCPUUtilizationPercentage"] == 75  # the plan states none
    out = subprocess.run([require_tool("helm"), "template", "todo", str(chart), "-f", str(chart / "values-production.yaml")],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    targets = _targets([d for d in yaml.safe_load_all(out) if d])
    assert [t for name, t in targets.items() if "backend" in name] == [70]


def test_a_kustomize_applications_hpa_targets_the_plans_cpu(tmp_path: Path) -> None:
    plan = plan_variant(tmp_path, PLANS / "ticketing-eks.plan.md", **{
        "ticketing-api scales between 3 and 30 replicas": "ticketing-api scales between 3 and 30 replicas at 60% CPU"})
    assert main(["new", str(plan), str(tmp_path / "repo"), "--no-git"]) == 0
    overlays = sorted((tmp_path / "repo").rglob("overlays/prod"))
    assert overlays, "the application's production overlay"
    assert _targets(kustomize(overlays[0])) == {"ticketing-api": 60}
