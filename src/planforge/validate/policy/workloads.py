"""The rules on workloads (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
CronJob): Pod Security Standards, host access, secrets in env values, token automount, resources, probes,
images."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from planforge.validate.base import Document
from planforge.validate.policy.core import Collector, data, get_path, iter_objects, label_of

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
ALLOWED_SECCOMP = {"RuntimeDefault", "Localhost"}


@dataclass
class Workload:
    doc: Document
    obj: dict[str, Any]
    pod: dict[str, Any]
    pod_path: str
    label: str  # "Deployment web"



def containers(pod: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for group in ("initContainers", "containers", "ephemeralContainers"):
        items = pod.get(group)
        if isinstance(items, list):
            for index, container in enumerate(items):
                if isinstance(container, dict):
                    yield group, index, container


def _is_long_running(workload: Workload) -> bool:
    kind = workload.obj.get("kind")
    if kind in RUN_TO_COMPLETION_KINDS:
        return False
    if kind == "Pod":
        annotations = get_path(workload.obj, "metadata", "annotations") or {}
        if isinstance(annotations, dict) and "helm.sh/hook" in annotations:
            return False  # test and lifecycle hook pods run to completion
        if workload.pod.get("restartPolicy") in ("Never", "OnFailure"):
            return False
    return True


def _check_security(w: Workload, out: Collector) -> None:
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
    pod_seccomp = get_path(pod_sc, "seccompProfile", "type")
    if pod_seccomp is not None and pod_seccomp not in ALLOWED_SECCOMP:
        out.add(w.doc, "policy/seccomp", f"{w.label} uses seccomp profile {pod_seccomp}",
                f"{pp}.securityContext.seccompProfile.type", "set seccompProfile.type: RuntimeDefault")
    root_by_pod: list[str] = []  # containers that run as root because the pod says runAsNonRoot: false
    for group, index, container in containers(w.pod):
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
        if out.profile.drop_all_capabilities and "ALL" not in drop:
            out.add(w.doc, "policy/capabilities", f"{cname} does not drop ALL capabilities",
                    f"{cpath}.securityContext.capabilities.drop",
                    "set securityContext.capabilities.drop: [ALL] on the container")
        addable = out.profile.addable_capabilities
        added = [c for c in (caps.get("add") or []) if c not in addable]
        if added:
            out.add(w.doc, "policy/capabilities", f"{cname} adds capabilities {', '.join(map(str, added))}",
                    f"{cpath}.securityContext.capabilities.add",
                    f"add no capability other than {', '.join(sorted(addable))}")
        seccomp = get_path(sc, "seccompProfile", "type")
        if seccomp is not None and seccomp not in ALLOWED_SECCOMP:
            out.add(w.doc, "policy/seccomp", f"{cname} uses seccomp profile {seccomp}",
                    f"{cpath}.securityContext.seccompProfile.type", "set seccompProfile.type: RuntimeDefault")
        elif seccomp is None and pod_seccomp is None and out.profile.seccomp_profile_required:
            out.add(w.doc, "policy/seccomp", f"{cname} has no seccomp profile",
                    f"{cpath}.securityContext.seccompProfile",
                    "set securityContext.seccompProfile.type: RuntimeDefault on the pod or the container")
    if root_by_pod:
        out.add(w.doc, "policy/run-as-non-root",
                f"{w.label} sets runAsNonRoot: false for the pod ({', '.join(root_by_pod)} may run as root)",
                f"{pp}.securityContext.runAsNonRoot", "set securityContext.runAsNonRoot: true")


def _check_resources(w: Workload, out: Collector) -> None:
    for group, index, container in containers(w.pod):
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


def _check_probes(w: Workload, out: Collector) -> None:
    if not _is_long_running(w):
        return
    for group, index, container in containers(w.pod):
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


def _check_images(w: Workload, out: Collector) -> None:
    for group, index, container in containers(w.pod):
        problem = image_problem(container.get("image"))
        if problem:
            cname = f"{w.label} {'container' if group == 'containers' else group[:-1]} {container.get('name', index)}"
            out.add(w.doc, "policy/image-tag", f"{cname} {problem}", f"{w.pod_path}.{group}[{index}].image",
                    "pin the image to a released version tag (e.g. nginx:1.27.3) or a digest")


def container_label(w: Workload, group: str, index: int, container: dict[str, Any]) -> str:
    return f"{w.label} {'container' if group == 'containers' else group[:-1]} {container.get('name', index)}"


# a rendering with an OpenShift values file (`-f platforms/openshift.yaml`, `-f values-openshift.yaml`)
_OPENSHIFT_VALUES = re.compile(r"\s-f\s+\S*openshift\S*\.ya?ml\b", re.I)
_ASSIGNED_IDS = ("runAsUser", "runAsGroup", "fsGroup")


def _check_openshift_ids(w: Workload, out: Collector) -> None:
    """OpenShift's restricted-v2 SCC gives each namespace its own range of user and group IDs and rejects a pod that
    fixes any other: a workload rendered for OpenShift leaves them to it."""
    if not _OPENSHIFT_VALUES.search(w.doc.origin or ""):
        return
    contexts = [(w.pod_path, w.pod.get("securityContext"))]
    contexts += [(f"{w.pod_path}.{group}[{index}]", c.get("securityContext")) for group, index, c in containers(w.pod)]
    for path, sc in contexts:
        for key in _ASSIGNED_IDS if path == w.pod_path else _ASSIGNED_IDS[:2]:
            if isinstance(sc, dict) and isinstance(sc.get(key), int):
                out.add(w.doc, "policy/openshift-fixed-ids", f"{w.label} fixes {key}: {sc[key]}, which OpenShift's "
                        "restricted-v2 SCC rejects outside the namespace's range", f"{path}.securityContext.{key}",
                        f"set {key} to null in the OpenShift values file: the SCC assigns one from the namespace's "
                        "range (non-root)")


def _check_filesystem(w: Workload, out: Collector) -> None:
    """readOnlyRootFilesystem and procMount, container by container (ephemeral containers excepted)."""
    for group, index, container in containers(w.pod):
        if group == "ephemeralContainers":
            continue
        cpath = f"{w.pod_path}.{group}[{index}]"
        sc = container.get("securityContext") if isinstance(container.get("securityContext"), dict) else {}
        if sc.get("readOnlyRootFilesystem") is not True:
            out.add(w.doc, "policy/read-only-root-filesystem",
                    f"{container_label(w, group, index, container)} does not set readOnlyRootFilesystem: true",
                    f"{cpath}.securityContext.readOnlyRootFilesystem",
                    "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the "
                    "container writes (e.g. /tmp)")
        if sc.get("procMount") not in (None, "Default"):
            out.add(w.doc, "policy/proc-mount",
                    f"{container_label(w, group, index, container)} sets procMount: {sc.get('procMount')}",
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


def _check_volumes(w: Workload, out: Collector) -> None:
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


def _check_host_ports(w: Workload, out: Collector) -> None:
    for group, index, container in containers(w.pod):
        for pindex, port in enumerate(container.get("ports") or []):
            if isinstance(port, dict) and port.get("hostPort") not in (None, 0):
                out.add(w.doc, "policy/host-port",
                        f"{container_label(w, group, index, container)} binds host port {port.get('hostPort')}",
                        f"{w.pod_path}.{group}[{index}].ports[{pindex}].hostPort",
                        "remove hostPort and reach the container through a Service")


def _check_sysctls(w: Workload, out: Collector) -> None:
    safe = set(data()["safe_sysctls"])
    sysctls = get_path(w.pod, "securityContext", "sysctls") or []
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


def _check_env_secrets(w: Workload, out: Collector) -> None:
    for group, index, container in containers(w.pod):
        for eindex, env in enumerate(container.get("env") or []):
            if not isinstance(env, dict) or not is_secret_env_name(env.get("name")):
                continue
            value = env.get("value")
            if value not in (None, ""):
                out.add(w.doc, "policy/secret-in-env",
                        f"{container_label(w, group, index, container)} writes the secret {env.get('name')} as a literal "
                        "environment value", f"{w.pod_path}.{group}[{index}].env[{eindex}].value",
                        "take it from a Secret (valueFrom.secretKeyRef, or envFrom with a secretRef)")


def _check_token(w: Workload, out: Collector, quiet_accounts: set[str]) -> None:
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
    return {str(get_path(obj, "metadata", "name")) for _doc, obj, _prefix in iter_objects(docs)
            if obj.get("kind") == "ServiceAccount" and obj.get("automountServiceAccountToken") is False}


def workload_of(doc: Document, obj: dict[str, Any], prefix: str) -> Workload | None:
    path = POD_SPEC_PATHS.get(str(obj.get("kind")))
    if path is None or not str(obj.get("apiVersion", "")):
        return None
    pod = get_path(obj, *path)
    if not isinstance(pod, dict):
        return None
    return Workload(doc, obj, pod, prefix + ".".join(path), label_of(obj))


def check_workload(w: Workload, out: Collector, quiet_accounts: set[str]) -> None:
    """Every workload rule on one workload."""
    _check_security(w, out)
    _check_openshift_ids(w, out)
    _check_filesystem(w, out)
    _check_volumes(w, out)
    _check_host_ports(w, out)
    _check_sysctls(w, out)
    _check_env_secrets(w, out)
    _check_token(w, out, quiet_accounts)
    _check_resources(w, out)
    _check_probes(w, out)
    _check_images(w, out)
