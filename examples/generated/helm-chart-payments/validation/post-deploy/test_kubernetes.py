"""Post-deploy checks of the Kubernetes side through the official `kubernetes` client:
namespaces exist, deployments are available, the in-cluster database's StatefulSet is ready, quotas and
network policies are present, every Secret a workload references exists, every ClusterSecretStore is Ready, app namespaces reach their database, and default-deny
NetworkPolicies are enforced (a probe from another namespace is refused).

Configure with KUBECONFIG (default ~/.kube/config), PLANFORGE_KUBE_CONTEXT (optional) and
PLANFORGE_ENVIRONMENT (default: the plan's first environment). Without a kubeconfig every
test here is skipped, saying so. The database probe reads a managed database's endpoint
(host:port) from the variable expected.yaml names (`endpoint_variable`, filled from the
Terraform output in `source`), else PLANFORGE_DB_ENDPOINT; it skips, saying which, when none
is set. Probes are short-lived busybox pods (PLANFORGE_PROBE_IMAGE, PLANFORGE_PROBE_TIMEOUT):
the credentials need to create pods, and namespaces for the scratch one.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

kubernetes = pytest.importorskip("kubernetes", reason="the `kubernetes` package is not installed (pip install kubernetes)")


def _kubeconfig() -> Path | None:
    raw = os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")
    first = Path(raw.split(os.pathsep)[0]).expanduser()
    return first if first.is_file() else None


@pytest.fixture(scope="module")
def api_client(environment: str):
    path = _kubeconfig()
    if path is None:
        pytest.skip(f"no kubeconfig configured: set KUBECONFIG to the {environment} cluster's kubeconfig")
    from kubernetes import client, config

    config.load_kube_config(config_file=str(path), context=os.environ.get("PLANFORGE_KUBE_CONTEXT") or None)
    return client.ApiClient()


@pytest.fixture(scope="module")
def core(api_client):
    from kubernetes import client

    return client.CoreV1Api(api_client)


def _listed(call, namespace: str) -> list:
    """Objects of one namespace; a missing namespace is an empty list, not an error."""
    from kubernetes.client.exceptions import ApiException

    try:
        return call(namespace).items
    except ApiException as exc:
        if exc.status == 404:
            return []
        raise


def test_namespaces_exist(core, expected, environment):
    if not expected["namespaces"]:
        pytest.skip(f"the plan declares no namespaces for {environment}")
    existing = {ns.metadata.name for ns in core.list_namespace().items}
    missing = sorted(set(expected["namespaces"]) - existing)
    assert not missing, f"namespaces missing in {environment}: {', '.join(missing)}"


def _unready(list_call, wanted: list, kind: str, ready_field: str) -> list:
    """What is missing or short of its replicas among the `wanted` {namespace, name[, match]} objects of one kind;
    `match: suffix` accepts a release-prefixed name (`<release>-<name>`)."""
    problems = []
    for want in wanted:
        name, namespace = want["name"], want["namespace"]
        found = [
            o for o in _listed(list_call, namespace)
            if o.metadata.name == name or (want.get("match") == "suffix" and o.metadata.name.endswith(f"-{name}"))
        ]
        if not found:
            problems.append(f"{namespace}/{name}: no such {kind}")
        for obj in found:
            desired = max(obj.spec.replicas if obj.spec.replicas is not None else 1, 1)
            ready = (getattr(obj.status, ready_field) or 0) if obj.status else 0
            if ready < desired:
                problems.append(f"{namespace}/{obj.metadata.name}: {ready}/{desired} replicas {ready_field.split('_')[0]}")
    return problems


def test_deployments_available(api_client, expected, environment):
    if not expected["deployments"]:
        pytest.skip(f"the plan declares no deployments for {environment}")
    from kubernetes import client

    problems = _unready(client.AppsV1Api(api_client).list_namespaced_deployment, expected["deployments"],
                        "Deployment", "available_replicas")
    assert not problems, "; ".join(problems)


def test_statefulsets_ready(api_client, expected, environment):
    """The in-cluster database's StatefulSet (and its volume) is up: every replica Ready."""
    if not expected.get("statefulsets"):
        pytest.skip(f"the plan declares no StatefulSets for {environment}")
    from kubernetes import client

    problems = _unready(client.AppsV1Api(api_client).list_namespaced_stateful_set, expected["statefulsets"],
                        "StatefulSet", "ready_replicas")
    assert not problems, "; ".join(problems)


