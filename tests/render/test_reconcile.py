"""The reconcile workflow and `planforge reconcile`: a Flux or Argo CD repository gets a job that applies its first
environment's entry point to a kind cluster at the commit under test and waits for every unit. There is no cluster
here: the workflow's `planforge reconcile` runs against fake kubectl, flux, helm and docker that record each call
(kubectl builds kustomizations and helm renders charts for real), and the recorded objects and waits are asserted."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, plan_group, rendered_plan

REVISION = "0123456789abcdef0123456789abcdef01234567"
RUN_URL = "https://github.com/acme/infra-fork"
FLUX = PLANS / "aws-eks-flux.plan.md"
ARGOCD = PLANS / "aws-eks-argocd.plan.md"
# Records every call and its standard input; kubectl and helm build and render with the real tools; a wait on a name
# listed in FAIL_WAIT fails; a GitRepository has fetched FAKE_FETCHED; docker cannot pull images of the repositories'
# own registries (ghcr.io/<project>/).
FAKE = """#!{python}
import json, os, subprocess, sys
tool, args = os.path.basename(sys.argv[0]), sys.argv[1:]
stdin = "" if sys.stdin.isatty() else sys.stdin.read()
with open(os.environ["CALLS"], "a") as log:
    log.write(json.dumps({{"tool": tool, "args": args, "stdin": stdin}}) + "\\n")
if (tool, args[:1]) in (("kubectl", ["kustomize"]), ("helm", ["template"])):
    sys.exit(subprocess.run([os.environ["REAL_" + tool.upper()], *args], input=stdin, text=True).returncode)
if tool == "kubectl" and "wait" in args and any(a.split("/")[-1] in os.environ.get("FAIL_WAIT", "").split() for a in args):
    print("error: timed out waiting for the condition", file=sys.stderr)
    sys.exit(1)
if tool == "kubectl" and "jsonpath={{.status.artifact.revision}}" in args:
    print(os.environ.get("FAKE_FETCHED", ""))
if tool == "docker" and args[:2] == ["manifest", "inspect"]:
    sys.exit(1 if args[2].startswith("ghcr.io/") else 0)
