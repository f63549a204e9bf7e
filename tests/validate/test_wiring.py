"""Wiring validator: cross-layer checks between Terraform, manifests, GitOps objects and docs.

`tests/fixtures/wiring/good` is a small hand-written AWS repository (EKS with the VPC CNI enforcing
NetworkPolicies, an RDS database its compute and pods may reach, External Secrets with a bound IAM role,
Argo CD Applications in waves (Argo CD installed as its README says, Dapr for the pub/sub), a state KMS key the
backend names, a committed lock file) that passes every
rule. Each defect below edits one file of a copy (or adds one) and must be caught: exit 1, the rule id and
the file it names.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from testlib import edit_file, validate_wiring

from planforge.cli import main
from planforge.validate.registry import DEFAULT_VALIDATORS, VALIDATOR_NAMES
from planforge.validate.wiring import RULES
from planforge.validate.wiring.rules import components, crd_owner

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "wiring" / "good"

TENANT_DATABASE = """module "database" {
  source                     = "../../modules/database"
  allowed_security_group_ids = [data.aws_eks_cluster.shared.vpc_config[0].cluster_security_group_id]
}
"""
TENANT_POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-database-egress
  namespace: acme
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - ports:
        - port: 5432
"""
PLACEHOLDER_POLICY = """apiVersion: vpcresources.k8s.aws/v1beta1
kind: SecurityGroupPolicy
metadata:
  name: tenant-pods
  namespace: acme
spec:
  podSelector: {}
  securityGroups:
    groupIds:
      - sg-00000000000000000
"""
PLACEHOLDER_VARIABLE = """variable "deploy_role_arn" {
  type    = string
  default = "arn:aws:iam::000000000000:role/CHANGE-ME"
}
"""
DUPLICATE_APPLICATION = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-prod
  namespace: argocd
  annotations:
    argocd.argoproj.io/sync-wave: "1"
spec:
  project: shop-apps
  source:
    repoURL: https://github.com/acme/shop.git
    targetRevision: v1.0.1
    path: k8s
  destination:
    server: https://kubernetes.default.svc
    namespace: app
"""
CLAIM = """apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: app-data
  namespace: app
