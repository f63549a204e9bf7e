"""The argocd/ blueprint: the exact set of Applications a plan asks for, app-of-apps
reachability from the bootstrap, AppProject restrictions (one per tenant), Helm-first
sources pinned to the catalog, and strict schema validation against the Argo CD CRDs."""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest
import yaml

from k8s_blueprint_support import (
    PROD,
    answers,
    by_name,
    helm_template,
    kinds,
    load_dir,
    render,
    schema_errors,
    tool,
)

pytestmark = pytest.mark.slow

ARGO_VARIANTS = ["aws-eks-argocd", "aws-eks-kustomize-only", "aws-eks-raw-manifests", "multi-tenant-saas", "event-driven-dapr"]
IN_CLUSTER = "https://kubernetes.default.svc"


def expected_applications(data: dict) -> set[str]:
    """The Applications a plan must get, derived from its answers independently of the templates."""
    p, envs = data["project_name"], data["environments"]
    comps = [c["name"] for c in data["components"]]
    apps = [a["name"] for a in data["apps"]]
    if data["structure"] == "multi-tenant":
        # one bootstrap per environment's cluster, each with the platform and that environment's app-of-apps
        names = {*(f"{p}-bootstrap-{e}" for e in envs), f"{p}-platform", f"{p}-cluster-config", *comps}
        names |= {f"{p}-tenant-{t}" for t in data["tenants"]}
        names |= {f"{p}-{e}" for e in envs}
        names |= {f"{t}-{a}-{e}" for t in data["tenants"] for a in apps for e in envs}
        return names
    names: set[str] = set()
    for e in envs:
        names |= {f"{p}-bootstrap-{e}", f"{p}-{e}"} | {f"{c}-{e}" for c in comps}
        if data["structure"] == "multi-tool":
            names |= {f"{p}-platform-{e}"} | {f"{a}-{e}" for a in apps}
        else:  # helm-chart
            charts = [s["name"] for s in data["services"]] if data["chart_layout"] == "per-service" else [data["chart_name"]]
            names |= {f"{c}-{e}" for c in charts}
            if data["dapr"]:
                names.add(f"{p}-dapr-{e}")
            if "cert-manager" in [c["chart"] for c in data["components"]]:
                names.add(f"{p}-cluster-issuers-{e}")
    return names


def argo_objects(name: str) -> list[dict]:
    return load_dir(render(name) / "argocd")


def _expand_braces(pattern: str) -> list[str]:
    m = re.search(r"\{([^{}]*)\}", pattern)
    if not m:
        return [pattern]
    return [x for alt in m.group(1).split(",") for x in _expand_braces(pattern[: m.start()] + alt + pattern[m.end():])]


def directory_manifests(repo: Path, source: dict) -> list[Path]:
    """Files an Argo CD directory source picks up (recurse + include globs)."""
    base = repo / source["path"]
    directory = source.get("directory") or {}
    files = base.rglob("*.yaml") if directory.get("recurse") else base.glob("*.yaml")
    include = _expand_braces(directory["include"]) if directory.get("include") else None
    return sorted(f for f in files if include is None or any(fnmatch.fnmatch(f.relative_to(base).as_posix(), g) for g in include))


@pytest.mark.parametrize("name", ARGO_VARIANTS)
def test_exact_set_of_applications(name: str) -> None:
    apps = kinds(argo_objects(name), "Application")
    names = [a["metadata"]["name"] for a in apps]
    assert len(names) == len(set(names)), "duplicate Application names"
    assert set(names) == expected_applications(answers(name))


@pytest.mark.parametrize("name", ARGO_VARIANTS)
def test_argocd_manifests_are_schema_valid(name: str) -> None:
    objs = argo_objects(name)
    assert {o["kind"] for o in objs} - {"ApplicationSet"} == {"Application", "AppProject"}
    # ApplicationSets only for the tenants' security groups, whose IDs come from the cluster record (EKS multi-tenant)
    for appset in (o for o in objs if o["kind"] == "ApplicationSet"):
        assert appset["spec"]["template"]["spec"]["source"]["path"].endswith("/security-groups"), appset["metadata"]
    assert schema_errors(objs, f"{name}/argocd") == []


@pytest.mark.parametrize("name", ARGO_VARIANTS)
def test_bootstrap_reaches_every_application_and_project(name: str) -> None:
    """Follow the app-of-apps from argocd/bootstrap/ like Argo CD would."""
    repo = render(name)
    reached: dict[str, dict] = {}
    queue = load_dir(repo / "argocd" / "bootstrap")
    # each bootstrap file: its own AppProject, then the Application that runs in it
    assert queue and {o["kind"] for o in queue} == {"Application", "AppProject"}
    while queue:
        obj = queue.pop()
        key = f"{obj['kind']}/{obj['metadata']['name']}"
        if key in reached:
            continue
        reached[key] = obj
        source = obj.get("spec", {}).get("source", {})
        if obj["kind"] == "Application" and "directory" in source:
            for f in directory_manifests(repo, source):
                queue.extend(d for d in yaml.safe_load_all(f.read_text()) if d)
    everything = {f"{o['kind']}/{o['metadata']['name']}" for o in argo_objects(name)}
    assert set(reached) == everything


