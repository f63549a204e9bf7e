"""Policy validator: each fixture in tests/fixtures/policy has exactly one defect (good*.yaml none)."""
from __future__ import annotations

from pathlib import Path

import pytest

from planforge.validate.base import Document, Settings, Severity
from planforge.validate.manifests import load_documents
from planforge.validate.policy import RULES, check_documents, image_problem

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "policy"


def _findings(name: str):
    path = FIXTURES / name
    return check_documents(load_documents(path, display=name)), path.read_text().splitlines()


def _line_of(lines: list[str], needle: str) -> int:
    matches = [i for i, line in enumerate(lines, 1) if line.strip() == needle]
    if not matches:
        matches = [i for i, line in enumerate(lines, 1) if needle in line]
    assert len(matches) == 1, f"{needle!r} is not unique in the fixture"
    return matches[0]


@pytest.mark.parametrize("name", ["good.yaml", "appproject-good.yaml", "exempt-probes.yaml"])
def test_compliant_fixtures_have_no_findings(name):
    findings, _ = _findings(name)
    assert findings == []


# fixture -> (rule, text on the reported line, JSON path, document index)
ONE_DEFECT = {
    "run-as-non-root.yaml": ("policy/run-as-non-root", "runAsNonRoot: false",
                             "spec.template.spec.securityContext.runAsNonRoot", 2),
    "allow-privilege-escalation.yaml": ("policy/allow-privilege-escalation", "allowPrivilegeEscalation: true",
                                        "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation", 2),
    "capabilities.yaml": ("policy/capabilities", "drop: [NET_RAW]",
                          "spec.template.spec.containers[0].securityContext.capabilities.drop", 2),
    "seccomp.yaml": ("policy/seccomp", "type: Unconfined", "spec.template.spec.securityContext.seccompProfile.type", 2),
    "resource-limits.yaml": ("policy/resource-limits", "limits: {cpu: 500m}",
                             "spec.template.spec.containers[0].resources.limits", 2),
    "resource-requests.yaml": ("policy/resource-requests", "requests: {memory: 64Mi}",
                               "spec.template.spec.containers[0].resources.requests", 2),
    "liveness-probe.yaml": ("policy/liveness-probe", "- name: web", "spec.template.spec.containers[0].livenessProbe", 2),
    "readiness-probe.yaml": ("policy/readiness-probe", "- name: web",
                             "spec.template.spec.containers[0].readinessProbe", 2),
    "image-latest.yaml": ("policy/image-tag", "image: nginx:latest", "spec.template.spec.containers[0].image", 2),
    "image-untagged.yaml": ("policy/image-tag", "image: registry.example.com:5000/team/nginx",
                            "spec.template.spec.containers[0].image", 2),
    "default-deny-ingress.yaml": ("policy/default-deny-ingress", "name: shop", "metadata.name", 0),
    "appproject-source-repos.yaml": ("policy/appproject-source-repos", "- '*'", "spec.sourceRepos[0]", 0),
    "appproject-destinations.yaml": ("policy/appproject-destinations", "- server: '*'", "spec.destinations[0]", 0),
    "appproject-cluster-resources.yaml": ("policy/appproject-cluster-resources", "- group: '*'",
                                          "spec.clusterResourceWhitelist[0]", 0),
    "test-pod-image.yaml": ("policy/image-tag", "image: busybox", "spec.containers[0].image", 1),
    "network-policy-empty-peers.yaml": ("policy/network-policy-empty-peers", "- from:", "spec.ingress[0].from", 3),
}


@pytest.mark.parametrize("name", sorted(ONE_DEFECT))
def test_one_defect_gives_one_finding_with_location_and_hint(name):
    rule, needle, json_path, doc_index = ONE_DEFECT[name]
    findings, lines = _findings(name)
    assert [f.rule for f in findings] == [rule], [f.message for f in findings]
    finding = findings[0]
    assert finding.validator == "policy"
    assert finding.severity is Severity.ERROR
    assert finding.file == name
    assert finding.line == _line_of(lines, needle)
    assert finding.json_path == json_path
    assert finding.doc_index == doc_index
    assert finding.hint and finding.rule in RULES


