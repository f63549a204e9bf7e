"""The delivery workflow of a helm-chart repository without GitOps: each service's image is built once from the
Dockerfile the plan's tree names and pushed, and that digest is deployed to each environment in order, each deploy
in its GitHub environment and gated on the earlier one's healthy release. The steps' scripts run here with fake
docker and helm on PATH; the helm command they record is replayed with the real helm against the rendered chart."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from test_common_files import assert_actionlint_clean
from testlib import PLANS, plan_group, rendered_copy, rendered_plan

from planforge.validate.base import Severity
from planforge.validate.runner import run_validation
from planforge.validate.settings import resolve_settings

PLAN = PLANS / "chart-delivery-eks.plan.md"
DIGEST = "sha256:" + "ab" * 32
FAKE_DOCKER = f"""#!/usr/bin/env bash
echo "docker $*" >> "$CALLS"
if [ "$1 $2 $3" = "buildx imagetools inspect" ]; then echo '{{"digest": "{DIGEST}"}}'; fi
cat > /dev/null
"""
FAKE_HELM = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$CALLS"
"""


def _workflow(root: Path) -> dict:
    return yaml.safe_load((root / ".github/workflows/deliver.yml").read_text())


def _step(job: dict, prefix: str) -> dict:
    return next(s for s in job["steps"] if s.get("name", "").startswith(prefix))


