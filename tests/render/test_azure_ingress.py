"""A public ingress on AKS is reachable once applied: the workload subnet's security group admits the ingress
controller's ports from the internet ahead of its deny rule (a public load balancer keeps the client's address), and
Azure's load balancer probes the controller's health endpoint instead of `/`, which ingress-nginx answers 404. The vpc
module's own tests (modules/azure/vpc/tests) check the rule's order under a mocked provider."""
from __future__ import annotations

import re

import pytest
import yaml
from testlib import PLANS, plan_group, rendered_plan

AKS = PLANS / "aks-argocd-keyvault.plan.md"
PROBE = "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path"


@plan_group(AKS)
def test_the_ingress_ports_are_admitted_and_probed_on_their_health_path(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    root = rendered_plan(AKS, tmp_path_factory)
    for env in ("dev", "staging", "prod"):
        main = (root / f"terraform/environments/{env}/main.tf").read_text()
        vpc = re.search(r'(?ms)^module "vpc" \{.*?^\}', main).group(0)
        assert "internet_inbound_ports = [80, 443]" in vpc
        app = yaml.safe_load((root / f"argocd/applications/{env}/ingress-nginx.yaml").read_text())
        service = app["spec"]["source"]["helm"]["valuesObject"]["controller"]["service"]
        assert service["annotations"][PROBE] == "/healthz"
    module = (root / "terraform/modules/vpc/main.tf").read_text()
    allow, deny = (re.search(rf'name\s+= "{name}"[^}}]*?priority\s+= (\d+)', module) for name in
                   ("allow-internet-ingress", "deny-internet-inbound"))
    assert int(allow.group(1)) < int(deny.group(1))
    assert 'destination_port_ranges    = [for port in security_rule.value : tostring(port)]' in module
