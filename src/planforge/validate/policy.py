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
- a read-only root filesystem, no hostPath volume (none on a sensitive host path), no hostPort, only the
  volume types PSS restricted allows, no unsafe sysctl or unmasked /proc, no secret written in an
  environment value, the service account token not mounted unless the pod asks for it;
- a default-deny ingress NetworkPolicy in every namespace the repository creates;
- Argo CD AppProjects without cluster-wide wildcards;
- RBAC: no wildcard verbs or resources, no binding to cluster-admin, no pods/exec or pods/attach grant.

Rule ids are stable (see RULES); every finding carries a fix hint, the document's
file:line and index, and the JSON path of the offending field. The vocabularies (sensitive host paths,
volume types, sysctls, secret words, warning rules) are in planforge/data/policy.yaml.

Waivers: an object's `planforge.io/waive: "<rule>: <reason>; <rule>: <reason>"` annotation waives those
rules on that object; `.planforge.yaml` `waivers:` entries (path, rule, reason) waive a rule in files
(applied by the runner through `apply_file_waivers`). A waived finding is kept, marked with its reason;
it fails nothing. A waiver without a reason, or naming no policy rule, is itself a finding.
"""
from __future__ import annotations

import fnmatch
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from planforge.errors import UsageError
from planforge.validate.base import Check, Context, Document, Finding, Severity, Status, Target, Waiver

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
    "policy/read-only-root-filesystem": "Containers must set readOnlyRootFilesystem: true.",
    "policy/host-path": "Pods must not mount hostPath volumes.",
    "policy/sensitive-host-mount": "Pods must not mount a sensitive host path (/, /etc, /proc, /var/run, docker.sock...).",
    "policy/host-port": "Containers must not bind a hostPort.",
    "policy/volume-types": "Pods must use only the volume types the restricted Pod Security Standard allows.",
    "policy/unsafe-sysctls": "Pods must set only the sysctls the baseline Pod Security Standard calls safe.",
    "policy/proc-mount": "Containers must keep the default (masked) /proc mount.",
    "policy/secret-in-env": "Secrets must not be written as literal environment values.",
    "policy/automount-service-account-token": "Pods that do not call the Kubernetes API must not mount a service "
                                              "account token.",
    "policy/rbac-wildcard": "Roles must not grant '*' verbs or resources.",
    "policy/cluster-admin-binding": "Bindings must not grant the cluster-admin ClusterRole.",
    "policy/pod-exec": "Roles must not grant pods/exec or pods/attach.",
    "policy/malformed": "An object does not have the shape of its kind, so its policy rules cannot be checked.",
    "policy/waiver-without-reason": "A waiver must give a reason.",
    "policy/waiver-unknown-rule": "A waiver must name a policy rule.",
}
# Findings about waivers themselves cannot be waived.
WAIVER_RULES = {"policy/waiver-without-reason", "policy/waiver-unknown-rule"}
RBAC_GROUP = "rbac.authorization.k8s.io/"
SETTINGS_WAIVER = ".planforge.yaml"

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


@lru_cache(maxsize=None)
def data() -> dict[str, Any]:
    """planforge/data/policy.yaml."""
    text = resources.files("planforge").joinpath("data", "policy.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def severity_of(rule: str) -> Severity:
    return Severity.WARNING if rule in data()["warning_rules"] else Severity.ERROR


def known_rule(name: str) -> str | None:
    """The rule id a waiver names ("read-only-root-filesystem" or "policy/read-only-root-filesystem")."""
    rule = name if name.startswith(f"{NAME}/") else f"{NAME}/{name}"
    return rule if rule in RULES and rule not in WAIVER_RULES else None


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
    """Findings of a set of documents; `waivers` are the rules waived on the object being checked."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.waivers: dict[str, str] = {}

    def add(self, doc: Document, rule: str, message: str, json_path: str, hint: str) -> None:
        item_path = getattr(doc, "item_path", "")
        if item_path and not json_path.startswith("items["):
            json_path = f"{item_path}.{json_path}"
        reason = self.waivers.get(rule)
        self.findings.append(
            Finding(
                validator=NAME,
                rule=rule,
                severity=severity_of(rule),
                message=message,
                file=doc.file,
                line=_line(doc, json_path),
                hint=hint,
                doc_index=doc.doc_index,
                json_path=json_path,
                waived=reason,
                waived_by="annotation" if reason is not None else None,
            )
        )