def test_resource_quotas_present(core, expected, environment):
    if not expected["resource_quotas"]:
        pytest.skip(f"the plan puts no ResourceQuota in {environment}")
    bare = [ns for ns in expected["resource_quotas"] if not _listed(core.list_namespaced_resource_quota, ns)]
    assert not bare, f"namespaces without a ResourceQuota: {', '.join(bare)}"


def _is_default_deny(policy) -> bool:
    selector = policy.spec.pod_selector
    selects_all = selector is None or (not selector.match_labels and not selector.match_expressions)
    return selects_all and "Ingress" in (policy.spec.policy_types or []) and not policy.spec.ingress


def test_network_policies_present(api_client, expected, environment):
    if not expected["network_policies"]:
        pytest.skip(f"the plan puts no NetworkPolicy in {environment}")
    from kubernetes import client

    net = client.NetworkingV1Api(api_client)
    open_namespaces = [
        ns for ns in expected["network_policies"]
        if not any(_is_default_deny(p) for p in _listed(net.list_namespaced_network_policy, ns))
    ]
    assert not open_namespaces, f"namespaces without a default-deny NetworkPolicy: {', '.join(open_namespaces)}"


def _workload_secrets(pod_spec) -> set[str]:
    """Names of the Secrets a pod template references: env secretKeyRef, envFrom secretRef, secret
    volumes and image pull secrets (an `optional: true` reference counts: the pod starts without them)."""
    names = {ref.name for ref in pod_spec.image_pull_secrets or []}
    names |= {v.secret.secret_name for v in pod_spec.volumes or [] if v.secret}
    for container in (pod_spec.init_containers or []) + (pod_spec.containers or []):
        names |= {e.secret_ref.name for e in container.env_from or [] if e.secret_ref}
        names |= {e.value_from.secret_key_ref.name for e in container.env or []
                  if e.value_from and e.value_from.secret_key_ref}
    return names


def test_referenced_secrets_exist(api_client, core, expected, environment):
    """Every Secret a Deployment or StatefulSet of the plan's namespaces references exists in its namespace
    (synced by External Secrets, or created outside as the README says)."""
    if not expected["namespaces"]:
        pytest.skip(f"the plan declares no namespaces for {environment}")
    from kubernetes import client

    apps = client.AppsV1Api(api_client)
    missing = []
    for namespace in expected["namespaces"]:
        existing = {s.metadata.name for s in _listed(core.list_namespaced_secret, namespace)}
        workloads = _listed(apps.list_namespaced_deployment, namespace) + _listed(apps.list_namespaced_stateful_set, namespace)
        for workload in workloads:
            for name in sorted(_workload_secrets(workload.spec.template.spec) - existing):
                missing.append(f"{namespace}/{workload.metadata.name} references Secret {name}, which does not exist")
    assert not missing, "; ".join(missing)


def test_secret_stores_ready(api_client, plan_expectations, environment):
    """Every ClusterSecretStore of the repository is Ready: External Secrets reached its store with the identity
    Terraform created (a missing identity, vault or project, or a missing auth Secret shows here, before any app)."""
    stores = plan_expectations.get("secret_stores") or []
    if not stores:
        pytest.skip("the repository defines no ClusterSecretStore")
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    group, version = plan_expectations["secret_store_api"].split("/")
    custom = client.CustomObjectsApi(api_client)
    problems = []
    for name in stores:
        try:
            store = custom.get_cluster_custom_object(group, version, "clustersecretstores", name)
        except ApiException as exc:
            if exc.status != 404:
                raise
            problems.append(f"ClusterSecretStore {name} does not exist in {environment}")
            continue
        ready = [c for c in (store.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"]
        if not ready or ready[0].get("status") != "True":
            why = ready[0].get("message") if ready else "no Ready condition yet"
            problems.append(f"ClusterSecretStore {name} is not Ready in {environment}: {why}")
    assert not problems, "; ".join(problems)


PROBE_IMAGE = os.environ.get("PLANFORGE_PROBE_IMAGE", "busybox:1.36.1")
PROBE_TIMEOUT = int(os.environ.get("PLANFORGE_PROBE_TIMEOUT", "120"))


def _probe_pod(name: str, host: str, port: int, app: str = "") -> dict:
    """A one-shot pod that opens a TCP connection (busybox `nc -z`), within the `restricted` Pod Security
    Standard and with requests and limits so that a ResourceQuota admits it. With `app`, it carries that application's
    label (the NetworkPolicies that admit the application's pods admit it) and never turns ready, so that the
    application's Service sends it nothing."""
    container_extra = {"readinessProbe": {"exec": {"command": ["false"]}}} if app else {}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": app or "planforge-probe"}},
        "spec": {
            "restartPolicy": "Never", "automountServiceAccountToken": False,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{
                "name": "probe", "image": PROBE_IMAGE, "command": ["nc", "-z", "-w", "5", host, str(port)],
                "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                    "capabilities": {"drop": ["ALL"]}},
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "32Mi"}},
                **container_extra,
            }],
        },
    }


