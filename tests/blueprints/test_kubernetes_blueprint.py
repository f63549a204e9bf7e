"""The kubernetes/ blueprint: rendered from the shared plans with plain Copier, built with
`kubectl kustomize`, validated strictly against Kubernetes 1.29 + the CRD catalog, and
checked for what the plan asked for."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from k8s_blueprint_support import (
    ESO_STORES,
    FIGURES,
    MAX_PODS,
    PROD,
    all_secret_values,
    answers,
    by_name,
    default_deny_namespaces,
    kinds,
    kustomizations,
    kustomize,
    load_dir,
    probe_paths,
    render,
    restricted_violations,
    schema_errors,
    tool,
)

pytestmark = pytest.mark.slow

KUSTOMIZE_VARIANTS = ["aws-eks-argocd", "aws-eks-kustomize-only", "aws-eks-raw-manifests", "multi-tenant-saas", "multi-tenant-1",
                      "figures-multi-tool", "figures-raw-manifests", "figures-multi-tenant"]


@pytest.fixture(scope="session", autouse=True)
def _kubectl() -> None:
    if tool("kubectl") is None:
        pytest.skip("kubectl is not on PATH (needed for `kubectl kustomize`)")


def _builds(name: str) -> dict[Path, tuple[dict, ...]]:
    """Every kustomization of a rendered repo built: none inflates a chart (`helmCharts` would need --enable-helm and
    the network, so the repository's own validation could not build it offline)."""
    root = render(name) / "kubernetes"
    return {d: kustomize(d) for d in kustomizations(root)}


@pytest.mark.parametrize("name", KUSTOMIZE_VARIANTS)
def test_every_kustomization_builds_and_is_schema_valid(name: str) -> None:
    builds = _builds(name)
    assert builds, f"{name}: no kustomization rendered"
    errors = [e for d, objs in builds.items() for e in schema_errors(objs, str(d.relative_to(render(name))))]
    assert errors == []
    secrets = [s for objs in builds.values() for s in all_secret_values(objs)]
    assert secrets == [], "a Secret manifest would put secret material in Git"


def test_schema_check_is_not_vacuous() -> None:
    """The validator used above does reject a broken object (unknown field, strict)."""
    objs = list(kustomize(render("aws-eks-argocd") / "kubernetes" / "overlays" / "prod"))
    broken = yaml.safe_load(yaml.safe_dump(kinds(objs, "ResourceQuota")[0]))
    broken["spec"]["hardd"] = broken["spec"].pop("hard")
    assert schema_errors([broken], "mutated") != []


def test_multi_tool_layout() -> None:
    root = render("aws-eks-argocd") / "kubernetes"
    data = answers("aws-eks-argocd")
    assert {p.name for p in (root / "base").iterdir() if p.is_dir()} >= {"namespaces", "policies", "rbac"}
    assert {p.name for p in (root / "overlays").iterdir()} == set(data["environments"])
    assert {p.name for p in (root / "apps").iterdir()} == {a["name"] for a in data["apps"]}
    for app in data["apps"]:
        assert {p.name for p in (root / "apps" / app["name"] / "overlays").iterdir()} == set(data["environments"])
    assert not (root / "tenants").exists() and not (root / "cluster-config").exists()


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_env_overlay_guards_every_app_namespace(env: str) -> None:
    data = answers("aws-eks-argocd")
    objs = kustomize(render("aws-eks-argocd") / "kubernetes" / "overlays" / env)
    namespaces = set(by_name(objs, "Namespace"))
    assert namespaces == {a["name"] for a in data["apps"]}
    for ns in by_name(objs, "Namespace").values():
        assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert default_deny_namespaces(objs) == namespaces
    for kind in ("ResourceQuota", "LimitRange", "RoleBinding"):
        assert {o["metadata"]["namespace"] for o in kinds(objs, kind)} == namespaces, kind
    pods = {o["metadata"]["namespace"]: o["spec"]["hard"]["pods"] for o in kinds(objs, "ResourceQuota")}
    # the plan states "300 pods": that is every namespace's ceiling (the defaults are 50, 100 in production)
    assert data["max_pods"] == 300 and set(pods.values()) == {"300"}
    store = by_name(objs, "ClusterSecretStore")
    assert set(store) == {"aws-secrets-manager"}
    assert store["aws-secrets-manager"]["spec"]["provider"]["aws"]["service"] == "SecretsManager"
    assert store["aws-secrets-manager"]["spec"]["provider"]["aws"]["region"] == data["region"]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_app_overlays_follow_the_plan(env: str) -> None:
    data = answers("aws-eks-argocd")
    assert data["high_availability"], "99.95% uptime in the plan means high availability"
    for app in data["apps"]:
        objs = kustomize(render("aws-eks-argocd") / "kubernetes" / "apps" / app["name"] / "overlays" / env)
        assert {o["metadata"].get("namespace") for o in objs} == {app["name"]}
        deploy = by_name(objs, "Deployment")[app["name"]]
        replicas = deploy["spec"]["replicas"]
        pdbs = kinds(objs, "PodDisruptionBudget")
        if env in PROD:
            assert replicas >= 2
            assert len(pdbs) == 1
            assert pdbs[0]["spec"]["selector"]["matchLabels"].items() <= deploy["spec"]["template"]["metadata"]["labels"].items()
        else:
            assert replicas == app["replicas"]
            assert pdbs == []
        assert restricted_violations(app["name"], deploy["spec"]["template"]["spec"]) == []
        container = deploy["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == f"{app['image']}:{app['tag']}"
        assert probe_paths(container) == {app["health_path"]}
        assert container["ports"][0]["containerPort"] == app["port"]
        service = by_name(objs, "Service")[app["name"]]
        assert service["spec"]["selector"].items() <= deploy["spec"]["template"]["metadata"]["labels"].items()
        # Secret values come from the plan's secrets manager, by name.
        external = by_name(objs, "ExternalSecret")[f"{app['name']}-secrets"]
        assert external["apiVersion"] == _eso_api(data)
        assert external["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
        # not optional: the pod waits for its Secret rather than starting without the values
        assert {"secretRef": {"name": f"{app['name']}-secrets"}} in container["envFrom"]


def _eso_api(data: dict) -> str:
    """The API the planned external-secrets chart serves (v1 only from 0.17 on)."""
    version = next(c["version"] for c in data["components"] if c["chart"] == "external-secrets").lstrip("v")
    major, minor = (int(x) for x in version.split(".")[:2])
    return "external-secrets.io/v1beta1" if (major, minor) < (0, 17) else "external-secrets.io/v1"


def test_kustomize_only_delivers_components_from_their_pinned_charts() -> None:
    """Kustomize-only shapes the plan's own apps; Argo CD installs the catalog components from the pinned chart, as
    with Helm: a Kustomize `helmCharts` entry would be skipped by offline validation (a failure with --fail-on-skip)."""
    data = answers("aws-eks-kustomize-only")
    root = render("aws-eks-kustomize-only") / "kubernetes" / "components"
    assert not root.exists()
    apps = by_name(load_dir(render("aws-eks-kustomize-only") / "argocd"), "Application")
    for component in data["components"]:
        for env in data["environments"]:
            source = apps[f"{component['name']}-{env}"]["spec"]["source"]
            assert (source["chart"], source["repoURL"], source["targetRevision"]) == (
                component["chart"], component["chart_repo"], component["version"])
            assert isinstance(source["helm"]["valuesObject"], dict)
            if component["chart"] == "argo-cd":  # nothing to inflate: Argo CD's Kustomize keeps helm off
                assert "kustomize.buildOptions" not in source["helm"]["valuesObject"]["configs"]["cm"]
    # This variant's plan has a MySQL database: each app namespace may reach port 3306.
    objs = kustomize(root.parent / "overlays" / "prod")
    db = [o for o in kinds(objs, "NetworkPolicy") if o["metadata"]["name"] == "allow-database-egress"]
    assert {o["metadata"]["namespace"] for o in db} == {a["name"] for a in data["apps"]}
    assert all(o["spec"]["egress"][0]["ports"] == [{"port": 3306, "protocol": "TCP"}] for o in db)
    assert not [o for o in kustomize(render("aws-eks-argocd") / "kubernetes" / "overlays" / "prod")
                if o["metadata"]["name"] == "allow-database-egress"]  # no database in that plan


def test_a_kustomize_only_repository_passes_its_ci_validation_with_nothing_skipped(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The generated CI's `--strict --fail-on-skip` over the Kubernetes side: a Kustomize `helmCharts` component
    would be skipped (it needs --enable-helm and a chart download) and fail it."""
    from planforge.cli import main

    code = main(["validate", str(render("aws-eks-kustomize-only")), "--strict", "--fail-on-skip",
                 "--only", "kustomize,argocd,schemas,policy"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "kustomize/skipped" not in out


def test_raw_manifests_are_plain_and_complete() -> None:
    data = answers("aws-eks-raw-manifests")
    root = render("aws-eks-raw-manifests") / "kubernetes" / "apps"
    for app in data["apps"]:
        assert not list((root / app["name"]).rglob("kustomization.yaml"))
        for env in data["environments"]:
            objs = yaml.safe_load_all((root / app["name"] / env / "manifests.yaml").read_text())
            objs = [o for o in objs if o]
            assert schema_errors(objs, f"{app['name']}/{env}") == []
            assert {o["metadata"]["namespace"] for o in objs} == {app["name"]}
            deploy = by_name(objs, "Deployment")[app["name"]]
            assert (deploy["spec"]["replicas"] >= 2) if env in PROD else deploy["spec"]["replicas"] == app["replicas"]
            assert bool(kinds(objs, "PodDisruptionBudget")) == (env in PROD)
            assert restricted_violations(app["name"], deploy["spec"]["template"]["spec"]) == []


@pytest.mark.parametrize("name", ["multi-tenant-saas", "multi-tenant-1"])
def test_tenant_guardrails(name: str) -> None:
    data = answers(name)
    root = render(name) / "kubernetes"
    assert {p.name for p in (root / "tenants").iterdir()} == set(data["tenants"])
    assert not (root / "base").exists() and not (root / "overlays").exists()
    for tenant in data["tenants"]:
        objs = kustomize(root / "tenants" / tenant)
        namespaces = {f"{tenant}-{env}" for env in data["environments"]}
        assert set(by_name(objs, "Namespace")) == namespaces
        assert default_deny_namespaces(objs) == namespaces
        same_tenant = [o for o in kinds(objs, "NetworkPolicy") if o["metadata"]["name"] == "allow-same-tenant"]
        assert {o["metadata"]["namespace"] for o in same_tenant} == namespaces
        for policy in same_tenant:
            peer = policy["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]
            assert peer == {"tenant": tenant}
        for ns in by_name(objs, "Namespace").values():
            assert ns["metadata"]["labels"]["tenant"] == tenant
        # Each tenant has its own database (plan): its namespaces may reach it, nothing else.
        db = [o for o in kinds(objs, "NetworkPolicy") if o["metadata"]["name"] == "allow-database-egress"]
        assert {o["metadata"]["namespace"] for o in db} == namespaces
        # On AWS the tenants' Terraform root gives each database subnets of its own: the port is open to
        # that CIDR only (a tree rendered without Terraform has no such subnets).
        index = data["tenants"].index(tenant)
        to = ([{"to": [{"ipBlock": {"cidr": f"10.0.{192 + index // 4}.{index % 4 * 64}/26"}}]}]
              if data["cloud"] == "aws" and "terraform" in data["blueprints"] else [{}])
        assert all(o["spec"]["egress"] == [{"ports": [{"port": 5432, "protocol": "TCP"}], **to[0]}] for o in db), db
        for kind in ("ResourceQuota", "LimitRange", "RoleBinding"):
            assert {o["metadata"]["namespace"] for o in kinds(objs, kind)} == namespaces, kind
        # Vault is the plan's secrets manager: one store per tenant, usable only from its namespaces.
        store = by_name(objs, "ClusterSecretStore")[f"{tenant}-vault"]
        assert set(store["spec"]["conditions"][0]["namespaces"]) == namespaces
        assert tenant in store["spec"]["provider"]["vault"]["path"]
        for app in data["apps"]:
            for env in data["environments"]:
                app_objs = kustomize(root / "tenants" / tenant / "apps" / app["name"] / env)
                assert {o["metadata"]["namespace"] for o in app_objs} == {f"{tenant}-{env}"}
                # The tenant's project blacklists these kinds: its app must not contain them.
                assert not kinds(app_objs, "NetworkPolicy") and not kinds(app_objs, "ResourceQuota")
                deploy = by_name(app_objs, "Deployment")[app["name"]]
                assert (deploy["spec"]["replicas"] >= 2) if env in PROD else True
                assert bool(kinds(app_objs, "PodDisruptionBudget")) == (env in PROD)
                ext = by_name(app_objs, "ExternalSecret")[f"{app['name']}-secrets"]
                assert ext["spec"]["secretStoreRef"]["name"] == f"{tenant}-vault"


def test_cluster_config_is_shared_and_tenant_roles_cannot_edit_guardrails() -> None:
    objs = kustomize(render("multi-tenant-saas") / "kubernetes" / "cluster-config")
    roles = by_name(objs, "ClusterRole")
    assert roles
    for role in roles.values():
        for rule in role["rules"]:
            touched = set(rule["resources"]) & {"resourcequotas", "limitranges", "networkpolicies", "rolebindings", "roles"}
            if touched:
                assert set(rule["verbs"]) <= {"get", "list", "watch"}, (role["metadata"]["name"], rule)


def test_hundred_tenants() -> None:
    data = answers("multi-tenant-100")
    root = render("multi-tenant-100") / "kubernetes" / "tenants"
    assert len(data["tenants"]) == 100
    assert sorted(p.name for p in root.iterdir()) == sorted(data["tenants"])
    # Spot-check the first and the last tenant with the real build.
    for tenant in (data["tenants"][0], data["tenants"][-1]):
        objs = kustomize(root / tenant)
        assert default_deny_namespaces(objs) == {f"{tenant}-{env}" for env in data["environments"]}


def test_no_secret_store_without_external_secrets() -> None:
    """Helm-chart plans keep secrets in Kubernetes Secrets created out of band (by name)."""
    data = answers("aws-eks-argocd")
    assert data["secrets_manager"] in ESO_STORES
    assert "kubernetes" not in {p.name for p in render("todo-minikube").iterdir()}


def test_rendering_from_the_repository_root_gives_the_same_files(tmp_path: Path) -> None:
    """The other tests render from a copy of copier.yml + blueprints/ without the unselected
    blueprint directories (speed); plain `copier copy <repo root>` gives the same bytes."""
    import copier

    from testlib import REPO

    name = "aws-eks-kustomize-only"
    copier.run_copy(str(REPO), str(tmp_path / "out"), data=answers(name), defaults=True, quiet=True,
                    unsafe=False, vcs_ref="HEAD")
    for area in ("kubernetes", "argocd"):
        ours = {p.relative_to(render(name)): p.read_bytes() for p in (render(name) / area).rglob("*") if p.is_file()}
        plain = {p.relative_to(tmp_path / "out"): p.read_bytes() for p in (tmp_path / "out" / area).rglob("*") if p.is_file()}
        assert ours and ours == plain, area


# --------------------------------------------------------------------------- stated figures
GIB = {"Mi": 1, "Gi": 1024}


def _mebibytes(quantity: str) -> int:
    return int(quantity[:-2]) * GIB[quantity[-2:]]


def _millicores(quantity: str) -> int:
    return int(quantity[:-1]) if quantity.endswith("m") else int(float(quantity) * 1000)


def _assert_scaled_as_stated(objs: tuple[dict, ...] | list[dict], name: str, env: str) -> None:
    """The app's HPA spans the stated range and alone owns the count (the Deployment pins no
    `replicas`, which Argo CD's self-heal would otherwise reset the scale-out to), the PDB lets
    one pod go below the HPA's minimum, and the container carries the stated CPU request and
    memory need."""
    deploy = by_name(objs, "Deployment")[name]
    hpa = by_name(objs, "HorizontalPodAutoscaler")[name]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (FIGURES["min_replicas"], FIGURES["max_replicas"]), env
    assert "replicas" not in deploy["spec"], env
    pdb = by_name(objs, "PodDisruptionBudget")[name]
    assert pdb["spec"]["minAvailable"] == FIGURES["min_replicas"] - 1
    resources = deploy["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert resources["requests"] == {"cpu": FIGURES["cpu_request"], "memory": FIGURES["memory_request"]}
    assert resources["limits"]["memory"] == FIGURES["memory_limit"]
    assert _millicores(str(resources["limits"]["cpu"])) >= _millicores(resources["requests"]["cpu"])
    assert restricted_violations(name, deploy["spec"]["template"]["spec"]) == []


def _assert_room_for_the_maximum(objs: tuple[dict, ...] | list[dict], namespace: str) -> None:
    """The namespace's quota lets the HPA reach its maximum (plus the rolling update's surge pod)
    with the stated limits, its pods ceiling is the plan's, and the LimitRange admits the limits."""
    quota = next(o for o in kinds(objs, "ResourceQuota") if o["metadata"]["namespace"] == namespace)["spec"]["hard"]
    peak = FIGURES["max_replicas"] + 1
    assert int(quota["pods"]) == MAX_PODS
    assert _mebibytes(quota["limits.memory"]) >= peak * _mebibytes(FIGURES["memory_limit"])
    assert _mebibytes(quota["requests.memory"]) >= peak * _mebibytes(FIGURES["memory_request"])
    assert _millicores(quota["requests.cpu"]) >= peak * _millicores(FIGURES["cpu_request"])
    limits = next(o for o in kinds(objs, "LimitRange") if o["metadata"]["namespace"] == namespace)["spec"]["limits"][0]
    assert _mebibytes(limits["max"]["memory"]) >= _mebibytes(FIGURES["memory_limit"])
    assert _mebibytes(limits["defaultRequest"]["memory"]) >= _mebibytes(FIGURES["memory_request"])


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_stated_figures_reach_the_multi_tool_app_and_its_namespace(env: str) -> None:
    name = answers("figures-multi-tool")["apps"][0]["name"]
    root = render("figures-multi-tool") / "kubernetes"
    _assert_scaled_as_stated(kustomize(root / "apps" / name / "overlays" / env), name, env)
    _assert_room_for_the_maximum(kustomize(root / "overlays" / env), name)
    assert "replicas" not in yaml.safe_load((root / "apps" / name / "overlays" / env / "kustomization.yaml").read_text())
    assert "replicas" not in by_name(kustomize(root / "apps" / name / "base"), "Deployment")[name]["spec"]


def test_apps_without_figures_keep_the_defaults() -> None:
    """The second app states nothing: no HPA, one replica outside production, default resources."""
    name = answers("figures-multi-tool")["apps"][1]["name"]
    objs = kustomize(render("figures-multi-tool") / "kubernetes" / "apps" / name / "overlays" / "dev")
    assert kinds(objs, "HorizontalPodAutoscaler") == [] and kinds(objs, "PodDisruptionBudget") == []
    deploy = by_name(objs, "Deployment")[name]
    assert deploy["spec"]["replicas"] == 1
    assert deploy["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_stated_figures_reach_raw_manifests(env: str) -> None:
    name = answers("figures-raw-manifests")["apps"][0]["name"]
    _assert_scaled_as_stated(load_dir(render("figures-raw-manifests") / "kubernetes" / "apps" / name / env), name, env)


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_stated_figures_reach_tenant_apps_and_tenant_quotas(env: str) -> None:
    name = answers("figures-multi-tenant")["apps"][0]["name"]
    tenant = render("figures-multi-tenant") / "kubernetes" / "tenants" / "solo"
    _assert_scaled_as_stated(kustomize(tenant / "apps" / name / env), name, env)
    assert "replicas" not in yaml.safe_load((tenant / "apps" / name / env / "kustomization.yaml").read_text())
    _assert_room_for_the_maximum(kustomize(tenant), f"solo-{env}")