def _pod(spec: dict, kind: str = "Pod", annotations: dict | None = None) -> Document:
    spec = {"automountServiceAccountToken": False, **spec}
    obj = {"apiVersion": "v1", "kind": kind, "metadata": {"name": "p", "annotations": annotations or {}}, "spec": spec}
    return Document(obj=obj, file="pod.yaml", doc_index=0, line=1)


SECURE_CONTAINER = {
    "name": "app",
    "image": "app:1.0.0",
    "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                        "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"},
                        "readOnlyRootFilesystem": True},
    "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
    "livenessProbe": {"tcpSocket": {"port": 80}},
    "readinessProbe": {"tcpSocket": {"port": 80}},
}


def test_container_level_security_context_satisfies_pss():
    assert check_documents([_pod({"containers": [SECURE_CONTAINER]})]) == []


def test_privileged_and_host_namespaces():
    container = {**SECURE_CONTAINER, "securityContext": {**SECURE_CONTAINER["securityContext"], "privileged": True}}
    findings = check_documents([_pod({"hostNetwork": True, "containers": [container]})])
    assert sorted(f.rule for f in findings) == ["policy/host-namespaces", "policy/privileged"]
    assert {f.json_path for f in findings} == {"spec.hostNetwork", "spec.containers[0].securityContext.privileged"}


def test_run_as_user_zero_is_root_even_with_run_as_non_root():
    container = {**SECURE_CONTAINER, "securityContext": {**SECURE_CONTAINER["securityContext"], "runAsUser": 0}}
    findings = check_documents([_pod({"containers": [container]})])
    assert [f.rule for f in findings] == ["policy/run-as-non-root"]


