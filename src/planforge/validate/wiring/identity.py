"""Cloud identity: annotated ServiceAccounts, External Secrets stores, cert-manager DNS solvers and catalog
components that need an identity Terraform binds to their namespace/ServiceAccount; catalog `needs`."""
from __future__ import annotations

import re
from typing import Any

from planforge.validate.base import Finding
from planforge.validate.wiring.repo import FieldPath, K8sObject, Repository
from planforge.validate.wiring.rules import Component, components, vocabulary

_STATIC_CREDENTIALS = ("secretRef", "authSecretRef", "accessKeyIDSecretRef", "secretAccessKeySecretRef",
                       "clientSecretSecretRef", "serviceAccountSecretRef", "clientID")
# An Azure Key Vault store's authSecretRef that only names the workload identity (no client secret or certificate).
_IDENTITY_ONLY_KEYS = {"clientId", "tenantId"}
_CLOUD_PREFIXES = {"aws": "aws_", "azure": "azurerm_", "gcp": "google_"}


def bound(repo: Repository, namespace: str | None, account: str) -> bool:
    """Some Terraform identity block binds the namespace/ServiceAccount: a Pod Identity association naming both,
    an IRSA trust or federated credential subject `system:serviceaccount:NS:SA`, a GKE member
    `PROJECT.svc.id.goog[NS/SA]` or principal `.../subject/ns/NS/sa/SA`, or a module call given both names as quoted
    strings."""
    kinds = vocabulary().identity_bindings
    for block in repo.blocks:
        if block.type not in kinds and not (block.kind == "module" and "module" in kinds):
            continue
        if "service_account" in block.body and "namespace" in block.body:  # a Pod Identity association
            if block.body["service_account"] == account and namespace in (None, block.body["namespace"]):
                return True
            continue
        text = block.text or str(block.body)
        if namespace is None:
            if f":{account}" in text or f"/{account}]" in text or re.search(rf"/subject/ns/[^/]+/sa/{re.escape(account)}\b", text):
                return True
        elif f"{namespace}:{account}" in text or f"{namespace}/{account}]" in text or \
                f"/subject/ns/{namespace}/sa/{account}" in text or \
                (block.kind == "module" and f'"{namespace}"' in text and f'"{account}"' in text):
            return True
    return False


def _clouds(repo: Repository) -> set[str]:
    return {cloud for cloud, prefix in _CLOUD_PREFIXES.items()
            if any(b.type.startswith(prefix) for b in repo.blocks if b.kind == "resource")}


def _hint(cloud: str, namespace: str | None, account: str) -> str:
    subject = f"system:serviceaccount:{namespace or '<namespace>'}:{account}"
    return {
        "aws": f"create an IAM role whose trust policy allows {subject} (IRSA, with an aws_iam_openid_connect_provider) "
               "or an aws_eks_pod_identity_association for it, and set its ARN on the ServiceAccount",
        "azure": f"create an azurerm_federated_identity_credential with subject {subject} for the managed identity",
        "gcp": f"grant the role to member principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/"
               f"workloadIdentityPools/PROJECT.svc.id.goog/subject/ns/{namespace or '<namespace>'}/sa/{account} "
               f"(or bind roles/iam.workloadIdentityUser on a Google service account to "
               f"serviceAccount:PROJECT.svc.id.goog[{namespace or '<namespace>'}/{account}])",
    }[cloud]


def check_service_accounts(repo: Repository) -> list[Finding]:
    """`wiring/identity-unbound`."""
    annotations = vocabulary().identity_annotations
    findings = []
    for account in repo.of_kind("ServiceAccount"):
        for key, cloud in annotations.items():
            if key not in account.annotations() or account.name is None:
                continue
            namespaces = sorted(account.namespaces) or [None]
            for namespace in namespaces:
                if not bound(repo, namespace, account.name):
                    findings.append(account.finding(
                        "wiring/identity-unbound", f"is annotated {key} but no Terraform identity is bound to "
                        f"{namespace or '<any namespace>'}/{account.name}", ["metadata", "annotations", key],
                        _hint(cloud, namespace, account.name)))
    return findings


