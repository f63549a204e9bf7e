"""Argo CD on k3s and RKE2: the Helm controller installs it, then leaves the release to Argo CD's own Application.

The generated gitops_bootstrap role runs with the real ansible-playbook on this host, against a kubectl that answers
from files (no cluster here): the HelmChart it reads back is the one the role wrote to the manifests directory, and the
Application's status is what each case sets.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, rendered_plan

from planforge.validate.ansible.cli import find_binary

KUBECTL = '''#!{python}
"""kubectl get, answered from STATE: the HelmChart written to the manifests directory, the Application's status."""
import json, os, sys
import yaml

state, args = os.environ["FAKE_KUBECTL_STATE"], sys.argv[1:]
with open(os.path.join(state, "calls"), "a") as calls:
    calls.write(" ".join(args) + "\\n")
if "helmcharts.helm.cattle.io" in args:
    path = os.path.join(state, "manifests", "argo-cd.yaml")
    if os.path.exists(path):
        chart = next(d for d in yaml.safe_load_all(open(path)) if d and d["kind"] == "HelmChart")
        print(json.dumps(chart))
    sys.exit(0)
status = open(os.path.join(state, "wait" if any(a.startswith("jsonpath=") for a in args) else "read")).read()
if status == "absent":
    sys.exit('error: the server doesn\\'t have a resource type "applications"')
sync, health = status.split()
if any(a.startswith("jsonpath=") for a in args):
    print(status, end="")
else:
    print(json.dumps({{"kind": "Application", "status": {{"sync": {{"status": sync}}, "health": {{"status": health}}}}}}))
'''


@pytest.fixture(scope="module")
def role_run(tmp_path_factory):
    """Run the k3s repository's gitops_bootstrap role on this host; returns (run(read, wait), manifests dir)."""
    playbook_bin = find_binary("ansible-playbook")
    if playbook_bin is None:
        pytest.skip("ansible-playbook is not installed (pip install -e '.[test]')")
    if os.geteuid() != 0:
        pytest.skip("the role writes root-owned manifests, as on a k3s server: run as root")
    repo = rendered_plan(PLANS / "onprem-k3s-ansible.plan.md", tmp_path_factory)
    chart = yaml.safe_load((repo / "ansible/inventories/prod/group_vars/all/main.yml").read_text())[
        "gitops_bootstrap_argocd_chart"]
    assert chart["application"] == "argo-cd-prod"
    state = tmp_path_factory.mktemp("cluster")
    (state / "manifests").mkdir()
    kubectl = state / "kubectl"
    kubectl.write_text(KUBECTL.format(python=sys.executable))
    kubectl.chmod(0o755)
    bootstrap = state / "bootstrap.yaml"
    bootstrap.write_text("kind: Application\n")
    playbook = state / "play.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "localhost", "connection": "local", "gather_facts": False,
                                         "roles": ["gitops_bootstrap"]}]))
    extra = {"gitops_bootstrap_manifests_dir": str(state / "manifests"), "gitops_bootstrap_kubectl": [str(kubectl)],
             "gitops_bootstrap_manifest": str(bootstrap), "gitops_bootstrap_argocd_chart": chart,
             "gitops_bootstrap_handover_retries": 1, "gitops_bootstrap_handover_delay": 0,
             "ansible_python_interpreter": sys.executable}

    def run(read: str, wait: str, *options: str) -> subprocess.CompletedProcess[str]:
        (state / "read").write_text(read)
        (state / "wait").write_text(wait)
        env = {**os.environ, "FAKE_KUBECTL_STATE": str(state), "ANSIBLE_ROLES_PATH": str(repo / "ansible/roles"),
               "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false"}
        return subprocess.run([playbook_bin, "-i", "localhost,", str(playbook), "-e", json.dumps(extra), *options],
                              capture_output=True, text=True, env=env, timeout=300)

    return run, state / "manifests"


def _unmanaged(manifests: Path) -> bool:
    chart = next(d for d in yaml.safe_load_all((manifests / "argo-cd.yaml").read_text()) if d["kind"] == "HelmChart")
    return chart["metadata"].get("annotations", {}).get("helmcharts.helm.cattle.io/unmanaged") == "true"


def test_the_helm_controller_keeps_argo_cd_until_argo_cd_has_synced_itself_then_never_again(role_run):
    run, manifests = role_run
    (manifests / "argo-cd.yaml").unlink(missing_ok=True)  # a server the role has not run on
    # the first run: no Argo CD yet, and it does not sync itself before the wait ends (no Git credentials yet)
    first = run(read="absent", wait="OutOfSync Missing")
    assert first.returncode == 0, first.stdout + first.stderr
    assert not _unmanaged(manifests) and (manifests / "gitops-bootstrap.yaml").is_file()
    assert "a later run of this playbook hands" in first.stdout, first.stdout
    # a later run, Argo CD synced its own Application: the HelmChart is handed over
    second = run(read="Synced Healthy", wait="Synced Healthy")
    assert second.returncode == 0 and _unmanaged(manifests), second.stdout + second.stderr
    # once handed over it stays so, even while Argo CD's Application is mid-sync
    third = run(read="OutOfSync Progressing", wait="OutOfSync Progressing")
    assert third.returncode == 0 and _unmanaged(manifests), third.stdout + third.stderr
    assert "changed=0" in third.stdout
    # a check run reads the cluster too: it shows nothing to change, never the annotation going
    check = run("OutOfSync Progressing", "OutOfSync Progressing", "--check", "--diff")
    assert check.returncode == 0 and "changed=0" in check.stdout, check.stdout + check.stderr


def test_a_first_run_hands_over_as_soon_as_argo_cd_has_synced_itself(role_run):
    run, manifests = role_run
    (manifests / "argo-cd.yaml").unlink(missing_ok=True)
    result = run(read="absent", wait="Synced Healthy")  # Argo CD syncs itself while the run waits
    assert result.returncode == 0 and _unmanaged(manifests), result.stdout + result.stderr
