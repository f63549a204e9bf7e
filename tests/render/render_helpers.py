"""Helpers for the render tests: template git repositories, in-process CLI runs, tree
comparison, hand-made answers, one include or macro rendered alone."""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from planforge.cli import main
from planforge.decide.answers import Answers, Component, Decision, EnvironmentSizing, Service
from planforge.layout import copier_data

import testlib
from testlib import GIT_ENV, PLANS, REPO  # noqa: F401  (re-exported for the render tests)

def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def copy_template(dest: Path, *, with_blueprints: bool = True) -> Path:
    """A copy of this repository's template; without blueprints: the common frame only
    (the tests of the frame and the lifecycle render exactly the files under test)."""
    return testlib.copy_template(dest, None if with_blueprints else ())


def make_template_repo(dest: Path, *, with_blueprints: bool = True, tag: str | None = "v1") -> Path:
    copy_template(dest, with_blueprints=with_blueprints)
    git("init", "-q", "-b", "main", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "template v1", cwd=dest)
    if tag:
        git("tag", tag, cwd=dest)
    return dest


def new_from_plan(tmp_path: Path, plan_name: str, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """`planforge new` from a copy of a fixture plan with a tagged template repository: (plan copy, repository)."""
    template = make_template_repo(tmp_path / "template", tag="v1")
    plan = tmp_path / "plan" / "plan.md"
    plan.parent.mkdir()
    shutil.copy(PLANS / plan_name, plan)
    dest = tmp_path / "repo"
    code, _, err = run_cli("new", str(plan), str(dest), "--template", str(template), capsys=capsys)
    assert code == 0, err
    return plan, dest


USER_EDIT = "Owned by the storefront team (edited after generation)."


def commit_user_edits(dest: Path, *files: str) -> list[Path]:
    """A team's edits after generation, committed: USER_EDIT under README.md's title and as a comment at the
    end of each of FILES. Returns the edited files (README.md first)."""
    readme = dest / "README.md"
    readme.write_text(readme.read_text().replace("\n", f"\n\n{USER_EDIT}\n", 1))
    edited = [readme]
    for rel in files:
        path = dest / rel
        path.write_text(path.read_text() + f"# {USER_EDIT}\n")
        edited.append(path)
    git("commit", "-qam", "user edits", cwd=dest)
    return edited


def run_cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def tree(root: Path, *, skip: tuple[str, ...] = (".git",)) -> dict[str, bytes]:
    """Every file (and symlink target) under root, keyed by relative path."""
    result: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] in skip or rel.as_posix() in skip:
            continue
        if path.is_symlink():
            result[rel.as_posix()] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            result[rel.as_posix()] = path.read_bytes()
    return result


def sample_answers(**overrides) -> Answers:
    """Hand-made answers for a multi-tenant AWS repository (independent of plan parsing)."""
    data = dict(
        project_name="acme-platform", plan_title="Multi-Tenant Analytics SaaS", plan_family="specops",
        structure="multi-tenant", blueprints=["terraform", "kubernetes", "argocd"], cloud="aws",
        region="eu-central-1", iac_tool="terraform", terraform_version="1.8", kubernetes_distribution="eks",
        kubernetes_version="1.30", gitops="argocd", state_backend="s3", state_locking="dynamodb",
        secrets_manager="vault", environments=["staging", "prod"], tenants=["acme", "globex"],
        components=[Component(name="ingress-nginx", chart_repo="https://kubernetes.github.io/ingress-nginx",
                              chart="ingress-nginx", version="4.11.5", namespace="ingress-nginx")],
        apps=[Service(name="analytics-api", image="ghcr.io/acme/analytics-api")],
        high_availability=True, rpo_minutes=15, compliance=["gdpr"], customer_managed_kms=True,
        database_engine="postgres", database_version="16",
        environment_sizing=[EnvironmentSizing(name="staging"), EnvironmentSizing(name="prod", multi_az=True)],
        decisions=[Decision(name="structure", value="multi-tenant",
                            source="plan.md:30: **Scale/Scope**: 3 organizations (acme, globex)")],
    )
    data.update(overrides)
    return Answers(**data)


def validate_strict(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                    *options: str, provider_skips: bool = False) -> tuple[int, str]:
    """`planforge validate REPO --strict --fail-on-skip OPTIONS`, the generated CI's command, in process, with the
    Terraform provider mirror when this machine has one: (exit code, text report).

    `provider_skips`: the repository needs a provider that mirror lacks (azurerm, google), so `terraform validate`
    of those roots is skipped here; an environmental skip the generated CI does not have (it runs `terraform init`
    online), so it runs without --fail-on-skip. Any other skip is generated output the user's CI would fail on.
    """
    mirror = testlib.find_terraform_mirror()
    if mirror is not None:
        monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", str(mirror))
    capsys.readouterr()
    fail_on_skip = [] if provider_skips or mirror is None else ["--fail-on-skip"]
    code = main(["validate", str(repo), "--strict", *fail_on_skip, *options])
    return code, capsys.readouterr().out


def generate(plan: Path, dest: Path, repo_url: str) -> Path:
    """`planforge new PLAN DEST --no-git --repo-url URL`, which must succeed."""
    assert main(["new", str(plan), str(dest), "--no-git", "--repo-url", repo_url]) == 0
    return dest


def plan_variant(tmp_path: Path, source: Path, **replace: str) -> Path:
    """A copy of the plan `source` with each `old` text (which must be there) replaced by its `new` text."""
    text = source.read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    plan = tmp_path / "plan.md"
    plan.write_text(text)
    return plan


