"""The OKE + Argo CD review's plan rendered (tests/fixtures/reviewed/oke-argocd-quarry.plan.md): what its tables state
reaches the repository. Before, the plan was refused whole; then no Ingress was built from its hosts table, the
clusters took the database rows' node counts, the VCNs 10.0.0.0/16, the existing state bucket a bootstrap root, and
dispatch-api was probed on /health in a namespace named like it."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testlib import FIXTURES, plan_group, rendered_plan, strict_validation

QUARRY = FIXTURES / "reviewed/oke-argocd-quarry.plan.md"


@plan_group(QUARRY)
def test_the_hosts_table_routes_each_application_with_a_certificate(tmp_path_factory) -> None:
    repo = rendered_plan(QUARRY, tmp_path_factory)
    [ingress] = [d for d in yaml.safe_load_all((repo / "kubernetes/apps/dispatch-api/overlays/prod/ingress.yaml")
                                               .read_text()) if d["kind"] == "Ingress"]
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["dispatch.quarrylogistics.eu"]
    assert [tls["hosts"] for tls in ingress["spec"]["tls"]] == [["dispatch.quarrylogistics.eu"]]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"


@plan_group(QUARRY)
def test_each_environment_is_sized_and_addressed_as_its_rows_say(tmp_path_factory) -> None:
    repo = rendered_plan(QUARRY, tmp_path_factory)
    prod = (repo / "terraform/environments/prod/terraform.tfvars").read_text()
    for setting in ('vpc_cidr    = "10.30.0.0/16"', "min_size      = 3", "max_size      = 3",
                    'db_instance_class = "PostgreSQL.VM.Standard.E4.Flex.4.64GB"'):
        assert setting in prod
    assert 'vpc_cidr    = "10.20.0.0/16"' in (repo / "terraform/environments/dev/terraform.tfvars").read_text()
    assert not (repo / "terraform/bootstrap").exists()  # the state bucket exists, not managed here


@plan_group(QUARRY)
def test_dispatch_api_runs_in_its_namespace_probed_on_the_plans_path(tmp_path_factory) -> None:
    repo = rendered_plan(QUARRY, tmp_path_factory)
    overlay = yaml.safe_load((repo / "kubernetes/apps/dispatch-api/overlays/prod/kustomization.yaml").read_text())
    assert overlay["namespace"] == "dispatch"
    deployment = yaml.safe_load((repo / "kubernetes/apps/dispatch-api/base/deployment.yaml").read_text())
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert {container[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe")} == {"/healthz"}


@plan_group(QUARRY)
def test_external_secrets_reads_each_environments_oci_vault_as_a_workload_identity(tmp_path_factory) -> None:
    """The plan's `OCI Vault via External Secrets Operator` was a HashiCorp Vault store at vault.example.invalid:
    every ExternalSecret failed, and no application started."""
    repo = rendered_plan(QUARRY, tmp_path_factory)
    store = yaml.safe_load((repo / "kubernetes/base/cluster-secret-store.yaml").read_text())
    assert store["metadata"]["name"] == "oci-vault"
    assert store["spec"]["provider"]["oracle"] == {
        "vault": "ocid1.vault.oc1.eu-frankfurt-1.CHANGE-ME-dev", "region": "eu-frankfurt-1", "principalType": "Workload",
        "serviceAccountRef": {"name": "external-secrets", "namespace": "external-secrets"}}
    prod = (repo / "kubernetes/overlays/prod/kustomization.yaml").read_text()
    assert "path: /spec/provider/oracle/vault\n        value: ocid1.vault.oc1.eu-frankfurt-1.CHANGE-ME-prod" in prod
    root = (repo / "terraform/environments/prod/main.tf").read_text()
    policy = root[root.index('resource "oci_identity_policy" "external_secrets"'):]
    for condition in ("request.principal.type = 'workload'", "request.principal.namespace = 'external-secrets'",
                      "request.principal.service_account = 'external-secrets'",
                      "request.principal.cluster_id = '${module.oke.cluster_id}'",
                      "target.vault.id = '${oci_kms_vault.this.id}'"):
        assert condition in policy.split("\n}")[0]
    readme = (repo / "README.md").read_text()
    assert "- `ocid1.vault.oc1.eu-frankfurt-1.CHANGE-ME-prod` is set by you" in readme
    assert "output -raw secrets_vault_id" in readme and "oci vault secret create-base64" in readme


@plan_group(QUARRY)
def test_the_pods_reach_the_kubelets_node_exporter_and_the_http01_self_check(tmp_path_factory) -> None:
    """The pods' security group reached the nodes on nothing and the internet on 443 only: metrics-server never became
    ready (kubelets on 10250), Prometheus read no node-exporter, and cert-manager's HTTP-01 self-check (port 80 of the
    load balancer's public address) failed, so no certificate was issued."""
    root = (rendered_plan(QUARRY, tmp_path_factory) / "terraform/environments/prod/main.tf").read_text()
    vcn = root[root.index('module "vcn"'):root.index('module "oke"')]
    assert "pod_node_ports = [10250, 9100]" in vcn and "pod_internet_ports = [80, 443]" in vcn


@plan_group(QUARRY)
def test_operators_reach_the_private_api_endpoint_through_a_bastion(tmp_path_factory) -> None:
    """Both API endpoints were private with no way in: the GitOps bootstrap could not run."""
    repo = rendered_plan(QUARRY, tmp_path_factory)
    root = (repo / "terraform/environments/prod/main.tf").read_text()
    bastion = root[root.index('resource "oci_bastion_bastion" "api"'):].split("\n}")[0]
    assert "target_subnet_id             = module.vcn.bastion_subnet_id" in bastion
    assert "client_cidr_block_allow_list = var.bastion_allowed_cidrs" in bastion
    assert "bastion        = true" in root[root.index('module "vcn"'):root.index('module "oke"')]
    readme = (repo / "terraform/README.md").read_text()
    assert "oci bastion session create-port-forwarding" in readme and "output -raw bastion_id" in readme


@plan_group(QUARRY)
def test_the_repository_passes_its_own_strict_validation(tmp_path_factory: pytest.TempPathFactory,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str], packed_tf_mirror: Path) -> None:
    """`terraform validate` of every root included (the fixed database shape, the VCNs' address spaces)."""
    code, out = strict_validation(rendered_plan(QUARRY, tmp_path_factory), monkeypatch, capsys, packed_tf_mirror)
    assert code == 0, out
