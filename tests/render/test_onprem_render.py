"""On-premise plans: `on-premise` with k3s (or RKE2, or kubeadm) and Ansible alone, and `hybrid (AWS + on-premise)`
with Terraform and Ansible, each generated and checked with the real tools (ansible-playbook --syntax-check on every
playbook against every inventory, ansible-lint, planforge validate --strict, kubectl kustomize) and on their content."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, find_terraform_mirror, rendered_plan

from planforge.cli import main
from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan, parse_text
from planforge.render.engine import render_new
from planforge.render.template import resolve_template
from planforge.validate.ansible.cli import find_binary

ONPREM = PLANS / "onprem-k3s-ansible.plan.md"
HYBRID = PLANS / "hybrid-aws-onprem.plan.md"
RKE2 = PLANS / "onprem-rke2-ansible.plan.md"
KUBEADM = PLANS / "onprem-kubeadm-ansible.plan.md"


# Each plan's repository is the worker's shared render (`planforge new PLAN --no-git`, read by the per-plan tests of
# other modules too): the tests here only read it, and copy it before changing it.
@pytest.fixture(scope="module")
def onprem(tmp_path_factory) -> Path:
    return rendered_plan(ONPREM, tmp_path_factory)


@pytest.fixture(scope="module")
def hybrid(tmp_path_factory) -> Path:
    return rendered_plan(HYBRID, tmp_path_factory)


@pytest.fixture(scope="module")
def rke2(tmp_path_factory) -> Path:
    return rendered_plan(RKE2, tmp_path_factory)


@pytest.fixture(scope="module")
def kubeadm(tmp_path_factory) -> Path:
    return rendered_plan(KUBEADM, tmp_path_factory)


def _ansible_tool(name: str) -> str:
    found = find_binary(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install ansible-core ansible-lint)")
    return found


def _syntax_checks(repo: Path, env: str) -> list[tuple[str, str, subprocess.CompletedProcess[str]]]:
    """`ansible-playbook --syntax-check` of every playbook against the inventory of `env`."""
    tool = _ansible_tool("ansible-playbook")
    ansible = repo / "ansible"
    inventories = sorted(ansible.glob(f"inventories/{env}/hosts.yml"))
    playbooks = sorted(ansible.glob("playbooks/*.yml"))
    assert inventories and playbooks
    return [(inv.parent.name, pb.name, subprocess.run([tool, "-i", str(inv.relative_to(ansible)),
                                                       str(pb.relative_to(ansible)), "--syntax-check"],
                                                      cwd=ansible, capture_output=True, text=True, timeout=300))
            for inv in inventories for pb in playbooks]


# --------------------------------------------------------------------------- decide
def test_onprem_plan_answers_carry_the_plan_figures():
    decided = decide(parse_plan(ONPREM))
    a = decided.answers
    assert (a.cloud, a.iac_tool, a.on_premise, a.ansible, a.ansible_version) == ("none", "none", True, True, "2.17")
    assert (a.kubernetes_distribution, a.kubernetes_version, a.k3s_version) == ("k3s", "1.29", "v1.29.4+k3s1")
    assert (a.k3s_servers, a.k3s_agents) == (3, 5)
    assert a.blueprints == ["kubernetes", "argocd", "ansible"]
    scale = next(i for i, line in enumerate(ONPREM.read_text().splitlines(), 1) if "Scale/Scope" in line)
    assert decided.provenance["k3s_servers"].line == scale and decided.provenance["k3s_agents"].line == scale
    assert not [n for n in decided.not_applied if "ansible" in n.text.lower() or "agents" in n.text]


def test_rke2_plan_answers_pin_the_rke2_release():
    decided = decide(parse_plan(RKE2))
    a = decided.answers
    assert (a.kubernetes_distribution, a.kubernetes_version) == ("rke2", "1.30")
    assert (a.rke2_version, a.k3s_version) == ("v1.30.1+rke2r1", "")
    assert decided.provenance["rke2_version"].source != "default"
    assert (a.k3s_servers, a.k3s_agents) == (3, 5)
    assert a.blueprints == ["kubernetes", "argocd", "ansible"]


def test_rke2_release_of_a_kubernetes_minor_is_the_documented_default():
    text = RKE2.read_text().replace("RKE2 v1.30.1+rke2r1", "RKE2 1.29")
    decided = decide(parse_text(text, "plan.md"))
    assert decided.answers.rke2_version == "v1.29.5+rke2r1"
    assert decided.provenance["rke2_version"].source == "default"


def test_kubeadm_plan_answers_pin_the_kubernetes_patch():
    decided = decide(parse_plan(KUBEADM))
    a = decided.answers
    assert (a.kubernetes_distribution, a.kubernetes_version) == ("kubeadm", "1.30")
    assert (a.kubeadm_version, a.k3s_version, a.rke2_version) == ("v1.30.6", "", "")
    kubernetes = next(i for i, line in enumerate(KUBEADM.read_text().splitlines(), 1) if "**Kubernetes**" in line)
    assert decided.provenance["kubeadm_version"].line == kubernetes
    assert (a.k3s_servers, a.k3s_agents) == (3, 5)
    assert a.blueprints == ["kubernetes", "argocd", "ansible"]
    assert not [n for n in decided.not_applied if "kubeadm" in n.text.lower()]


def test_kubeadm_patch_of_a_kubernetes_minor_is_the_documented_default():
    text = KUBEADM.read_text().replace("kubeadm v1.30.6", "kubeadm 1.29")
    decided = decide(parse_text(text, "plan.md"))
    assert (decided.answers.kubernetes_version, decided.answers.kubeadm_version) == ("1.29", "v1.29.10")
    assert decided.provenance["kubeadm_version"].source == "default"


def test_hybrid_plan_gets_terraform_and_ansible():
    decided = decide(parse_plan(HYBRID))
    a = decided.answers
    assert (a.cloud, a.iac_tool, a.on_premise, a.ansible, a.ansible_version) == ("aws", "terraform", True, True, "2.16")
    assert a.blueprints == ["terraform", "kubernetes", "argocd", "ansible"]
    assert (a.k3s_servers, a.k3s_agents) == (1, 2)  # "on-premise: 1 server node, 2 agents"
    assert a.k3s_version == "v1.29.4+k3s1"  # the k3s release of the plan's Kubernetes 1.29 (data/onprem.yaml)
    assert decided.provenance["k3s_version"].source == "default"
    assert not [w for w in decided.warnings if "Ansible" in w]


def test_defaults_without_figures_are_documented():
    text = ONPREM.read_text().replace("**Scale/Scope**: 3 server nodes, 5 agents per environment",
                                      "**Scale/Scope**: one plant").replace("k3s v1.29.4+k3s1", "k3s 1.30")
    decided = decide(parse_text(text, "plan.md"))
    a = decided.answers
    assert (a.k3s_servers, a.k3s_agents, a.k3s_version) == (3, 2, "v1.30.1+k3s1")  # 99.9% uptime: 3 servers
    assert decided.provenance["k3s_agents"].source == "default"


@pytest.mark.parametrize(("old", "new", "says"), [
    ("**IaC Tools**: Ansible 2.17", "**IaC Tools**: Pulumi", "Pulumi renderer creates AWS resources only"),
    ("**IaC Tools**: Ansible 2.17", "**IaC Tools**: CloudFormation", "CloudFormation renderer creates AWS resources only"),
    ("**IaC Tools**: Ansible 2.17", "**IaC Tools**: Terraform 1.7", "no Ansible"),
    ("**Kubernetes**: k3s v1.29.4+k3s1", "**Kubernetes**: EKS 1.29", "not generated"),
    ("**Kubernetes**: k3s v1.29.4+k3s1", "**Kubernetes**: kubeadm 1.22",
     "no kubeadm release known for Kubernetes 1.22"),
    ("**Kubernetes**: k3s v1.29.4+k3s1", "**Kubernetes**: RKE2 1.22", "no RKE2 release known for Kubernetes 1.22"),
    ("3 server nodes", "2 server nodes", "odd count"),
    ("**Cloud Provider**: on-premise (bare metal)", "**Cloud Provider**: hybrid", "hybrid plan names its cloud"),
    ("**Cloud Provider**: on-premise (bare metal)", "**Cloud Provider**: hybrid (AWS + on-premise)",
     "Ansible alone cannot create the AWS half"),
    ("**Kubernetes**: k3s v1.29.4+k3s1", "**Kubernetes**: k3s 1.22", "no k3s release known for Kubernetes 1.22"),
    ("5 agents", "300 agents", "more than 250 nodes"),
])
def test_unsupported_onprem_choices_are_refused_at_their_line(old: str, new: str, says: str):
    text = ONPREM.read_text().replace(old, new)
    assert text != ONPREM.read_text()
    with pytest.raises(RefusedError) as err:
        decide(parse_text(text, "plan.md"))
    assert any(says in p.message and p.line for p in err.value.problems), [p.message for p in err.value.problems]


def test_zero_agents_is_a_cluster_of_servers(tmp_path: Path):
    text = ONPREM.read_text().replace("3 server nodes, 5 agents", "1 server node, 0 agents")
    answers = decide(parse_text(text, "plan.md")).answers
    assert (answers.k3s_servers, answers.k3s_agents) == (1, 0)
    render_new(answers, tmp_path / "repo", resolve_template(None, None), init_git=False)
    inv = yaml.safe_load((tmp_path / "repo/ansible/inventories/prod/hosts.yml").read_text())
    groups = inv["all"]["children"]["k3s_cluster"]["children"]
    assert list(groups["k3s_servers"]["hosts"]) == ["prod-server-1"] and groups["k3s_agents"]["hosts"] == {}


def test_ansible_beside_terraform_on_a_cloud_only_plan_is_reported_not_applied():
    text = HYBRID.read_text().replace("hybrid (AWS + on-premise)", "AWS")
    decided = decide(parse_text(text, "plan.md"))
    assert not decided.answers.ansible and "ansible" not in decided.answers.blueprints
    assert any(n.text == "Ansible" and "on-premise hosts" in n.why for n in decided.not_applied)


# --------------------------------------------------------------------------- render
def test_onprem_repository_has_no_cloud_and_an_ansible_tree(onprem: Path):
    assert not (onprem / "terraform").exists()
    ansible = onprem / "ansible"
    for rel in ("ansible.cfg", "requirements.yml", "playbooks/site.yml", "playbooks/baseline.yml",
                "playbooks/k3s-servers.yml", "playbooks/k3s-agents.yml", "playbooks/gitops-bootstrap.yml",
                "roles/baseline/tasks/main.yml", "roles/k3s_install/tasks/main.yml", "roles/k3s_server/tasks/main.yml",
                "roles/k3s_agent/tasks/main.yml", "roles/gitops_bootstrap/tasks/main.yml"):
        assert (ansible / rel).is_file(), rel
    assert sorted(p.name for p in (ansible / "inventories").iterdir()) == ["prod", "staging"]
    site = yaml.safe_load((ansible / "playbooks/site.yml").read_text())
    assert [p["ansible.builtin.import_playbook"] for p in site] == [
        "baseline.yml", "k3s-servers.yml", "k3s-agents.yml", "gitops-bootstrap.yml"]


def test_inventories_are_sized_from_the_plan_and_pin_the_k3s_release(onprem: Path):
    for env in ("staging", "prod"):
        inv = yaml.safe_load((onprem / f"ansible/inventories/{env}/hosts.yml").read_text())
        groups = inv["all"]["children"]["k3s_cluster"]["children"]
        assert len(groups["k3s_servers"]["hosts"]) == 3 and len(groups["k3s_agents"]["hosts"]) == 5
        group_vars = yaml.safe_load((onprem / f"ansible/inventories/{env}/group_vars/all/main.yml").read_text())
        assert group_vars["k3s_version"] == "v1.29.4+k3s1"
        assert group_vars["k3s_token"] == "{{ vault_k3s_token }}"  # from the vault, never a value
        assert group_vars["gitops_bootstrap_argocd_chart"]["version"] == "7.6.12"
        assert (onprem / "ansible" / "playbooks" / group_vars["gitops_bootstrap_manifest"].split("}}/")[1]).resolve() \
            == (onprem / f"argocd/bootstrap/{env}.yaml").resolve()
    install = (onprem / "ansible/roles/k3s_install/tasks/main.yml").read_text()
    assert "checksum: \"sha256:{{ k3s_install_base }}/{{ k3s_install_asset.checksums }}\"" in install
    assert "ansible/inventories/*/group_vars/all/vault.yml" in (onprem / ".gitignore").read_text()


def test_rke2_repository_installs_rke2_not_k3s(rke2: Path):
    ansible = rke2 / "ansible"
    for rel in ("playbooks/rke2-servers.yml", "playbooks/rke2-agents.yml", "roles/rke2_install/tasks/main.yml",
                "roles/rke2_server/tasks/main.yml", "roles/rke2_agent/tasks/main.yml"):
        assert (ansible / rel).is_file(), rel
    assert not list(ansible.glob("**/k3s*"))
    site = yaml.safe_load((ansible / "playbooks/site.yml").read_text())
    assert [p["ansible.builtin.import_playbook"] for p in site] == [
        "baseline.yml", "rke2-servers.yml", "rke2-agents.yml", "gitops-bootstrap.yml"]
    for env in ("staging", "prod"):
        inv = yaml.safe_load((ansible / f"inventories/{env}/hosts.yml").read_text())
        groups = inv["all"]["children"]["rke2_cluster"]["children"]
        assert len(groups["rke2_servers"]["hosts"]) == 3 and len(groups["rke2_agents"]["hosts"]) == 5
        group_vars = yaml.safe_load((ansible / f"inventories/{env}/group_vars/all/main.yml").read_text())
        assert group_vars["rke2_version"] == "v1.30.1+rke2r1"
        assert group_vars["rke2_token"] == "{{ vault_rke2_token }}"
        assert group_vars["baseline_cluster_group"] == "rke2_cluster"
        assert group_vars["gitops_bootstrap_manifests_dir"] == "/var/lib/rancher/rke2/server/manifests"
        # the hand-over of Argo CD to its own Application asks RKE2's kubectl (test_argocd_handover runs it on k3s)
        assert group_vars["gitops_bootstrap_kubectl"][:3] == [
            "/var/lib/rancher/rke2/bin/kubectl", "--kubeconfig", "/etc/rancher/rke2/rke2.yaml"]
        assert group_vars["gitops_bootstrap_argocd_chart"]["application"] == f"argo-cd-{env}"
        assert group_vars["rke2_server_disable"] == ["rke2-ingress-nginx"]  # the plan deploys its own ingress-nginx
    install = (ansible / "roles/rke2_install/tasks/main.yml").read_text()
    assert 'checksum: "sha256:{{ rke2_install_base }}/sha256sum-{{ rke2_install_arch }}.txt"' in install


@pytest.mark.parametrize("which, dist", [("onprem", "k3s"), ("rke2", "rke2")])
def test_a_new_release_rolls_through_the_nodes_behind_a_health_gate(which: str, dist: str, request):
    """A new release or configuration restarts one server, then one batch of agents, at a time; every run waits until
    each node runs the pinned release, Ready, before the next host (a node a failed run left behind stops the next
    run); a failure stops the rollout, and a failed run still restarts what it changed."""
    ansible = request.getfixturevalue(which) / "ansible"
    for role, batch in (("server", 1), ("agent", f"{{{{ {dist}_agent_batch | default(1) }}}}")):
        [play] = yaml.safe_load((ansible / f"playbooks/{dist}-{role}s.yml").read_text())
        assert (play["serial"], play["max_fail_percentage"], play["force_handlers"]) == (batch, 0, True)
        [restart] = yaml.safe_load((ansible / f"roles/{dist}_{role}/handlers/main.yml").read_text())
        assert restart["listen"] == f"{dist} configuration changed"
        tasks = yaml.safe_load((ansible / f"roles/{dist}_{role}/tasks/main.yml").read_text())
        # the configuration and unit restart through the topic, so no change restarts a node outside the rollout
        assert {t["notify"] for t in tasks if "notify" in t} == {f"{dist} configuration changed"}
        flush = max(i for i, t in enumerate(tasks) if t.get("ansible.builtin.meta") == "flush_handlers")
        gate = tasks[-1]
        assert flush < len(tasks) - 1 and "when" not in gate  # after the restart, on every run
        assert gate["delegate_to"] == f"{{{{ groups['{dist}_servers'][0] }}}}"
        assert gate["until"] == f"{dist}_{role}_node.stdout == {dist}_version ~ ' True'"
        argv = gate["ansible.builtin.command"]["argv"]
        assert argv[argv.index("node") + 1] == "{{ ansible_facts['nodename'] | lower }}"
        assert gate["retries"] * gate["delay"] >= 300 and gate["changed_when"] is False
    assert f"-e {dist}_agent_batch=25%" in (ansible / "README.md").read_text()


def test_kubeadm_repository_installs_kubeadm_not_k3s(kubeadm: Path):
    ansible = kubeadm / "ansible"
    for rel in ("playbooks/kubeadm-control-plane.yml", "playbooks/kubeadm-workers.yml",
                "roles/kubeadm_install/tasks/main.yml", "roles/kubeadm_control_plane/tasks/init.yml",
                "roles/kubeadm_control_plane/tasks/join.yml", "roles/kubeadm_worker/tasks/main.yml"):
        assert (ansible / rel).is_file(), rel
    assert not list(ansible.glob("**/k3s*")) and not list(ansible.glob("**/rke2*"))
    assert not (ansible / "roles/gitops_bootstrap/templates").exists()  # no HelmChart: kubeadm has no Helm controller
    site = yaml.safe_load((ansible / "playbooks/site.yml").read_text())
    assert [p["ansible.builtin.import_playbook"] for p in site] == [
        "baseline.yml", "kubeadm-control-plane.yml", "kubeadm-workers.yml", "gitops-bootstrap.yml"]
    control_plane = yaml.safe_load((ansible / "playbooks/kubeadm-control-plane.yml").read_text())
    assert control_plane[0]["serial"] == 1 and control_plane[0]["hosts"] == "kubeadm_control_plane"
    for env in ("staging", "prod"):
        inv = yaml.safe_load((ansible / f"inventories/{env}/hosts.yml").read_text())
        groups = inv["all"]["children"]["kubeadm_cluster"]["children"]
        assert len(groups["kubeadm_control_plane"]["hosts"]) == 3 and len(groups["kubeadm_workers"]["hosts"]) == 5
        group_vars = yaml.safe_load((ansible / f"inventories/{env}/group_vars/all/main.yml").read_text())
        assert group_vars["kubeadm_version"] == "v1.30.6"
        assert group_vars["kubeadm_control_plane_endpoint"].endswith(":6443")  # three control-plane nodes: HA
        assert 6443 in group_vars["baseline_public_tcp_ports"]  # the load balancer reaches the API servers
        assert group_vars["baseline_cluster_group"] == "kubeadm_cluster"
        assert group_vars["gitops_bootstrap_argocd_chart"]["version"] == "7.6.12"
        assert not any("token" in key or "certificate_key" in key for key in group_vars)


def test_kubeadm_roles_pin_the_release_hold_the_packages_and_pin_the_cni(kubeadm: Path):
    roles = kubeadm / "ansible/roles"
    install = yaml.safe_load((roles / "kubeadm_install/tasks/main.yml").read_text())
    by_name = {task["name"]: task for task in install}
    packages = by_name["Install kubelet, kubeadm and kubectl at the pinned patch release"]["ansible.builtin.apt"]
    assert "kubeadm_install_package_version" in packages["name"]
    held = by_name["Hold kubelet, kubeadm and kubectl at that release (upgrades go through kubeadm upgrade)"]
    assert held["ansible.builtin.dpkg_selections"]["selection"] == "hold"
    assert "swapoff -a" in by_name["Turn swap off now (the kubelet refuses to start with swap on)"][
        "ansible.builtin.command"]
    defaults = yaml.safe_load((roles / "kubeadm_install/defaults/main.yml").read_text())
    repository = "https://pkgs.k8s.io/core:/stable:/{{ kubeadm_install_minor }}/deb/"  # the minor's repository
    assert defaults["kubeadm_install_repository_url"] == repository
    assert defaults["kubeadm_install_packages"] == ["kubelet", "kubeadm", "kubectl"]
    assert "br_netfilter" in defaults["kubeadm_install_kernel_modules"]
    assert "SystemdCgroup = true" in (roles / "kubeadm_install/templates/containerd-config.toml.j2").read_text()
    config = (roles / "kubeadm_control_plane/templates/kubeadm-config.yaml.j2").read_text()
    for line in ('kubernetesVersion: "{{ kubeadm_version }}"', "controlPlaneEndpoint:", "podSubnet:", "serviceSubnet:",
                 "cgroupDriver: systemd"):
        assert line in config, line
    cp_defaults = yaml.safe_load((roles / "kubeadm_control_plane/defaults/main.yml").read_text())
    assert cp_defaults["kubeadm_control_plane_calico_version"] == "v3.28.2"
    assert "/calico/{{ kubeadm_control_plane_calico_version }}/manifests/" in \
        cp_defaults["kubeadm_control_plane_calico_manifest"]
    join = yaml.safe_load((roles / "kubeadm_control_plane/tasks/join.yml").read_text())
    steps = join[1]["block"]
    assert [s["ansible.builtin.command"]["argv"][:3] for s in steps[:2]] == [
        ["kubeadm", "token", "create"], ["kubeadm", "init", "phase"]]
    assert all(s.get("no_log") for s in steps)  # the token and certificate key never reach the log


def test_kubeadm_repository_commits_no_join_secret(kubeadm: Path):
    text = "\n".join(p.read_text(errors="replace") for p in kubeadm.rglob("*") if p.is_file())
    assert not re.search(r"--token\s+[a-z0-9]{6}\.[a-z0-9]{16}", text)  # a bootstrap token's shape
    assert not re.search(r"certificate[-_]key:?\s+[0-9a-f]{64}", text)
    assert "vault_kubeadm" not in text


def test_kubeadm_gitops_bootstrap_applies_with_the_admin_kubeconfig(kubeadm: Path):
    role = kubeadm / "ansible/roles/gitops_bootstrap"
    tasks = yaml.safe_load((role / "tasks/main.yml").read_text())
    argvs = [t["ansible.builtin.command"]["argv"] for t in tasks if "ansible.builtin.command" in t]
    install = next(a for a in argvs if "install" in a)
    assert install[install.index("--version") + 1] == "{{ gitops_bootstrap_argocd_chart.version }}"
    apply = next(a for a in argvs if a[0] == "kubectl")
    assert apply[1:3] == ["--kubeconfig", "{{ gitops_bootstrap_kubeconfig }}"] and "apply" in apply
    install_task = next(t for t in tasks if "ansible.builtin.command" in t and "install" in
                        t["ansible.builtin.command"]["argv"])
    assert "gitops_bootstrap_argocd_release.rc != 0" in install_task["when"]  # once: idempotent
    defaults = yaml.safe_load((role / "defaults/main.yml").read_text())
    assert defaults["gitops_bootstrap_kubeconfig"] == "/etc/kubernetes/admin.conf"
    playbook = yaml.safe_load((kubeadm / "ansible/playbooks/gitops-bootstrap.yml").read_text())
    assert playbook[0]["hosts"] == "kubeadm_control_plane[0]"
    assert "kubectl apply" in (kubeadm / "ansible/README.md").read_text()


def test_a_single_control_plane_node_has_no_control_plane_endpoint(tmp_path: Path):
    text = KUBEADM.read_text().replace("3 server nodes, 5 agents", "1 control-plane node, 2 workers")
    answers = decide(parse_text(text, "plan.md")).answers
    assert (answers.k3s_servers, answers.k3s_agents) == (1, 2)
    render_new(answers, tmp_path / "repo", resolve_template(None, None), init_git=False)
    group_vars = yaml.safe_load((tmp_path / "repo/ansible/inventories/prod/group_vars/all/main.yml").read_text())
    assert "kubeadm_control_plane_endpoint" not in group_vars and "baseline_public_tcp_ports" not in group_vars
    inv = yaml.safe_load((tmp_path / "repo/ansible/inventories/prod/hosts.yml").read_text())
    groups = inv["all"]["children"]["kubeadm_cluster"]["children"]
    assert list(groups["kubeadm_control_plane"]["hosts"]) == ["prod-control-plane-1"]
    assert list(groups["kubeadm_workers"]["hosts"]) == ["prod-worker-1", "prod-worker-2"]


def test_ci_and_pre_commit_run_the_ansible_checks(onprem: Path, hybrid: Path, rke2: Path, kubeadm: Path):
    for repo in (onprem, hybrid, rke2, kubeadm):
        ci = (repo / ".github/workflows/validate.yml").read_text()
        assert "--syntax-check" in ci and "ansible-lint" in ci
        hooks = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
        ids = [h["id"] for r in hooks["repos"] for h in r["hooks"]]
        assert "ansible-syntax-check" in ids and "ansible-lint" in ids
    assert "ansible-core~=2.16.0" in (hybrid / ".github/workflows/validate.yml").read_text()
    assert "hashicorp/setup-terraform" not in (onprem / ".github/workflows/validate.yml").read_text()


def test_hybrid_repository_has_both_halves(hybrid: Path):
    assert (hybrid / "terraform/environments/prod/main.tf").is_file()
    assert (hybrid / "terraform/modules/eks").is_dir()
    inv = yaml.safe_load((hybrid / "ansible/inventories/prod/hosts.yml").read_text())
    groups = inv["all"]["children"]["k3s_cluster"]["children"]
    assert len(groups["k3s_servers"]["hosts"]) == 1 and len(groups["k3s_agents"]["hosts"]) == 2
    assert not (hybrid / "ansible/playbooks/gitops-bootstrap.yml").exists()  # the cloud clusters run GitOps


def test_an_ansible_syntax_error_is_caught(tmp_path: Path, onprem: Path):
    broken = tmp_path / "repo"
    shutil.copytree(onprem, broken)
    tasks = broken / "ansible/roles/baseline/tasks/main.yml"
    tasks.write_text(tasks.read_text() + "- name: Broken\n  ansible.builtin.copy: [\n")
    failed = [(env, pb) for env, pb, run in _syntax_checks(broken, "prod") if run.returncode != 0]
    assert ("prod", "baseline.yml") in failed and ("prod", "k3s-servers.yml") not in failed


def _validate_strict(repo: Path, tmp_path: Path, capsys) -> dict:
    """`planforge validate --strict --fail-on-skip` as the generated CI runs it (exit 0), its JSON report. The
    Ansible checks in it are the tools themselves: `ansible-playbook --syntax-check` of site.yml, which imports
    every other playbook, against every inventory, and `ansible-lint` with the repository's production profile;
    they must all have run."""
    report = tmp_path / "report.json"
    code = main(["validate", str(repo), "--strict", "--fail-on-skip", "--format", "json", "-o", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    result = json.loads(report.read_text())
    ansible = [c for c in result["checks"] if c["validator"] == "ansible"]
    syntax = {(c["name"], c["target"]) for c in ansible if c["name"].startswith("syntax-check[")}
    inventories = sorted((repo / "ansible").glob("inventories/*/hosts.yml"))
    playbooks = sorted((repo / "ansible").glob("playbooks/*.yml"))
    site = (repo / "ansible" / "playbooks" / "site.yml").read_text()
    assert playbooks and all(f"import_playbook: {p.name}\n" in site for p in playbooks if p.name != "site.yml")
    assert inventories and syntax == {(f"syntax-check[{i.relative_to(repo).as_posix()}]", "ansible/playbooks/site.yml")
                                      for i in inventories}, sorted(syntax)
    assert [c["name"] for c in ansible if c["name"] == "lint"] == ["lint"]
    assert all(c["status"] == "passed" for c in ansible), ansible
    assert "profile: production" in (repo / "ansible" / ".ansible-lint").read_text()
    return result


@pytest.fixture(scope="module")
def airgap(tmp_path_factory) -> Path:
    return rendered_plan(PLANS / "onprem-k3s-airgap.plan.md", tmp_path_factory)


@pytest.mark.parametrize("which", ["onprem", "rke2", "kubeadm", "airgap"])
def test_onprem_repository_validates_strict(which: str, request, tmp_path: Path, capsys):
    result = _validate_strict(request.getfixturevalue(which), tmp_path, capsys)
    assert any(c["validator"] == "kustomize" for c in result["checks"])


def test_hybrid_repository_validates_strict(hybrid: Path, tmp_path: Path, capsys, monkeypatch):
    mirror = find_terraform_mirror()
    if shutil.which("terraform") is None or mirror is None:
        pytest.skip("terraform or its plugin mirror is not available (PLANFORGE_TF_PLUGIN_MIRROR)")
    monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", str(mirror))
    result = _validate_strict(hybrid, tmp_path, capsys)
    assert any(c["validator"] == "terraform" and c["name"] == "validate" for c in result["checks"])