def _connects(core, namespace: str, host: str, port: int, app: str = "") -> bool:
    """Whether a pod in `namespace` (as `app`, see _probe_pod) opens a TCP connection to host:port (the pod is deleted
    afterwards)."""
    import time
    import uuid

    name = f"planforge-probe-{uuid.uuid4().hex[:8]}"
    core.create_namespaced_pod(namespace, _probe_pod(name, host, port, app))
    try:
        deadline = time.monotonic() + PROBE_TIMEOUT
        while time.monotonic() < deadline:
            phase = core.read_namespaced_pod(name, namespace).status.phase
            if phase in ("Succeeded", "Failed"):
                return phase == "Succeeded"
            time.sleep(2)
        pytest.fail(f"the probe pod {namespace}/{name} did not finish within {PROBE_TIMEOUT}s (image {PROBE_IMAGE})")
    finally:
        core.delete_namespaced_pod(name, namespace)


def _endpoint(probe: dict) -> str:
    return probe.get("endpoint") or os.environ.get(probe.get("endpoint_variable", ""), "") or os.environ.get("PLANFORGE_DB_ENDPOINT", "")


def test_database_reachable_from_app_namespaces(core, expected, environment):
    """A pod in each app namespace (under that namespace's NetworkPolicies) reaches the database port."""
    probes = expected.get("database_probes") or []
    if not probes:
        pytest.skip(f"the plan gives {environment}'s workloads no database")
    unset = [p for p in probes if not _endpoint(p)]
    if unset:
        pytest.skip("no database endpoint configured: set " + "; ".join(
            f"{p['endpoint_variable']}=host:port (from {p['source']})" for p in unset))
    problems = []
    for probe in probes:
        endpoint = _endpoint(probe)
        host, _, port = endpoint.rpartition(":") if ":" in endpoint else (endpoint, "", str(probe.get("port", 0)))
        assert host and port.isdigit() and int(port) > 0, f"database endpoint {endpoint!r} is not host:port"
        if not _connects(core, probe["namespace"], host, int(port), probe.get("as", "")):
            who = f"{probe['as']} in {probe['namespace']}" if probe.get("as") else probe["namespace"]
            problems.append(f"{who} cannot reach the database at {host}:{port}")
    assert not problems, "; ".join(problems)


def _serving_address(core, namespace: str) -> tuple[str, int] | None:
    """A ready pod address and port behind one of the namespace's Services."""
    for endpoints in _listed(core.list_namespaced_endpoints, namespace):
        for subset in endpoints.subsets or []:
            if subset.addresses and subset.ports:
                return subset.addresses[0].ip, subset.ports[0].port
    return None


@pytest.fixture()
def scratch_namespace(core, environment):
    """A namespace without NetworkPolicies, deleted afterwards: the "other namespace" of a probe."""
    import uuid

    name = f"planforge-probe-{environment}-{uuid.uuid4().hex[:6]}"[:63]
    core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


def test_network_policies_enforced(request, core, expected, environment):
    """Default deny holds: a connection from another namespace (another tenant's, or a scratch one) to a
    serving pod is refused. On a cluster that does not enforce NetworkPolicies it connects, and this fails."""
    probes = expected.get("isolation_probes") or []
    if not probes:
        pytest.skip(f"the plan isolates no namespace in {environment}")
    problems = []
    for probe in probes:
        target = _serving_address(core, probe["to"])
        if target is None:
            problems.append(f"{probe['to']} has no Service with ready endpoints to probe")
            continue
        source = probe["from"] or request.getfixturevalue("scratch_namespace")
        if _connects(core, source, *target):
            problems.append(f"{source} reached {probe['to']} ({target[0]}:{target[1]}) through its default-deny NetworkPolicy")
    assert not problems, "; ".join(problems)
