"""Air-gapped on-premise k3s and RKE2 hosts (`no internet egress`): the distribution and its system images come from
the plan's mirror of the release artifacts, checksum verified; every other image is pulled through the plan's
registry; what the plan must still mirror (the Helm charts, apt packages) is said in the Ansible README and listed as
not applied. A plan naming no mirror is refused at its line; a cloud or kubeadm plan gets the statement listed as not
applied, with what its hosts would need."""
from __future__ import annotations

import pytest
import yaml
from testlib import PLANS, plan_group, rendered_plan

from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan, parse_text

AIRGAP = PLANS / "onprem-k3s-airgap.plan.md"
RKE2_AIRGAP = PLANS / "onprem-rke2-airgap.plan.md"
ONPREM = PLANS / "onprem-k3s-ansible.plan.md"
LINE = 27  # the Constraints line that says it
ROLE = "ansible/roles/k3s_install"

pytestmark = plan_group(AIRGAP)  # one render of the plan per worker


def test_the_statement_sets_the_mirror_and_the_registry_at_its_line():
    d = decide(parse_plan(AIRGAP))
    a = d.answers
    assert (a.airgap, a.artifact_mirror, a.registry_mirror) == (
        True, "https://artifacts.factory.example/k3s", "registry.factory.example:5000")
    assert {d.provenance[n].line for n in ("airgap", "artifact_mirror", "registry_mirror")} == {LINE}
    [charts] = [n for n in d.not_applied if n.line == LINE and "Helm charts" in n.why]
    assert "mirror them" in charts.why
    assert not [n for n in d.not_applied if n.line == LINE and ("registry" in n.text or "mirror" in n.text)]


def test_without_the_statement_nothing_changes():
    a = decide(parse_plan(ONPREM)).answers
    assert (a.airgap, a.artifact_mirror, a.registry_mirror) == (False, "", "")


@pytest.mark.parametrize(("statement", "missing"), [
    ("the hosts are air-gapped", "a mirror of the k3s release artifacts and a registry for the images"),
    ("air-gapped, k3s from the mirror https://artifacts.factory.example/k3s", "a registry for the images"),
])
def test_an_air_gap_without_its_mirror_is_refused_at_its_line(statement: str, missing: str):
    text = ONPREM.read_text().replace("hosts run Ubuntu 22.04", f"hosts run Ubuntu 22.04; {statement}")
    with pytest.raises(RefusedError) as err:
        decide(parse_text(text, "plan.md"))
    [p] = err.value.problems
    assert p.line == LINE and f"does not name {missing}" in p.message and "https://" in p.hint


@pytest.mark.parametrize(("old", "new", "says"), [
    ("**Kubernetes**: k3s v1.29.4+k3s1", "**Kubernetes**: kubeadm v1.30.6", "kubeadm's hosts install"),
    ("**Cloud Provider**: on-premise (bare metal)", "**Cloud Provider**: AWS", "on-premise k3s hosts"),
])
def test_an_air_gap_planforge_does_not_build_is_listed_not_applied(old: str, new: str, says: str):
    text = AIRGAP.read_text().replace(old, new)
    if "AWS" in new:
        text = text.replace("**IaC Tools**: Ansible 2.17", "**IaC Tools**: Terraform 1.7")
    d = decide(parse_text(text, "plan.md"))
    assert not d.answers.airgap and d.answers.artifact_mirror == ""
    assert [n for n in d.not_applied if n.line == LINE and n.text == "air-gapped" and says in n.why]


@pytest.fixture(scope="module")
def airgap(tmp_path_factory):
    return rendered_plan(AIRGAP, tmp_path_factory)