@pytest.mark.parametrize("name", ARGO_VARIANTS)
def test_sources_and_destinations_are_allowed_by_projects(name: str) -> None:
    data, repo = answers(name), render(name)
    objs = argo_objects(name)
    projects = by_name(objs, "AppProject")
    repo_url = data["repo_url"] or f"https://git.example.invalid/CHANGE-ME/{data['project_name']}.git"
    for app in kinds(objs, "Application"):
        spec = app["spec"]
        source, dest = spec["source"], spec["destination"]
        if source["repoURL"] == repo_url:
            assert (repo / source["path"]).is_dir(), f"{app['metadata']['name']}: {source['path']} not rendered"
        else:  # Helm-first: the catalog's upstream chart at its exact version
            component = next(c for c in data["components"] if c["chart_repo"] == source["repoURL"] and c["chart"] == source["chart"])
            assert source["targetRevision"] == component["version"]
            assert dest["namespace"] == component["namespace"]
        if spec["project"] == "default":
            assert app["metadata"]["name"].startswith(f"{data['project_name']}-bootstrap")
            continue
        project = projects[spec["project"]]["spec"]
        assert source["repoURL"] in project["sourceRepos"] or "*" in project["sourceRepos"]
        assert any(d["server"] == dest["server"] and fnmatch.fnmatch(dest["namespace"], d["namespace"]) for d in project["destinations"]), app["metadata"]["name"]


def test_helm_first_components_and_custom_apps() -> None:
    data = answers("aws-eks-argocd")
    apps = by_name(argo_objects("aws-eks-argocd"), "Application")
    for env in data["environments"]:
        for c in data["components"]:
            source = apps[f"{c['name']}-{env}"]["spec"]["source"]
            assert (source["repoURL"], source["chart"], source["targetRevision"]) == (c["chart_repo"], c["chart"], c["version"])
            assert "valuesObject" in source["helm"]
        for a in data["apps"]:
            app = apps[f"{a['name']}-{env}"]["spec"]
            assert app["source"]["path"] == f"kubernetes/apps/{a['name']}/overlays/{env}"
            assert app["project"] == f"{data['project_name']}-apps"
            assert app["destination"]["namespace"] == a["name"]
    # Grafana's admin password comes from a Secret by name, never the chart default.
    prod_values = apps["kube-prometheus-stack-prod"]["spec"]["source"]["helm"]["valuesObject"]
    assert prod_values["grafana"]["admin"]["existingSecret"]
    assert "adminPassword" not in yaml.safe_dump(prod_values)
    # The repository is a placeholder, clearly marked, when the plan gives no repo_url.
    assert data["repo_url"] == ""
    root = render("aws-eks-argocd") / "argocd" / "applications" / "prod.yaml"
    assert "PLACEHOLDER" in root.read_text() and "example.invalid" in root.read_text()


def test_kustomize_only_and_raw_manifests_sources() -> None:
    ko = answers("aws-eks-kustomize-only")
    apps = by_name(argo_objects("aws-eks-kustomize-only"), "Application")
    for c in ko["components"]:  # the pinned chart, as with Helm: no kustomization to inflate it
        source = apps[f"{c['name']}-prod"]["spec"]["source"]
        assert (source["repoURL"], source["chart"], source["targetRevision"]) == (c["chart_repo"], c["chart"], c["version"])
    for a in ko["apps"]:  # the plan's own apps: Kustomize overlays at the environment's revision
        assert apps[f"{a['name']}-prod"]["spec"]["source"]["targetRevision"] == "v0.1.0"
        assert apps[f"{a['name']}-dev"]["spec"]["source"]["targetRevision"] == "HEAD"
    assert "PLACEHOLDER" not in (render("aws-eks-kustomize-only") / "argocd" / "applications" / "prod.yaml").read_text()
    raw = answers("aws-eks-raw-manifests")
    apps = by_name(argo_objects("aws-eks-raw-manifests"), "Application")
    for a in raw["apps"]:
        assert apps[f"{a['name']}-prod"]["spec"]["source"]["path"] == f"kubernetes/apps/{a['name']}/prod"


