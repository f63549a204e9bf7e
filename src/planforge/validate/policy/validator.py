"""The policy validator: every rule on a set of documents, the repository-wide default-deny rule, and the
validator the runner calls."""
from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from planforge.errors import UsageError
from planforge.validate.base import Check, Context, Document, Finding, Status, Target
from planforge.validate.policy.access import (RBAC_GROUP, check_appproject, check_binding, check_network_policy,
                                              check_role)
from planforge.validate.policy.core import DEFAULT_PROFILE, NAME, Collector, data, get_path, iter_objects, label_of
from planforge.validate.policy.waivers import object_waivers, parse_waive_annotation
from planforge.validate.policy.workloads import check_workload, quiet_service_accounts, workload_of


def check_workloads(docs: Iterable[Document], waivers: bool = True, profile: str = DEFAULT_PROFILE) -> list[Finding]:
    """Per-object rules (workloads, RBAC and AppProjects) of the policy `profile`; no cross-document rule.

    `waivers`: honour the objects' waiver annotations (False: --no-waivers)."""
    docs = list(docs)
    quiet = quiet_service_accounts(docs)
    out = Collector(profile)
    for doc, obj, prefix in iter_objects(docs):
        try:
            object_waivers(doc, obj, prefix, out, waivers)
            _check_object(doc, obj, prefix, out, quiet)
        except (AttributeError, TypeError, ValueError):  # a field of the wrong type somewhere inside
            out.add(doc, "policy/malformed",
                    f"{label_of(obj)} does not have the shape its kind requires: its policy rules were not checked",
                    prefix.rstrip(".") or "spec", "fix the schemas findings of this object (see `kubectl explain`)")
    return out.findings


def _check_object(doc: Document, obj: dict[str, Any], prefix: str, out: Collector, quiet: set[str]) -> None:
    kind = obj.get("kind")
    api = str(obj.get("apiVersion", ""))
    if kind == "AppProject" and api.startswith("argoproj.io/"):
        check_appproject(doc, obj, prefix, out)
        return
    if kind in ("Role", "ClusterRole") and api.startswith(RBAC_GROUP):
        check_role(doc, obj, prefix, out)
        return
    if kind in ("RoleBinding", "ClusterRoleBinding") and api.startswith(RBAC_GROUP):
        check_binding(doc, obj, prefix, out)
        return
    if kind == "NetworkPolicy" and api.startswith("networking.k8s.io/"):
        check_network_policy(doc, obj, prefix, out)
        return
    workload = workload_of(doc, obj, prefix)
    if workload is not None:
        check_workload(workload, out, quiet)


def _is_default_deny_ingress(obj: dict[str, Any]) -> bool:
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    selector = spec.get("podSelector")
    if not isinstance(selector, dict) or selector.get("matchLabels") or selector.get("matchExpressions"):
        return False
    types = spec.get("policyTypes")
    if types is None:  # the API server defaults to Ingress (plus Egress when egress rules exist)
        types = ["Ingress"]
    return isinstance(types, list) and "Ingress" in types and not spec.get("ingress")


def check_namespaces(docs: Iterable[Document], waivers: bool = True,
                     profile: str = DEFAULT_PROFILE) -> list[tuple[str, Document, list[Finding]]]:
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
            name = get_path(obj, "metadata", "name")
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
        namespace = get_path(obj, "metadata", "namespace")
        if not namespace:
            local = per_file_namespaces.get(doc.file, [])
            namespace = local[0] if len(set(local)) == 1 else "default"
        if isinstance(namespace, str):  # a wrongly typed namespace is a schemas finding; it covers nothing
            covered.add(namespace)
    results = []
    for name, doc in sorted(namespaces.items()):
        out = Collector(profile)
        if waivers:
            annotation = (get_path(doc.obj, "metadata", "annotations") or {}).get(data()["waiver_annotation"])
            out.waivers = parse_waive_annotation(annotation).waivers if annotation is not None else {}
        if name not in covered:
            out.add(doc, "policy/default-deny-ingress",
                    f"namespace {name} has no default-deny ingress NetworkPolicy", "metadata.name",
                    f"add a NetworkPolicy in namespace {name} with podSelector: {{}} and policyTypes: [Ingress] "
                    "and no ingress rules, then allow the traffic each workload needs")
        results.append((name, doc, out.findings))
    return results


def check_documents(docs: list[Document], waivers: bool = True, profile: str = DEFAULT_PROFILE) -> list[Finding]:
    """Every policy rule of the `profile` on a set of documents, treated as the whole repository."""
    findings = check_workloads(docs, waivers, profile)
    for _name, _doc, ns_findings in check_namespaces(docs, waivers, profile):
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
            if ctx.documents_only:  # the repository-wide rule alone: the runner checks it on every document
                return []
            findings = check_workloads(docs, waivers, ctx.settings.policy_profile)
        else:
            findings = check_documents(docs, waivers, ctx.settings.policy_profile)
        return [documents_check(target.display, findings, time.perf_counter() - start)]


def documents_check(target: str, findings: list[Finding], duration: float = 0.0, name: str = "policy") -> Check:
    failed = any(f.fails() for f in findings)
    return Check(NAME, name, target, Status.FAILED if failed else Status.PASSED, findings, duration)
