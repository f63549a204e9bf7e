"""The wiring validator: cross-layer checks a per-layer validator cannot see (docs/wiring.md).

Each layer of a repository can be valid on its own and the whole still fail once deployed. This package
reads Terraform statically (python-hcl2), the Kubernetes manifests, GitOps objects and Markdown docs of one
repository, generated or hand-written, and checks what joins them:

* `network`: NetworkPolicies enforced by the cluster; a workload's database reachable (security-group and
  NetworkPolicy egress on the engine port) and a tenant's database closed to other tenants, also on another
  cloud's cluster of a multi-cloud repository with the GitOps patches that deliver the tenants there (`clouds`);
* `secrets`: every Secret a workload or chart value names is created or documented;
* `certificates` (`issuers`): every issuer a certificate is asked from is defined;
* `events`: a Dapr Kafka pub/sub reaches a broker the repository deploys, with matching SASL, and gives each app
  its own consumer group;
* `identity`: cloud identities bound to the ServiceAccounts that use them; catalog `needs`; EKS nodes that keep
  pods away from the instance metadata (IMDSv2 launch template);
* `gitops`: CRDs installed before their resources (Argo CD waves, Flux dependsOn); application-level
  AppProjects kept out of the controller's namespace; production sources pinned; no two objects of one name synced
  to one cluster (`duplicates`); source paths that exist once pushed (`paths`);
* `state`: S3 backends name the state KMS key; every root commits a lock file with hashes (or documents why not);
* `placeholders`: no placeholder in what the cluster or the cloud reads (`references`: source URLs, images and
  hostnames, an error with --strict);
* `lifecycle`: the Kubernetes versions pinned for EKS, AKS and GKE clusters still supported
  (`data/kubernetes_support.yaml`);
* `controllers`: every object's controller or API (a CRD's operator, Dapr, the metrics API, Argo CD, Flux) is
  installed by the repository, built into its cluster's distribution or documented (`data/capabilities.yaml`);
* `storage`: every StorageClass a claim names is defined or created by the cluster, with its CSI driver installed
  (`data/storage.yaml`);
* `architecture`: AWS instance types and their images of one CPU architecture (`data/architectures.yaml`, values
  followed through Terraform variables by `tfvalues`).

Modules: `rules` (rule ids, `data/wiring.yaml`, catalog facts of `includes/components.yaml`), `repo` (what is
read), one module per concern, `validator`. Runs by default; `--only wiring` runs it alone.
"""
from __future__ import annotations

from planforge.validate.wiring.rules import NAME, RULES
from planforge.validate.wiring.validator import WiringValidator

__all__ = ["NAME", "RULES", "WiringValidator"]