def _store_account(store: K8sObject, provider: str, config: dict[str, Any]) -> tuple[str | None, str, FieldPath] | None:
    """The (namespace, ServiceAccount, path) a cloud secret store authenticates as; None with static credentials."""
    auth = config.get("auth") if isinstance(config.get("auth"), dict) else {}
    identity_ref = config.get("authSecretRef")
    if isinstance(identity_ref, dict) and identity_ref and set(identity_ref) <= _IDENTITY_ONLY_KEYS \
            and config.get("authType") == "WorkloadIdentity":
        config = {k: v for k, v in config.items() if k != "authSecretRef"}
    if any(key in auth or key in config for key in _STATIC_CREDENTIALS):
        return None
    jwt = auth.get("jwt") if isinstance(auth.get("jwt"), dict) else {}
    workload = auth.get("workloadIdentity") if isinstance(auth.get("workloadIdentity"), dict) else {}
    ref = jwt.get("serviceAccountRef") or workload.get("serviceAccountRef") or config.get("serviceAccountRef")
    path: FieldPath = ["spec", "provider", provider] + (["auth"] if auth else [])
    if isinstance(ref, dict) and isinstance(ref.get("name"), str):
        namespace = ref.get("namespace") or next(iter(sorted(store.namespaces)), None)
        return namespace, ref["name"], path
    controller = components().get("external-secrets")
    return (controller.namespace if controller else None), "external-secrets", path


def check_stores(repo: Repository) -> list[Finding]:
    """`wiring/identity-missing` on External Secrets stores and cert-manager DNS-01 solvers."""
    words = vocabulary()
    findings = []
    for store in repo.of_kind("SecretStore", "ClusterSecretStore"):
        providers = store.field(["spec", "provider"]) or {}
        for provider, cloud in words.cloud_secret_providers.items():
            config = providers.get(provider) if isinstance(providers, dict) else None
            account = _store_account(store, provider, config) if isinstance(config, dict) else None
            if account and not bound(repo, account[0], account[1]):
                findings.append(store.finding(
                    "wiring/identity-missing", f"authenticates to {provider} as ServiceAccount "
                    f"{account[0] or '<namespace>'}/{account[1]}, which no Terraform identity is bound to",
                    account[2], _hint(cloud, account[0], account[1])))
    cert_manager = components().get("cert-manager")
    for issuer in repo.of_kind("ClusterIssuer", "Issuer"):
        for index, solver in enumerate(issuer.field(["spec", "acme", "solvers"]) or []):
            dns = solver.get("dns01") if isinstance(solver, dict) else None
            for name, cloud in words.cloud_dns_solvers.items():
                config = dns.get(name) if isinstance(dns, dict) else None
                if not isinstance(config, dict) or any(k in config for k in _STATIC_CREDENTIALS):
                    continue
                namespace = cert_manager.namespace if cert_manager else "cert-manager"
                if not bound(repo, namespace, "cert-manager"):
                    findings.append(issuer.finding(
                        "wiring/identity-missing", f"solves DNS-01 with {name} as cert-manager's ServiceAccount "
                        f"{namespace}/cert-manager, which no Terraform identity is bound to",
                        ["spec", "acme", "solvers", index, "dns01", name], _hint(cloud, namespace, "cert-manager")))
    return findings


def deployed_components(repo: Repository) -> list[tuple[K8sObject, Component, FieldPath, dict[str, Any]]]:
    """(object, component, path of the chart field, Helm values) of every catalog chart an Argo CD Application
    or a Flux HelmRelease deploys."""
    catalog = components()
    found = []
    for obj in repo.of_kind("Application", "HelmRelease"):
        if obj.kind == "HelmRelease":
            chart = obj.field(["spec", "chart", "spec", "chart"])
            if isinstance(chart, str) and chart in catalog:
                found.append((obj, catalog[chart], ["spec", "chart", "spec", "chart"], obj.field(["spec", "values"]) or {}))
            continue
        for where, source in obj.sources():
            if isinstance(source.get("chart"), str) and source["chart"] in catalog:
                values = (source.get("helm") or {}).get("valuesObject") if isinstance(source.get("helm"), dict) else {}
                found.append((obj, catalog[source["chart"]], where + ["chart"], values or {}))
    return found