spec:
  storageClassName: gp3
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 10Gi
"""
# (case, file, old text, new text (None: the file is new, `old` is its content), rule, file named)
DEFECTS = [
    ("netpol-not-enforced", "terraform/main.tf", 'enableNetworkPolicy = "true"', 'enableNetworkPolicy = "false"',
     "wiring/netpol-not-enforced", "terraform/main.tf"),
    ("compute-egress", "terraform/modules/compute/main.tf", "5432", "443",
     "wiring/database-egress", "terraform/modules/compute/main.tf"),
    ("policy-egress", "k8s/network-policies.yaml", "port: 5432", "port: 443",
     "wiring/database-egress", "k8s/network-policies.yaml"),
    ("policy-egress-destination", "k8s/network-policies.yaml", "cidr: 10.0.16.0/20", "cidr: 10.9.16.0/20",
     "wiring/database-egress-destination", "k8s/network-policies.yaml"),
    ("network-renumbered", "terraform/main.tf", 'default     = "10.0.0.0/16"', 'default     = "10.20.0.0/16"',
     "wiring/database-egress-destination", "k8s/network-policies.yaml"),
    ("tenant-shared-group", "terraform/tenants/acme/main.tf", TENANT_DATABASE, None,
     "wiring/tenant-database-isolation", "terraform/tenants/acme/main.tf"),
    ("tenant-open-egress", "k8s/tenants/acme/network-policies.yaml", TENANT_POLICY, None,
     "wiring/tenant-database-isolation", "k8s/tenants/acme/network-policies.yaml"),
    ("undefined-secret", "k8s/app.yaml", "  target:\n    name: app-database", "  target:\n    name: app-db",
     "wiring/undefined-secret", "k8s/app.yaml"),
    ("undocumented-secret", "README.md", "is created out of band: `kubectl create secret", "is used: `kubectl get",
     "wiring/undefined-secret",
     "argocd/apps/kube-prometheus-stack.yaml"),
    ("identity-unbound", "terraform/main.tf", 'service_account = "app"', 'service_account = "web"',
     "wiring/identity-unbound", "k8s/app.yaml"),
    ("identity-missing", "k8s/cluster-secret-store.yaml", "name: external-secrets\n", "name: eso\n",
     "wiring/identity-missing", "k8s/cluster-secret-store.yaml"),
    ("undefined-issuer", "k8s/ingress.yaml", "cluster-issuer: letsencrypt", "cluster-issuer: letsencrypt-prod",
     "wiring/undefined-issuer", "k8s/ingress.yaml"),
    ("dns-solver-identity", "k8s/cluster-issuer.yaml", "http01:\n          ingress:\n            ingressClassName: nginx",
     "dns01:\n          route53:\n            region: eu-west-1", "wiring/identity-missing", "k8s/cluster-issuer.yaml"),
    ("missing-cert-manager", "argocd/apps/cert-manager.yaml", "chart: cert-manager", "chart: ingress-nginx",
     "wiring/controller-missing", "k8s/cluster-issuer.yaml"),
    ("missing-log-shipper", "argocd/apps/alloy.yaml", "chart: alloy", "chart: ingress-nginx",
     "wiring/missing-component", "argocd/apps/loki.yaml"),
    ("broker-tls-plaintext", "k8s/pubsub.yaml", '    - name: disableTls\n      value: "true"\n', "",
     "wiring/broker-tls", "k8s/pubsub.yaml"),
    ("broker-tls-listener", "argocd/apps/redpanda.yaml", "enabled: false", "enabled: true", "wiring/broker-tls",
     "k8s/pubsub.yaml"),
    ("broker-missing", "k8s/pubsub.yaml", "redpanda.redpanda.svc", "kafka.kafka.svc", "wiring/broker-missing",
     "k8s/pubsub.yaml"),
    ("broker-auth", "argocd/apps/redpanda.yaml", "sasl:\n            enabled: true", "sasl:\n            enabled: false",
     "wiring/broker-auth", "k8s/pubsub.yaml"),
    ("crd-order", "argocd/apps/app.yaml", 'sync-wave: "1"', 'sync-wave: "-1"', "wiring/crd-order",
     "argocd/apps/app.yaml"),
    ("project-controller-namespace", "argocd/projects/apps.yaml", "namespace: app", "namespace: '*'",
     "wiring/appproject-privilege", "argocd/projects/apps.yaml"),
    ("project-gitops-kinds", "argocd/projects/apps.yaml", "clusterResourceWhitelist:\n",
     "namespaceResourceWhitelist:\n    - group: argoproj.io\n      kind: Application\n  clusterResourceWhitelist:\n",
     "wiring/appproject-privilege", "argocd/projects/apps.yaml"),
    ("project-kind-denied", "argocd/projects/apps.yaml", "    - group: cert-manager.io\n      kind: ClusterIssuer\n", "",
     "wiring/appproject-kind-denied", "argocd/apps/app.yaml"),
    ("default-project", "argocd/apps/app.yaml", "project: shop-apps", "project: default",
     "wiring/appproject-privilege", "argocd/apps/app.yaml"),
    ("node-group-without-template", "terraform/main.tf",
     "  launch_template {\n    id      = aws_launch_template.nodes.id\n    version = aws_launch_template.nodes.latest_version\n  }\n",
     "", "wiring/node-metadata", "terraform/main.tf"),
    ("template-without-imdsv2", "terraform/main.tf", 'http_tokens                 = "required"',
     'http_tokens                 = "optional"', "wiring/node-metadata", "terraform/main.tf"),
    ("unpinned-production", "argocd/apps/app.yaml", "targetRevision: v1.0.0", "targetRevision: HEAD",
     "wiring/unpinned-production", "argocd/apps/app.yaml"),
    ("state-kms-key", "terraform/main.tf", '    kms_key_id = "alias/shop-tfstate"\n', "",
     "wiring/state-kms-key", "terraform/main.tf"),
    ("lock-without-zh", "terraform/.terraform.lock.hcl", '    "zh:', '    "xx:', "wiring/lock-file",
     "terraform/.terraform.lock.hcl"),
    ("controller-missing", "argocd/apps/dapr.yaml", "chart: dapr", "chart: dapr-dashboard", "wiring/controller-missing",
     "k8s/pubsub.yaml"),
    ("placeholder-security-group", "k8s/security-group-policy.yaml", PLACEHOLDER_POLICY, None,
     "wiring/placeholder-value", "k8s/security-group-policy.yaml"),
    ("placeholder-store-address", "k8s/cluster-secret-store.yaml", "region: eu-west-1",
     "region: eu-west-1\n      role: arn:aws:iam::000000000000:role/eso", "wiring/placeholder-value",
     "k8s/cluster-secret-store.yaml"),
    ("placeholder-identity", "k8s/app.yaml", "arn:aws:iam::123456789012:role/shop-app",
     "arn:aws:iam::000000000000:role/shop-app", "wiring/placeholder-value", "k8s/app.yaml"),
    ("placeholder-variable-default", "terraform/variables.tf", PLACEHOLDER_VARIABLE, None,
     "wiring/placeholder-value", "terraform/variables.tf"),
    ("kubernetes-end-of-life", "terraform/main.tf", 'version  = "1.30"', 'version  = "1.23"',
     "wiring/kubernetes-end-of-life", "terraform/main.tf"),
    ("duplicate-application", "argocd/apps/web.yaml", DUPLICATE_APPLICATION, None,
     "wiring/duplicate-gitops-object", "argocd/apps/web.yaml"),
    ("empty-gitops-path", "argocd/apps/app.yaml", "path: k8s", "path: k8s/prod", "wiring/empty-gitops-path",
     "argocd/apps/app.yaml"),
    ("storageclass-missing", "k8s/data.yaml", CLAIM, None, "wiring/storageclass-missing", "k8s/data.yaml"),
    ("architecture-mismatch", "terraform/main.tf", '  node_group_name = "default"\n',
     '  node_group_name = "default"\n  instance_types  = ["m7g.large"]\n  ami_type        = "AL2023_x86_64_STANDARD"\n',
     "wiring/architecture-mismatch", "terraform/main.tf"),
    ("security-group-description", "terraform/modules/compute/main.tf", '  name_prefix = "shop-app-"\n',
     '  name_prefix = "shop-app-"\n  description = "The app\'s instances"\n', "wiring/security-group-description",
     "terraform/modules/compute/main.tf"),
]
# The empty directory a defect's path names (a missing one is argocd/missing-path, not a wiring finding).
EMPTY_DIRECTORIES = {"empty-gitops-path": "k8s/prod"}
# Defects that are errors with --strict only (warnings otherwise).
STRICT_DEFECTS = [
    ("shared-consumer-group", "k8s/pubsub.yaml", "      value: redpanda.redpanda.svc.cluster.local:9093\n",
     "      value: redpanda.redpanda.svc.cluster.local:9093\n    - name: consumerGroup\n      value: shop\n",
     "wiring/shared-consumer-group", "k8s/pubsub.yaml"),
    ("placeholder-image", "k8s/app.yaml", "image: ghcr.io/shop/app:1.0.0", "image: ghcr.io/CHANGE-ME/app:1.0.0",
     "wiring/placeholder-reference", "k8s/app.yaml"),
    ("placeholder-host", "k8s/ingress.yaml", "- host: shop.example.com", "- host: shop.example.invalid",
     "wiring/placeholder-reference", "k8s/ingress.yaml"),
    ("placeholder-source", "argocd/apps/app.yaml", "https://github.com/acme/shop.git",
     "https://git.example.invalid/REPLACE_ME/shop.git", "wiring/placeholder-reference", "argocd/apps/app.yaml"),
]

# Findings a defect rightly brings besides its own.
ALSO: dict[str, set[tuple[str, str]]] = {}


def copy_good(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(GOOD, root)
    return root



def test_the_good_repository_passes(tmp_path: Path) -> None:
    assert validate_wiring(copy_good(tmp_path), tmp_path, 0) == []


@pytest.mark.parametrize(("case", "file", "old", "new", "rule", "named"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_each_defect_is_caught(tmp_path: Path, case: str, file: str, old: str, new: str | None, rule: str,
                               named: str) -> None:
    root = copy_good(tmp_path)
    edit_file(root / file, old, new)
    if case in EMPTY_DIRECTORIES:  # git commits no empty directory: the test makes it
        (root / EMPTY_DIRECTORIES[case]).mkdir(parents=True)
    got = validate_wiring(root, tmp_path, 1)
    assert {(f["rule"], f["file"]) for f in got} == {(rule, named)} | ALSO.get(case, set())
    assert all(f["hint"] and f["severity"] == "error" for f in got)


@pytest.mark.parametrize(("case", "file", "old", "new", "rule", "named"), STRICT_DEFECTS,
                         ids=[d[0] for d in STRICT_DEFECTS])
def test_each_strict_defect_warns_and_fails_with_strict(tmp_path: Path, case: str, file: str, old: str, new: str,
                                                        rule: str, named: str) -> None:
    root = copy_good(tmp_path)
    edit_file(root / file, old, new)
    assert {(f["rule"], f["file"], f["severity"]) for f in validate_wiring(root, tmp_path, 0)} == {(rule, named, "warning")}
    got = validate_wiring(root, tmp_path, 1, "--strict")
    assert {(f["rule"], f["file"], f["severity"]) for f in got} == {(rule, named, "error")}
    assert all(f["hint"] and f["line"] for f in got)


def test_a_root_without_a_lock_file_is_named(tmp_path: Path) -> None:
    root = copy_good(tmp_path)
    (root / "terraform" / ".terraform.lock.hcl").unlink()
    got = validate_wiring(root, tmp_path, 1)
    assert [(f["rule"], f["file"]) for f in got] == [("wiring/lock-file", "terraform/.terraform.lock.hcl")]


def test_a_root_documented_without_a_lock_file_passes(tmp_path: Path) -> None:
    root = copy_good(tmp_path)
    (root / "terraform" / ".terraform.lock.hcl").unlink()
    (root / "terraform" / "README.md").write_text("No `.terraform.lock.hcl` is committed for the azure provider: "
                                                  "`terraform init` writes one the first time (commit it).\n")
    assert validate_wiring(root, tmp_path, 0) == []
    (root / "terraform" / "README.md").write_text("Run `terraform providers lock` once.\n")
    assert [f["rule"] for f in validate_wiring(root, tmp_path, 1)] == ["wiring/lock-file"]


def test_a_placeholder_is_named_at_its_line_and_accepted_once_the_readme_lists_it_as_set_by_you(tmp_path: Path) -> None:
    root = copy_good(tmp_path)
    (root / "k8s" / "security-group-policy.yaml").write_text(PLACEHOLDER_POLICY)
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["rule"], got["file"], got["line"]) == ("wiring/placeholder-value", "k8s/security-group-policy.yaml", 10)
    assert "sg-00000000000000000" in got["message"] and "set by you" in got["hint"]
    readme = root / "README.md"
    readme.write_text(readme.read_text() + "- `sg-00000000000000000` is set by you: the tenant's pod security group.\n")
    assert validate_wiring(root, tmp_path, 0) == []
    (root / "k8s" / "security-group-policy.yaml").write_text(PLACEHOLDER_POLICY.replace("- sg-00000000000000000",
                                                                                        '- "${pod_sg}"'))
    readme.write_text(readme.read_text().replace("`sg-00000000000000000` is set by you", "`x`"))
    assert validate_wiring(root, tmp_path, 0) == []  # a substituted value is not a placeholder


def test_skip_dry_run_allows_an_early_wave(tmp_path: Path) -> None:
    root = copy_good(tmp_path)
    app = root / "argocd" / "apps" / "app.yaml"
    app.write_text(app.read_text().replace('sync-wave: "1"', 'sync-wave: "-1"')
                   + "  syncPolicy:\n    syncOptions:\n      - SkipDryRunOnMissingResource=true\n")
    assert validate_wiring(root, tmp_path, 0) == []


def test_every_rule_is_exercised() -> None:
    covered = {d[4] for d in DEFECTS + STRICT_DEFECTS}
    assert covered == set(RULES)


def test_wiring_is_a_default_validator() -> None:
    assert "wiring" in VALIDATOR_NAMES and "wiring" in DEFAULT_VALIDATORS


def test_the_catalog_names_which_charts_install_which_crds() -> None:
    owner = crd_owner("external-secrets.io/v1beta1", "ClusterSecretStore")
    assert owner is not None and owner.chart == "external-secrets" and "cloud-identity" in owner.needs
    assert crd_owner("apps/v1", "Deployment") is None
    assert "alloy" in components()["loki"].needs


FLUX = GOOD.parent / "flux"


@pytest.mark.parametrize(("old", "new", "rule"), [
    ("  dependsOn:\n    - name: infra-controllers\n", "", "wiring/crd-order"),
    ("    tag: v1.2.0", "    branch: main", "wiring/unpinned-production"),
], ids=["flux-crd-order", "flux-production-branch"])
def test_flux_defects_are_caught(tmp_path: Path, old: str, new: str, rule: str) -> None:
    root = tmp_path / "fleet"
    shutil.copytree(FLUX, root)
    assert validate_wiring(root, tmp_path, 0) == []
    cluster = root / "clusters" / "production" / "infrastructure.yaml"
    cluster.write_text(cluster.read_text().replace(old, new))
    got = validate_wiring(root, tmp_path, 1)
    assert [(f["rule"], f["file"]) for f in got] == [(rule, "clusters/production/infrastructure.yaml")]


def test_a_run_without_only_includes_wiring(tmp_path: Path) -> None:
    from planforge.validate.base import Settings
    from planforge.validate.runner import run_validation
    from planforge.validate.validator_choice import selected_validators

    assert "wiring" in selected_validators(None) and "policy" in selected_validators(None)
    assert selected_validators("wiring") == ["wiring"]
    root = copy_good(tmp_path)
    (root / "terraform" / ".terraform.lock.hcl").unlink()
    checks = run_validation([root], Settings(), only=["schemas", "wiring"])
    assert {c.validator for c in checks} == {"schemas", "wiring"}
    assert main(["validate", str(root), "--format", "json", "-o", str(tmp_path / "all.json")]) == 1
    found = [f for c in json.loads((tmp_path / "all.json").read_text())["checks"] if c["validator"] == "wiring"
             for f in c["findings"]]
    assert [f["rule"] for f in found] == ["wiring/lock-file"]


POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: app
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""


@pytest.mark.parametrize(("cluster", "enforced"), [
    ('resource "azurerm_kubernetes_cluster" "this" {\n  network_profile {\n    network_plugin = "azure"\n  }\n}\n',
     'network_policy = "azure"'),
    ('resource "google_container_cluster" "this" {\n  name = "shop"\n}\n', 'datapath_provider = "ADVANCED_DATAPATH"'),
    ('resource "google_container_cluster" "this" {\n  name = "shop"\n}\n', "network_policy {\n    enabled = true\n  }"),
], ids=["aks", "gke-dataplane-v2", "gke-network-policy"])
def test_aks_and_gke_clusters_must_enforce_network_policies(tmp_path: Path, cluster: str, enforced: str) -> None:
    root = tmp_path / "repo"
    (root / "k8s").mkdir(parents=True)
    (root / "k8s" / "policy.yaml").write_text(POLICY)
    (root / "main.tf").write_text(cluster)
    got = validate_wiring(root, tmp_path, 1)
    assert [(f["rule"], f["file"], f["line"]) for f in got] == [("wiring/netpol-not-enforced", "main.tf", 1)]
    anchor = "network_profile {\n" if "network_profile" in cluster else 'name = "shop"\n'
    (root / "main.tf").write_text(cluster.replace(anchor, anchor + "    " + enforced + "\n"))
    assert validate_wiring(root, tmp_path, 0) == []


GKE_ACCOUNT = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: app
  annotations:
    iam.gke.io/gcp-service-account: app@shop.iam.gserviceaccount.com
"""
GKE_BINDING = """resource "google_service_account_iam_member" "app" {
  service_account_id = "projects/shop/serviceAccounts/app@shop.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:shop.svc.id.goog[NAMESPACE/app]"
}
"""


