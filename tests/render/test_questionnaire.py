"""Plain `copier copy` of this repository for a person without a plan: a short questionnaire
(each question with help text, a default and a `when:`), everything else computed, and a
repository that passes `planforge validate --strict`."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from render_helpers import copy_template, make_template_repo, run_cli
from testlib import copier_config

from planforge.decide.answers import SHORTHANDS
from planforge.decide.data import defaults
from planforge.layout import blueprints as derived_blueprints

COPIER = Path(sys.executable).parent / "copier"
STRUCTURES = ["single-iac", "multi-tool", "multi-tenant", "helm-chart"]  # the order of the choices
# What a person must give per structure; everything else has a default.
MUST_GIVE = {"single-iac": [], "multi-tool": [], "multi-tenant": ["tenant_names=acme,globex"], "helm-chart": []}
PLAN_ONLY = {"plan_title", "plan_family", "decisions", "not_applied", "blueprints", "iac_tool", "terraform_version", "state_backend",
             "state_locking", "components", "environment_sizing", "rpo_minutes",
             "backup_retention_days", "storage", "data_residency", "customer_managed_kms", "monitoring"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template_repo(tmp_path_factory.mktemp("tpl") / "template")


@pytest.fixture(scope="module")
def frame_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template without its blueprint trees, as a tagged git repository: the questions, the answers file and the
    message after copy are the full template's; only the rendering is shorter."""
    return make_template_repo(tmp_path_factory.mktemp("frame-tpl") / "template", with_blueprints=False)


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_template(tmp_path_factory.mktemp("frame"), with_blueprints=False)


def computed(frame: Path, tmp_path: Path, **data) -> dict:
    """Every answer (asked, defaulted or computed) Copier's questionnaire ends with."""
    from copier._main import Worker

    with Worker(src_path=str(frame), dst_path=tmp_path / "dst", data=data, defaults=True, quiet=True,
                unsafe=False) as worker:
        worker._ask()
        return dict(worker.answers.user)


@pytest.mark.parametrize("cloud", ["aws", "azure", "gcp"])
def test_computed_answers_follow_planforge_defaults(frame: Path, tmp_path: Path, cloud: str):
    d = defaults()
    a = computed(frame, tmp_path, project_name="acme", structure="multi-tool", cloud=cloud, gitops="argocd",
                 app_names="web, orders-api, billing-backend, worker", high_availability=True,
                 environment_names="dev, prod", compliance_names=["gdpr"])
    assert a["blueprints"] == derived_blueprints("multi-tool", "argocd")
    assert a["iac_tool"] == "terraform" and a["terraform_version"] == d["terraform_version"]
    assert a["region"] == d["regions"][cloud]
    assert (a["state_backend"], a["state_locking"]) == tuple(d["state_backends"][cloud].values())
    assert a["secrets_manager"] == d["secrets_managers"][cloud]
    assert a["kubernetes_distribution"] == d["kubernetes_distribution"][cloud]
    assert a["kubernetes_version"] == d["kubernetes_version"] and a["platforms"] == [a["kubernetes_distribution"]]
    assert a["environments"] == ["dev", "prod"] and a["compliance"] == ["gdpr"] and a["customer_managed_kms"] is True
    # node counts not stated (no minimum, a maximum of 0), so the blueprint's per-environment defaults apply
    assert [(s["name"], s["min_size"], s["max_size"]) for s in a["environment_sizing"]] == [
        ("dev", None, 0), ("prod", None, 0)]
    expected = []
    for name in ("web", "orders-api", "billing-backend", "worker"):
        known = [k for k in d["service_defaults"] if k != "service" and (name == k or name.startswith(k + "-")
                                                                          or name.endswith("-" + k))]
        sd = d["service_defaults"][known[0] if known else "service"]
        expected.append({"name": name, "image": f"{d['image_registry']}/acme/{name}", "tag": "0.1.0",
                         "port": sd["port"], "health_path": sd["health_path"], "replicas": 1, "prod_replicas": 2})
    assert a["apps"] == expected


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("gitops", ["argocd", "none"])
def test_blueprints_are_computed_from_structure_and_gitops(frame: Path, tmp_path: Path, structure: str, gitops: str):
    a = computed(frame, tmp_path, project_name="acme", structure=structure, gitops=gitops, tenant_names="a")
    assert sorted(a["blueprints"]) == sorted(derived_blueprints(structure, gitops))  # in the order of the choices


