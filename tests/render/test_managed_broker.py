"""A Kafka broker the plan runs as a managed service (Redpanda Cloud): the Dapr pub/sub points at it, not at an
in-cluster broker nothing installs, and the README says which value the user sets."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from testlib import REAL_PLANS, rendered_plan

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan

PLAN = REAL_PLANS / "shazilk-dev--hackathon-ii-todo--004-cloud-deployment.plan.md"


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return rendered_plan(PLAN, tmp_path_factory)


def test_the_managed_broker_is_an_answer_with_its_line():
    d = decide(parse_plan(PLAN))
    assert d.answers.kafka == "redpanda" and d.answers.kafka_managed
    assert "Redpanda Cloud" in d.provenance["kafka_managed"].text


def _brokers(repo: Path) -> dict:
    pubsub = yaml.safe_load((repo / "dapr/pubsub.yaml").read_text())
    return next(m for m in pubsub["spec"]["metadata"] if m["name"] == "brokers")


def test_the_pub_sub_points_at_the_managed_broker_the_user_sets(repo: Path, tmp_path: Path, capsys):
    assert _brokers(repo)["value"] == "kafka.example.invalid:9092"  # before: an in-cluster Redpanda nothing installs
    readme = (repo / "README.md").read_text()
    assert "`kafka.example.invalid:9092` in `dapr/pubsub.yaml` is set by you" in readme
    assert "helm install redpanda" not in readme
    report = tmp_path / "report.json"
    assert main(["validate", str(repo), "--strict", "--no-cache", "--format", "json", "-o", str(report)]) == 0
    # the README line is what accepts the placeholder: without it, the value is a finding
    broken = tmp_path / "repo"
    shutil.copytree(repo, broken)
    (broken / "README.md").write_text(readme.replace("is set by you", "is the broker"))
    assert main(["validate", str(broken), "--strict", "--no-cache", "--format", "json", "-o", str(report)]) == 1
    capsys.readouterr()
    rules = {f["rule"] for c in json.loads(report.read_text())["checks"] for f in c["findings"]}
    assert "wiring/placeholder-value" in rules
