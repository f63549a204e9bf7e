"""An AKS plan's pod network, monitoring and image registries reach its clusters: the NetworkPolicy engine and Azure CNI
overlay it names (before: always Azure's engine on the nodes' subnet), Azure Monitor container insights (before: dropped
in silence), and AcrPull for the nodes on the Azure Container Registries its images name (before: nothing granted it,
so every pod stayed in ImagePullBackOff); and the refresh interval of its ExternalSecrets. The aks module's own tests
check what the arguments build, under the real provider's schema."""
from __future__ import annotations

from pathlib import Path

import pytest
from cloud_roots import assert_module_tests_pass
from render_helpers import answers_context, render_macro
from testlib import FIXTURES, find_terraform_mirror, plan_group, rendered_plan, require_tool

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan

PARCELS = FIXTURES / "reviewed/azure-aks-parcels.plan.md"
CLAIMS = FIXTURES / "reviewed/aks-argocd-claims.plan.md"


def _cluster_args(plan: Path) -> str:
    context = answers_context(decide(parse_plan(plan)).answers, environment="dev")
    return " ".join(render_macro("includes/terraform.jinja", "cluster_args", 1, context=context).split())


def test_the_plans_network_policy_engine_overlay_insights_and_registry_are_the_clusters() -> None:
    args = _cluster_args(PARCELS)
    assert 'network_policy = "calico"' in args and "pod_overlay = true" in args and "container_insights = true" in args
    assert 'acr_pull_registries = ["acrparcels"]' in args


def test_a_plan_naming_no_engine_keeps_the_modules() -> None:
    args = _cluster_args(FIXTURES / "plans/aks-argocd-keyvault.plan.md")
    assert not {"network_policy", "pod_overlay", "acr_pull_registries", "container_insights"} & set(args.split())


@plan_group(CLAIMS)
def test_the_generated_aks_modules_tests_pass_offline(tmp_path_factory: pytest.TempPathFactory,
                                                      packed_tf_mirror: Path, tmp_path: Path) -> None:
    require_tool("terraform")
    repo = rendered_plan(CLAIMS, tmp_path_factory)
    main = (repo / "terraform/environments/prod/main.tf").read_text()
    assert 'acr_pull_registries           = ["acrclaimsshared"]' in main
    assert_module_tests_pass(repo / "terraform/modules", ("aks",), packed_tf_mirror, "hashicorp", tmp_path)


@plan_group(PARCELS)
def test_the_parcels_repository_carries_its_options_and_validates_strictly(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], packed_tf_mirror: Path) -> None:
    """The whole render: every stage's root passes the options, every application's ExternalSecret re-reads the vault
    every 30 minutes (`External Secrets re-reads them every 30 minutes`), and the repository validates strictly,
    `terraform validate` of every root included."""
    repo = rendered_plan(PARCELS, tmp_path_factory)
    for env in ("dev", "test", "prod"):
        main_tf = " ".join((repo / f"terraform/environments/{env}/main.tf").read_text().split())
        assert 'network_policy = "calico" pod_overlay = true container_insights = true' in main_tf
        for app in ("parcels-api", "parcels-web", "parcels-worker"):
            secret = (repo / f"kubernetes/overlays/{env}/{app}/externalsecret.yaml").read_text()
            assert "refreshInterval: 30m" in secret
    mirrors = [m for m in (find_terraform_mirror(), packed_tf_mirror) if m is not None]
    monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", ":".join(str(m) for m in mirrors))
    capsys.readouterr()
    assert main(["validate", str(repo), "--strict", "--fail-on-skip"]) == 0, capsys.readouterr().out