def test_k3s_and_its_images_come_from_the_mirror_and_the_registry(airgap):
    repo = airgap
    defaults = yaml.safe_load((repo / ROLE / "defaults/main.yml").read_text())
    assert defaults["k3s_install_release_url"] == "https://artifacts.factory.example/k3s"
    assert defaults["k3s_install_airgap"] is True
    assert defaults["k3s_install_registry_mirror"] == "registry.factory.example:5000"
    tasks = {t["name"]: t for t in yaml.safe_load((repo / ROLE / "tasks/main.yml").read_text())}
    images = next(t for name, t in tasks.items() if name.startswith("Download the release's air-gap images"))
    assert images["ansible.builtin.get_url"]["checksum"].startswith("sha256:{{ k3s_install_base }}/")
    assert images["ansible.builtin.get_url"]["dest"].startswith("/var/lib/rancher/k3s/agent/images/")
    registries = tasks["Pull every image through the registry mirror"]
    assert registries["ansible.builtin.template"]["dest"] == "/etc/rancher/k3s/registries.yaml"
    assert registries["notify"] == "k3s configuration changed"
    for role in ("k3s_server", "k3s_agent"):  # the restart each play has listens to it
        handlers = yaml.safe_load((repo / f"ansible/roles/{role}/handlers/main.yml").read_text())
        assert {h["listen"] for h in handlers} == {"k3s configuration changed"}
    readme = (repo / "ansible/README.md").read_text()
    assert "## Air-gapped hosts" in readme and "https://artifacts.factory.example/k3s/v1.29.4%2Bk3s1/" in readme


def test_the_registry_template_maps_every_registry_to_the_mirror(airgap):
    from jinja2 import Environment, StrictUndefined

    template = (airgap / ROLE / "templates/registries.yaml.j2").read_text()
    defaults = yaml.safe_load((airgap / ROLE / "defaults/main.yml").read_text())
    rendered = yaml.safe_load(Environment(undefined=StrictUndefined).from_string(template).render(**defaults))
    assert set(rendered["mirrors"]) == {"docker.io", "ghcr.io", "quay.io", "registry.k8s.io", "*"}
    assert {tuple(m["endpoint"]) for m in rendered["mirrors"].values()} == {("https://registry.factory.example:5000",)}
    assert "configs" not in rendered and not [m for m in rendered["mirrors"].values() if "rewrite" in m]
    # an internal CA and a project per upstream (Harbor's proxy caches), set in the role's variables
    rendered = yaml.safe_load(Environment(undefined=StrictUndefined).from_string(template).render(**{
        **defaults, "k3s_install_registry_rewrites": {"docker.io": "dockerhub"},
        "k3s_install_registry_ca_file": "/usr/local/share/ca-certificates/factory.crt"}))
    assert rendered["mirrors"]["docker.io"]["rewrite"] == {"^(.*)$": "dockerhub/$1"}
    assert "rewrite" not in rendered["mirrors"]["ghcr.io"]
    assert rendered["configs"] == {"registry.factory.example:5000": {
        "tls": {"ca_file": "/usr/local/share/ca-certificates/factory.crt"}}}