@pytest.mark.parametrize("origin, found", [
    ("helm template charts/web -f platforms/openshift.yaml", True),
    ("helm template charts/web -f values-openshift.yaml -f values-prod.yaml", True),
    ("helm template charts/web -f platforms/eks.yaml", False),
    (None, False),
])
def test_ids_fixed_in_a_rendering_for_openshift(origin, found):
    """OpenShift's restricted-v2 SCC assigns user and group IDs; a rendering for it that fixes one is a finding, on
    the pod and on its containers; other renderings may fix them."""
    container = {**SECURE_CONTAINER, "securityContext": {**SECURE_CONTAINER["securityContext"], "runAsUser": 10001}}
    doc = _pod({"securityContext": {"runAsNonRoot": True, "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [container]})
    doc.origin = origin
    findings = [f for f in check_documents([doc]) if f.rule == "policy/openshift-fixed-ids"]
    assert sorted(f.json_path for f in findings) == (
        ["spec.containers[0].securityContext.runAsUser", "spec.securityContext.fsGroup"] if found else [])
    assert all("null" in f.hint for f in findings)


def test_init_containers_are_checked_but_need_no_probes():
    init = {k: v for k, v in SECURE_CONTAINER.items() if not k.endswith("Probe")}
    init = {**init, "image": "init:latest"}
    findings = check_documents([_pod({"initContainers": [init], "containers": [SECURE_CONTAINER]})])
    assert [(f.rule, f.json_path) for f in findings] == [("policy/image-tag", "spec.initContainers[0].image")]


def test_added_capabilities_other_than_net_bind_service():
    caps = {"drop": ["ALL"], "add": ["NET_BIND_SERVICE", "SYS_ADMIN"]}
    container = {**SECURE_CONTAINER, "securityContext": {**SECURE_CONTAINER["securityContext"], "capabilities": caps}}
    findings = check_documents([_pod({"containers": [container]})])
    assert [f.rule for f in findings] == ["policy/capabilities"]
    assert "SYS_ADMIN" in findings[0].message and "NET_BIND_SERVICE" not in findings[0].message


def test_list_items_are_checked_with_their_item_path():
    bad = {**SECURE_CONTAINER, "image": "app"}
    pod = _pod({"containers": [bad]}).obj
    doc = Document(obj={"apiVersion": "v1", "kind": "List", "items": [pod]}, file="list.yaml", doc_index=0, line=1)
    findings = check_documents([doc])
    assert [(f.rule, f.json_path) for f in findings] == [("policy/image-tag", "items[0].spec.containers[0].image")]


def test_namespace_policy_may_live_in_another_file_and_omit_policy_types():
    ns = Document({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}, "ns.yaml", 0, 1)
    allow_all = Document({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                          "metadata": {"name": "x", "namespace": "a"},
                          "spec": {"podSelector": {}, "ingress": [{}]}}, "np.yaml", 0, 1)
    assert [f.rule for f in check_documents([ns, allow_all])] == ["policy/default-deny-ingress"]
    deny = Document({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                     "metadata": {"name": "deny", "namespace": "a"}, "spec": {"podSelector": {}}}, "np2.yaml", 0, 1)
    assert check_documents([ns, allow_all, deny]) == []


def test_selecting_policy_is_not_default_deny():
    ns = Document({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}, "ns.yaml", 0, 1)
    np = Document({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                   "metadata": {"name": "x", "namespace": "a"},
                   "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]}}, "np.yaml", 0, 1)
    assert [f.rule for f in check_documents([ns, np])] == ["policy/default-deny-ingress"]


@pytest.mark.parametrize("image, ok", [
    ("nginx:1.27.3", True), ("nginx", False), ("nginx:latest", False), ("localhost:5000/nginx", False),
    ("localhost:5000/nginx:1.2", True), ("nginx@sha256:" + "a" * 64, True), ("", False),
])
def test_image_problem(image, ok):
    assert (image_problem(image) is None) is ok


def test_policy_validator_discovers_plain_manifests(tmp_path):
    from planforge.validate.base import Context
    from planforge.validate.policy import PolicyValidator

    VALIDATOR = PolicyValidator()
    (tmp_path / "app.yaml").write_text((FIXTURES / "image-latest.yaml").read_text())
    (tmp_path / "values.yaml").write_text("replicas: 2\n")  # not a manifest
    ctx = Context(tmp_path, Settings(), lambda docs, origin: [], tmp_path / "scratch")
    targets = VALIDATOR.discover(ctx)
    assert [t.display for t in targets] == ["app.yaml"]
    [check] = VALIDATOR.run(targets[0], ctx)
    assert check.status.value == "failed"
    assert [f.rule for f in check.findings] == ["policy/image-tag"]


def test_namespace_defined_twice_is_reported_once_at_a_stable_place():
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    first = Document(ns, "a/ns.yaml", 0, 1)
    second = Document(ns, "kustomize build a", 3, 1)
    for docs in ([first, second], [second, first]):
        [finding] = check_documents(docs)
        assert (finding.file, finding.doc_index) == ("a/ns.yaml", 0)


def test_wrongly_typed_fields_are_a_finding_not_a_crash():
    """Schemas report the wrong types; policy says it could not check the object instead of crashing."""
    project = Document({"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "p"},
                        "spec": {"sourceRepos": ["https://git.example.com/a.git"], "destinations": 5}}, "p.yaml", 0)
    found = check_documents([project])
    assert [(f.rule, f.file, f.doc_index) for f in found] == [("policy/malformed", "p.yaml", 0)]
    assert found[0].hint


@pytest.mark.parametrize("metadata, spec", [
    ({"name": "deny", "namespace": ["shop"]}, {"podSelector": {}}),
    ({"name": "deny", "namespace": "shop"}, {"podSelector": {}, "policyTypes": 5}),
])
def test_wrongly_typed_network_policy_covers_nothing_and_does_not_crash(metadata, spec):
    namespace = Document({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}, "ns.yaml", 0)
    policy = Document({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": metadata,
                       "spec": spec}, "ns.yaml", 1)
    assert [f.rule for f in check_documents([namespace, policy])] == ["policy/default-deny-ingress"]
