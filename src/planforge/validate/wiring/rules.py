"""The wiring validator's name, rule ids, vocabulary (`data/wiring.yaml`) and the component catalog facts it reads."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from planforge.catalog import load_catalog
from planforge.yamlio import package_data

NAME = "wiring"
RULES = {
    "wiring/netpol-not-enforced": "NetworkPolicies are present but the cluster's Terraform does not enable their "
                                  "enforcement (EKS VPC CNI enableNetworkPolicy, AKS network_policy, GKE Dataplane V2)",
    "wiring/database-egress-destination": "a NetworkPolicy opens the database port only to addresses outside every "
                                          "network Terraform builds: the pods never reach the database",
    "wiring/database-egress": "a workload's database port is not allowed out: the security group of the workload's "
                              "nodes, or the NetworkPolicy egress of its namespace, blocks it",
    "wiring/tenant-database-isolation": "a tenant's database admits other tenants' sources (a shared cluster "
                                        "security group, or an egress policy to any destination on the database port)",
    "wiring/undefined-secret": "a secretKeyRef / envFrom secretRef / existingSecret names a Secret the repository "
                               "neither creates nor documents as created outside",
    "wiring/identity-unbound": "a ServiceAccount annotated for cloud identity has no identity that Terraform binds "
                               "to its namespace/ServiceAccount",
    "wiring/identity-missing": "a component that authenticates with cloud identity (External Secrets store, "
                               "cert-manager DNS solver, catalog component) has no identity bound to its ServiceAccount",
    "wiring/undefined-issuer": "a certificate is asked from an Issuer/ClusterIssuer the repository does not define, or "
                               "cert-manager is deployed with no issuer at all",
    "wiring/broker-tls": "a Dapr Kafka pub/sub's TLS does not match the listeners of the broker the repository deploys",
    "wiring/missing-component": "a component needs another one (catalog `needs`) that the repository does not deploy",
    "wiring/broker-missing": "a Dapr Kafka pub/sub points at a cluster-local broker the repository does not deploy",
    "wiring/broker-auth": "a Dapr Kafka pub/sub authenticates with SASL the deployed broker does not enable",
    "wiring/shared-consumer-group": "a Dapr Kafka pub/sub gives several apps one consumer group (no {appID} in "
                                    "consumerGroup): apps subscribed to the same topic split its messages",
    "wiring/crd-order": "a resource whose CRD another Application (Kustomization) installs is applied before it",
    "wiring/appproject-privilege": "an application-level AppProject may deploy into the GitOps controller's "
                                   "namespace or create Application/AppProject kinds; an Application runs in the "
                                   "unrestricted `default` project",
    "wiring/appproject-kind-denied": "an Argo CD Application syncs a cluster-scoped object (a StorageClass, a "
                                     "ClusterRole) its AppProject's clusterResourceWhitelist does not permit: Argo CD "
                                     "refuses the whole sync",
    "wiring/unpinned-production": "a production GitOps source follows a branch or HEAD instead of a tag or commit",
    "wiring/state-kms-key": "an S3 backend encrypts state without naming the KMS key the repository creates for it",
    "wiring/node-metadata": "an EKS node group's pods can reach the instance metadata service and take the node's "
                            "IAM role, around the workload identities (no launch template requiring IMDSv2)",
    "wiring/lock-file": "a Terraform root has no committed .terraform.lock.hcl with h1: and zh: hashes for every "
                        "provider",
    "wiring/controller-missing": "an object needs a controller or API (a CRD's operator, Dapr's sidecar injector, the "
                                 "metrics API, Argo CD, Flux) that nothing in the repository installs and the cluster "
                                 "does not have built in",
    "wiring/placeholder-value": "a value the cluster or the cloud reads (security group ID, identity annotation, "
                                "secret store address, cluster server URL, Terraform variable default) is a "
                                "placeholder the README does not list as set by you",
    "wiring/kubernetes-end-of-life": "the Kubernetes version pinned for an EKS, AKS or GKE cluster is past (or within "
                                     "90 days of) the end of its standard support (a warning), or past the end of its "
                                     "extended support (an error)",
    "wiring/duplicate-gitops-object": "two Argo CD Applications, or two Flux Kustomizations or HelmReleases, with the "
                                      "same namespace and name are synced to one cluster: one overwrites the other",
    "wiring/placeholder-reference": "a GitOps source URL, an image or an Ingress/Certificate hostname is a placeholder "
                                    "(CHANGE-ME, REPLACE_ME, example.invalid): a warning, an error with --strict",
    "wiring/empty-gitops-path": "an Argo CD or Flux source path of this repository is missing or an empty directory, "
                                "which git does not commit: the sync fails once the repository is pushed",
    "wiring/storageclass-missing": "a claim names a StorageClass that neither the repository nor its cluster's "
                                   "distribution provides, or whose provisioner needs a CSI driver nothing installs",
    "wiring/security-group-description": "an AWS security group's or rule's description has characters EC2 refuses "
                                         "(it takes letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*) or more than "
                                         "255: terraform validate accepts it, the apply fails",
    "wiring/architecture-mismatch": "an AWS node group, launch template or instance gets an image of another CPU "
                                    "architecture than its instance type (Graviton arm64 vs x86_64)",
}


@dataclass(frozen=True)
class Vocabulary:
    """`data/wiring.yaml`."""

    prod_environments: frozenset[str]
    moving_revisions: frozenset[str]
    controller_namespaces: frozenset[str]
    gitops_kinds: frozenset[str]
    platform_project_words: tuple[str, ...]
    cluster_scoped_kinds: frozenset[tuple[str, str]]  # (API group, kind)
    engine_ports: dict[str, int]
    database_resources: frozenset[str]
    network_resources: dict[str, list[str]]  # resource type -> the arguments holding its address space
    database_words: re.Pattern[str]
    database_source_arguments: re.Pattern[str]
    shared_cluster_sources: re.Pattern[str]
    tenant_directories: frozenset[str]
    identity_annotations: dict[str, str]
    identity_bindings: frozenset[str]
    cloud_secret_providers: dict[str, str]
    cloud_dns_solvers: dict[str, str]
    outside_secret_words: re.Pattern[str]
    kafka_charts: dict[str, str | None]
    kafka_tls: dict[str, dict[str, Any]]  # chart -> {value: dotted Helm value, default: the chart's}
    sasl_auth_types: frozenset[str]
    dapr_sasl_mechanisms: tuple[str, ...]
    lock_not_committed: re.Pattern[str]
    placeholder_values: re.Pattern[str]
    placeholder_documented: re.Pattern[str]
    clouds: frozenset[str]
    placeholder_markers: re.Pattern[str]
    extended_support_documented: re.Pattern[str]


@cache
def vocabulary() -> Vocabulary:
    data = _load("wiring.yaml")
    return Vocabulary(
        frozenset(data["prod_environments"]), frozenset(data["moving_revisions"]),
        frozenset(data["controller_namespaces"]), frozenset(data["gitops_kinds"]),
        tuple(data["platform_project_words"]),
        frozenset((group, kind) for group, kinds in data["cluster_scoped_kinds"].items() for kind in kinds),
        dict(data["engine_ports"]), frozenset(data["database_resources"]), dict(data["network_resources"]),
        re.compile(data["database_words"]), re.compile(data["database_source_arguments"]),
        re.compile(data["shared_cluster_sources"]), frozenset(data["tenant_directories"]),
        dict(data["identity_annotations"]), frozenset(data["identity_bindings"]),
        dict(data["cloud_secret_providers"]), dict(data["cloud_dns_solvers"]),
        re.compile(data["outside_secret_words"]), dict(data["kafka_charts"]), dict(data["kafka_tls"]),
        frozenset(data["sasl_auth_types"]),
        tuple(data["dapr_sasl_mechanisms"]),
        re.compile(data["lock_not_committed"]), re.compile(data["placeholder_values"]),
        re.compile(data["placeholder_documented"]), frozenset(data["clouds"]), re.compile(data["placeholder_markers"]),
        re.compile(data["extended_support_documented"]))


@dataclass(frozen=True)
class Component:
    """A catalog chart as the validator sees it (`includes/components.yaml`)."""

    name: str
    chart: str
    namespace: str
    crds: frozenset[str]  # "group/Kind"
    needs: frozenset[str]


@cache
def components() -> dict[str, Component]:
    """Catalog charts by chart name."""
    charts = load_catalog().get("charts") or {}
    return {str(e["chart"]): Component(name, str(e["chart"]), str(e["namespace"]), frozenset(e.get("crds") or ()),
                                       frozenset(e.get("needs") or ())) for name, e in charts.items()}


def crd_owner(api_version: Any, kind: Any) -> Component | None:
    """The catalog component whose chart installs the CRD of `apiVersion`/`kind`."""
    if not isinstance(api_version, str) or not isinstance(kind, str) or "/" not in api_version:
        return None
    key = f"{api_version.partition('/')[0]}/{kind}"
    return next((c for c in components().values() if key in c.crds), None)


def _load(name: str) -> dict[str, Any]:
    return package_data(name) or {}
