"""A private GKE control plane has a way in. Without one (private endpoint, no VPN, no bastion) nobody could run
`kubectl` or `flux bootstrap` against the cluster Terraform built. Private by default, the cluster also answers on its
DNS-based endpoint, which Google IAM authorizes per caller; a plan that states the endpoint private keeps it
VPC-only, and the Terraform README says what to add. It also says that the RoleBindings' group names grant nothing
until Google Groups for RBAC resolves them."""
from __future__ import annotations

from pathlib import Path

import hcl2
import pytest
from render_helpers import PLANS, generate, plan_variant

from planforge.decide import decide
from planforge.plan.reader import parse_text

GKE = PLANS / "gke-flux-secretmanager.plan.md"
CONSTRAINTS = "**Constraints**: PCI-DSS scope"
STATED_PRIVATE = "**Constraints**: private GKE API server endpoint; PCI-DSS scope"


def gke_call(root: Path) -> dict:
    return next(m['"gke"'] for m in hcl2.loads((root / "main.tf").read_text())["module"] if '"gke"' in m)


def outputs(root: Path) -> dict:
    return {name.strip('"'): body for o in hcl2.loads((root / "outputs.tf").read_text())["output"]
            for name, body in o.items()}


def test_a_default_private_gke_endpoint_opens_its_dns_endpoint_and_a_stated_one_does_not() -> None:
    source = GKE.read_text(encoding="utf-8")
    default = decide(parse_text(source, "plan.md"))
    assert default.answers.api_endpoint == "private" and default.answers.api_dns_endpoint
    assert "DNS-based endpoint" in default.provenance["api_dns_endpoint"].note
    stated = decide(parse_text(source.replace(CONSTRAINTS, STATED_PRIVATE), "plan.md"))
    assert stated.answers.api_endpoint == "private" and not stated.answers.api_dns_endpoint
    public = decide(parse_text(source.replace(CONSTRAINTS, "**Constraints**: API access limited to authorized IP "
                                                           "ranges 203.0.113.0/24; PCI-DSS scope"), "plan.md"))
    assert public.answers.api_endpoint == "public" and not public.answers.api_dns_endpoint
    aks = decide(parse_text((PLANS / "aks-argocd-keyvault.plan.md").read_text(encoding="utf-8"), "plan.md"))
    assert aks.answers.api_endpoint == "private" and not aks.answers.api_dns_endpoint


@pytest.mark.parametrize("stated", [False, True], ids=["default-private", "stated-private"])
def test_the_private_gke_cluster_root_and_readme_give_a_way_in(stated: bool, tmp_path: Path) -> None:
    plan = plan_variant(tmp_path, GKE, **({CONSTRAINTS: STATED_PRIVATE} if stated else {}))
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/platform.git")
    for env in ("dev", "staging", "prod"):
        root = repo / "terraform/environments" / env
        assert gke_call(root).get("dns_endpoint") == (None if stated else True), root
        command = outputs(root)["kubeconfig_command"]["value"].strip('"')
        assert command.startswith("gcloud container clusters get-credentials ${module.gke.cluster_name} --region "
                                  "${var.region} --project ${var.project_id}")
        assert command.endswith(" --internal-ip" if stated else " --dns-endpoint")
        assert ("dns_endpoint" in outputs(root)) is not stated
    readme = (repo / "terraform/README.md").read_text()
    section = readme.split("## Reaching the cluster API", 1)[1].split("\n## ", 1)[0]
    assert 'eval "$(terraform output -raw kubeconfig_command)"' in section
    if stated:
        assert "nothing here creates a way in" in section and "--tunnel-through-iap" in section
    else:
        assert "DNS-based endpoint" in section and "container.clusters.connect" in section
    assert '"Reaching the cluster API"' in (repo / "clusters/README.md").read_text()
    module = (repo / "terraform/modules/gke/variables.tf").read_text()
    assert 'variable "dns_endpoint"' in module and 'variable "rbac_security_group"' in module
    # the private control plane reaches nodes on 443 and 10250 only: ingress-nginx's admission webhook (8443) needs a
    # rule, else every Ingress is refused; the nodes' own service account needs its role
    resources = {(kind, name): body for r in hcl2.loads((repo / "terraform/modules/gke/main.tf").read_text())["resource"]
                 for kind, named in r.items() for name, body in named.items()}
    rule = resources[('"google_compute_firewall"', '"control_plane_webhooks"')]
    assert rule["source_ranges"] == ["${var.master_ipv4_cidr_block}"] and rule["allow"][0]["ports"] == ['"8443"']
    assert resources[('"google_project_iam_member"', '"nodes"')]["role"].strip('"') == "roles/container.defaultNodeServiceAccount"
    assert "`roles/container.admin` for the GitOps bootstrap" in section
    # the RoleBindings' groups are names, which GKE resolves only as Google Groups' addresses: the README says so
    assert "`storefront-gke-operators`" in section and "rbac_security_group" in section
