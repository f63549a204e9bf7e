"""The `policy` validator: what schemas cannot show about a workload's safety.

Checks every workload object (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController, Job, CronJob), plain or rendered, chart test pods included:

- the `restricted` Pod Security Standard: runAsNonRoot (and no runAsUser 0), no privilege
  escalation, all capabilities dropped (only NET_BIND_SERVICE may be added), a RuntimeDefault
  or Localhost seccomp profile, no privileged containers or host namespaces;
- resource requests and limits (cpu and memory) on every container;
- liveness and readiness probes on long-running containers (not on Jobs, CronJobs, Helm hook
  pods such as `helm.sh/hook: test`, or pods that run to completion);
- images pinned to a tag or digest other than `latest`;
- a default-deny ingress NetworkPolicy in every namespace the repository creates;
- Argo CD AppProjects without cluster-wide wildcards.

Rule ids are stable (see RULES); every finding carries a fix hint, the document's
file:line and index, and the JSON path of the offending field.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from planforge.errors import UsageError
from planforge.validate.base import Check, Context, Document, Finding, Severity, Status, Target

NAME = "policy"

RULES: dict[str, str] = {
    "policy/run-as-non-root": "Containers must run as a non-root user (runAsNonRoot: true, runAsUser not 0).",
    "policy/allow-privilege-escalation": "Containers must set allowPrivilegeEscalation: false.",
    "policy/capabilities": "Containers must drop ALL capabilities and add none but NET_BIND_SERVICE.",
    "policy/seccomp": "Pods or containers must use the RuntimeDefault (or Localhost) seccomp profile.",
    "policy/privileged": "Containers must not run privileged.",
    "policy/host-namespaces": "Pods must not share the host network, PID or IPC namespace.",
    "policy/resource-requests": "Containers must request cpu and memory.",
    "policy/resource-limits": "Containers must limit cpu and memory.",
    "policy/liveness-probe": "Long-running containers must have a liveness probe.",
    "policy/readiness-probe": "Long-running containers must have a readiness probe.",
    "policy/image-tag": "Images must be pinned to a tag other than latest, or to a digest.",
    "policy/default-deny-ingress": "Every namespace the repository creates needs a default-deny ingress NetworkPolicy.",
    "policy/appproject-source-repos": "AppProjects must list their source repositories, not '*'.",
    "policy/appproject-destinations": "AppProjects must not allow every namespace on every cluster.",
    "policy/appproject-cluster-resources": "AppProjects must not whitelist every cluster-scoped resource.",
    "policy/malformed": "An object does not have the shape of its kind, so its policy rules cannot be checked.",
}

# kind -> JSON path (as keys) from the object to its pod spec
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
RUN_TO_COMPLETION_KINDS = {"Job", "CronJob"}
ALLOWED_ADDED_CAPABILITIES = {"NET_BIND_SERVICE"}
ALLOWED_SECCOMP = {"RuntimeDefault", "Localhost"}


@dataclass
class _Workload:
    doc: Document
    obj: dict[str, Any]
    pod: dict[str, Any]
    pod_path: str
    label: str  # "Deployment web"


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _label(obj: dict[str, Any]) -> str:
    name = _get(obj, "metadata", "name") or _get(obj, "metadata", "generateName") or "<unnamed>"
    return f"{obj.get('kind')} {name}"


def iter_objects(docs: Iterable[Document]) -> Iterator[tuple[Document, dict[str, Any], str]]:
    """Every object with its document and JSON path prefix, `List` kinds item by item."""
    for doc in docs:
        obj = doc.obj
        if not isinstance(obj, dict):
            continue
        kind = str(obj.get("kind", ""))
        if kind.endswith("List") and isinstance(obj.get("items"), list):  # List, DeploymentList, ...
            for index, item in enumerate(obj.get("items") or []):
                if isinstance(item, dict):
                    yield doc, item, f"items[{index}]."
        else:
            yield doc, obj, ""


class _Collector:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, doc: Document, rule: str, message: str, json_path: str, hint: str) -> None:
        item_path = getattr(doc, "item_path", "")
        if item_path and not json_path.startswith("items["):
            json_path = f"{item_path}.{json_path}"
        self.findings.append(
            Finding(
                validator=NAME,
                rule=rule,
                severity=Severity.ERROR,
                message=message,
                file=doc.file,
                line=_line(doc, json_path),
                hint=hint,
                doc_index=doc.doc_index,
                json_path=json_path,
            )
        )


def _line(doc: Document, json_path: str) -> int | None:
    """The line of the field (or its nearest existing parent) when the source text is known."""
    if getattr(doc, "source", None) is None:
        return doc.line
    try:
        from planforge.validate.manifests import line_of_path

        return line_of_path(doc, json_path) or doc.line
    except Exception:  # locating is best effort; the document line is still right
        return doc.line


def _containers(pod: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for group in ("initContainers", "containers", "ephemeralContainers"):
        items = pod.get(group)
        if isinstance(items, list):
            for index, container in enumerate(items):
                if isinstance(container, dict):
                    yield group, index, container


def _is_long_running(workload: _Workload) -> bool:
    kind = workload.obj.get("kind")
    if kind in RUN_TO_COMPLETION_KINDS:
        return False
    if kind == "Pod":
        annotations = _get(workload.obj, "metadata", "annotations") or {}
        if isinstance(annotations, dict) and "helm.sh/hook" in annotations:
            return False  # test and lifecycle hook pods run to completion
        if workload.pod.get("restartPolicy") in ("Never", "OnFailure"):
            return False
    return True


def _check_security(w: _Workload, out: _Collector) -> None:
    pod_sc = w.pod.get("securityContext") if isinstance(w.pod.get("securityContext"), dict) else {}
    pp = w.pod_path
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if w.pod.get(key) is True:
            out.add(w.doc, "policy/host-namespaces", f"{w.label} sets {key}: true", f"{pp}.{key}",
                    f"remove {key} (or set it to false)")
    pod_non_root = pod_sc.get("runAsNonRoot") is True
    if pod_sc.get("runAsUser") == 0:
        out.add(w.doc, "policy/run-as-non-root", f"{w.label} runs as root (runAsUser: 0)",
                f"{pp}.securityContext.runAsUser", "set runAsUser to a non-zero UID, e.g. 65532")
    pod_seccomp = _get(pod_sc, "seccompProfile", "type")
    if pod_seccomp is not None and pod_seccomp not in ALLOWED_SECCOMP:
        out.add(w.doc, "policy/seccomp", f"{w.label} uses seccomp profile {pod_seccomp}",
                f"{pp}.securityContext.seccompProfile.type", "set seccompProfile.type: RuntimeDefault")
    root_by_pod: list[str] = []  # containers that run as root because the pod says runAsNonRoot: false
    for group, index, container in _containers(w.pod):
        cpath = f"{pp}.{group}[{index}]"
        cname = f"{w.label} {'container' if group == 'containers' else group[:-1]} {container.get('name', index)}"
        sc = container.get("securityContext") if isinstance(container.get("securityContext"), dict) else {}
        # runAsNonRoot: pod level or container level, never explicitly false
        if sc.get("runAsNonRoot") is False:
            out.add(w.doc, "policy/run-as-non-root", f"{cname} sets runAsNonRoot: false",
                    f"{cpath}.securityContext.runAsNonRoot", "set runAsNonRoot: true")
        elif not pod_non_root and sc.get("runAsNonRoot") is not True:
            if pod_sc.get("runAsNonRoot") is False:
                root_by_pod.append(cname)
            else:
                out.add(w.doc, "policy/run-as-non-root", f"{cname} may run as root: runAsNonRoot is not true",
                        f"{cpath}.securityContext.runAsNonRoot",
                        "set securityContext.runAsNonRoot: true on the pod or the container")
        if sc.get("runAsUser") == 0:
            out.add(w.doc, "policy/run-as-non-root", f"{cname} runs as root (runAsUser: 0)",
                    f"{cpath}.securityContext.runAsUser", "set runAsUser to a non-zero UID, e.g. 65532")
        if sc.get("privileged") is True:
            out.add(w.doc, "policy/privileged", f"{cname} runs privileged", f"{cpath}.securityContext.privileged",
                    "remove privileged: true")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.add(w.doc, "policy/allow-privilege-escalation",
                    f"{cname} does not set allowPrivilegeEscalation: false",
                    f"{cpath}.securityContext.allowPrivilegeEscalation",
                    "set securityContext.allowPrivilegeEscalation: false on the container")
        caps = sc.get("capabilities") if isinstance(sc.get("capabilities"), dict) else {}
        drop = caps.get("drop") if isinstance(caps.get("drop"), list) else []
        if "ALL" not in drop:
            out.add(w.doc, "policy/capabilities", f"{cname} does not drop ALL capabilities",
                    f"{cpath}.securityContext.capabilities.drop",
                    "set securityContext.capabilities.drop: [ALL] on the container")
        added = [c for c in (caps.get("add") or []) if c not in ALLOWED_ADDED_CAPABILITIES]
        if added:
            out.add(w.doc, "policy/capabilities", f"{cname} adds capabilities {', '.join(map(str, added))}",
                    f"{cpath}.securityContext.capabilities.add",
                    "add no capability other than NET_BIND_SERVICE")
        seccomp = _get(sc, "seccompProfile", "type")
        if seccomp is not None and seccomp not in ALLOWED_SECCOMP:
            out.add(w.doc, "policy/seccomp", f"{cname} uses seccomp profile {seccomp}",
                    f"{cpath}.securityContext.seccompProfile.type", "set seccompProfile.type: RuntimeDefault")
        elif seccomp is None and pod_seccomp is None:
            out.add(w.doc, "policy/seccomp", f"{cname} has no seccomp profile",
                    f"{cpath}.securityContext.seccompProfile",
                    "set securityContext.seccompProfile.type: RuntimeDefault on the pod or the container")
    if root_by_pod:
        out.add(w.doc, "policy/run-as-non-root",
                f"{w.label} sets runAsNonRoot: false for the pod ({', '.join(root_by_pod)} may run as root)",
                f"{pp}.securityContext.runAsNonRoot", "set securityContext.runAsNonRoot: true")


def _check_resources(w: _Workload, out: _Collector) -> None:
    for group, index, container in _containers(w.pod):
        if group == "ephemeralContainers":
            continue  # ephemeral containers cannot have resources
        cpath = f"{w.pod_path}.{group}[{index}]"
        cname = f"{w.label} {'container' if group == 'containers' else group[:-1]} {container.get('name', index)}"
        resources = container.get("resources") if isinstance(container.get("resources"), dict) else {}
        for section, rule in (("requests", "policy/resource-requests"), ("limits", "policy/resource-limits")):
            values = resources.get(section) if isinstance(resources.get(section), dict) else {}
            missing = [r for r in ("cpu", "memory") if values.get(r) in (None, "")]
            if missing:
                out.add(w.doc, rule, f"{cname} has no {section[:-1]} for {' and '.join(missing)}",
                        f"{cpath}.resources.{section}",
                        f"set resources.{section}.{missing[0]}"
                        + (f" and resources.{section}.{missing[1]}" if len(missing) > 1 else ""))


def _check_probes(w: _Workload, out: _Collector) -> None:
    if not _is_long_running(w):
        return
    for group, index, container in _containers(w.pod):
        if group != "containers":
            continue
        cpath = f"{w.pod_path}.{group}[{index}]"
        cname = f"{w.label} container {container.get('name', index)}"
        for field, rule in (("livenessProbe", "policy/liveness-probe"), ("readinessProbe", "policy/readiness-probe")):
            if not isinstance(container.get(field), dict):
                out.add(w.doc, rule, f"{cname} has no {field}", f"{cpath}.{field}",
                        f"add a {field} (httpGet, tcpSocket, grpc or exec) to the container")


def image_problem(image: Any) -> str | None:
    """Why an image reference is not pinned, or None when it is (a tag other than latest, or a digest)."""
    if not isinstance(image, str) or not image.strip():
        return "has no image"
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return f"uses untagged image {image} (that means :latest)"
    if last.rsplit(":", 1)[1] == "latest":
        return f"uses image {image} with the mutable :latest tag"
    return None


def _check_images(w: _Workload, out: _Collector) -> None:
    for group, index, container in _containers(w.pod):
        problem = image_problem(container.get("image"))
        if problem:
            cname = f"{w.label} {'container' if group == 'containers' else group[:-1]} {container.get('name', index)}"
            out.add(w.doc, "policy/image-tag", f"{cname} {problem}", f"{w.pod_path}.{group}[{index}].image",
                    "pin the image to a released version tag (e.g. nginx:1.27.3) or a digest")


def _check_appproject(doc: Document, obj: dict[str, Any], prefix: str, out: _Collector) -> None:
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    label = _label(obj)
    for index, repo in enumerate(spec.get("sourceRepos") or []):
        if repo == "*":
            out.add(doc, "policy/appproject-source-repos", f"{label} allows every source repository ('*')",
                    f"{prefix}spec.sourceRepos[{index}]",
                    "list the Git or Helm repository URLs the project deploys from")
    for index, dest in enumerate(spec.get("destinations") or []):
        if not isinstance(dest, dict):
            continue
        cluster = dest.get("server") if "server" in dest else dest.get("name")
        if dest.get("namespace") == "*" and cluster == "*":
            out.add(doc, "policy/appproject-destinations",
                    f"{label} allows every namespace on every cluster (namespace '*', server '*')",
                    f"{prefix}spec.destinations[{index}]", "name the destination cluster and namespaces explicitly")
    for index, entry in enumerate(spec.get("clusterResourceWhitelist") or []):
        if isinstance(entry, dict) and entry.get("group") == "*" and entry.get("kind") == "*":
            out.add(doc, "policy/appproject-cluster-resources",
                    f"{label} whitelists every cluster-scoped resource (group '*', kind '*')",
                    f"{prefix}spec.clusterResourceWhitelist[{index}]",
                    "whitelist only the cluster-scoped kinds the project needs (e.g. Namespace)")


def _workload(doc: Document, obj: dict[str, Any], prefix: str) -> _Workload | None:
    path = POD_SPEC_PATHS.get(str(obj.get("kind")))
    if path is None or not str(obj.get("apiVersion", "")):
        return None
    pod = _get(obj, *path)
    if not isinstance(pod, dict):
        return None
    return _Workload(doc, obj, pod, prefix + ".".join(path), _label(obj))


def check_workloads(docs: Iterable[Document]) -> list[Finding]:
    """Per-object rules (workloads and AppProjects); no cross-document rule."""
    out = _Collector()
    for doc, obj, prefix in iter_objects(docs):
        try:
            _check_object(doc, obj, prefix, out)
        except (AttributeError, TypeError, ValueError):  # a field of the wrong type somewhere inside
            out.add(doc, "policy/malformed",
                    f"{_label(obj)} does not have the shape its kind requires: its policy rules were not checked",
                    prefix.rstrip(".") or "spec", "fix the schemas findings of this object (see `kubectl explain`)")
    return out.findings


def _check_object(doc: Document, obj: dict[str, Any], prefix: str, out: _Collector) -> None:
    if obj.get("kind") == "AppProject" and str(obj.get("apiVersion", "")).startswith("argoproj.io/"):
        _check_appproject(doc, obj, prefix, out)
        return
    workload = _workload(doc, obj, prefix)
    if workload is None:
        return
    _check_security(workload, out)
    _check_resources(workload, out)
    _check_probes(workload, out)
    _check_images(workload, out)


def _is_default_deny_ingress(obj: dict[str, Any]) -> bool:
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    selector = spec.get("podSelector")
    if not isinstance(selector, dict) or selector.get("matchLabels") or selector.get("matchExpressions"):
        return False
    types = spec.get("policyTypes")
    if types is None:  # the API server defaults to Ingress (plus Egress when egress rules exist)
        types = ["Ingress"]
    return isinstance(types, list) and "Ingress" in types and not spec.get("ingress")


def check_namespaces(docs: Iterable[Document]) -> list[tuple[str, Document, list[Finding]]]:
    """For each Namespace object, the findings of the default-deny ingress rule.

    A NetworkPolicy without metadata.namespace counts for the namespace created in the same
    file or rendering (when there is exactly one), else for `default`.
    """
    namespaces: dict[str, Document] = {}
    per_file_namespaces: dict[str, list[str]] = {}
    policies: list[tuple[Document, dict[str, Any]]] = []
    for doc, obj, _prefix in iter_objects(docs):
        kind = obj.get("kind")
        if kind == "Namespace" and str(obj.get("apiVersion")) == "v1":
            name = _get(obj, "metadata", "name")
            if isinstance(name, str) and name:
                known = namespaces.get(name)  # documents arrive in any order: keep the first by location
                if known is None or (doc.file, doc.doc_index) < (known.file, known.doc_index):
                    namespaces[name] = doc
                per_file_namespaces.setdefault(doc.file, []).append(name)
        elif kind == "NetworkPolicy" and str(obj.get("apiVersion", "")).startswith("networking.k8s.io/"):
            policies.append((doc, obj))
    covered: set[str] = set()
    for doc, obj in policies:
        if not _is_default_deny_ingress(obj):
            continue
        namespace = _get(obj, "metadata", "namespace")
        if not namespace:
            local = per_file_namespaces.get(doc.file, [])
            namespace = local[0] if len(set(local)) == 1 else "default"
        if isinstance(namespace, str):  # a wrongly typed namespace is a schemas finding; it covers nothing
            covered.add(namespace)
    results = []
    for name, doc in sorted(namespaces.items()):
        out = _Collector()
        if name not in covered:
            out.add(doc, "policy/default-deny-ingress",
                    f"namespace {name} has no default-deny ingress NetworkPolicy", "metadata.name",
                    f"add a NetworkPolicy in namespace {name} with podSelector: {{}} and policyTypes: [Ingress] "
                    "and no ingress rules, then allow the traffic each workload needs")
        results.append((name, doc, out.findings))
    return results


def check_documents(docs: list[Document]) -> list[Finding]:
    """Every policy rule on a set of documents, treated as the whole repository."""
    findings = check_workloads(docs)
    for _name, _doc, ns_findings in check_namespaces(docs):
        findings.extend(ns_findings)
    return findings


class PolicyValidator:
    """Checks plain manifest files; rendered documents reach policy through Context.validate_documents.

    The default-deny rule needs every document of the repository; when the context can collect
    documents (`ctx.record_documents`, provided by the runner), the runner checks namespaces once at
    the end; otherwise each file is checked on its own.
    """

    name = NAME

    def discover(self, ctx: Context) -> list[Target]:
        from planforge.validate import manifests

        return [
            Target(validator=NAME, kind="manifest", path=path, display=ctx.display(path))
            for path in manifests.iter_manifest_files(ctx.root, ctx.settings)
        ]

    def run(self, target: Target, ctx: Context) -> list[Check]:
        from planforge.validate import manifests

        start = time.perf_counter()
        try:
            docs = manifests.load_documents(target.path, display=target.display, bounds=ctx.bounds)
        except (UsageError, OSError) as exc:  # unreadable or unparsable: the schemas validator reports it
            return [Check(NAME, "policy", target.display, Status.SKIPPED, duration=time.perf_counter() - start,
                          reason=f"could not be parsed: {exc}")]
        record = getattr(ctx, "record_documents", None)
        if record is not None:
            record(docs)
            findings = check_workloads(docs)
        else:
            findings = check_documents(docs)
        return [documents_check(target.display, findings, time.perf_counter() - start)]


def documents_check(target: str, findings: list[Finding], duration: float = 0.0, name: str = "policy") -> Check:
    failed = any(f.severity == Severity.ERROR for f in findings)
    return Check(NAME, name, target, Status.FAILED if failed else Status.PASSED, findings, duration)