"""


def _fake_tools(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    for tool in ("kubectl", "flux", "helm", "docker"):
        script = bin_dir / tool
        script.write_text(FAKE.format(python=sys.executable))
        script.chmod(0o755)
    real = {tool: shutil.which(tool) for tool in ("kubectl", "helm")}
    if None in real.values():
        pytest.skip("kubectl or helm is not on PATH: the fakes build kustomizations and render charts with the real ones")
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "REAL_KUBECTL": str(real["kubectl"]),
            "REAL_HELM": str(real["helm"]), "CALLS": str(tmp_path / "calls.jsonl")}


def _step(root: Path, prefix: str) -> dict:
    workflow = yaml.safe_load((root / ".github/workflows/reconcile.yml").read_text())
    return next(s for s in workflow["jobs"]["reconcile"]["steps"] if s.get("name", "").startswith(prefix))


def _run_step(root: Path, env: dict[str, str], **step_env: str) -> subprocess.CompletedProcess[str]:
    """The workflow's reconcile step, its `run` as bash runs it, with the step's variables as GitHub sets them."""
    step = _step(root, "Reconcile")
    return subprocess.run(["bash", "-c", step["run"]], cwd=root, env={**env, **step_env}, capture_output=True,
                          text=True, timeout=300)


def _calls(env: dict[str, str]) -> list[dict]:
    return [json.loads(line) for line in Path(env["CALLS"]).read_text().splitlines()]


def _applied(calls: list[dict]) -> list[dict]:
    return [item for c in calls if c["tool"] == "kubectl" and c["args"][:1] == ["apply"]
            for item in json.loads(c["stdin"])["items"]]


def _assert_schema_valid(objects: list[dict], tmp_path: Path) -> None:
    """What the reconcile applies is valid against the kinds' schemas (Flux's, Argo CD's, Kubernetes')."""
    out = tmp_path / "applied"
    out.mkdir()
    (out / "applied.yaml").write_text(yaml.safe_dump_all(objects, sort_keys=False))
    done = subprocess.run([sys.executable, "-m", "planforge", "validate", str(out), "--only", "schemas", "--strict",
                           "--fail-on-skip"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def _waits(calls: list[dict]) -> list[str]:
    return [next(a for a in c["args"] if "/" in a and not a.startswith("--")) for c in calls
            if c["tool"] == "kubectl" and "wait" in c["args"] and "--for=create" not in c["args"]]


@plan_group(FLUX)
def test_flux_reconcile_applies_the_pull_request_and_waits_for_every_kustomization(tmp_path_factory, tmp_path):
    root = rendered_plan(FLUX, tmp_path_factory)
    env = _fake_tools(tmp_path)
    done = _run_step(root, env, REPOSITORY_URL=RUN_URL, REVISION=REVISION, PULL_REQUEST="7", READ_TOKEN="",
                     FAKE_FETCHED=f"refs/pull/7/head@sha1:{REVISION}")
    assert done.returncode == 0, done.stdout + done.stderr
    calls = _calls(env)
    tools = [c["tool"] for c in calls if c["tool"] != "docker"]
    assert tools.index("flux") < next(i for i, c in enumerate(calls) if c["args"][:1] == ["apply"])
    applied = _applied(calls)
    sources = [o for o in applied if o["kind"] == "GitRepository"]
    assert sources and all(s["spec"]["url"] == RUN_URL and s["spec"]["ref"] == {"name": "refs/pull/7/head"}
                           and "secretRef" not in s["spec"] for s in sources)
    kustomizations = {o["metadata"]["name"]: o for o in applied if o["kind"] == "Kustomization"}
    waited = _waits(calls)
    for name, obj in kustomizations.items():
        assert (f"kustomization/{name}" in waited) != bool(obj["spec"].get("suspend")), name
    # the apps read Secrets External Secrets writes from the cloud and run the plan's own images: applied, their
    # health not awaited, the rest of the layer still checked; the components' layer is awaited whole
    apps = [o for name, o in kustomizations.items() if "-app-" in name]
    assert apps and all(o["spec"]["wait"] is False and o["spec"]["healthChecks"] == [] for o in apps)
    controllers = next(o for name, o in kustomizations.items() if name.endswith("infra-controllers"))
    assert controllers["spec"]["wait"] is True and "healthChecks" not in controllers["spec"]
    _assert_schema_valid(applied, tmp_path)
    assert "cannot be pulled from CI" in done.stdout and "Ready: ok" in done.stdout


@plan_group(FLUX)
def test_a_kustomization_that_does_not_become_ready_fails_the_job_by_name(tmp_path_factory, tmp_path):
    root = rendered_plan(FLUX, tmp_path_factory)
    env = _fake_tools(tmp_path)
    plan = subprocess.run([sys.executable, "-m", "planforge", "reconcile", ".", "--entry", _entry(root), "--plan"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    awaited = next(line.split("/")[1].split(":")[0] for line in plan.stdout.splitlines() if line.endswith(": Ready"))
    env["FAIL_WAIT"] = awaited
    done = _run_step(root, env, REPOSITORY_URL=RUN_URL, REVISION=REVISION, PULL_REQUEST="", READ_TOKEN="")
    assert done.returncode == 1
    assert f"{awaited}: Ready: FAILED" in done.stdout
    assert any(c["args"][-1:] == [f"kustomization/{awaited}"] and "describe" in c["args"] for c in _calls(env))


def _entry(root: Path) -> str:
    return shlex.split(_step(root, "Reconcile")["run"])[shlex.split(_step(root, "Reconcile")["run"]).index("--entry") + 1]


@plan_group(ARGOCD)
def test_argocd_reconcile_installs_the_pinned_chart_and_applies_each_application_at_the_commit(tmp_path_factory,
                                                                                              tmp_path):
    root = rendered_plan(ARGOCD, tmp_path_factory)
    env = _fake_tools(tmp_path)
    token = "ghs_not-a-real-token"
    done = _run_step(root, env, REPOSITORY_URL=RUN_URL, REVISION=REVISION, PULL_REQUEST="", READ_TOKEN=token)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = _calls(env)
    helm = next(c for c in calls if c["tool"] == "helm" and c["args"][:1] == ["upgrade"])
    own = yaml.safe_load(next((root / "argocd").rglob("argo-cd.yaml")).read_text())
    assert helm["args"][helm["args"].index("--version") + 1] == own["spec"]["source"]["targetRevision"]
    assert json.loads(helm["stdin"]) == own["spec"]["source"]["helm"]["valuesObject"]
    assert all(token not in " ".join(c["args"]) for c in calls)
    applied = _applied(calls)
    repository = next(o for o in applied if o["kind"] == "Secret")
    assert repository["metadata"]["labels"] == {"argocd.argoproj.io/secret-type": "repository"}
    applications = [o for o in applied if o["kind"] == "Application"]
    assert applications and all(o["spec"]["source"].get("path") is None or "applications" not in
                                o["spec"]["source"]["path"] for o in applications)  # no app-of-apps applied
    ours = [s for o in applications for s in [o["spec"]["source"]] if s["repoURL"] == RUN_URL]
    assert ours and all(s["targetRevision"] == REVISION for s in ours)
    names = {f"application/{o['metadata']['name']}" for o in applications}
    synced = [_waits([c])[0] for c in calls if "--for=jsonpath={.status.sync.status}=Synced" in c["args"]]
    healthy = [_waits([c])[0] for c in calls if "--for=jsonpath={.status.health.status}=Healthy" in c["args"]]
    assert sorted(synced) == sorted(names)
    # the components are awaited healthy; the guardrails (a ClusterSecretStore of AWS) and the apps only synced
    assert "application/cert-manager-dev" in healthy and "application/orders-api-dev" not in healthy
    _assert_schema_valid(applied, tmp_path)


def test_the_plan_mode_needs_no_cluster_and_refuses_an_entry_without_gitops_objects(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    done = subprocess.run([sys.executable, "-m", "planforge", "reconcile", str(tmp_path), "--entry", "plain", "--plan",
                           "--repository-url", RUN_URL], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "plain: holds no Flux Kustomization and no Argo CD Application" in done.stderr
    assert "Traceback" not in done.stderr


MULTI_TENANT = PLANS / "multi-tenant-flux.plan.md"


@plan_group(MULTI_TENANT)
def test_kustomizations_applied_from_git_are_changed_by_their_parents_patches(tmp_path_factory, tmp_path):
    """A tenant's Kustomizations live in the tenant's path, which Flux applies from Git: the tenant's Kustomization
    carries the patches that suspend or stop waiting on them (JSON patch text, as Flux reads it)."""
    root = rendered_plan(MULTI_TENANT, tmp_path_factory)
    env = _fake_tools(tmp_path)
    done = _run_step(root, env, REPOSITORY_URL=RUN_URL, REVISION=REVISION, PULL_REQUEST="", READ_TOKEN="")
    assert done.returncode == 0, done.stdout + done.stderr
    applied = _applied(_calls(env))
    patched = {p["target"]["name"]: json.loads(p["patch"]) for o in applied if o["kind"] == "Kustomization"
               for p in o["spec"].get("patches", []) if p["target"]["kind"] == "Kustomization"}
    assert patched, "no Kustomization applied from Git was patched"
    assert all(any(op["path"] in ("/spec/wait", "/spec/suspend") for op in ops) for ops in patched.values())
    suspended = [o["metadata"]["name"] for o in applied if o["kind"] == "Kustomization" and o["spec"].get("suspend")]
    for name in suspended:  # a suspended Kustomization is never waited for
        assert f"kustomization/{name}" not in _waits(_calls(env))
    assert "not reconciled" in done.stdout
    _assert_schema_valid(applied, tmp_path)


DAPR_FLUX = PLANS / "event-driven-dapr-flux.plan.md"


@plan_group(DAPR_FLUX)
def test_the_entrys_helmreleases_of_this_repositorys_charts_are_rendered_and_awaited(tmp_path_factory, tmp_path):
    """The charts' HelmReleases in the entry point are units of their own: rendered with their values (their
    Deployments read a database Secret created outside the repository), installed without waiting for those
    workloads, and awaited Ready."""
    root = rendered_plan(DAPR_FLUX, tmp_path_factory)
    env = _fake_tools(tmp_path)
    done = _run_step(root, env, REPOSITORY_URL=RUN_URL, REVISION=REVISION, PULL_REQUEST="", READ_TOKEN="")
    assert done.returncode == 0, done.stdout + done.stderr
    applied = _applied(_calls(env))
    releases = [o for o in applied if o["kind"] == "HelmRelease"]
    assert releases and all(o["spec"]["install"]["disableWait"] and o["spec"]["upgrade"]["disableWait"]
                            and o["spec"]["install"]["remediation"] for o in releases)
    waited = _waits(_calls(env))
    assert all(f"helmrelease/{o['metadata']['name']}" in waited for o in releases)
    assert "renders Deployment" in done.stdout and "which nothing in the repository creates" in done.stdout
    _assert_schema_valid(applied, tmp_path)


MULTICLOUD = PLANS / "multicloud-aws-azure.plan.md"


@plan_group(MULTICLOUD)
def test_an_entry_point_for_two_clusters_reconciles_one_and_says_why_not_the_other(tmp_path_factory):
    """dev runs on EKS and AKS: both clusters' copies of a component on one kind cluster would fight over the same
    objects, so the Applications of the other cluster are skipped, each with its reason, and Argo CD is installed
    with the reconciled cluster's values."""
    from planforge.validate.reconcile import make_plan, target_for

    root = rendered_plan(MULTICLOUD, tmp_path_factory)
    plan = make_plan(root, _entry(root), target_for(root, RUN_URL, REVISION, False), lambda _image: None)
    skipped = [u for u in plan.units if u.skipped]
    assert skipped and all("is another cluster" in (u.skipped or "") for u in skipped)
    assert not {u.name for u in plan.awaited} & {u.name for u in skipped}
    assert not [o for o in plan.apply if o["kind"] == "Application"]  # Applications go wave by wave, the awaited only
    destinations = {u.spec["destination"].get("server") for u in plan.awaited}
    assert destinations == {"https://kubernetes.default.svc"}


