"""The helm-chart blueprint (charts/ and dapr/): `helm lint --strict` and `helm template` with
the CI values, every platforms/*.yaml and every ci/*-values.yaml; strict schema validation of
the output; chart metadata, documented and schema-covered values, restricted pods, probes on
the plan's health path, per-service settings, Dapr annotations and components."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from planforge.layout import dirs
from k8s_blueprint_support import (
    FIGURES,
    VARIANTS,
    answers,
    by_name,
    helm_cmd,
    helm_template,
    kinds,
    layout_dir,
    load_dir,
    pod_specs,
    probe_paths,
    render,
    restricted_violations,
    run,
    schema_errors,
    tool,
)

pytestmark = pytest.mark.slow

CHART_PLANS = ["helm-chart-payments", "todo-minikube", "event-driven-dapr", "phase5-doks"]
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


@pytest.fixture(scope="session", autouse=True)
def _helm() -> None:
    if tool("helm") is None:
        pytest.skip("helm is not on PATH (run scripts/install-tools.sh)")


def charts(name: str) -> list[Path]:
    """The chart directories of a rendered variant (none when the plan deploys upstream charts only)."""
    if not dirs(answers(name))["charts"]:
        return []
    return sorted(p for p in layout_dir(name, "charts").iterdir() if p.is_dir())


def chart_services(name: str, chart: Path) -> list[dict]:
    data = answers(name)
    if data["chart_layout"] == "per-service":
        return [s for s in data["services"] if s["name"] == chart.name]
    return data["services"]


def value_sets(chart: Path) -> list[tuple[Path, ...]]:
    """The chart's defaults, each platforms/*.yaml, each ci/*-values.yaml (each on its own)."""
    return [(), *((p,) for p in sorted((chart / "platforms").glob("*.yaml"))),
            *((p,) for p in sorted((chart / "ci").glob("*-values.yaml")))]


def test_layout_follows_the_plan() -> None:
    assert [c.name for c in charts("helm-chart-payments")] == ["payments-service"]
    assert [c.name for c in charts("todo-minikube")] == [answers("todo-minikube")["chart_name"]]
    dapr = answers("event-driven-dapr")
    assert dapr["chart_layout"] == "per-service"
    assert [c.name for c in charts("event-driven-dapr")] == sorted(s["name"] for s in dapr["services"])
    for name in CHART_PLANS:
        data = answers(name)
        for chart in charts(name):
            assert {p.stem for p in (chart / "platforms").glob("*.yaml")} == set(data["platforms"])
            for f in ("Chart.yaml", "values.yaml", "values.schema.json", "README.md", "CHANGELOG.md", ".helmignore",
                      "templates/_helpers.tpl", "templates/NOTES.txt", "templates/tests/test-connection.yaml",
                      "templates/deployment.yaml", "templates/service.yaml", "templates/serviceaccount.yaml",
                      "templates/configmap.yaml", "templates/ingress.yaml", "templates/hpa.yaml", "templates/pdb.yaml",
                      "templates/networkpolicy.yaml", "ci/default-values.yaml"):
                assert (chart / f).is_file(), f"{chart.name}: {f}"
        assert (render(name) / "dapr").is_dir() == data["dapr"]
        assert not (render(name) / "helm-chart").exists()


@pytest.mark.parametrize("name", [*CHART_PLANS, "figures-chart"])
def test_lint_strict_and_template_every_values_file(name: str) -> None:
    for chart in charts(name):
        for values in value_sets(chart):
            run(helm_cmd("lint", chart, values, ["--strict"]))
            objs = helm_template(chart, values)
            assert kinds(objs, "Deployment"), (chart.name, values)
            label = f"{chart.name} -f {' -f '.join(v.name for v in values)}"
            assert schema_errors(objs, label) == []
            assert [o for o in objs if o["kind"] == "Secret"] == []
            for pod_name, spec in pod_specs(objs):
                assert restricted_violations(pod_name, spec) == []