def destination(obj: K8sObject, component: Component) -> str:
    """The namespace a deployed catalog component runs in."""
    namespace = obj.field(["spec", "destination", "namespace"]) if obj.kind == "Application" else \
        obj.field(["spec", "targetNamespace"]) or obj.meta("namespace")
    return namespace if isinstance(namespace, str) and namespace else component.namespace


def check_components(repo: Repository) -> list[Finding]:
    """`wiring/identity-missing` for catalog components that need cloud identity, `wiring/missing-component`
    for those that need another catalog component (`needs`: Loki the Alloy that ships it logs) not deployed."""
    deployed = deployed_components(repo)
    names = {c.name for _o, c, _p, _v in deployed}
    catalog = {c.name for c in components().values()}
    clouds = _clouds(repo)
    has_stores = bool(repo.of_kind("SecretStore", "ClusterSecretStore"))
    findings = []
    for obj, component, path, values in deployed:
        for need in sorted(component.needs & catalog - names):
            findings.append(obj.finding(
                "wiring/missing-component", f"deploys {component.chart}, which needs {need} (the component "
                "catalog's `needs`), but the repository does not deploy it", path,
                f"deploy {need} beside {component.chart}, or remove {component.chart}"))
        if "cloud-identity" not in component.needs or not clouds or (component.chart == "external-secrets" and has_stores):
            continue
        account = ((values.get("serviceAccount") or {}).get("name") if isinstance(values, dict) and
                   isinstance(values.get("serviceAccount"), dict) else None) or component.chart
        namespace = destination(obj, component)
        if not bound(repo, namespace, account):
            cloud = sorted(clouds)[0]
            findings.append(obj.finding(
                "wiring/identity-missing", f"deploys {component.chart}, which calls the cloud API as "
                f"{namespace}/{account}, but no Terraform identity is bound to that ServiceAccount", path,
                _hint(cloud, namespace, account)))
    return findings


def check_node_metadata(repo: Repository) -> list[Finding]:
    """`wiring/node-metadata`: an `aws_eks_node_group` without a `launch_template`, or whose launch template (a
    `aws_launch_template` of the same directory) does not require IMDSv2 tokens. Without one, EKS nodes answer
    IMDSv1 with a hop limit of 2: any pod can take the node role, whatever identity its ServiceAccount is bound to."""
    findings = []
    for group in repo.tf("resource", "aws_eks_node_group"):
        templates = group.body.get("launch_template") or []
        template = templates[0] if isinstance(templates, list) and templates else templates
        if not isinstance(template, dict) or not template:
            findings.append(group.finding(
                "wiring/node-metadata", "has no launch_template: its nodes answer IMDSv1 with a hop limit of 2, so any "
                "pod can take the node's IAM role around the workload identities",
                'start the node group from an aws_launch_template with metadata_options { http_tokens = "required", '
                "http_put_response_hop_limit = 1 } (and an encrypted root volume)"))
            continue
        named = re.search(r"aws_launch_template\.([\w-]+)\.", str(template.get("id") or template.get("name") or ""))
        siblings = repo.tf_dirs.get(group.path.parent.resolve(), [])
        found = [b for b in siblings if named and b.kind == "resource" and b.type == "aws_launch_template"
                 and b.name == named.group(1)]
        if found and not re.search(r'http_tokens\s*=\s*"required"', found[0].text):
            findings.append(found[0].finding(
                "wiring/node-metadata", f"starts the nodes of {group.address} without requiring IMDSv2 tokens: "
                "pods can take the node's IAM role around the workload identities",
                'set metadata_options { http_tokens = "required", http_put_response_hop_limit = 1 }', "metadata_options"))
    return findings