def _run(step: dict, env: dict[str, str], cwd: Path, fakes: dict[str, str], tmp: Path) -> tuple[int, str, Path]:
    """Run a step's script as the runner runs `shell: bash`, with fake tools first on PATH; (exit code, log, calls)."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, script in fakes.items():
        (bin_dir / name).write_text(script)
        (bin_dir / name).chmod(0o755)
    calls, output = tmp / "calls", tmp / "output"
    calls.write_text("")
    output.write_text("")
    full = {**os.environ, **env, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "CALLS": str(calls),
            "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(tmp / "summary"), "RUNNER_TEMP": str(tmp),
            "GITHUB_SHA": "0123abc", "GITHUB_ACTOR": "octocat", "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "Acme/storefront"}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], env=full,
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    return proc.returncode, proc.stdout + proc.stderr, calls


@plan_group(PLAN)
def test_each_service_is_built_once_and_the_digest_promoted_in_order(tmp_path_factory: pytest.TempPathFactory) -> None:
    jobs = _workflow(rendered_plan(PLAN, tmp_path_factory))["jobs"]
    assert set(jobs) == {"build-api", "build-web", "deploy-staging", "deploy-production"}
    assert jobs["deploy-staging"]["needs"] == ["build-api", "build-web"]
    assert jobs["deploy-production"]["needs"] == ["build-api", "build-web", "deploy-staging"]
    for env in ("staging", "production"):
        job = jobs[f"deploy-{env}"]
        assert job["environment"] == env and job["permissions"] == {"contents": "read", "id-token": "write"}
        deploy = _step(job, "Deploy storefront")
        assert deploy["env"]["DIGEST_API"] == "${{ needs.build-api.outputs.digest }}"
        assert f"--values charts/storefront/values-{env}.yaml" in deploy["run"]
        assert "--values charts/storefront/platforms/eks.yaml" in deploy["run"]
        assert "--atomic --wait" in deploy["run"] and "helm test storefront" in deploy["run"]
    build = jobs["build-api"]
    assert build["permissions"] == {"contents": "read", "packages": "write"}
    assert _step(build, "Build and push")["env"]["DOCKERFILE"] == "services/api/Dockerfile"


@plan_group(PLAN)
def test_the_workflow_is_clean_under_actionlint(tmp_path_factory: pytest.TempPathFactory) -> None:
    assert_actionlint_clean(rendered_plan(PLAN, tmp_path_factory) / ".github/workflows/deliver.yml")


@plan_group(PLAN)
def test_the_build_pushes_by_commit_and_outputs_the_registry_digest(tmp_path_factory: pytest.TempPathFactory,
                                                                      tmp_path: Path) -> None:
    root = rendered_copy(PLAN, tmp_path_factory, tmp_path / "repo")
    (root / "services/api").mkdir(parents=True)
    (root / "services/api/Dockerfile").write_text("FROM scratch\n")
    step = _step(_workflow(root)["jobs"]["build-api"], "Build and push")
    env = {k: v for k, v in step["env"].items() if "${{" not in v}
    env.update(IMAGE="ghcr.io/Acme/api", GITHUB_TOKEN="t0ken")
    code, log, calls = _run(step, env, root, {"docker": FAKE_DOCKER}, tmp_path)
    assert code == 0, log
    recorded = calls.read_text().splitlines()
    assert recorded[0] == "docker login ghcr.io --username octocat --password-stdin"
    assert recorded[1].startswith("docker buildx build --push --file services/api/Dockerfile "
                                  "--tag ghcr.io/acme/api:sha-0123abc ")  # lowercase: the registry's rule
    assert recorded[1].endswith(" services/api")
    assert (tmp_path / "output").read_text().splitlines() == ["image=ghcr.io/acme/api", f"digest={DIGEST}"]


@plan_group(PLAN)
def test_a_missing_dockerfile_fails_the_build_naming_the_file(tmp_path_factory: pytest.TempPathFactory,
                                                                tmp_path: Path) -> None:
    root = rendered_copy(PLAN, tmp_path_factory, tmp_path / "repo")
    step = _step(_workflow(root)["jobs"]["build-web"], "Build and push")
    env = {k: v for k, v in step["env"].items() if "${{" not in v}
    code, log, calls = _run(step, {**env, "IMAGE": "ghcr.io/acme/web"}, root, {"docker": FAKE_DOCKER}, tmp_path)
    assert code == 1 and "::error file=services/web/Dockerfile::no Dockerfile for web" in log
    assert calls.read_text() == ""  # nothing pushed


@plan_group(PLAN)
def test_the_deploy_renders_the_chart_at_the_built_digests(tmp_path_factory: pytest.TempPathFactory,
                                                            tmp_path: Path) -> None:
    """The helm command the deploy step runs, replayed as `helm template` with the real helm: every Deployment
    runs its service's image by digest with production's values."""
    helm = shutil.which("helm")
    if helm is None:
        pytest.skip("no helm binary on PATH (scripts/install-tools.sh installs one into .tools/bin)")
    root = rendered_plan(PLAN, tmp_path_factory)
    step = _step(_workflow(root)["jobs"]["deploy-production"], "Deploy storefront")
    env = {"IMAGE_API": "ghcr.io/acme/api", "DIGEST_API": DIGEST, "IMAGE_WEB": "ghcr.io/acme/web",
           "DIGEST_WEB": "sha256:" + "cd" * 32}
    code, log, calls = _run(step, env, root, {"helm": FAKE_HELM}, tmp_path)
    assert code == 0, log
    upgrade, test = calls.read_text().splitlines()
    assert test == "test storefront --namespace storefront --timeout 5m"
    args = shlex.split(upgrade)
    assert args[:3] == ["upgrade", "--install", "storefront"]
    kept = [a for a in args[3:] if a not in ("--create-namespace", "--atomic", "--wait")]
    kept = [a for i, a in enumerate(kept) if a != "--timeout" and (i == 0 or kept[i - 1] != "--timeout")]
    proc = subprocess.run([helm, "template", "storefront", *kept], capture_output=True, text=True, timeout=120,
                          cwd=root)
    assert proc.returncode == 0, proc.stderr
    deployments = {d["metadata"]["name"]: d for d in yaml.safe_load_all(proc.stdout) if d and d["kind"] == "Deployment"}
    images = {name: d["spec"]["template"]["spec"]["containers"][0]["image"] for name, d in deployments.items()}
    assert sorted(images.values()) == [f"ghcr.io/acme/api@{DIGEST}", "ghcr.io/acme/web@sha256:" + "cd" * 32]
    assert all(d["spec"].get("replicas", 2) >= 2 for d in deployments.values())  # production's values


@plan_group(PLAN)
def test_a_broken_environment_values_file_is_caught(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    root = rendered_copy(PLAN, tmp_path_factory, tmp_path / "repo")
    values = root / "charts/storefront/values-staging.yaml"
    values.write_text(values.read_text().replace("replicaCount: 1", 'replicaCount: "one"', 1))
    settings = resolve_settings({}, environ={}, paths=[str(root)])  # strict: the repository says so
    checks = run_validation([root], settings, only=["helm"])
    errors = [f for c in checks for f in c.findings if f.severity is Severity.ERROR]
    assert errors and {f.rule for f in errors} == {"helm/values-schema"}
    assert all(f.file.endswith("values-staging.yaml") for f in errors)


def test_each_registry_kind_signs_in_its_own_way(tmp_path: Path) -> None:
    """Images the plan states in Amazon ECR and another registry: ECR through an AWS role (OIDC), the other through
    the token secrets; no GHCR pull secret is named when nothing is pushed there."""
    from planforge.decide import decide
    from planforge.plan import parse_plan
    from planforge.render.engine import render_new
    from planforge.render.template import resolve_template

    answers = decide(parse_plan(PLAN)).answers
    api, web = answers.builds
    builds = [api.model_copy(update={"image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api"}),
              web.model_copy(update={"image": "registry.digitalocean.com/acme/web"})]
    root = tmp_path / "repo"
    render_new(answers.model_copy(update={"builds": builds}), root, resolve_template(None, None), init_git=False)
    jobs = _workflow(root)["jobs"]
    assert jobs["build-api"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert _step(jobs["build-api"], "Sign in to AWS")["with"]["aws-region"] == "eu-west-1"
    assert "aws ecr get-login-password --region eu-west-1" in _step(jobs["build-api"], "Build and push")["run"]
    assert jobs["build-web"]["permissions"] == {"contents": "read"}
    assert set(_step(jobs["build-web"], "Build and push")["env"]) >= {"REGISTRY_USERNAME", "REGISTRY_PASSWORD"}
    assert "imagePullSecrets" not in _step(jobs["deploy-production"], "Deploy storefront")["run"]
    readme = (root / "README.md").read_text()
    assert "`AWS_PUSH_ROLE_ARN`" in readme and "may push to\n  registry.digitalocean.com." in readme
    assert "ghcr-pull" not in readme


@plan_group(PLAN)
def test_a_failed_helm_test_rolls_back_or_removes_a_first_install(tmp_path_factory: pytest.TempPathFactory,
                                                                    tmp_path: Path) -> None:
    root = rendered_plan(PLAN, tmp_path_factory)
    step = _step(_workflow(root)["jobs"]["deploy-staging"], "Deploy storefront")
    failing = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$CALLS"
case "$1" in test|rollback) exit 1 ;; esac
"""  # a first install: helm test fails and there is no revision to roll back to
    env = {"IMAGE_API": "ghcr.io/acme/api", "DIGEST_API": DIGEST, "IMAGE_WEB": "ghcr.io/acme/web", "DIGEST_WEB": DIGEST}
    code, log, calls = _run(step, env, root, {"helm": failing}, tmp_path)
    assert code == 1, log
    verbs = [line.split()[0] for line in calls.read_text().splitlines()]
    assert verbs == ["upgrade", "test", "rollback", "uninstall"]
