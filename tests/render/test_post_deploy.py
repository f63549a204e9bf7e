"""The generated post-deploy suites skip with a reason when nothing is configured, pass
against a cluster that has what the plan asks for, and FAIL when something is missing.

The cluster is a small stand-in for the Kubernetes API: an http.server on 127.0.0.1 that
serves the list endpoints the suites read and runs their probe pods (`nc -z HOST PORT`)
by a rule of its own (the database answers unless a namespace is cut off; a pod of another
namespace connects only while NetworkPolicies are not enforced), reached through a
generated kubeconfig."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from render_helpers import make_template_repo, sample_answers

from planforge.decide.answers import Service
from planforge.render import TemplateSource, render_new

pytestmark = pytest.mark.slow

NAMESPACES = ["acme-staging", "globex-staging", "ingress-nginx"]
DATABASE = "tenant-db.example.internal"


class FakeCluster:
    """In-memory objects served as Kubernetes list responses."""

    def __init__(self) -> None:
        self.namespaces = set(NAMESPACES)
        self.deployments = {("acme-staging", "analytics-api"): 1, ("globex-staging", "analytics-api"): 1}
        self.statefulsets: dict[tuple[str, str], int] = {}  # (namespace, name): ready replicas of 1
        self.quotas = {"acme-staging", "globex-staging"}
        self.deny_policies = {"acme-staging", "globex-staging"}
        self.secrets = {("acme-staging", "analytics-api-env"), ("globex-staging", "analytics-api-env")}
        self.addresses = {"10.1.0.10": "acme-staging", "10.2.0.10": "globex-staging"}
        self.enforced = True  # NetworkPolicies refuse other namespaces
        self.database_blocked: set[str] = set()  # namespaces whose pods cannot reach the database
        self.pods: dict[tuple[str, str], dict] = {}
        self.probes: list[tuple[str, str]] = []  # (namespace, host) of every probe pod run
        self.probe_pods: list[dict] = []  # the body of every probe pod run
        self.stores = {"acme-vault": "True", "globex-vault": "True"}  # ClusterSecretStore: its Ready status

    def connects(self, namespace: str, host: str) -> bool:
        if host == DATABASE:
            return namespace not in self.database_blocked
        target = self.addresses.get(host)
        return target == namespace or (target is not None and not self.enforced)

    def create(self, path: str, body: dict) -> tuple[int, dict]:
        parts = path.split("?")[0].strip("/").split("/")
        if parts == ["api", "v1", "namespaces"]:
            self.namespaces.add(body["metadata"]["name"])
            return 201, body
        namespace, name = parts[3], body["metadata"]["name"]
        host = body["spec"]["containers"][0]["command"][-2]
        self.probes.append((namespace, host))
        self.probe_pods.append(body)
        phase = "Succeeded" if self.connects(namespace, host) else "Failed"
        self.pods[(namespace, name)] = {**body, "metadata": {**body["metadata"], "namespace": namespace},
                                        "status": {"phase": phase}}
        return 201, self.pods[(namespace, name)]

    def delete(self, path: str) -> tuple[int, dict]:
        parts = path.split("?")[0].strip("/").split("/")
        if len(parts) == 4:
            self.namespaces.discard(parts[3])
            return 200, {"kind": "Status", "apiVersion": "v1", "status": "Success"}
        return 200, self.pods.pop((parts[3], parts[5]))

    def respond(self, path: str) -> tuple[int, dict]:
        parts = path.split("?")[0].strip("/").split("/")
        if parts == ["api", "v1", "namespaces"]:
            return 200, _list("NamespaceList", "v1", [
                {"metadata": {"name": n}, "status": {"phase": "Active"}} for n in sorted(self.namespaces)])
        if parts[:2] == ["apis", "external-secrets.io"] and parts[3] == "clustersecretstores":
            if parts[4] not in self.stores:
                return 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}
            ready = self.stores[parts[4]]
            return 200, {"apiVersion": f"external-secrets.io/{parts[2]}", "kind": "ClusterSecretStore",
                         "metadata": {"name": parts[4]},
                         "status": {"conditions": [{"type": "Ready", "status": ready, "message": (
                             "store validated" if ready == "True" else "unable to log in to the Vault: permission denied")}]}}
        if len(parts) == 6 and parts[4] == "pods":
            return 200, self.pods[(parts[3], parts[5])]
        if len(parts) >= 4 and parts[-3] == "namespaces":
            ns, kind = parts[-2], parts[-1]
            if ns not in self.namespaces:
                return 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}
            if kind == "deployments":
                return 200, _list("DeploymentList", "apps/v1", [
                    {"metadata": {"name": name, "namespace": ns},
                     "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                              "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                                  {"name": name, "image": "app", "envFrom": [{"secretRef": {"name": f"{name}-env"}}]}]}}},
                     "status": {"availableReplicas": available, "replicas": 1}}
                    for (dns, name), available in sorted(self.deployments.items()) if dns == ns])
            if kind == "statefulsets":
                return 200, _list("StatefulSetList", "apps/v1", [
                    {"metadata": {"name": name, "namespace": ns},
                     "spec": {"replicas": 1, "serviceName": name, "selector": {"matchLabels": {"app": name}},
                              "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                                  {"name": name, "image": "postgres:16"}]}}},
                     "status": {"readyReplicas": ready, "replicas": 1}}
                    for (sns, name), ready in sorted(self.statefulsets.items()) if sns == ns])
            if kind == "secrets":
                return 200, _list("SecretList", "v1", [
                    {"metadata": {"name": name, "namespace": ns}} for sns, name in sorted(self.secrets) if sns == ns])
            if kind == "endpoints":
                return 200, _list("EndpointsList", "v1", [
                    {"metadata": {"name": "analytics-api", "namespace": ns},
                     "subsets": [{"addresses": [{"ip": ip}], "ports": [{"port": 8080, "protocol": "TCP"}]}]}
                    for ip, ans in sorted(self.addresses.items()) if ans == ns])
            if kind == "resourcequotas":
                items = [{"metadata": {"name": "compute", "namespace": ns}, "spec": {"hard": {"pods": "50"}}}]
                return 200, _list("ResourceQuotaList", "v1", items if ns in self.quotas else [])
            if kind == "networkpolicies":
                items = [{"metadata": {"name": "default-deny-all", "namespace": ns},
                          "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}]
                return 200, _list("NetworkPolicyList", "networking.k8s.io/v1", items if ns in self.deny_policies else [])
        return 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404}


def _list(kind: str, api_version: str, items: list) -> dict:
    return {"kind": kind, "apiVersion": api_version, "metadata": {"resourceVersion": "1"}, "items": items}


@pytest.fixture()
def cluster(tmp_path: Path):
    state = FakeCluster()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            self.reply(*state.respond(self.path))

        def do_POST(self):  # noqa: N802 - http.server API
            length = int(self.headers.get("Content-Length") or 0)
            self.reply(*state.create(self.path, json.loads(self.rfile.read(length))))

        def do_DELETE(self):  # noqa: N802 - http.server API
            self.reply(*state.delete(self.path))

        def reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "stand-in",
        "clusters": [{"name": "stand-in", "cluster": {"server": f"http://127.0.0.1:{server.server_port}"}}],
        "contexts": [{"name": "stand-in", "context": {"cluster": "stand-in", "user": "nobody"}}],
        "users": [{"name": "nobody", "user": {"token": "not-a-secret"}}],
    }))
    state.kubeconfig = kubeconfig
    yield state
    server.shutdown()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("post-deploy")
    template = make_template_repo(root / "template", with_blueprints=False)
    answers = sample_answers(components=[sample_answers().components[0]])
    render_new(answers, root / "repo", TemplateSource(str(template), None), init_git=False)
    suite = root / "repo" / "validation" / "post-deploy"
    assert (suite / "test_kubernetes.py").is_file() and (suite / "test_hosts.py").is_file()
    return root / "repo"


def run_suite(repo: Path, tmp_path: Path, *select: str, **env: str) -> tuple[int, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KUBECONFIG", "PLANFORGE_"))}
    base.update({"HOME": str(tmp_path), "KUBECONFIG": str(tmp_path / "absent"), **env})
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "validation/post-deploy", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-rA", "-q", *select],
        cwd=repo, capture_output=True, text=True, env=base, timeout=300,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_expectations_come_from_the_plan(generated: Path):
    expected = yaml.safe_load((generated / "validation/post-deploy/expected.yaml").read_text())
    staging = expected["environments"]["staging"]
    assert staging["namespaces"] == NAMESPACES
    assert {"namespace": "acme-staging", "name": "analytics-api"} in staging["deployments"]
    assert staging["resource_quotas"] == staging["network_policies"] == ["acme-staging", "globex-staging"]
    assert expected["environments"]["prod"]["namespaces"][0] == "acme-prod"
    assert expected["hosts"]["database_engine"] == "postgres"
    assert expected["secret_stores"] == ["acme-vault", "globex-vault"]
    # each tenant's pods reach the tenant's own database (its tenant root's output); tenants refuse each other
    assert staging["database_probes"] == [
        {"namespace": f"{t}-staging", "port": 5432, "endpoint_variable": f"PLANFORGE_DB_ENDPOINT_{t.upper()}",
         "source": f"terraform -chdir=terraform/tenants/{t} output -raw database_endpoint "
                   "(initialized with backend-staging.hcl)"} for t in ("acme", "globex")]
    assert staging["isolation_probes"] == [{"from": "globex-staging", "to": "acme-staging"},
                                           {"from": "acme-staging", "to": "globex-staging"}]


def test_unconfigured_suites_skip_with_a_reason(generated: Path, tmp_path: Path):
    code, out = run_suite(generated, tmp_path)
    assert code == 0, out
    assert "no kubeconfig configured: set KUBECONFIG" in out
    assert "no hosts configured: set PLANFORGE_HOSTS" in out
    assert " passed" not in out and " failed" not in out


def test_kubernetes_suite_passes_against_a_complete_cluster(generated: Path, tmp_path: Path, cluster):
    code, out = run_suite(generated, tmp_path, "-k", "kubernetes", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging", PLANFORGE_DB_ENDPOINT_ACME=f"{DATABASE}:5432",
                          PLANFORGE_DB_ENDPOINT_GLOBEX=f"{DATABASE}:5432")
    assert code == 0, out
    assert "8 passed" in out
    # the database from each tenant's namespace; each tenant's serving pod from the other tenant's namespace
    assert cluster.probes == [("acme-staging", DATABASE), ("globex-staging", DATABASE),
                              ("globex-staging", "10.1.0.10"), ("acme-staging", "10.2.0.10")]
    assert cluster.pods == {}  # every probe pod deleted


def test_database_probe_skips_naming_the_terraform_outputs_to_set(generated: Path, tmp_path: Path, cluster):
    code, out = run_suite(generated, tmp_path, "-k", "database_reachable_from", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging")
    assert code == 0, out
    assert " passed" not in out and "no database endpoint configured: set PLANFORGE_DB_ENDPOINT_ACME=host:port (from " \
        "terraform -chdir=terraform/tenants/acme output -raw database_endpoint" in out
    assert cluster.probes == []


def test_kubernetes_suite_fails_on_missing_secrets_unreachable_database_and_unenforced_policies(
        generated: Path, tmp_path: Path, cluster):
    cluster.secrets.discard(("globex-staging", "analytics-api-env"))
    cluster.database_blocked.add("acme-staging")
    cluster.enforced = False
    code, out = run_suite(generated, tmp_path, "-k", "secrets or database or enforced",
                          KUBECONFIG=str(cluster.kubeconfig), PLANFORGE_ENVIRONMENT="staging",
                          PLANFORGE_DB_ENDPOINT=f"{DATABASE}:5432")
    assert code == 1, out
    for test_name, message in [
        ("test_referenced_secrets_exist",
         "globex-staging/analytics-api references Secret analytics-api-env, which does not exist"),
        ("test_database_reachable_from_app_namespaces", f"acme-staging cannot reach the database at {DATABASE}:5432"),
        ("test_network_policies_enforced",
         "globex-staging reached acme-staging (10.1.0.10:8080) through its default-deny NetworkPolicy"),
    ]:
        assert f"FAILED validation/post-deploy/test_kubernetes.py::{test_name}" in out
        assert message in out
    assert "globex-staging cannot reach" not in out


def test_kubernetes_suite_fails_on_a_secret_store_that_is_not_ready_or_missing(generated: Path, tmp_path: Path, cluster):
    cluster.stores["acme-vault"] = "False"
    del cluster.stores["globex-vault"]
    code, out = run_suite(generated, tmp_path, "-k", "secret_stores", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging")
    assert code == 1, out
    assert "FAILED validation/post-deploy/test_kubernetes.py::test_secret_stores_ready" in out
    assert "ClusterSecretStore acme-vault is not Ready in staging: unable to log in to the Vault" in out
    assert "ClusterSecretStore globex-vault does not exist in staging" in out


def test_kubernetes_suite_fails_on_a_missing_namespace(generated: Path, tmp_path: Path, cluster):
    cluster.namespaces.discard("globex-staging")
    code, out = run_suite(generated, tmp_path, "-k", "kubernetes", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging")
    assert code == 1, out
    assert "FAILED validation/post-deploy/test_kubernetes.py::test_namespaces_exist" in out
    assert "namespaces missing in staging: globex-staging" in out
    # Its quota and policies went with it.
    assert "without a ResourceQuota: globex-staging" in out


def test_kubernetes_suite_fails_on_unavailable_deployments_quotas_and_policies(generated, tmp_path, cluster):
    cluster.deployments[("acme-staging", "analytics-api")] = 0
    del cluster.deployments[("globex-staging", "analytics-api")]
    cluster.quotas.discard("acme-staging")
    cluster.deny_policies.discard("globex-staging")
    code, out = run_suite(generated, tmp_path, "-k", "kubernetes", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging")
    assert code == 1, out
    for test_name, message in [
        ("test_deployments_available", "acme-staging/analytics-api: 0/1 replicas available"),
        ("test_deployments_available", "globex-staging/analytics-api: no such Deployment"),
        ("test_resource_quotas_present", "without a ResourceQuota: acme-staging"),
        ("test_network_policies_present", "without a default-deny NetworkPolicy: globex-staging"),
    ]:
        assert f"FAILED validation/post-deploy/test_kubernetes.py::{test_name}" in out
        assert message in out
    assert "PASSED validation/post-deploy/test_kubernetes.py::test_namespaces_exist" in out


def test_host_suite_runs_and_fails_on_an_unreachable_database(generated: Path, tmp_path: Path):
    """testinfra on the local host: Linux passes; a closed database port fails."""
    code, out = run_suite(generated, tmp_path, "-k", "hosts", PLANFORGE_HOSTS="local://",
                          PLANFORGE_DB_ENDPOINT="127.0.0.1:9")
    assert code == 1, out
    assert "PASSED validation/post-deploy/test_hosts.py::test_is_linux" in out
    assert "FAILED validation/post-deploy/test_hosts.py::test_database_reachable" in out
    assert "postgres at 127.0.0.1:9 is not reachable" in out


@pytest.fixture(scope="module")
def multi_tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("post-deploy-multi-tool")
    template = make_template_repo(root / "template", with_blueprints=False)
    answers = sample_answers(structure="multi-tool", tenants=[], components=[sample_answers().components[0]])
    render_new(answers, root / "repo", TemplateSource(str(template), None), init_git=False)
    return root / "repo"


def test_multi_tool_probes_the_database_from_each_app_and_each_app_from_a_scratch_namespace(multi_tool: Path):
    staging = yaml.safe_load((multi_tool / "validation/post-deploy/expected.yaml").read_text())["environments"]["staging"]
    assert staging["database_probes"] == [
        {"namespace": "analytics-api", "as": "analytics-api", "port": 5432, "endpoint_variable": "PLANFORGE_DB_ENDPOINT",
         "source": "terraform -chdir=terraform/environments/staging output -raw database_endpoint"}]
    assert staging["isolation_probes"] == [{"from": None, "to": "analytics-api"}]


def test_a_probe_from_a_scratch_namespace_is_refused_and_the_namespace_removed(multi_tool: Path, tmp_path: Path,
                                                                                 cluster):
    cluster.namespaces.add("analytics-api")
    cluster.addresses["10.3.0.10"] = "analytics-api"
    code, out = run_suite(multi_tool, tmp_path, "-k", "enforced", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging")
    assert code == 0, out
    [(scratch, host)] = cluster.probes
    assert scratch.startswith("planforge-probe-staging-") and host == "10.3.0.10"
    assert scratch not in cluster.namespaces and cluster.pods == {}
    cluster.enforced = False
    code, out = run_suite(multi_tool, tmp_path, "-k", "enforced", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging")
    assert code == 1 and "reached analytics-api (10.3.0.10:8080) through its default-deny NetworkPolicy" in out, out


def test_a_shared_namespace_is_probed_once_as_an_application_that_uses_the_database(tmp_path: Path, cluster):
    """Applications the plan puts in one namespace: the namespace is expected once, each Deployment in it, and the
    database probe runs as the application that uses the database (the egress policy of a shared namespace selects
    each application's pods), never ready so that its Service sends it nothing."""
    template = make_template_repo(tmp_path / "template", with_blueprints=False)
    apps = [Service(name="storefront", image="ghcr.io/acme/storefront", namespace="shop", database_access=False),
            Service(name="orders", image="ghcr.io/acme/orders", namespace="shop")]
    answers = sample_answers(structure="multi-tool", tenants=[], apps=apps, components=[sample_answers().components[0]])
    render_new(answers, tmp_path / "repo", TemplateSource(str(template), None), init_git=False)
    staging = yaml.safe_load((tmp_path / "repo/validation/post-deploy/expected.yaml").read_text())["environments"]["staging"]
    assert staging["namespaces"] == ["shop", "ingress-nginx"]
    assert staging["deployments"] == [{"namespace": "shop", "name": "storefront"}, {"namespace": "shop", "name": "orders"}]
    assert [(p["namespace"], p["as"]) for p in staging["database_probes"]] == [("shop", "orders")]
    assert staging["isolation_probes"] == [{"from": None, "to": "shop"}]
    cluster.namespaces.add("shop")
    code, out = run_suite(tmp_path / "repo", tmp_path, "-k", "database", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging", PLANFORGE_DB_ENDPOINT=f"{DATABASE}:5432")
    assert code == 0, out
    [pod] = cluster.probe_pods
    assert pod["metadata"]["labels"] == {"app.kubernetes.io/name": "orders"}
    assert pod["spec"]["containers"][0]["readinessProbe"] == {"exec": {"command": ["false"]}}


@pytest.fixture(scope="module")
def in_cluster_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("post-deploy-in-cluster-database")
    template = make_template_repo(root / "template", with_blueprints=False)
    answers = sample_answers(structure="multi-tool", tenants=[], apps=[], storage="in-cluster-postgresql",
                             components=[sample_answers().components[0]])
    render_new(answers, root / "repo", TemplateSource(str(template), None), init_git=False)
    return root / "repo"


def test_the_in_cluster_databases_statefulset_must_be_ready(in_cluster_database: Path, tmp_path: Path, cluster):
    """The database runs in the cluster: its namespace is expected and its StatefulSet must have every replica
    Ready (a claim no volume binds leaves it at 0)."""
    staging = yaml.safe_load((in_cluster_database / "validation/post-deploy/expected.yaml").read_text()
                             )["environments"]["staging"]
    assert staging["statefulsets"] == [{"namespace": "database", "name": "postgres"}]
    assert "database" in staging["namespaces"]
    cluster.namespaces.add("database")
    cluster.statefulsets[("database", "postgres")] = 1
    code, out = run_suite(in_cluster_database, tmp_path, "-k", "statefulsets", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging")
    assert code == 0 and "1 passed" in out, out
    cluster.statefulsets[("database", "postgres")] = 0
    code, out = run_suite(in_cluster_database, tmp_path, "-k", "statefulsets", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging")
    assert code == 1 and "database/postgres: 0/1 replicas ready" in out, out
    del cluster.statefulsets[("database", "postgres")]
    code, out = run_suite(in_cluster_database, tmp_path, "-k", "statefulsets", KUBECONFIG=str(cluster.kubeconfig),
                          PLANFORGE_ENVIRONMENT="staging")
    assert code == 1 and "database/postgres: no such StatefulSet" in out, out
