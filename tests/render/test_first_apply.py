"""What a generated repository needs to apply on a fresh account or subscription, beyond passing the validators:
account-wide singletons created once, subscription features stated as preconditions, sync waves that wait.
Each include is rendered alone in Copier's environment (render_helpers) with the answers of a fixture plan."""
from __future__ import annotations

import functools
import re
from collections import defaultdict

import hcl2
import pytest
import yaml
from hcl2.utils import SerializationOptions
from render_helpers import PLANS, REPO, answers_context, render_include, render_macro

from planforge.decide import decide
from planforge.plan import parse_plan

ROOT = "blueprints/{% yield root from tf_roots %}{{ root.dir }}{% endyield %}/"
VAR_FILE = ROOT + "{% yield var_file from root.var_files %}{{ var_file.path }}{% endyield %}.jinja"


@functools.cache
def plan_context(plan: str) -> dict:
    return answers_context(decide(parse_plan(PLANS / f"{plan}.plan.md")).answers)


def parse(body: str) -> dict:
    return hcl2.loads(body, serialization_options=SerializationOptions(with_comments=False, strip_string_quotes=True))


def aws_security_roots(context: dict) -> list[dict]:
    return [root for root in context["tf_roots"]
            if root.get("stack") == "security" and root.get("cloud", context["cloud"]) == "aws"]


@pytest.mark.parametrize("plan", ["multi-tenant-saas", "multi-tenant-multiregion", "multi-tenant-multicloud"])
def test_one_account_analyzer_per_account_and_region(plan: str) -> None:
    """AWS allows one account analyzer per account and region: of the environments sharing the security stack's
    code (one account), the states of exactly one create it in each region; the others plan none."""
    context = plan_context(plan)
    roots = aws_security_roots(context)
    assert roots, f"{plan}: no AWS security stack"
    for root in roots:
        root_context = {**context, "root": root}
        resources = parse(render_include(ROOT + "main.tf.jinja", root_context))["resource"]
        analyzer = next(r["aws_accessanalyzer_analyzer"]["this"] for r in resources if "aws_accessanalyzer_analyzer" in r)
        assert analyzer.get("count") == "${var.account_analyzer ? 1 : 0}", f"{root['dir']}: the analyzer is created in every state"
        variables = {name: body for block in parse(render_include(ROOT + "variables.tf.jinja", root_context))["variable"]
                     for name, body in block.items()}
        assert variables["account_analyzer"]["default"] is False
        assert "one account analyzer per account and region" in variables["account_analyzer"]["description"]
        creating: dict[str, list[str]] = defaultdict(list)
        for var_file in root["var_files"]:
            values = parse(render_include(VAR_FILE, {**root_context, "var_file": var_file}))
            if values["account_analyzer"]:
                creating[values["region"]].append(var_file["env"])
        regions = {parse(render_include(VAR_FILE, {**root_context, "var_file": v}))["region"] for v in root["var_files"]}
        assert {region: len(envs) for region, envs in creating.items()} == dict.fromkeys(regions, 1), \
            f"{root['dir']}: environments creating the account analyzer per region: {dict(creating)}"
        assert {env for envs in creating.values() for env in envs} == {"prod"}


ARGO_CD_HEALTH = "resource.customizations.health.argoproj.io_Application"


def test_argo_cd_values_give_an_application_health() -> None:
    """Since Argo CD 1.8 an Application has no health: the values Argo CD is installed and kept with restore it,
    so an app-of-apps' sync waves wait for the Applications of the wave before. No kustomization inflates a chart
    (components are chart sources), so Argo CD builds Kustomize without `--enable-helm`."""
    context = plan_context("aws-eks-argocd")
    argo_cd = next(c for c in context["components"] if c["name"] == "argo-cd")
    values = yaml.safe_load(render_macro("includes/k8s/components.jinja", "component_values", argo_cd, "prod", True,
                                         "aws"))
    health = values["configs"]["cm"][ARGO_CD_HEALTH]
    assert "hs.status = obj.status.health.status" in health and health.rstrip().endswith("return hs")
    assert "kustomize.buildOptions" not in values["configs"]["cm"]


def test_argo_cd_bootstrap_installs_the_values_its_application_keeps() -> None:
    """The first sync runs before Argo CD's own Application has applied its values: the README's bootstrap install
    reads them from that Application, so the health check is there from the first wave on."""
    context = plan_context("aws-eks-argocd")
    readme = render_include("blueprints/{{ dirs.argocd }}/README.md.jinja", context)
    command = re.search(r"yq '(?P<path>[^']+)' (?P<file>\S+) \|\n  helm install argo-cd .*--values -\n", readme, re.S)
    assert command, readme
    application = next(c for c in context["nested"]["argocd_components"] if f"{c['dir']}.yaml" == command["file"])
    document = yaml.safe_load(render_include(
        "blueprints/{% yield component from nested.argocd_components %}{{ component.dir }}{% endyield %}.yaml.jinja",
        {**context, "component": application}))
    for key in command["path"].strip(".").split("."):
        document = document[key]
    assert ARGO_CD_HEALTH in document["configs"]["cm"]


AKS_VARIABLES = REPO / "modules" / "azure" / "aks" / "variables.tf"


def test_aks_host_encryption_states_its_subscription_feature() -> None:
    """Host encryption needs Microsoft.Compute/EncryptionAtHost registered in the subscription, which no root owns:
    the variable and the README of every repository with an AKS cluster say so before the first apply."""
    variable = parse(AKS_VARIABLES.read_text())["variable"]
    host_encryption = next(v["host_encryption"] for v in variable if "host_encryption" in v)
    assert host_encryption["default"] is True
    assert "Microsoft.Compute/EncryptionAtHost" in host_encryption["description"]
    main = (REPO / "modules" / "azure" / "aks" / "main.tf").read_text()
    assert re.findall(r"host_encryption_enabled\s*=\s*(\S+)", main) == ["var.host_encryption"] * 2
    for plan, has_aks in [("multi-tenant-azure", True), ("multicloud-aws-azure", True), ("aws-eks-argocd", False)]:
        readme = render_include("blueprints/{{ dirs.terraform }}/README.md.jinja", plan_context(plan))
        assert ("az feature register --namespace Microsoft.Compute --name EncryptionAtHost" in readme) == has_aks, plan