@pytest.mark.parametrize("name", CHART_PLANS)
def test_chart_metadata(name: str) -> None:
    data = answers(name)
    for chart in charts(name):
        meta = yaml.safe_load((chart / "Chart.yaml").read_text())
        assert meta["apiVersion"] == "v2" and meta["name"] == chart.name
        assert SEMVER.match(meta["version"]), meta["version"]
        assert meta["kubeVersion"] == f">= {data['kubernetes_version']}.0-0"
        assert "## [0.1.0]" in (chart / "CHANGELOG.md").read_text()


def _leaves(node: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(node, dict) and node:
        return [leaf for k, v in node.items() for leaf in _leaves(v, (*path, str(k)))]
    return [path]


def _schema_at(schema: dict, root: dict, path: tuple[str, ...]) -> dict | None:
    """The sub-schema for a values path (following $ref); None when the path is not allowed."""
    node = schema
    for key in path:
        while "$ref" in node:
            node = root["definitions"][node["$ref"].split("/")[-1]]
        if key in node.get("properties", {}):
            node = node["properties"][key]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        elif node.get("type") == "object" and node.get("additionalProperties") is not False and "properties" in node:
            return node  # open object (e.g. security contexts): covered by its parent
        else:
            return None
    return node


@pytest.mark.parametrize("name", CHART_PLANS)
def test_every_value_is_commented_in_the_schema_and_in_the_readme(name: str) -> None:
    for chart in charts(name):
        text = (chart / "values.yaml").read_text()
        values = yaml.safe_load(text)
        schema = json.loads((chart / "values.schema.json").read_text())
        readme = (chart / "README.md").read_text()
        assert schema.get("additionalProperties") is False
        lines = text.splitlines()
        for leaf in _leaves(values):
            assert _schema_at(schema, schema, leaf) is not None, f"{chart.name}: {'.'.join(leaf)} not in the schema"
            # Documented in the README values table (the key or a documented parent block).
            assert any(f"| `{'.'.join(leaf[:i])}`" in readme for i in range(len(leaf), 0, -1)), ".".join(leaf)
        # Every value line has a `# --` comment, on itself or on a block it belongs to.
        for i, line in enumerate(lines):
            if re.match(r"^ *[A-Za-z][\w.-]*: *\S", line):
                assert _documented(lines, i), f"{chart.name}/values.yaml:{i + 1}: {line.strip()} has no `# --` comment"


def _documented(lines: list[str], i: int) -> bool:
    """A `# --` comment right above line i, or above one of its enclosing block headers."""
    while True:
        j = i - 1
        while j >= 0 and lines[j].strip().startswith("#"):
            if lines[j].strip().startswith("# --"):
                return True
            j -= 1
        indent = len(lines[i]) - len(lines[i].lstrip())
        parent = next((k for k in range(i - 1, -1, -1)
                       if lines[k].strip() and not lines[k].strip().startswith("#")
                       and len(lines[k]) - len(lines[k].lstrip()) < indent), None)
        if parent is None:
            return False
        i = parent


def _floor(svc: dict) -> int:
    """A service's pods outside production: the lowest of its replica range, else its count."""
    if svc.get("max_replicas"):
        return max(min(svc.get("min_replicas") or svc.get("replicas", 1), svc["max_replicas"]), 1)
    return svc.get("replicas", 1)


@pytest.mark.parametrize("name", CHART_PLANS)
def test_pods_follow_each_service_of_the_plan(name: str) -> None:
    for chart in charts(name):
        objs = helm_template(chart, (chart / "ci" / "default-values.yaml",))
        deployments = kinds(objs, "Deployment")
        services = chart_services(name, chart)
        assert len(deployments) == len(services)
        for svc in services:
            deploy = next(d for d in deployments if d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == svc["name"])
            # Autoscaling is off by default: the Deployment runs the lowest count of the plan's range.
            assert deploy["spec"]["replicas"] == _floor(svc)
            labels = deploy["metadata"]["labels"]
            assert {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                    "app.kubernetes.io/managed-by", "helm.sh/chart"} <= set(labels)
            container = deploy["spec"]["template"]["spec"]["containers"][0]
            assert probe_paths(container) == {svc["health_path"]}
            assert container["ports"][0]["containerPort"] == svc["port"]
            assert container["image"] == f"{svc['image']}:{svc['tag']}"
        # Advanced features (autoscaling, ingress, network policy) are off by default, as the plans'
        # Progressive Disclosure principle says; values.yaml still carries the plan's replica range for
        # production to turn on. A service that runs two pods or more keeps a PodDisruptionBudget that lets one go.
        for kind in ("Ingress", "NetworkPolicy", "HorizontalPodAutoscaler"):
            assert kinds(objs, kind) == [], kind
        values = yaml.safe_load((chart / "values.yaml").read_text())["services"]
        for svc in services:
            scaling = values[svc["name"]]["autoscaling"]
            assert scaling["enabled"] is False
            assert values[svc["name"]]["replicaCount"] == _floor(svc)
            if svc.get("max_replicas"):
                assert (scaling["minReplicas"], scaling["maxReplicas"]) == (_floor(svc), svc["max_replicas"])
        pdbs = {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"]: p["spec"]["minAvailable"]
                for p in kinds(objs, "PodDisruptionBudget")}
        assert pdbs == {svc["name"]: _floor(svc) - 1 for svc in services if _floor(svc) >= 2}
        tests = [o for o in kinds(objs, "Pod") if o["metadata"]["annotations"].get("helm.sh/hook") == "test"]
        assert len(tests) == len(services)


def test_todo_minikube_runs_two_frontend_replicas() -> None:
    chart = charts("todo-minikube")[0]
    objs = helm_template(chart, (chart / "ci" / "default-values.yaml", chart / "platforms" / "minikube.yaml"))
    replicas = {d["metadata"]["labels"]["app.kubernetes.io/component"]: d["spec"]["replicas"] for d in kinds(objs, "Deployment")}
    assert replicas == {"backend": 1, "frontend": 2}
    assert by_name(objs, "Ingress") == {}


def test_advanced_and_production_values_enable_what_they_say() -> None:
    chart = charts("helm-chart-payments")[0]
    # The plan: advanced features (autoscaling, ingress, network policy) are off by default.
    default = helm_template(chart)
    for kind in ("Ingress", "HorizontalPodAutoscaler", "NetworkPolicy"):
        assert kinds(default, kind) == [], kind
    assert kinds(default, "Deployment")[0]["spec"]["replicas"] == 2  # the lowest of the plan's 2-20
    advanced = helm_template(chart, (chart / "ci" / "advanced-values.yaml",))
    for kind in ("Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"):
        assert len(kinds(advanced, kind)) == 1, kind
    assert "replicas" not in kinds(advanced, "Deployment")[0]["spec"]  # the HPA owns the count
    # Production turns autoscaling on over the plan's 2-20 replicas (the HPA keeps at least two):
    # its CI values and, with no Argo CD in this plan, the managed platforms' values it is installed
    # with (`helm install -f platforms/<platform>.yaml`; the Applications: figures-chart below).
    production = helm_template(chart, (chart / "ci" / "production-values.yaml",))
    [hpa] = kinds(production, "HorizontalPodAutoscaler")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 20)
    assert len(kinds(production, "PodDisruptionBudget")) == 1
    assert "replicas" not in kinds(production, "Deployment")[0]["spec"]
    for platform in sorted((chart / "platforms").glob("*.yaml")):
        objs = helm_template(chart, (platform,))
        hpas = [(h["spec"]["minReplicas"], h["spec"]["maxReplicas"]) for h in kinds(objs, "HorizontalPodAutoscaler")]
        assert hpas == ([] if platform.stem == "minikube" else [(2, 20)]), platform.name
        assert ("replicas" in kinds(objs, "Deployment")[0]["spec"]) == (platform.stem == "minikube"), platform.name