def test_helm_chart_answers(frame: Path, tmp_path: Path):
    a = computed(frame, tmp_path, project_name="shop", structure="helm-chart", service_names="web,api")
    assert a["blueprints"] == ["helm-chart"] and a["cloud"] == "none" and a["iac_tool"] == "none"
    assert a["chart_name"] == "shop" and a["platforms"] == [defaults()["platform"]]
    assert a["secrets_manager"] == "kubernetes" and [s["name"] for s in a["services"]] == ["web", "api"]
    assert a["kubernetes_version"] == defaults()["chart_kubernetes_version"]  # the charts' floor, not a cluster's


@pytest.mark.slow
@pytest.mark.parametrize("structure", STRUCTURES)
def test_copier_copy_with_defaults_validates_strictly(template: Path, tmp_path: Path, structure: str, capsys,
                                                       monkeypatch: pytest.MonkeyPatch):
    dest = tmp_path / "repo"
    data = ["project_name=acme", f"structure={structure}", "cloud=aws", *MUST_GIVE[structure]]
    args = [str(COPIER), "copy", "--defaults", "--quiet", *[x for d in data for x in ("-d", d)], str(template), str(dest)]
    subprocess.run(args, check=True, capture_output=True, text=True)
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert not PLAN_ONLY & set(recorded)
    assert ("kubernetes_version" in recorded) == (structure != "single-iac")  # asked, so recorded
    # the default components are the controllers the answers need (the default secret store's External Secrets)
    assert recorded.get("component_names") == ("external-secrets" if structure in ("multi-tool", "multi-tenant")
                                               else None if structure == "single-iac" else "")
    if Path("/opt/tf-plugins").is_dir():
        monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", "/opt/tf-plugins")
    code, out, err = run_cli("validate", str(dest), "--strict", capsys=capsys)
    assert code == 0, out + err


def _copier_in_a_pty(pexpect, template: Path, dest: Path, home: Path):
    """`copier copy TEMPLATE DEST` in a pty, without cursor position requests: a pty answers none, and
    prompt_toolkit would wait for each answer before drawing a prompt."""
    return pexpect.spawn(str(COPIER), ["copy", str(template), str(dest)], encoding="utf-8", timeout=60,
                         dimensions=(50, 250),
                         env={**os.environ, "TERM": "xterm", "HOME": str(home), "PROMPT_TOOLKIT_NO_CPR": "1"})


@pytest.mark.slow
@pytest.mark.parametrize("structure", STRUCTURES)
def test_an_interactive_session_asks_a_short_questionnaire(frame_repo: Path, tmp_path: Path, structure: str):
    """The real `copier copy` CLI in a pty, answered like a person: a name, the structure,
    tenants where needed, Enter for every default."""
    pexpect = pytest.importorskip("pexpect")
    dest = tmp_path / "repo"
    child = _copier_in_a_pty(pexpect, frame_repo, dest, tmp_path)
    asked: list[str] = []
    transcript = ""
    try:
        while child.expect([r"\U0001f3a4(?:\x1b\[[0-9;]*m)* ([^\r\n\x1b]+)", pexpect.EOF]) == 0:
            question = child.match.group(1).strip()
            if asked and question == asked[-1]:
                continue  # the prompt redrawn with its answer
            asked.append(question)
            if question.startswith("Project name"):
                child.send("\x15acme\r")  # Ctrl-U clears the default (the folder name)
            elif question.startswith("Repository structure"):
                child.send("\x1b[B" * STRUCTURES.index(structure) + "\r")
            elif question.startswith("Tenants"):
                child.send("acme, globex\r")
            else:
                child.send("\r")
        transcript = child.before or ""
    finally:
        child.close()
    assert child.exitstatus == 0, asked
    # a typical repository (multi-tool, multi-tenant) is asked 10-16 questions, the simpler ones fewer
    assert (10 if structure in ("multi-tool", "multi-tenant") else 8) <= len(asked) <= 16, asked
    assert any(q.startswith("Kubernetes minor version") for q in asked) == (structure != "single-iac"), asked
    assert any(q.startswith("Catalog components to install") for q in asked) == (structure != "single-iac"), asked
    assert "git init -b main" in transcript and "planforge validate . --strict" in transcript  # the next steps
    for internal in ("plan's title", "template family", "Blueprints", "Infrastructure-as-code", "required_version",
                     "state backend", "state locking", "Catalog components (upstream", "Days backups", "sizing", "README", "monitoring"):
        assert not [q for q in asked if internal in q], (internal, asked)
    if structure != "helm-chart":
        assert not [q for q in asked if "Dapr" in q or "Kafka" in q or "chart" in q.lower()], asked
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert recorded["structure"] == structure and recorded["project_name"] == "acme"
    assert not PLAN_ONLY & set(recorded)
    assert ("kubernetes_version" in recorded) == (structure != "single-iac")  # asked, so recorded
    assert set(recorded) - {"_commit", "_src_path"} <= set(copier_config())