@dataclass
class _Annotation:
    """The waivers an object's annotation grants, and what is wrong with its entries."""

    waivers: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, message, hint)


def parse_waive_annotation(value: Any) -> _Annotation:
    """`"<rule>: <reason>; <rule>: <reason>"` (entries separated by ';' or newlines)."""
    result = _Annotation()
    if not isinstance(value, str):
        result.problems.append(("policy/waiver-without-reason", "the waiver annotation is not a string",
                                'write it as "<rule>: <reason>"'))
        return result
    for entry in re.split(rf"[{re.escape(data()['waiver_separator'])}\n]", value):
        name, _, reason = (part.strip() for part in entry.partition(":"))
        if not name and not reason:
            continue
        rule = known_rule(name)
        if rule is None:
            result.problems.append(("policy/waiver-unknown-rule", f"the waiver names no policy rule: '{name}'",
                                    "name a rule id from docs/policy.md, e.g. policy/host-port"))
        elif not reason:
            result.problems.append(("policy/waiver-without-reason", f"the waiver of {rule} gives no reason",
                                    f'write "{rule}: <why this object may break the rule>"'))
        else:
            result.waivers[rule] = reason
    return result


def _object_waivers(doc: Document, obj: dict[str, Any], prefix: str, out: _Collector, honour: bool) -> None:
    """Report the object's waiver problems and set the waivers `out` applies to its findings."""
    key = data()["waiver_annotation"]
    annotations = _get(obj, "metadata", "annotations")
    out.waivers = {}
    if not isinstance(annotations, dict) or key not in annotations:
        return
    parsed = parse_waive_annotation(annotations[key])
    label = _label(obj)
    for rule, message, hint in parsed.problems:
        out.add(doc, rule, f"{label}: {message}", f"{prefix}metadata.annotations", hint)
    if honour:
        out.waivers = parsed.waivers


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
        for probe, rule in (("livenessProbe", "policy/liveness-probe"), ("readinessProbe", "policy/readiness-probe")):
            if not isinstance(container.get(probe), dict):
                out.add(w.doc, rule, f"{cname} has no {probe}", f"{cpath}.{probe}",
                        f"add a {probe} (httpGet, tcpSocket, grpc or exec) to the container")


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


def _cname(w: _Workload, group: str, index: int, container: dict[str, Any]) -> str:
    return f"{w.label} {'container' if group == 'containers' else group[:-1]} {container.get('name', index)}"


def _check_filesystem(w: _Workload, out: _Collector) -> None:
    """readOnlyRootFilesystem and procMount, container by container (ephemeral containers excepted)."""
    for group, index, container in _containers(w.pod):
        if group == "ephemeralContainers":
            continue
        cpath = f"{w.pod_path}.{group}[{index}]"
        sc = container.get("securityContext") if isinstance(container.get("securityContext"), dict) else {}
        if sc.get("readOnlyRootFilesystem") is not True:
            out.add(w.doc, "policy/read-only-root-filesystem",
                    f"{_cname(w, group, index, container)} does not set readOnlyRootFilesystem: true",
                    f"{cpath}.securityContext.readOnlyRootFilesystem",
                    "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the "
                    "container writes (e.g. /tmp)")
        if sc.get("procMount") not in (None, "Default"):
            out.add(w.doc, "policy/proc-mount",
                    f"{_cname(w, group, index, container)} sets procMount: {sc.get('procMount')}",
                    f"{cpath}.securityContext.procMount", "remove procMount (or set it to Default)")