def test_database_secret_is_required_and_referenced_by_name() -> None:
    """The connection string is only ever referenced by Secret name: the plan's name by default,
    `required` when blanked (helm template fails, helm lint reports it), supplied again by CI."""
    data = answers("helm-chart-payments")
    assert data["database_secret"]
    chart = charts("helm-chart-payments")[0]
    values = yaml.safe_load((chart / "values.yaml").read_text())
    assert values["database"]["existingSecret"] == data["database_secret"]
    blank = ["--set", "database.existingSecret="]
    proc = run(helm_cmd("template", chart, (), blank), check=False)
    assert proc.returncode != 0 and "database.existingSecret is required" in proc.stderr
    proc = run(helm_cmd("lint", chart, (), ["--strict", *blank]), check=False)
    assert "database.existingSecret is required" in proc.stdout + proc.stderr
    ci = yaml.safe_load((chart / "ci" / "default-values.yaml").read_text())
    assert ci["database"]["existingSecret"] == data["database_secret"]
    for values_files in ((), (chart / "platforms" / "eks.yaml",)):
        deploy = kinds(helm_template(chart, values_files), "Deployment")[0]
        env = deploy["spec"]["template"]["spec"]["containers"][0]["env"]
        assert env == [{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": data["database_secret"], "key": "connection-string"}}}]


@pytest.mark.parametrize("name", ["event-driven-dapr", "phase5-doks"])
def test_dapr_annotations_and_components(name: str) -> None:
    data = answers(name)
    assert data["dapr"]
    for chart in charts(name):
        for deploy in kinds(helm_template(chart, (chart / "ci" / "default-values.yaml",)), "Deployment"):
            svc = deploy["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
            port = next(s["port"] for s in data["services"] if s["name"] == svc)
            ann = deploy["spec"]["template"]["metadata"]["annotations"]
            assert ann["dapr.io/enabled"] == "true"
            assert ann["dapr.io/app-id"] == svc
            assert ann["dapr.io/app-port"] == str(port)
    components = load_dir(render(name) / "dapr")
    assert schema_errors(components, f"{name}/dapr") == []
    types = {c["spec"]["type"] for c in components}
    assert "pubsub.kafka" in types
    # Dapr's operator resolves the secretKeyRefs: no secret store the sidecar would read with a pod token
    assert not any(t.startswith("secretstores.") for t in types)
    assert {(c.get("auth") or {}).get("secretStore", "kubernetes") for c in components} == {"kubernetes"}
    assert types & {"state.postgresql", "state.redis"}
    for component in components:
        for item in component["spec"]["metadata"]:
            if re.search(r"password|connectionstring|token|secret", item["name"], re.I):
                assert "value" not in item and "secretKeyRef" in item, (component["metadata"]["name"], item["name"])
        assert set(component["scopes"]) == {s["name"] for s in data["services"]}
    state = next(c for c in components if c["spec"]["type"].startswith("state."))
    if data["database_secret"]:
        ref = next(i for i in state["spec"]["metadata"] if "secretKeyRef" in i)["secretKeyRef"]
        assert ref["name"] == data["database_secret"]


def test_no_dapr_without_the_plan() -> None:
    assert not answers("todo-minikube")["dapr"]
    chart = charts("todo-minikube")[0]
    for deploy in kinds(helm_template(chart, (chart / "ci" / "default-values.yaml",)), "Deployment"):
        assert not any(k.startswith("dapr.io/") for k in deploy["spec"]["template"]["metadata"]["annotations"])


@pytest.mark.parametrize("name", [*CHART_PLANS, "figures-chart"])
def test_planforge_validate_passes_on_chart_repositories(name: str) -> None:
    """The repository's own validators accept the output: helm (lint + every values set),
    strict schemas, policy, and kustomize/argocd where the plan has them."""
    from planforge.validate.base import Settings
    from planforge.validate.runner import run_validation

    settings = Settings(kube_version="1.29.0", strict=True, schema_engine="embedded", jobs=2)
    checks = run_validation([render(name)], settings, only=["helm", "kustomize", "schemas", "policy", "argocd"])
    assert {"helm", "schemas", "policy"} <= {c.validator for c in checks if c.status.value == "passed"}
    errors = [f"{c.validator} {c.target}: {f.message}" for c in checks for f in c.findings
              if f.severity.value == "error"]
    assert errors == []


REAL = sorted(k for k in VARIANTS if k.startswith("real:"))


@pytest.mark.parametrize("name", REAL)
def test_real_plans_pass_planforge_validate(name: str) -> None:
    """Every real plan that `plan check` accepts: its kubernetes/argocd/chart output passes the
    repository's validators (helm lint + every values set, kustomize, strict schemas, policy, argocd)."""
    from planforge.errors import PlanforgeError
    from planforge.validate.runner import run_validation
    from planforge.validate.settings import resolve_settings

    try:
        data = answers(name)
    except PlanforgeError as exc:
        pytest.skip(f"plan refused by decide ({type(exc).__name__}): nothing to render")
    if not {"kubernetes", "argocd", "helm-chart"} & set(data["blueprints"]):
        pytest.skip(f"structure {data['structure']}: no Kubernetes blueprint (covered by the terraform tests)")
    # Like `planforge validate` in the generated repository: its .planforge.yaml (the plan's
    # Kubernetes version, strict) applies.
    settings = resolve_settings({"schema_engine": "embedded", "jobs": 2}, environ={}, paths=[str(render(name))])
    assert settings.strict
    checks = run_validation([render(name)], settings, only=["helm", "kustomize", "schemas", "policy", "argocd"])
    assert {"schemas", "policy"} <= {c.validator for c in checks if c.status.value == "passed"}
    errors = [f"{c.validator} {c.target}: {f.message}" for c in checks for f in c.findings
              if f.severity.value == "error"]
    assert errors == []
    if "helm-chart" in data["blueprints"]:
        for chart in charts(name):
            for pod_name, spec in pod_specs(helm_template(chart)):
                assert restricted_violations(pod_name, spec) == []


def test_stated_figures_reach_the_chart_and_its_applications() -> None:
    """A service with a replica range runs its minimum by default (autoscaling is an advanced
    feature, off in values.yaml, which still carries the range), keeps a PodDisruptionBudget
    that lets one pod go, and carries the stated resources; the ArgoCD Applications and the
    production CI values turn autoscaling on over the same range (the HPA owns the count)."""
    chart = charts("figures-chart")[0]
    name = answers("figures-chart")["services"][0]["name"]
    low, high = FIGURES["min_replicas"], FIGURES["max_replicas"]
    objs = helm_template(chart, (chart / "ci" / "default-values.yaml",))
    assert kinds(objs, "HorizontalPodAutoscaler") == []
    assert [p["spec"]["minAvailable"] for p in kinds(objs, "PodDisruptionBudget")] == [low - 1]
    deploy = kinds(objs, "Deployment")[0]
    assert deploy["spec"]["replicas"] == low
    resources = deploy["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert resources["requests"] == {"cpu": FIGURES["cpu_request"], "memory": FIGURES["memory_request"]}
    assert resources["limits"]["memory"] == FIGURES["memory_limit"]
    values = yaml.safe_load((chart / "values.yaml").read_text())["services"][name]
    assert values["replicaCount"] == low
    assert {k: values["autoscaling"][k] for k in ("enabled", "minReplicas", "maxReplicas")} == {
        "enabled": False, "minReplicas": low, "maxReplicas": high}
    production = helm_template(chart, (chart / "ci" / "production-values.yaml",))
    assert [(h["spec"]["minReplicas"], h["spec"]["maxReplicas"]) for h in kinds(production, "HorizontalPodAutoscaler")] == [(low, high)]
    assert "replicas" not in kinds(production, "Deployment")[0]["spec"]
    for env in ("dev", "prod"):
        app = yaml.safe_load((render("figures-chart") / "argocd" / "applications" / env / f"{chart.name}.yaml").read_text())
        svc = app["spec"]["source"]["helm"]["valuesObject"]["services"][name]
        assert svc["replicaCount"] == low
        assert svc["autoscaling"] == {"enabled": True, "minReplicas": low, "maxReplicas": high}
        assert svc["podDisruptionBudget"] == {"enabled": True, "minAvailable": low - 1}
