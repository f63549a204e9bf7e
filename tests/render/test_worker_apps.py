"""A worker on Kubernetes (`orders-worker (background consumer, no inbound port)`): nothing connects to it, so it gets
no Service, container port, HTTP probe, NetworkPolicy rule, Ingress or helm test, only a Deployment whose probe
findings are waived with the reason. Before, it got all of them and its HTTP probes failed until it crash-looped.
A job the plan schedules (`nightly at 02:00 UTC`) is a CronJob: before, a Deployment ran it again and again."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import kustomize, render_macro, validate_strict
from testlib import PLANS, rendered_plan, require_tool

from planforge.decide import decide
from planforge.decide.answers import Service
from planforge.errors import RefusedError
from planforge.plan import parse_text
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

SHOP = (PLANS / "shop-chart.plan.md").read_text(encoding="utf-8")
STATED = "backend (image ghcr.io/acme/shop-backend:1.4.0, port 8080)"
WORKER = "backend (image ghcr.io/acme/shop-backend:1.4.0, background consumer, no inbound port)"
STOREFRONT = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
APPS = "**Custom Applications**: orders-api, web-frontend"
WITH_WORKER = f"{APPS}, orders-worker (image ghcr.io/acme/orders-worker:1.2.0, background consumer, no inbound port)"
JOB = "backend (image ghcr.io/acme/shop-backend:1.4.0, nightly at 02:00 UTC, no inbound port)"
WITH_JOB = f"{APPS}, orders-report (image ghcr.io/acme/orders-report:1.0.0, nightly at 02:00 UTC)"
WAIVED = {"policy/liveness-probe", "policy/readiness-probe"}


def _plan(tmp_path_factory: pytest.TempPathFactory, text: str, name: str) -> Path:
    plan = tmp_path_factory.mktemp("plan") / f"{name}.plan.md"
    plan.write_text(text, encoding="utf-8")
    return plan


def _kinds_named(objects: list[dict], name: str) -> set[str]:
    return {o["kind"] for o in objects if name in o["metadata"]["name"]}


def _waived_rules(annotation: str) -> set[str]:
    return {"policy/" + entry.split(":", 1)[0].strip() for entry in annotation.split(";")}


def test_no_inbound_port_is_built_on_kubernetes_not_reported() -> None:
    assert STATED in SHOP
    text = SHOP.replace(STATED, WORKER)
    d = decide(parse_text(text, "plan.md"))
    assert {s.name: s.inbound for s in d.answers.services} == {"backend": False, "frontend": True}
    assert any(a.text == "no inbound port" and a.answer == "services" for a in d.applied)
    assert not [n for n in d.not_applied if n.text == "no inbound port"]
    assert "backend (ghcr.io/acme/shop-backend, no inbound port" in str(d.answers.decisions)


def test_an_ingress_route_to_a_worker_is_refused_at_its_line() -> None:
    text = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8").replace(
        "**Primary Dependencies**: none beyond the chart", "**Primary Dependencies**: cert-manager, ingress-nginx"
    ).replace("backend (FastAPI, port 8000,", "backend (FastAPI, no inbound port,") + (
        "\nThe Ingress routes /api → backend and / → frontend on host todo.example.com, with TLS.\n")
    with pytest.raises(RefusedError) as refused:
        decide(parse_text(text, "plan.md"))
    [problem] = [p for p in refused.value.problems if "listens on no port" in p.message]
    assert problem.line == len(text.splitlines()) and "/api" in problem.message and "port" in (problem.hint or "")


def test_the_chart_gives_a_worker_no_service_port_or_probe(tmp_path_factory: pytest.TempPathFactory,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    repo = rendered_plan(_plan(tmp_path_factory, SHOP.replace(STATED, WORKER), "shop-worker"), tmp_path_factory)
    [chart] = [p.parent for p in repo.glob("**/Chart.yaml")]
    helm = require_tool("helm")
    ci = [a for f in sorted((chart / "ci").glob("*.yaml")) for a in ("-f", str(f)) if "advanced" in f.name]
    out = subprocess.run([helm, "template", "shop", str(chart), *ci], capture_output=True, text=True, check=True,
                         timeout=120).stdout
    objects = [d for d in yaml.safe_load_all(out) if d]
    assert _kinds_named(objects, "backend") == {"ConfigMap", "PersistentVolumeClaim", "Deployment"}
    assert {"Service", "NetworkPolicy", "Ingress", "Deployment"} <= _kinds_named(objects, "frontend")
    [worker] = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("backend")]
    [container] = worker["spec"]["template"]["spec"]["containers"]
    assert not {"ports", "startupProbe", "readinessProbe", "livenessProbe"} & set(container)
    assert _waived_rules(worker["metadata"]["annotations"]["planforge.io/waive"]) == WAIVED
    # nothing can route to it: the values schema refuses an Ingress to a service without a port
    routed = subprocess.run([helm, "template", "shop", str(chart), "--set", "services.backend.ingress.enabled=true"],
                            capture_output=True, text=True, timeout=120)
    assert routed.returncode != 0 and "ingress" in routed.stderr
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report


def test_a_kustomize_worker_has_no_service_port_or_probe(tmp_path_factory: pytest.TempPathFactory,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert APPS in STOREFRONT
    repo = rendered_plan(_plan(tmp_path_factory, STOREFRONT.replace(APPS, WITH_WORKER), "storefront-worker"),
                         tmp_path_factory)
    base = repo / "kubernetes/apps/orders-worker/base"
    assert sorted(p.name for p in base.iterdir()) == ["deployment.yaml", "kustomization.yaml", "serviceaccount.yaml"]
    objects = kustomize(repo / "kubernetes/apps/orders-worker/overlays/prod")
    assert "Service" not in {o["kind"] for o in objects} and "NetworkPolicy" not in {o["kind"] for o in objects}
    assert "Service" in {o["kind"] for o in kustomize(repo / "kubernetes/apps/orders-api/overlays/prod")}
    code, report = validate_strict(repo, monkeypatch, capsys, "--only", "kustomize,policy,schemas")
    assert code == 0, report


def test_raw_manifests_give_a_worker_no_service(tmp_path: Path) -> None:
    answers = decide(parse_text(STOREFRONT.replace(APPS, WITH_WORKER), "plan.md")).answers
    raw = answers.model_validate({**answers.model_dump(), "deployment_strategy": "raw-manifests", "components": []})
    render_new(raw, tmp_path / "repo", resolve_template(None, None), init_git=False)
    [manifests] = (tmp_path / "repo").glob("**/orders-worker/prod/manifests.yaml")
    objects = [d for d in yaml.safe_load_all(manifests.read_text(encoding="utf-8")) if d]
    assert {o["kind"] for o in objects} >= {"ServiceAccount", "Deployment"}
    assert not {"Service", "NetworkPolicy"} & {o["kind"] for o in objects}


def test_a_kustomize_worker_deployment_has_no_port_or_probe() -> None:
    app = Service(name="orders-worker", image="ghcr.io/acme/orders-worker", inbound=False)
    deployment = yaml.safe_load(render_macro("includes/k8s/app.jinja", "deployment", app.model_dump(), "acme", 2))
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert not {"ports", "startupProbe", "readinessProbe", "livenessProbe"} & set(container)
    assert _waived_rules(deployment["metadata"]["annotations"]["planforge.io/waive"]) == WAIVED
    served = yaml.safe_load(render_macro("includes/k8s/app.jinja", "deployment",
                                         app.model_copy(update={"inbound": True}).model_dump(), "acme", 2))
    assert "annotations" not in served["metadata"]
    assert served["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"] == "http"


def _cronjob(objects: list[dict], name: str) -> dict:
    [job] = [o for o in objects if o["kind"] == "CronJob" and o["metadata"]["name"].endswith(name)]
    assert not [o for o in objects if o["kind"] in ("Deployment", "Service", "HorizontalPodAutoscaler",
                                                    "PodDisruptionBudget") and o["metadata"]["name"].endswith(name)]
    assert (job["spec"]["schedule"], job["spec"]["timeZone"], job["spec"]["concurrencyPolicy"]) == (
        "0 2 * * *", "Etc/UTC", "Forbid")
    # The last failed runs (and their pods' logs) stay for inspection until newer runs replace them: a TTL on the
    # Job would delete a failed run a day later, before the history limit keeps anything.
    assert job["spec"]["failedJobsHistoryLimit"] >= 1
    assert "ttlSecondsAfterFinished" not in job["spec"]["jobTemplate"]["spec"]
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never" and not {"ports", "livenessProbe"} & set(pod["containers"][0])
    return job


def test_a_schedule_on_kubernetes_is_a_job_whose_replica_figures_are_reported() -> None:
    d = decide(parse_text(SHOP.replace(STATED, JOB), "plan.md"))
    [backend] = [s for s in d.answers.services if s.name == "backend"]
    assert (backend.schedule, backend.inbound, backend.max_replicas) == ("0 2 * * *", False, 0)
    assert any(a.text == "nightly at 02:00 UTC" for a in d.applied)
    assert any("CronJob" in n.why and "replicas" in n.text for n in d.not_applied)
    assert "backend (ghcr.io/acme/shop-backend, scheduled 0 2 * * * (UTC)" in str(d.answers.decisions)


def test_the_chart_runs_a_scheduled_job_as_a_cronjob(tmp_path_factory: pytest.TempPathFactory,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    repo = rendered_plan(_plan(tmp_path_factory, SHOP.replace(STATED, JOB), "shop-job"), tmp_path_factory)
    [chart] = [p.parent for p in repo.glob("**/Chart.yaml")]
    for values in ([], ["-f", str(chart / "ci/production-values.yaml")], ["-f", str(chart / "ci/advanced-values.yaml")]):
        out = subprocess.run([require_tool("helm"), "template", "shop", str(chart), *values], capture_output=True,
                             text=True, check=True, timeout=120).stdout
        _cronjob([d for d in yaml.safe_load_all(out) if d], "backend")
    code, report = validate_strict(repo, monkeypatch, capsys)
    assert code == 0, report


def test_a_kustomize_job_is_a_cronjob_in_every_overlay_and_raw_manifests(tmp_path_factory: pytest.TempPathFactory,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    text = STOREFRONT.replace(APPS, WITH_JOB)
    repo = rendered_plan(_plan(tmp_path_factory, text, "storefront-job"), tmp_path_factory)
    assert (repo / "kubernetes/apps/orders-report/base/cronjob.yaml").is_file()
    assert not (repo / "kubernetes/apps/orders-report/base/deployment.yaml").exists()
    for env in ("dev", "prod"):
        _cronjob(kustomize(repo / f"kubernetes/apps/orders-report/overlays/{env}"), "orders-report")
    # the post-deploy suite waits for the Deployments only: a CronJob has none
    expected = yaml.safe_load((repo / "validation/post-deploy/expected.yaml").read_text(encoding="utf-8"))
    waited = {d["name"] for d in expected["environments"]["prod"]["deployments"]}
    assert "orders-api" in waited and "orders-report" not in waited
    code, report = validate_strict(repo, monkeypatch, capsys, "--only", "kustomize,policy,schemas")
    assert code == 0, report
    answers = decide(parse_text(text, "plan.md")).answers
    raw = answers.model_validate({**answers.model_dump(), "deployment_strategy": "raw-manifests", "components": []})
    dest = tmp_path_factory.mktemp("raw") / "repo"
    render_new(raw, dest, resolve_template(None, None), init_git=False)
    [manifests] = dest.glob("**/orders-report/prod/manifests.yaml")
    _cronjob([d for d in yaml.safe_load_all(manifests.read_text(encoding="utf-8")) if d], "orders-report")