def test_argo_cd_s_chart_and_the_packages_need_no_internet(airgap):
    from jinja2 import Environment, StrictUndefined

    group_vars = yaml.safe_load((airgap / "ansible/inventories/prod/group_vars/all/main.yml").read_text())
    assert group_vars["baseline_apt_update_cache"] is False
    chart = group_vars["gitops_bootstrap_argocd_chart"]
    assert chart["archive_url"] == f"https://artifacts.factory.example/k3s/charts/argo-cd-{chart['version']}.tgz"
    # apt refreshes an index older than cache_valid_time even without update_cache: none is given then
    [apt] = [t["ansible.builtin.apt"] for t in yaml.safe_load((airgap / "ansible/roles/baseline/tasks/main.yml")
                                                                .read_text()) if "ansible.builtin.apt" in t]
    assert apt["cache_valid_time"] == "{{ 3600 if baseline_apt_update_cache | bool else omit }}"
    role = airgap / "ansible/roles/gitops_bootstrap"
    tasks = {t["name"]: t for t in yaml.safe_load((role / "tasks/main.yml").read_text())}
    get = tasks["Download the Argo CD chart archive from the mirror (air-gapped hosts)"]["ansible.builtin.get_url"]
    read = tasks["Read the Argo CD chart archive for the HelmChart (air-gapped hosts)"]
    assert read["ansible.builtin.slurp"]["src"] == get["dest"] and read["register"] == "gitops_bootstrap_argocd_archive"
    env = Environment(undefined=StrictUndefined)
    env.filters["basename"] = lambda path: path.rsplit("/", 1)[-1]
    manifest = env.from_string((role / "templates/argo-cd.yaml.j2").read_text()).render(
        ansible_managed="managed", gitops_bootstrap_argocd_chart=chart,
        gitops_bootstrap_argocd_archive={"content": "H4sIAAAA"})
    [_, helm_chart] = yaml.safe_load_all(manifest)
    # inline, as k3s and RKE2 ship their own charts: RKE2 serves no static charts on the API server's port
    assert helm_chart["spec"]["chartContent"] == "H4sIAAAA" and "chart" not in helm_chart["spec"]
    assert "repo" not in helm_chart["spec"]
    # a new k3s release or image archive runs only after a restart
    k3s_tasks = yaml.safe_load((airgap / ROLE / "tasks/main.yml").read_text())
    assert all(t.get("notify") == "k3s configuration changed" for t in k3s_tasks if "ansible.builtin.get_url" in t)


def test_a_host_with_internet_egress_downloads_from_github(tmp_path_factory):
    repo = rendered_plan(ONPREM, tmp_path_factory)
    defaults = yaml.safe_load((repo / ROLE / "defaults/main.yml").read_text())
    assert defaults["k3s_install_release_url"] == "https://github.com/k3s-io/k3s/releases/download"
    assert defaults["k3s_install_airgap"] is False
    assert "Air-gapped" not in (repo / "ansible/README.md").read_text()
    group_vars = yaml.safe_load((repo / "ansible/inventories/prod/group_vars/all/main.yml").read_text())
    assert "baseline_apt_update_cache" not in group_vars and "archive_url" not in group_vars["gitops_bootstrap_argocd_chart"]
    baseline = yaml.safe_load((repo / "ansible/roles/baseline/defaults/main.yml").read_text())
    assert baseline["baseline_apt_update_cache"] is True


@pytest.mark.parametrize("words", ["no internet-facing endpoints", "no public internet access to the API server"])
def test_inbound_exposure_is_no_air_gap(words: str):
    text = ONPREM.read_text().replace("hosts run Ubuntu 22.04", f"hosts run Ubuntu 22.04; {words}")
    d = decide(parse_text(text, "plan.md"))
    assert not d.answers.airgap and not [n for n in d.not_applied if "air-gapped" in n.why]


def test_a_mirror_and_registry_on_their_own_lines_are_cited_there():
    lines = ONPREM.read_text().split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("## Technical Context"))
    lines[at:at] = ["The plant network is isolated: the nodes have no internet access. Binaries are served from",
                    "the Nexus at https://nexus.plant.example/repository/k3s-releases and images from the registry",
                    "harbor.plant.example.", ""]
    d = decide(parse_text("\n".join(lines), "plan.md"))
    assert (d.answers.artifact_mirror, d.answers.registry_mirror) == (
        "https://nexus.plant.example/repository/k3s-releases", "harbor.plant.example")
    for name, words in (("airgap", "no internet access"), ("artifact_mirror", "https://nexus"),
                        ("registry_mirror", "harbor.plant.example")):
        prov = d.provenance[name]
        assert words in lines[prov.line - 1] and words.split()[0] in prov.text, (name, prov)


@pytest.fixture(scope="module")
def rke2_airgap(tmp_path_factory):
    return rendered_plan(RKE2_AIRGAP, tmp_path_factory)