@pytest.mark.parametrize("name", ["aws-eks-argocd", "multi-tenant-saas"])
def test_custom_apps_cannot_touch_cluster_or_guardrails(name: str) -> None:
    projects = by_name(argo_objects(name), "AppProject")
    p = answers(name)["project_name"]
    restricted = [v for k, v in projects.items() if k not in (f"{p}-platform", f"{p}-bootstrap")]
    assert restricted
    bootstrap = projects[f"{p}-bootstrap"]["spec"]  # Applications and AppProjects into argocd, nothing else
    assert [d["namespace"] for d in bootstrap["destinations"]] == ["argocd"] and bootstrap["clusterResourceWhitelist"] == []
    assert {(w["group"], w["kind"]) for w in bootstrap["namespaceResourceWhitelist"]} == {
        ("argoproj.io", "Application"), ("argoproj.io", "AppProject")}
    platform = projects[f"{p}-platform"]["spec"]["clusterResourceWhitelist"]
    assert platform and all("*" not in (w["group"], w["kind"]) for w in platform)
    for project in restricted:
        spec = project["spec"]
        assert spec["clusterResourceWhitelist"] == []
        blacklisted = {b["kind"] for b in spec["namespaceResourceBlacklist"]}
        assert {"ResourceQuota", "LimitRange"} <= blacklisted
        assert all(d["namespace"] != "*" for d in spec["destinations"])


@pytest.mark.parametrize("name", ["multi-tenant-saas", "multi-tenant-1", "multi-tenant-100"])
def test_one_appproject_per_tenant(name: str) -> None:
    data = answers(name)
    projects = by_name(argo_objects(name), "AppProject")
    repo_url = data["repo_url"] or f"https://git.example.invalid/CHANGE-ME/{data['project_name']}.git"
    assert set(projects) == {f"{data['project_name']}-platform", f"{data['project_name']}-bootstrap", *data["tenants"]}
    for tenant in data["tenants"]:
        spec = projects[tenant]["spec"]
        assert spec["sourceRepos"] == [repo_url]
        assert {d["namespace"] for d in spec["destinations"]} == {f"{tenant}-{e}" for e in data["environments"]}
        assert spec["clusterResourceWhitelist"] == []
        assert {"ResourceQuota", "LimitRange", "NetworkPolicy"} <= {b["kind"] for b in spec["namespaceResourceBlacklist"]}
    apps = kinds(argo_objects(name), "Application")
    for app in apps:
        if app["spec"]["project"] in data["tenants"]:
            tenant = app["spec"]["project"]
            assert app["spec"]["destination"]["namespace"].startswith(f"{tenant}-")
            assert app["spec"]["source"]["path"].startswith(f"kubernetes/tenants/{tenant}/")


def _app_values(app: dict, chart_dir: Path, tmp: Path) -> tuple[Path, ...]:
    """The values an Argo CD Helm source passes, as files for `helm template` (its inline values written to tmp)."""
    helm = app["spec"]["source"]["helm"]
    files = [chart_dir / f for f in helm.get("valueFiles", [])]
    (tmp / "values.yaml").write_text(yaml.safe_dump(helm["valuesObject"]))
    return (*files, tmp / "values.yaml")


def test_chart_applications_render_production_shape(tmp_path: Path) -> None:
    """event-driven-dapr: one Application per chart and environment; rendering each chart with
    exactly the values its Application passes gives >= 2 replicas and a PDB in production."""
    if tool("helm") is None:
        pytest.skip("helm is not on PATH (run scripts/install-tools.sh)")
    data = answers("event-driven-dapr")
    repo = render("event-driven-dapr")
    apps = by_name(argo_objects("event-driven-dapr"), "Application")
    for env in data["environments"]:
        for svc in data["services"]:
            app = apps[f"{svc['name']}-{env}"]
            chart = repo / app["spec"]["source"]["path"]
            objs = helm_template(chart, _app_values(app, chart, tmp_path))
            deploy = kinds(objs, "Deployment")[0]
            if env in PROD:
                assert deploy["spec"]["replicas"] >= 2
                assert len(kinds(objs, "PodDisruptionBudget")) == 1
            else:
                assert deploy["spec"]["replicas"] == svc["replicas"]
                assert kinds(objs, "PodDisruptionBudget") == []
            secret_ref = deploy["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]
            assert secret_ref["name"] == data["database_secret"]
        dapr_app = apps[f"{data['project_name']}-dapr-{env}"]
        assert dapr_app["spec"]["source"]["path"] == "dapr"
        assert dapr_app["spec"]["destination"]["server"] == IN_CLUSTER


@pytest.mark.parametrize("name", ["aws-eks-argocd", "multi-tenant-saas", "figures-multi-tool", "figures-raw-manifests",
                                  "figures-multi-tenant"])
def test_planforge_validate_passes_on_the_kubernetes_structures(name: str) -> None:
    """The repository's own validators (kustomize, strict schemas, policy, argocd) accept the output."""
    from planforge.validate.base import Settings
    from planforge.validate.runner import run_validation

    settings = Settings(kube_version="1.29.0", strict=True, schema_engine="embedded", jobs=2)
    checks = run_validation([render(name)], settings, only=["kustomize", "schemas", "policy", "argocd"])
    ran = {c.validator for c in checks if c.status.value == "passed"}
    assert {"kustomize", "schemas", "policy", "argocd"} <= ran
    errors = [f"{c.validator} {c.target}: {f.message}" for c in checks for f in c.findings
              if f.severity.value == "error"]
    assert errors == []