def _is_sensitive_host_path(path: Any) -> bool:
    text = str(path or "/").strip()
    normal = "/" + "/".join(part for part in text.split("/") if part not in ("", "."))
    if normal.endswith(".sock"):
        return True
    for entry in data()["sensitive_host_paths"]:
        base = entry.rstrip("/") or "/"
        if normal == base or (base != "/" and entry.endswith("/") and normal.startswith(entry)):
            return True
    return False


def _check_volumes(w: _Workload, out: _Collector) -> None:
    allowed = set(data()["restricted_volume_types"])
    for index, volume in enumerate(w.pod.get("volumes") or []):
        vpath = f"{w.pod_path}.volumes[{index}]"
        name = volume.get("name", index)
        host = volume.get("hostPath")
        if isinstance(host, dict):
            path = host.get("path")
            if _is_sensitive_host_path(path):
                out.add(w.doc, "policy/sensitive-host-mount",
                        f"{w.label} volume {name} mounts the host's {path}, which gives access to the node",
                        f"{vpath}.hostPath.path", "remove the hostPath volume; use the API, a CSI driver or a "
                        "DaemonSet built for that job instead")
            else:
                out.add(w.doc, "policy/host-path", f"{w.label} volume {name} mounts the host path {path}",
                        f"{vpath}.hostPath", "use an emptyDir, a persistentVolumeClaim or a CSI volume instead")
            continue
        kinds = [key for key in volume if key != "name" and key not in allowed]
        if kinds:
            out.add(w.doc, "policy/volume-types", f"{w.label} volume {name} is of type {', '.join(kinds)}",
                    f"{vpath}.{kinds[0]}", "use " + ", ".join(sorted(allowed)) + " volumes only")


def _check_host_ports(w: _Workload, out: _Collector) -> None:
    for group, index, container in _containers(w.pod):
        for pindex, port in enumerate(container.get("ports") or []):
            if isinstance(port, dict) and port.get("hostPort") not in (None, 0):
                out.add(w.doc, "policy/host-port",
                        f"{_cname(w, group, index, container)} binds host port {port.get('hostPort')}",
                        f"{w.pod_path}.{group}[{index}].ports[{pindex}].hostPort",
                        "remove hostPort and reach the container through a Service")


def _check_sysctls(w: _Workload, out: _Collector) -> None:
    safe = set(data()["safe_sysctls"])
    sysctls = _get(w.pod, "securityContext", "sysctls") or []
    for index, sysctl in enumerate(sysctls):
        name = sysctl.get("name")
        if name not in safe:
            out.add(w.doc, "policy/unsafe-sysctls", f"{w.label} sets the unsafe sysctl {name}",
                    f"{w.pod_path}.securityContext.sysctls[{index}]",
                    "remove the sysctl, or tune the node instead of the pod")


def is_secret_env_name(name: Any) -> bool:
    """True for PASSWORD, DB_PASSWORD, API-KEY, ...; False for DB_PASSWORD_FILE, AWS_ACCESS_KEY_ID, KEYCLOAK_URL."""
    words = [word for word in re.split(r"[_\-.]+", str(name).upper()) if word]
    if not words or words[-1] in data()["secret_env_pointer_words"]:
        return False
    return any(word in data()["secret_env_words"] for word in words)


def _check_env_secrets(w: _Workload, out: _Collector) -> None:
    for group, index, container in _containers(w.pod):
        for eindex, env in enumerate(container.get("env") or []):
            if not isinstance(env, dict) or not is_secret_env_name(env.get("name")):
                continue
            value = env.get("value")
            if value not in (None, ""):
                out.add(w.doc, "policy/secret-in-env",
                        f"{_cname(w, group, index, container)} writes the secret {env.get('name')} as a literal "
                        "environment value", f"{w.pod_path}.{group}[{index}].env[{eindex}].value",
                        "take it from a Secret (valueFrom.secretKeyRef, or envFrom with a secretRef)")


