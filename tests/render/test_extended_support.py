"""A plan pinning a Kubernetes version past its standard support (`GKE 1.30` in December 2025): GKE creates it only in
the Extended release channel and AKS only on long-term support (Premium tier). The cluster used to be enrolled in the
Regular channel (AKS: the Standard tier), and its creation failed."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from render_helpers import validate_strict
from testlib import PLANS, rendered_plan

from planforge.decide import decide
from planforge.plan import parse_text
from planforge.validate.base import Settings, Severity
from planforge.validate.runner import run_validation

# GKE 1.30: standard support until 2025-09-30, extended until 2026-07-31; AKS 1.30: until 2025-08-22 and 2026-07-31
PAST_STANDARD = "2025-12-01"


def _decided(plan: str, monkeypatch: pytest.MonkeyPatch, day: str):
    monkeypatch.setenv("PLANFORGE_SUPPORT_DATE", day)
    return decide(parse_text((PLANS / plan).read_text(encoding="utf-8"), "plan.md"))


@pytest.mark.parametrize("plan", ["gke-flux-secretmanager.plan.md", "aks-argocd-keyvault.plan.md"])
def test_a_version_past_standard_support_opts_in_to_extended_support(plan: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    d = _decided(plan, monkeypatch, PAST_STANDARD)
    assert d.answers.kubernetes_extended_support is True
    prov = d.provenance["kubernetes_extended_support"]
    assert prov.line == 19 and "ended on 2025-" in prov.note and "until 2026-07-31" in prov.note
    assert _decided(plan, monkeypatch, "2025-01-01").answers.kubernetes_extended_support is False  # still standard
    assert _decided(plan, monkeypatch, "2026-08-01").answers.kubernetes_extended_support is False  # no support left


def _cluster_module(repo: Path, module: str) -> str:
    [main] = [p for p in repo.glob("terraform/environments/prod/main.tf")]
    return re.search(rf'module "{module}" \{{.*?\n\}}', main.read_text(encoding="utf-8"), re.S).group(0)


def _rendered_past_standard_support(plan: str, factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                                    module: str) -> Path:
    """The repository of fixture `plan` generated on a day its version is past standard support (a copy: the shared
    render of the fixture is the supported one), its cluster module opted in to extended support."""
    monkeypatch.setenv("PLANFORGE_SUPPORT_DATE", PAST_STANDARD)
    copy = factory.mktemp("plan") / plan.replace(".plan.md", "-extended.plan.md")
    copy.write_text((PLANS / plan).read_text(encoding="utf-8"), encoding="utf-8")
    repo = rendered_plan(copy, factory)
    assert re.search(r"\n  extended_support += true\n", _cluster_module(repo, module))
    return repo


def test_the_aks_cluster_runs_on_long_term_support_and_validates(tmp_path_factory: pytest.TempPathFactory,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str],
                                                                 packed_tf_mirror: Path) -> None:
    repo = _rendered_past_standard_support("aks-argocd-keyvault.plan.md", tmp_path_factory, monkeypatch, "aks")
    assert "kubernetes_extended_support" in (repo / ".copier-answers.yml").read_text(encoding="utf-8")
    readme = (repo / "terraform/README.md").read_text(encoding="utf-8")
    assert "Kubernetes `1.30` is past its standard support" in readme and "AKSLongTermSupport" in readme
    # the README's line accepts the warning: still past standard support, on purpose
    code, report = validate_strict(repo, monkeypatch, capsys, "--only", "wiring")
    assert code == 0 and "kubernetes-end-of-life" not in report, report
    checks = run_validation([repo], Settings(strict=True, terraform_plugin_mirrors=[packed_tf_mirror], jobs=2),
                            only=["terraform"])
    assert [c for c in checks if c.name == "validate" and c.status.name == "PASSED"], checks
    assert not [f for c in checks for f in c.findings if f.severity is Severity.ERROR]


def test_the_gke_cluster_joins_the_extended_channel_only_past_standard_support(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = rendered_plan(PLANS / "gke-flux-secretmanager.plan.md", tmp_path_factory)
    assert "extended_support" not in _cluster_module(repo, "gke")
    extended = _rendered_past_standard_support("gke-flux-secretmanager.plan.md", tmp_path_factory, monkeypatch, "gke")
    assert "GKE's Extended release channel" in (extended / "terraform/README.md").read_text(encoding="utf-8")