def test_a_gke_service_account_needs_a_workload_identity_binding_for_its_namespace(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "sa.yaml").write_text(GKE_ACCOUNT)
    (root / "iam.tf").write_text(GKE_BINDING.replace("NAMESPACE", "other"))
    got = validate_wiring(root, tmp_path, 1)
    assert [(f["rule"], f["file"]) for f in got] == [("wiring/identity-unbound", "sa.yaml")]
    assert "app/app" in got[0]["message"] and "workloadIdentityUser" in got[0]["hint"]
    (root / "iam.tf").write_text(GKE_BINDING.replace("NAMESPACE", "app"))
    assert validate_wiring(root, tmp_path, 0) == []


def test_a_docs_line_naming_an_existing_secret_documents_it(tmp_path: Path) -> None:
    root = copy_good(tmp_path)
    readme = root / "README.md"
    readme.write_text(readme.read_text().replace("is created out of band: `kubectl create secret", "is used: `kubectl get"))
    assert {f["rule"] for f in validate_wiring(root, tmp_path, 1)} == {"wiring/undefined-secret"}
    (root / "docs").mkdir()
    (root / "docs" / "monitoring.md").write_text('| `grafana.admin.existingSecret` | `"grafana-admin"` | Existing Secret |\n')
    assert validate_wiring(root, tmp_path, 0) == []


