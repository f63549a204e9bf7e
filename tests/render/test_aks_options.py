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
from planforge.errors import RefusedError
from planforge.plan import parse_plan, parse_text

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
    assert not {"network_policy", "pod_overlay", "acr_pull_registries", "container_insights", "service_cidr"} & set(
        args.split())


TALLY = FIXTURES / "reviewed/azure-aks-tally.plan.md"
SERVICE_LINE = "Pod CIDR (overlay) 192.168.0.0/16, service CIDR 172.16.0.0/16, DNS service IP 172.16.0.10."


def test_the_services_range_the_plan_states_is_the_clusters() -> None:
    """`service CIDR 172.16.0.0/16, DNS service IP 172.16.0.10`: the clusters took the module's 172.20.0.0/16 (and
    172.20.0.10) in silence."""
    assert 'service_cidr = "172.16.0.0/16"' in _cluster_args(TALLY)
    d = decide(parse_plan(TALLY))
    assert d.provenance["aks_service_cidr"].line == TALLY.read_text().splitlines().index(SERVICE_LINE) + 1
    assert not [n for n in d.not_applied if "172.16" in n.text]


@pytest.mark.parametrize("edit, reported, refused", [
    ("DNS service IP 172.16.0.53", "DNS service IP 172.16.0.53", ""),
    ("service CIDR 10.200.0.0/16", "", "overlaps 10.0.0.0/8"),
    ("service CIDR 192.168.0.0/16", "", "overlaps the pods' range"),
])
def test_a_services_range_the_cluster_cannot_take_is_refused_and_another_dns_ip_reported(
        edit: str, reported: str, refused: str) -> None:
    word = edit.rsplit(" ", 1)[0]
    line = SERVICE_LINE.replace(next(part for part in SERVICE_LINE.rstrip(".").split(", ") if part.startswith(word)), edit)
    text = TALLY.read_text().replace(SERVICE_LINE, line)
    if refused:
        with pytest.raises(RefusedError) as err:
            decide(parse_text(text, "plan.md"))
        assert refused in str(err.value.problems)
    else:
        d = decide(parse_text(text, "plan.md"))
        assert [n.why for n in d.not_applied if n.text == reported] == [
            "the aks module gives the cluster DNS the range's tenth address, 172.16.0.10"]


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
