"""Policy profiles: `restricted` checks every rule; `baseline` is the profile to start from on an existing repository."""
from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest

from planforge.cli import main
from planforge.errors import UsageError
from planforge.validate.base import Document, Settings
from planforge.validate.policy import RULES, check_documents
from planforge.validate.policy.core import profile, profile_names
from planforge.validate.runner import run_validation
from planforge.validate.settings import resolve_settings

HELM_CREATE = Path(__file__).resolve().parents[1] / "fixtures" / "helm-create"  # `helm create starter` (Helm 4)


def _pod(container: dict) -> Document:
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "app", "image": "app:1.0.0", **container}]}}
    return Document(obj=obj, file="pod.yaml", doc_index=0, line=1)


def _rules(container: dict, name: str) -> list[str]:
    return sorted(f.rule for f in check_documents([_pod(container)], profile=name))


def test_every_profile_names_known_rules_and_restricted_checks_them_all() -> None:
    assert profile_names() == ("restricted", "baseline")
    assert profile("restricted").rules == frozenset(RULES)
    assert profile("baseline").rules < frozenset(RULES)


@pytest.mark.parametrize(("context", "restricted", "baseline"), [
    ({"capabilities": {"add": ["CHOWN"]}}, True, False),  # in the baseline standard's default set
    ({"capabilities": {"add": ["SYS_ADMIN"]}}, True, True),
    ({"seccompProfile": {"type": "Unconfined"}}, True, True),
    ({"privileged": True}, True, True),
    ({"allowPrivilegeEscalation": True}, True, False),
])
def test_baseline_takes_the_baseline_standards_form(context: dict, restricted: bool, baseline: bool) -> None:
    secure = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
              "seccompProfile": {"type": "RuntimeDefault"}, "readOnlyRootFilesystem": True}
    container = {"securityContext": {**secure, **context}}
    baseline_rules = _rules(container, "baseline")
    assert (baseline_rules != []) is baseline
    restricted_rules = _rules(container, "restricted")
    assert bool(set(restricted_rules) - {"policy/resource-requests", "policy/resource-limits",
                                         "policy/liveness-probe", "policy/readiness-probe",
                                         "policy/automount-service-account-token"}) is restricted


def test_a_bare_container_passes_baseline_and_fails_restricted_on_each_missing_field() -> None:
    assert _rules({}, "baseline") == []
    assert {"policy/run-as-non-root", "policy/capabilities", "policy/seccomp", "policy/resource-limits",
            "policy/liveness-probe"} <= set(_rules({}, "restricted"))


def test_a_repository_cannot_loosen_its_own_profile(tmp_path: Path) -> None:
    """validate runs on pull requests: a `.planforge.yaml` in the change must not switch rules off."""
    (tmp_path / ".planforge.yaml").write_text("policy-profile: baseline\n")
    with pytest.raises(UsageError, match="policy-profile. is not read from the settings file") as refused:
        resolve_settings({}, environ={}, paths=[str(tmp_path)])
    assert "--policy-profile NAME" in refused.value.render()
    (tmp_path / ".planforge.yaml").unlink()
    chosen = resolve_settings({}, environ={"PLANFORGE_POLICY_PROFILE": "baseline"}, paths=[str(tmp_path)])
    assert chosen.policy_profile == "baseline"
    with pytest.raises(UsageError, match="PLANFORGE_POLICY_PROFILE"):
        resolve_settings({}, environ={"PLANFORGE_POLICY_PROFILE": "lenient"}, paths=[str(tmp_path)])
    assert resolve_settings({"policy_profile": "baseline"}, environ={}, paths=[str(tmp_path)]).policy_profile == "baseline"


def test_an_unchecked_rule_reports_no_passed_check(tmp_path: Path) -> None:
    (tmp_path / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n")

    def default_deny(name: str) -> list[str]:
        checks = run_validation([str(tmp_path)], Settings(policy_profile=name), only=["policy"])
        return [c.status.value for c in checks if c.name.startswith("default-deny")]

    assert default_deny("restricted") == ["failed"]
    assert default_deny("baseline") == []


def test_a_helm_create_chart_starts_from_baseline_with_only_its_unpinned_test_image() -> None:
    if shutil.which("helm") is None:
        pytest.skip("helm is not on PATH (run scripts/install-tools.sh)")

    def errors(name: str) -> list[str]:
        checks = run_validation([str(HELM_CREATE)], Settings(policy_profile=name), only=["helm", "policy"])
        return sorted({f.rule for c in checks for f in c.findings if f.fails()})

    assert {"policy/run-as-non-root", "policy/capabilities", "policy/seccomp", "policy/resource-requests",
            "policy/allow-privilege-escalation"} <= set(errors("restricted"))
    assert errors("baseline") == ["policy/image-tag"]  # templates/tests/test-connection.yaml runs busybox untagged


def test_a_baseline_run_names_the_rules_it_did_not_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                        "    - {name: app, image: 'app:1.0.0'}\n")
    stdout, stderr = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["validate", "--only", "policy", "--no-cache", "--policy-profile", "baseline", str(tmp_path)]) == 0
    assert "policy profile baseline: 10 rules of the restricted profile are not checked" in stdout.getvalue()
    assert "run-as-non-root" in stdout.getvalue()
    stderr.truncate(0)
    assert main(["validate", "--only", "policy", "--no-cache", "--policy-profile", "baseline", "--format", "sarif",
                 str(tmp_path)]) == 0
    assert "planforge: policy profile baseline: 10 rules" in stderr.getvalue()  # SARIF carries no notices
    assert main(["validate", "--only", "policy", "--no-cache", str(tmp_path)]) == 1