def kustomize(directory: Path, patches: list[dict] | None = None, workdir: Path | None = None) -> list[dict]:
    """The objects `kubectl kustomize` renders for `directory`; with `patches`, as a GitOps tool applies them (a
    kustomization in `workdir` naming `directory`). Skipped without kubectl."""
    target = directory
    if patches:
        assert workdir is not None
        workdir.mkdir(parents=True)
        (workdir / "kustomization.yaml").write_text(yaml.safe_dump({
            "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "resources": [os.path.relpath(directory, workdir)], "patches": patches}))
        target = workdir
    out = subprocess.run([testlib.require_tool("kubectl"), "kustomize", str(target)], capture_output=True, text=True,
                         check=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def database_egress_cidrs(objects: list[dict]) -> dict[str, list[str]]:
    """namespace -> the ipBlock CIDRs of its allow-database-egress NetworkPolicy among `objects`."""
    return {d["metadata"]["namespace"]: [p["ipBlock"]["cidr"] for r in d["spec"]["egress"] for p in r.get("to", [])]
            for d in objects if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "allow-database-egress"}


def run_wiring(dest: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`planforge validate DEST --only wiring` in process: exit code and output."""
    capsys.readouterr()
    code = main(["validate", str(dest), "--only", "wiring"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


MULTICLOUD_TENANT_PLAN = PLANS / "multi-tenant-multicloud.plan.md"
MULTICLOUD_TENANT_DT = "**Deployment Type**: multi-cloud (AWS primary in eu-central-1, Azure westeurope)"
# The multi-tenant multi-cloud fixture turned around: Azure primary, AWS the other cloud (plan_variant replacements).
AZURE_PRIMARY = {
    "**Cloud Provider**: AWS + Azure": "**Cloud Provider**: Azure + AWS",
    "**Kubernetes**: EKS 1.30": "**Kubernetes**: AKS 1.30",
    "**State Backend**: S3+DynamoDB": "**State Backend**: Azure Blob",
    MULTICLOUD_TENANT_DT: "**Deployment Type**: multi-cloud (Azure primary in westeurope, AWS eu-central-1)"}


def new_with_dns_failover(source: Path, tmp_path: Path) -> Path:
    """`planforge new` from the multi-region plan `source` once its Deployment Type also names Route 53 failover:
    the repository, after checking that the answer `dns_failover` is decided from that line and applied."""
    from planforge.decide import decide
    from planforge.plan import parse_plan

    text = source.read_text().replace("eu-west-1 standby)", "eu-west-1 standby), Route 53 failover")
    plan = tmp_path / "plan.md"
    plan.write_text(text)
    d = decide(parse_plan(plan))
    assert d.answers.dns_failover is True
    assert d.provenance["dns_failover"].line == testlib.line_of(text, "**Deployment Type**")
    assert not [n for n in d.not_applied if "DNS failover" in n.why]
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git"]) == 0
    return dest


def mount_tmpfs(path: Path, size: str = "256k") -> None:
    """A small tmpfs at `path` (a full disk on demand); skips when this machine cannot mount one."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    path.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")



@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small tmpfs mounted at `path` while the block runs."""
    mount_tmpfs(path, size)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _template_worker(data: dict, dest: Path) -> object:
    """planforge's Copier worker over this checkout's template, read in place (never cloned, uncommitted
    changes included), with `data` as the answers and `dest` as the (untouched) destination."""
    from copier._template import Template

    from planforge.render.worker import worker_class

    template = Template(url=str(REPO))
    template.__dict__["local_abspath"] = REPO  # the cached property that would clone a git template
    worker = worker_class()(src_path=str(REPO), dst_path=dest, data=data, defaults=True, quiet=True, unsafe=False)
    worker.__dict__["template"] = template
    return worker


@functools.cache
def template_env():
    """The Jinja environment Copier renders this template with (copier.yml's envops and extensions, Copier's
    filters and globals), built once; no file is rendered."""
    with tempfile.TemporaryDirectory() as dest:
        return _template_worker({}, Path(dest)).jinja_env


def render_include(path: str, context: dict | None = None) -> str:
    """The template file `path` (e.g. 'includes/terraform_root/backend.tf.jinja') rendered with `context`."""
    return template_env().get_template(path).render(context or {})


def render_macro(path: str, macro: str, *args, context: dict | None = None, **kwargs) -> str:
    """The macro `macro` of the template file `path` (e.g. 'includes/k8s.jinja', 'hpa') called with `args` and
    `kwargs`; `context` is what the file's top level and its macros read besides their arguments."""
    module = template_env().get_template(path).make_module(context or {})
    return str(getattr(module, macro)(*args, **kwargs))


@functools.cache
def _answers_context(data_json: str) -> dict:
    with tempfile.TemporaryDirectory() as dest:
        worker = _template_worker(json.loads(data_json), Path(dest))
        worker._ask()
        return worker._render_context()


def answers_context(answers: Answers, **extra) -> dict:
    """What a template file reads when `planforge new` renders `answers`: the answers and every value copier.yml
    computes from them (dirs, flags, nested, ...), from Copier's questionnaire without rendering a file (a few
    seconds, once per answers), plus `extra` (a file's own variables, e.g. env)."""
    return {**_answers_context(json.dumps(copier_data(answers), sort_keys=True)), **extra}


def with_broker(rendered: Path, dest: Path) -> Path:
    """A copy of a rendered repository whose Dapr pub/sub names a real broker instead of the placeholder."""
    shutil.copytree(rendered, dest)
    pubsub = dest / "dapr/pubsub.yaml"
    pubsub.write_text(pubsub.read_text().replace("kafka.example.invalid:9092", "seed-1.redpanda.example.com:9092"))
    return dest