def test_component_names_become_the_catalogs_pinned_charts_with_what_they_need(frame: Path, tmp_path: Path):
    from planforge.catalog import load_catalog

    charts = load_catalog()["charts"]
    a = computed(frame, tmp_path, project_name="acme", structure="multi-tool", cloud="aws", gitops="argocd",
                 component_names="Nginx Ingress, loki, metrics-server, ingress-nginx")
    assert [(c["name"], c["notes"]) for c in a["components"]] == [
        ("ingress-nginx", ""), ("loki", ""), ("metrics-server", ""),
        ("argo-cd", "added: required by the Argo CD Applications"),
        ("external-secrets", "added: required by the aws-secrets-manager secret store"),
        ("alloy", "added: required by loki")]
    for component in a["components"]:
        entry = charts[component["name"]]
        assert (component["chart_repo"], component["chart"], component["version"], component["namespace"]) == (
            entry["chart_repo"], entry["chart"], str(entry["version"]), entry["namespace"])
    # the default: the controllers earlier answers need (Argo CD for its Applications, External Secrets for the store)
    default = computed(frame, tmp_path, project_name="acme", structure="multi-tool", cloud="aws", gitops="argocd")
    assert [c["name"] for c in default["components"]] == ["argo-cd", "external-secrets"]
    plain = computed(frame, tmp_path, project_name="acme", structure="multi-tool", cloud="aws", gitops="none",
                     secrets_manager="kubernetes")
    assert plain["components"] == []
    # left out of the names, what the answers need is added all the same: nothing ships without its controller
    kept = computed(frame, tmp_path, project_name="acme", structure="multi-tenant", tenant_names="a", cloud="gcp",
                    gitops="argocd", component_names="velero")
    assert [(c["name"], c["notes"]) for c in kept["components"]] == [
        ("velero", ""), ("argo-cd", "added: required by the Argo CD Applications"),
        ("external-secrets", "added: required by the gcp-secret-manager secret store")]
    assert computed(frame, tmp_path, project_name="acme", structure="single-iac", cloud="aws")["components"] == []


def test_a_component_outside_the_catalog_is_refused_with_the_names_it_knows(frame: Path, tmp_path: Path):
    with pytest.raises(ValueError, match=r'component_names\[1\] "traefik" is not in the component catalog '
                                         r"\(use one of: ingress-nginx, "):
        computed(frame, tmp_path, project_name="acme", structure="multi-tool", cloud="aws",
                 component_names="cert-manager, traefik")


@pytest.mark.slow
def test_an_interactive_session_refuses_another_clouds_region_until_it_is_fixed(frame_repo: Path, tmp_path: Path):
    """In the real CLI: an Azure region typed for AWS is refused on screen with the reason, and the answer
    corrected to an AWS region is the one recorded."""
    pexpect = pytest.importorskip("pexpect")
    dest = tmp_path / "repo"
    child = _copier_in_a_pty(pexpect, frame_repo, dest, tmp_path)
    refused = corrected = False
    last = ""
    try:
        while child.expect([r"\U0001f3a4(?:\x1b\[[0-9;]*m)* ([^\r\n\x1b]+)", pexpect.EOF]) == 0:
            question = child.match.group(1).strip()
            if question == last:
                continue  # the prompt redrawn with its answer
            last = question
            if question.startswith("Project name"):
                child.send("\x15acme\r")
            elif question.startswith("Cloud region") and not refused:
                child.send("\x15westeurope\r")
                child.expect("region westeurope is not a region of cloud aws")
                refused = True
                child.send("\x15eu-west-1\r")
                corrected = True
            else:
                child.send("\r")
    finally:
        child.close()
    assert refused and corrected and child.exitstatus == 0
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["region"] == "eu-west-1"


def test_the_shorthands_are_asked_only_without_the_answer(frame: Path, tmp_path: Path):
    """planforge's data file (full answers) never meets a shorthand; a person's never needs the answer."""
    config = copier_config()
    for shorthand, answer in SHORTHANDS.items():
        assert f"{answer} is not defined" in config[shorthand]["when"], shorthand
        assert f"{answer} is defined" in config[answer]["when"], answer


def test_every_question_has_help(tmp_path: Path):
    config = copier_config()
    asked = {k: v for k, v in config.items() if not k.startswith("_") and v.get("when") is not False}
    assert [k for k, v in asked.items() if not v.get("help")] == []


def test_copier_is_on_path_for_the_cli_tests():
    assert COPIER.exists() or shutil.which("copier")