@plan_group(FLUX)
def test_a_pull_request_pushed_again_during_the_run_fails_on_the_fetched_revision(tmp_path_factory, tmp_path):
    """Flux fetches a pull request's reference by name: when it holds another commit than the one under test (a
    push during the run), the reconcile says so instead of testing that commit."""
    root = rendered_plan(FLUX, tmp_path_factory)
    env = _fake_tools(tmp_path)
    done = _run_step(root, env, REPOSITORY_URL=RUN_URL, REVISION=REVISION, PULL_REQUEST="7", READ_TOKEN="",
                     FAKE_FETCHED="refs/pull/7/head@sha1:" + "f" * 40)
    assert done.returncode == 1
    assert f"not {REVISION} (pushed again since?)" in done.stdout


@plan_group(FLUX)
def test_what_waits_for_a_failed_kustomization_is_not_awaited_again(tmp_path_factory, tmp_path):
    """The apps depend on the configuration layer: when it fails, they are reported blocked without a wait of their
    own, so one failure does not spend the deadline once per dependent."""
    root = rendered_plan(FLUX, tmp_path_factory)
    env = _fake_tools(tmp_path)
    configs = next(o["metadata"]["name"] for o in _applied_plan(root, env) if o["kind"] == "Kustomization"
                   and o["metadata"]["name"].endswith("infra-configs"))
    env["FAIL_WAIT"] = configs
    done = _run_step(root, env, REPOSITORY_URL=RUN_URL, REVISION=REVISION, PULL_REQUEST="", READ_TOKEN="")
    assert done.returncode == 1
    dependents = [line for line in done.stdout.splitlines() if f"not awaited: {configs}, which it waits for, failed"
                  in line]
    assert dependents
    waited = _waits(_calls(env))
    for line in dependents:
        name = line.split("/")[1].split(":")[0]
        assert f"kustomization/{name}" not in waited


