"""A chart for OpenShift: a platform values file that leaves user and group IDs to the restricted-v2 SCC, and a
policy rule that catches a rendering for OpenShift that fixes them (a pod OpenShift would refuse to admit)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, rendered_plan

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

PLAN = PLANS / "helm-chart-openshift.plan.md"
CHART = "charts/claims-intake"


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return rendered_plan(PLAN, tmp_path_factory)


def test_openshift_is_a_platform_of_the_chart_and_serves_the_metrics_api():
    d = decide(parse_plan(PLAN))
    assert d.answers.platforms == ["openshift", "minikube"]
    assert d.provenance["platforms"].line == 20
    # OpenShift's monitoring serves the metrics API: no metrics-server is added for the chart's autoscaler
    assert "metrics-server" not in [c.name for c in d.answers.components]
    # the platform's release is said to be the clusters', not a figure nothing reads
    [note] = [n for n in d.not_applied if n.line == 20]
    assert note.why.startswith("a platform's own release: a chart runs on the clusters it targets")


def test_openshift_is_no_distribution_a_cluster_repository_builds():
    """A multi-tool plan naming OpenShift keeps the cloud's distribution; the chart-only platform is not one."""
    text = (PLANS / "aws-eks-argocd.plan.md").read_text().replace("**Kubernetes**:", "**Kubernetes (notes)**:")
    text = text.replace("**Target Platform**:", "**Target Platform**: OpenShift 4.16 and")
    answers = decide(parse_text(text, "plan.md")).answers
    assert answers.kubernetes_distribution != "openshift" and "openshift" not in answers.platforms


def _rendered(repo: Path, *values: str) -> list[dict]:
    helm = shutil.which("helm")
    if helm is None:
        pytest.skip("no helm binary on PATH (scripts/install-tools.sh installs one into .tools/bin)")
    args = [a for v in values for a in ("-f", v)]
    out = subprocess.run([helm, "template", "claims", ".", *args], cwd=repo / CHART, check=True,
                         capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def test_the_openshift_values_leave_every_id_to_the_scc(repo: Path):
    values = yaml.safe_load((repo / CHART / "platforms/openshift.yaml").read_text())
    assert values["ingress"]["className"] == "openshift-default"
    assert values["networkPolicy"]["ingressNamespace"] == "openshift-ingress"
    pods = [d for d in _rendered(repo, "platforms/openshift.yaml") if d["kind"] in ("Deployment", "Pod")]
    assert {d["kind"] for d in pods} == {"Deployment", "Pod"}  # the service and the helm test pod
    for d in pods:
        spec = d["spec"]["template"]["spec"] if d["kind"] == "Deployment" else d["spec"]
        contexts = [spec["securityContext"], *(c["securityContext"] for c in spec["containers"])]
        assert not [k for sc in contexts for k in ("runAsUser", "runAsGroup", "fsGroup") if k in sc], d["kind"]
        assert spec["securityContext"]["runAsNonRoot"] is True
    # every other platform keeps the fixed non-root IDs
    default = next(d for d in _rendered(repo, "platforms/minikube.yaml") if d["kind"] == "Deployment")
    assert default["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10001


def _validate(repo: Path, tmp_path: Path, capsys) -> tuple[int, dict]:
    report = tmp_path / "report.json"
    code = main(["validate", str(repo), "--strict", "--fail-on-skip", "--no-cache", "--format", "json",
                 "-o", str(report)])
    capsys.readouterr()
    return code, json.loads(report.read_text())


def test_the_repository_validates_and_a_fixed_id_for_openshift_is_caught(repo: Path, tmp_path: Path, capsys):
    code, report = _validate(repo, tmp_path, capsys)
    assert code == 0, [f for c in report["checks"] for f in c["findings"]]
    broken = tmp_path / "repo"
    shutil.copytree(repo, broken)
    values = broken / CHART / "platforms/openshift.yaml"
    values.write_text(values.read_text().replace("  runAsUser: null\n  runAsGroup: null\n  fsGroup: null\n",
                                                 "  runAsUser: 10001\n  runAsGroup: null\n  fsGroup: null\n", 1))
    code, report = _validate(broken, tmp_path, capsys)
    findings = [f for c in report["checks"] for f in c["findings"] if f["rule"] == "policy/openshift-fixed-ids"]
    assert code == 1 and findings
    assert {f["file"] for f in findings} == {f"{CHART}/templates/deployment.yaml"}
    assert {f["json_path"] for f in findings} == {"spec.template.spec.securityContext.runAsUser"}