def test_rke2_and_its_images_come_from_the_mirror_and_the_registry(rke2_airgap):
    repo, role = rke2_airgap, rke2_airgap / "ansible/roles/rke2_install"
    a = decide(parse_plan(RKE2_AIRGAP)).answers
    assert (a.airgap, a.artifact_mirror, a.registry_mirror) == (
        True, "https://nexus.plant.example/repository/rke2", "harbor.plant.example")
    defaults = yaml.safe_load((role / "defaults/main.yml").read_text())
    assert defaults["rke2_install_release_url"] == "https://nexus.plant.example/repository/rke2"
    assert (defaults["rke2_install_airgap"], defaults["rke2_install_registry_mirror"]) == (True, "harbor.plant.example")
    tasks = {t["name"]: t for t in yaml.safe_load((role / "tasks/main.yml").read_text())}
    images = next(t for name, t in tasks.items() if name.startswith("Download the release's air-gap images"))
    assert images["ansible.builtin.get_url"]["url"].endswith("/rke2-images.linux-{{ rke2_install_arch }}.tar.zst")
    assert images["ansible.builtin.get_url"]["checksum"] == (
        "sha256:{{ rke2_install_base }}/sha256sum-{{ rke2_install_arch }}.txt")
    assert images["ansible.builtin.get_url"]["dest"].startswith("/var/lib/rancher/rke2/agent/images/")
    registries = tasks["Pull every image through the registry mirror"]
    assert registries["ansible.builtin.template"]["dest"] == "/etc/rancher/rke2/registries.yaml"
    from jinja2 import Environment, StrictUndefined

    template = (role / "templates/registries.yaml.j2").read_text()
    rendered = yaml.safe_load(Environment(undefined=StrictUndefined).from_string(template).render(**defaults))
    assert {m["endpoint"][0] for m in rendered["mirrors"].values()} == {"https://harbor.plant.example"}
    # the binary, the image archive and the registries restart the service of each play
    assert {t["name"] for t in tasks.values() if t.get("notify") == "rke2 configuration changed"} == {
        "Unpack RKE2 into /usr/local (binary and systemd units)", images["name"], registries["name"]}
    for role_name in ("rke2_server", "rke2_agent"):
        [handler] = yaml.safe_load((repo / f"ansible/roles/{role_name}/handlers/main.yml").read_text())
        assert handler["listen"] == "rke2 configuration changed"
        # no restart right after the run's first start, which already runs the new binary and configuration
        started = next(t for t in yaml.safe_load((repo / f"ansible/roles/{role_name}/tasks/main.yml").read_text())
                       if t["name"].startswith("Start the RKE2"))
        assert handler["when"] == f"not ({started['register']}.changed | default(false))"
    readme = (repo / "ansible/README.md").read_text()
    assert "https://nexus.plant.example/repository/rke2/v1.30.1%2Brke2r1/` holds `rke2.linux-amd64.tar.gz`" in readme
    assert "`/etc/rancher/rke2/registries.yaml` maps" in readme and "k3s" not in readme


def test_rke2_takes_argo_cd_s_chart_and_the_packages_from_the_mirror(rke2_airgap):
    group_vars = yaml.safe_load((rke2_airgap / "ansible/inventories/prod/group_vars/all/main.yml").read_text())
    assert group_vars["baseline_apt_update_cache"] is False
    assert group_vars["gitops_bootstrap_manifests_dir"] == "/var/lib/rancher/rke2/server/manifests"
    chart = group_vars["gitops_bootstrap_argocd_chart"]
    assert chart["archive_url"] == f"https://nexus.plant.example/repository/rke2/charts/argo-cd-{chart['version']}.tgz"


def test_an_rke2_host_with_internet_egress_downloads_from_github(tmp_path_factory):
    repo = rendered_plan(PLANS / "onprem-rke2-ansible.plan.md", tmp_path_factory)
    defaults = yaml.safe_load((repo / "ansible/roles/rke2_install/defaults/main.yml").read_text())
    assert defaults["rke2_install_release_url"] == "https://github.com/rancher/rke2/releases/download"
    assert defaults["rke2_install_airgap"] is False
    group_vars = yaml.safe_load((repo / "ansible/inventories/prod/group_vars/all/main.yml").read_text())
    assert "baseline_apt_update_cache" not in group_vars