def _applied_plan(root: Path, env: dict[str, str]) -> list[dict]:
    from planforge.validate.reconcile import make_plan, target_for

    plan = make_plan(root, _entry(root), target_for(root, RUN_URL, REVISION, False), lambda _image: None)
    return plan.apply


@plan_group(ARGOCD)
def test_argocd_applications_are_applied_wave_by_wave_after_the_wave_before_is_awaited(tmp_path_factory, tmp_path):
    root = rendered_plan(ARGOCD, tmp_path_factory)
    env = _fake_tools(tmp_path)
    done = _run_step(root, env, REPOSITORY_URL=RUN_URL, REVISION=REVISION, PULL_REQUEST="", READ_TOKEN="")
    assert done.returncode == 0, done.stdout + done.stderr
    waves: list[int] = []
    for call in _calls(env):
        if call["tool"] == "kubectl" and call["args"][:1] == ["apply"]:
            items = json.loads(call["stdin"])["items"]
            kinds = {item["kind"] for item in items}
            if kinds == {"Application"}:
                found = {int(item["metadata"]["annotations"].get("argocd.argoproj.io/sync-wave", 0)) for item in items}
                assert len(found) == 1, found
                waves.append(found.pop())
        elif call["tool"] == "kubectl" and "wait" in call["args"] and waves:
            assert "--for=create" in call["args"] or any(a.startswith("application/") for a in call["args"])
    assert waves == sorted(waves) and len(waves) > 1


@plan_group(MULTI_TENANT)
def test_a_private_repository_is_read_in_every_namespace_that_reads_it(tmp_path_factory, tmp_path):
    """Each tenant's GitRepository reads the repository from the tenant's namespace: the read credential is created
    there too (and never on a command line)."""
    root = rendered_plan(MULTI_TENANT, tmp_path_factory)
    env = _fake_tools(tmp_path)
    token = "ghs_not-a-real-token"
    done = _run_step(root, env, REPOSITORY_URL=RUN_URL, REVISION=REVISION, PULL_REQUEST="", READ_TOKEN=token)
    assert done.returncode == 0, done.stdout + done.stderr
    calls = _calls(env)
    assert all(token not in " ".join(c["args"]) for c in calls)
    secrets = {o["metadata"]["namespace"] for o in _applied(calls) if o["kind"] == "Secret"
               and o["metadata"]["name"] == "planforge-reconcile-git"}
    assert secrets >= {"flux-system", "acme-staging", "globex-staging", "initech-staging"}