def _check_token(w: _Workload, out: _Collector, quiet_accounts: set[str]) -> None:
    """The token must be off unless the pod (or its ServiceAccount) says whether to mount it."""
    if w.pod.get("automountServiceAccountToken") is not None:
        return  # stated: false, or true for a pod that calls the API
    account = w.pod.get("serviceAccountName") or w.pod.get("serviceAccount") or "default"
    if account in quiet_accounts:
        return
    out.add(w.doc, "policy/automount-service-account-token",
            f"{w.label} mounts the token of service account {account} without saying so",
            f"{w.pod_path}.automountServiceAccountToken",
            "set automountServiceAccountToken: false in the pod spec (true only when the app calls the "
            "Kubernetes API)")


def quiet_service_accounts(docs: Iterable[Document]) -> set[str]:
    """Names of the ServiceAccounts in `docs` that turn token automounting off."""
    return {str(_get(obj, "metadata", "name")) for _doc, obj, _prefix in iter_objects(docs)
            if obj.get("kind") == "ServiceAccount" and obj.get("automountServiceAccountToken") is False}


def _check_role(doc: Document, obj: dict[str, Any], prefix: str, out: _Collector) -> None:
    label = _label(obj)
    exec_resources = set(data()["exec_subresources"])
    exec_verbs = set(data()["exec_verbs"])
    for index, rule in enumerate(obj.get("rules") or []):
        rpath = f"{prefix}rules[{index}]"
        verbs = [str(v) for v in rule.get("verbs") or []]
        resources_ = [str(r) for r in rule.get("resources") or []]
        for field_name, values in (("verbs", verbs), ("resources", resources_)):
            if "*" in values:
                out.add(doc, "policy/rbac-wildcard", f"{label} grants every {field_name[:-1]} ('*')",
                        f"{rpath}.{field_name}", f"list the {field_name} the subject needs")
        granted = sorted(exec_resources.intersection(resources_))
        if granted and exec_verbs.intersection(verbs):
            out.add(doc, "policy/pod-exec", f"{label} grants {', '.join(granted)}, a shell in running pods",
                    f"{rpath}.resources", "remove pods/exec and pods/attach; debug through logs or an audited "
                    "break-glass role")


def _check_binding(doc: Document, obj: dict[str, Any], prefix: str, out: _Collector) -> None:
    ref = obj.get("roleRef") if isinstance(obj.get("roleRef"), dict) else {}
    if ref.get("kind") == "ClusterRole" and ref.get("name") in data()["cluster_admin_roles"]:
        out.add(doc, "policy/cluster-admin-binding", f"{_label(obj)} binds the cluster-admin ClusterRole",
                f"{prefix}roleRef.name", "bind a Role (or ClusterRole) that grants only what the subjects need")


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


def check_workloads(docs: Iterable[Document], waivers: bool = True) -> list[Finding]:
    """Per-object rules (workloads, RBAC and AppProjects); no cross-document rule.

    `waivers`: honour the objects' waiver annotations (False: --no-waivers)."""
    docs = list(docs)
    quiet = quiet_service_accounts(docs)
    out = _Collector()
    for doc, obj, prefix in iter_objects(docs):
        try:
            _object_waivers(doc, obj, prefix, out, waivers)
            _check_object(doc, obj, prefix, out, quiet)
        except (AttributeError, TypeError, ValueError):  # a field of the wrong type somewhere inside
            out.add(doc, "policy/malformed",
                    f"{_label(obj)} does not have the shape its kind requires: its policy rules were not checked",
                    prefix.rstrip(".") or "spec", "fix the schemas findings of this object (see `kubectl explain`)")
    return out.findings


def _check_object(doc: Document, obj: dict[str, Any], prefix: str, out: _Collector, quiet: set[str]) -> None:
    kind = obj.get("kind")
    api = str(obj.get("apiVersion", ""))
    if kind == "AppProject" and api.startswith("argoproj.io/"):
        _check_appproject(doc, obj, prefix, out)
        return
    if kind in ("Role", "ClusterRole") and api.startswith(RBAC_GROUP):
        _check_role(doc, obj, prefix, out)
        return
    if kind in ("RoleBinding", "ClusterRoleBinding") and api.startswith(RBAC_GROUP):
        _check_binding(doc, obj, prefix, out)
        return
    workload = _workload(doc, obj, prefix)
    if workload is None:
        return
    _check_security(workload, out)
    _check_filesystem(workload, out)
    _check_volumes(workload, out)
    _check_host_ports(workload, out)
    _check_sysctls(workload, out)
    _check_env_secrets(workload, out)
    _check_token(workload, out, quiet)
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