def test_a_documented_broker_installation_counts_as_deployed(tmp_path: Path) -> None:
    root = copy_good(tmp_path)
    (root / "argocd" / "apps" / "redpanda.yaml").unlink()
    assert {f["rule"] for f in validate_wiring(root, tmp_path, 1)} == {"wiring/broker-missing"}
    with (root / "README.md").open("a") as readme:
        readme.write("- Install the broker first: `helm install redpanda redpanda/redpanda -n redpanda`.\n")
    assert validate_wiring(root, tmp_path, 0) == []


def test_a_flux_kustomization_applying_a_chart_and_its_custom_resources_together_is_caught(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    shutil.copytree(FLUX, root)
    shutil.move(root / "infrastructure" / "configs" / "secret-store.yaml", root / "infrastructure" / "controllers")
    got = {f["rule"]: f for f in validate_wiring(root, tmp_path, 1)}
    # the move also leaves infrastructure/configs empty: that Kustomization's path is gone once pushed
    assert {(f["rule"], f["file"]) for f in got.values()} == {
        ("wiring/crd-order", "clusters/production/infrastructure.yaml"),
        ("wiring/empty-gitops-path", "clusters/production/infrastructure.yaml")}
    assert "together with the HelmRelease" in got["wiring/crd-order"]["message"]