def check_namespaces(docs: Iterable[Document], waivers: bool = True) -> list[tuple[str, Document, list[Finding]]]:
    """For each Namespace object, the findings of the default-deny ingress rule (waivable on the Namespace;
    check_workloads reports the annotation's problems).

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
        if waivers:
            annotation = (_get(doc.obj, "metadata", "annotations") or {}).get(data()["waiver_annotation"])
            out.waivers = parse_waive_annotation(annotation).waivers if annotation is not None else {}
        if name not in covered:
            out.add(doc, "policy/default-deny-ingress",
                    f"namespace {name} has no default-deny ingress NetworkPolicy", "metadata.name",
                    f"add a NetworkPolicy in namespace {name} with podSelector: {{}} and policyTypes: [Ingress] "
                    "and no ingress rules, then allow the traffic each workload needs")
        results.append((name, doc, out.findings))
    return results


def check_documents(docs: list[Document], waivers: bool = True) -> list[Finding]:
    """Every policy rule on a set of documents, treated as the whole repository."""
    findings = check_workloads(docs, waivers)
    for _name, _doc, ns_findings in check_namespaces(docs, waivers):
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
        waivers = not ctx.settings.no_waivers
        if record is not None:
            record(docs)
            findings = check_workloads(docs, waivers)
        else:
            findings = check_documents(docs, waivers)
        return [documents_check(target.display, findings, time.perf_counter() - start)]


def documents_check(target: str, findings: list[Finding], duration: float = 0.0, name: str = "policy") -> Check:
    failed = any(f.fails() for f in findings)
    return Check(NAME, name, target, Status.FAILED if failed else Status.PASSED, findings, duration)


def usable_waivers(waivers: list[Waiver]) -> tuple[list[Waiver], list[Finding]]:
    """The `.planforge.yaml` waivers that waive something (rule ids in full), and the findings about the
    others (no reason, no such rule)."""
    problems: list[Finding] = []
    usable: list[Waiver] = []
    for waiver in waivers:
        rule = known_rule(waiver.rule)
        if rule is None:
            problems.append(_waiver_problem(waiver, "policy/waiver-unknown-rule",
                                            f"the waiver of {waiver.path} names no policy rule: '{waiver.rule}'",
                                            "name a rule id from docs/policy.md, e.g. policy/host-port"))
        elif not waiver.reason.strip():
            problems.append(_waiver_problem(waiver, "policy/waiver-without-reason",
                                            f"the waiver of {rule} on {waiver.path} gives no reason",
                                            "add `reason: <why these objects may break the rule>`"))
        else:
            usable.append(Waiver(waiver.path, rule, waiver.reason.strip(), waiver.line))
    return usable, problems


def apply_file_waivers(checks: list[Check], usable: list[Waiver]) -> None:
    """Mark the policy findings `usable` waivers cover; a check left with no failing finding passes."""
    for check in checks:
        if check.validator != NAME:
            continue
        for finding in check.findings:
            match = next((w for w in usable if w.rule == finding.rule and finding.waived is None
                          and fnmatch.fnmatchcase(finding.file or check.target, w.path)), None)
            if match is not None:
                finding.waived, finding.waived_by = match.reason, SETTINGS_WAIVER
        if check.status is Status.FAILED and check.findings and not any(f.fails() for f in check.findings):
            check.status = Status.PASSED


def _waiver_problem(waiver: Waiver, rule: str, message: str, hint: str) -> Finding:
    return Finding(NAME, rule, severity_of(rule), message, file=SETTINGS_WAIVER, line=waiver.line, hint=hint)
