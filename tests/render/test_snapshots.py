"""Snapshots of generated trees: every path with a hash of its content.

One snapshot per example and real plan (and per answer variant below, for the structure,
cloud and strategy combinations no plan reaches), in `tests/render/snapshots/`; for the
plans of EXAMPLE_PLANS, the whole generated repository too, in `examples/generated/<plan>/`
(compared within the same render, so a template change shows its output in review). A change
to generated output fails here with a readable diff of the listing and of the examples' files;
a change that is meant updates both in the same commit, regenerated with

    PLANFORGE_UPDATE_SNAPSHOTS=1 pytest tests/render/test_snapshots.py

A refused plan's snapshot records the refusal, so a plan that starts or stops being
accepted shows here too.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from testlib import PLANS, REAL_PLANS, REPO, TEST_REPO_URL, per_plan, rendered_plan

from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

SNAPSHOTS = Path(__file__).parent / "snapshots"
EXAMPLES = REPO / "examples" / "generated"
# Plans whose generated repository is kept whole in EXAMPLES, one per shape: Argo CD on EKS, Flux multi-tenant,
# a single Terraform root, a Helm chart, on-premise k3s with Ansible, event-driven services with Dapr.
EXAMPLE_PLANS = ("aws-eks-argocd", "multi-tenant-flux", "aws-single-iac", "helm-chart-payments",
                 "onprem-k3s-ansible", "event-driven-dapr")
# The lines of a changed example file shown in a failure, at most.
EXAMPLE_DIFF_LINES = 400
REPO_URL = TEST_REPO_URL
UPDATE = os.environ.get("PLANFORGE_UPDATE_SNAPSHOTS") == "1"
# Lines of the answers file that name where and which template version rendered it.
VOLATILE = re.compile(rb"^(_commit|_src_path): .*$", re.MULTILINE)

PLAN_FILES = sorted(PLANS.glob("*.plan.md")) + sorted(REAL_PLANS.glob("*.plan.md"))

# The answers that move a plan to another cloud.
ON_AZURE = {"cloud": "azure", "region": "westeurope", "state_backend": "azurerm", "state_locking": "none",
            "secrets_manager": "azure-key-vault"}
ON_GCP = {"cloud": "gcp", "region": "europe-west1", "state_backend": "gcs", "state_locking": "none",
          "secrets_manager": "gcp-secret-manager"}

# name: (plan, answer overrides) for combinations the plans above do not reach.
VARIANTS: dict[str, tuple[str, dict]] = {
    "multi-tenant-azure-aks": ("multi-tenant-saas", {**ON_AZURE, "kubernetes_distribution": "aks"}),
    "multi-tenant-gcp-gke": ("multi-tenant-saas", {**ON_GCP, "kubernetes_distribution": "gke"}),
    "multi-tenant-aws-no-cluster": ("multi-tenant-saas", {"kubernetes_distribution": "none"}),
    "multi-tool-azure": ("aws-eks-argocd", {**ON_AZURE, "kubernetes_distribution": "aks"}),
    "multi-tool-gcp": ("aws-eks-argocd", {**ON_GCP, "kubernetes_distribution": "gke"}),
    "multi-tool-gcp-multiregion": ("aws-eks-multiregion", {**ON_GCP, "kubernetes_distribution": "gke",
                                                           "regions": ["europe-west1", "us-east1"]}),
    "multi-tool-kustomize-only": ("aws-eks-argocd", {"deployment_strategy": "kustomize-only"}),
    "multi-tool-raw-manifests": ("aws-eks-argocd", {"deployment_strategy": "raw-manifests", "components": []}),
    "multi-tool-no-gitops": ("aws-eks-argocd", {"gitops": "none", "blueprints": ["terraform", "kubernetes"]}),
    "multi-tool-workspaces": ("aws-eks-argocd", {"terraform_roots": "workspaces"}),
    "multi-tool-workspaces-tfc": ("aws-eks-tfc", {"terraform_roots": "workspaces"}),
    "single-iac-azure": ("aws-single-iac", ON_AZURE),
    "single-iac-gcp-workspaces": ("aws-single-iac", {**ON_GCP, "terraform_roots": "workspaces"}),
    "single-iac-gcp": ("aws-single-iac", ON_GCP),
    "helm-chart-per-service": ("event-driven-dapr", {"chart_layout": "per-service"}),
    "helm-chart-no-gitops": ("helm-chart-payments", {"gitops": "none", "blueprints": ["helm-chart"]}),
    "multi-tool-flux-kustomize-only": ("aws-eks-flux", {"deployment_strategy": "kustomize-only"}),
    "multi-tool-flux-raw-manifests": ("aws-eks-flux", {"deployment_strategy": "raw-manifests", "components": []}),
}


def contents(root: Path) -> dict[str, bytes]:
    """Every file's content (a symlink as its target, volatile lines masked) by relative path, sorted by path."""
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            files[rel] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            files[rel] = VOLATILE.sub(rb"\1: <template>", path.read_bytes())
    return files


def listing(files: dict[str, bytes]) -> list[str]:
    """`<sha256 prefix> <size> <path>` for every file of `contents`."""
    return [f"{hashlib.sha256(data).hexdigest()[:16]} {len(data):>7} {rel}" for rel, data in files.items()]


def placeholder_destinations(root: Path) -> list[str]:
    """Argo CD destinations (Applications' and AppProjects') whose server is a placeholder (`.invalid`)."""
    found = []
    for path in sorted(root.rglob("*.yaml")):
        if ".git" in path.parts or "argoproj.io/" not in path.read_text(encoding="utf-8"):
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            spec = doc.get("spec") or {} if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith(
                "argoproj.io/") else {}
            for dest in [spec.get("destination") or {}] + list(spec.get("destinations") or []):
                if ".invalid" in str(dest.get("server", "")):
                    found.append(f"{path.relative_to(root)}: {dest['server']}")
    return found


def render(answers, dest: Path) -> dict[str, bytes]:
    render_new(answers, dest, resolve_template(None, None), init_git=False)
    return checked_contents(dest)


def checked_contents(dest: Path) -> dict[str, bytes]:
    # every cluster Argo CD deploys to is a real address or a registered name, never a placeholder
    assert placeholder_destinations(dest) == []
    return contents(dest)


def snapshot_diff(name: str, lines: list[str]) -> str:
    """The diff of the listing against its snapshot ('' when equal); with UPDATE, writes the snapshot."""
    snapshot = SNAPSHOTS / f"{name}.txt"
    text = "\n".join(lines) + "\n"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_text(text, encoding="utf-8")
        return ""
    assert snapshot.is_file(), f"no snapshot {snapshot.name}: run with PLANFORGE_UPDATE_SNAPSHOTS=1 and commit it"
    expected = snapshot.read_text(encoding="utf-8")
    if expected == text:
        return ""
    diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), text.splitlines(keepends=True),
                                        f"snapshots/{snapshot.name}", "generated"))
    return f"the generated tree changed (update the snapshot if that is meant):\n{diff}"


def write_example(target: Path, files: dict[str, bytes], generated: Path) -> None:
    """The repository generated in `generated` (its `files`) as EXAMPLES/<plan>, replacing what was there;
    executable files stay executable."""
    shutil.rmtree(target, ignore_errors=True)
    for rel, data in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        shutil.copymode(generated / rel, path)


def file_diff(old: bytes | None, new: bytes | None, rel: str) -> list[str]:
    """A unified diff of one example file (absent: empty), its content read as text."""
    def text(data: bytes | None) -> list[str]:
        return data.decode("utf-8", "replace").splitlines(keepends=True) if data is not None else []
    return [line if line.endswith("\n") else line + "\n" for line in difflib.unified_diff(
        text(old), text(new), f"a/{rel}" if old is not None else "/dev/null",
        f"b/{rel}" if new is not None else "/dev/null", n=2)]


def example_diff(name: str, files: dict[str, bytes], generated: Path) -> str:
    """The diff of the repository generated in `generated` (its `files`) against examples/generated/<plan> ('' when
    equal); with UPDATE, rewrites the example."""
    target = EXAMPLES / name
    if UPDATE:
        write_example(target, files, generated)
        return ""
    kept = contents(target) if target.is_dir() else {}
    diff = [line for rel in sorted(kept.keys() | files.keys()) if kept.get(rel) != files.get(rel)
            for line in file_diff(kept.get(rel), files.get(rel), f"{target.relative_to(REPO).as_posix()}/{rel}")]
    if not diff:
        return ""
    shown = diff[:EXAMPLE_DIFF_LINES] + ([f"... {len(diff) - EXAMPLE_DIFF_LINES} more lines\n"]
                                         if len(diff) > EXAMPLE_DIFF_LINES else [])
    return (f"the generated repository differs from {target.relative_to(REPO)} (-: the example, +: this render; "
            f"update it with the snapshots if that is meant):\n" + "".join(shown))


def check(*diffs: str) -> None:
    failures = [d for d in diffs if d]
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.mark.parametrize("plan", per_plan(PLAN_FILES, id_width=48))
def test_generated_tree_matches_snapshot(plan: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    name = plan.name.removesuffix(".plan.md")
    try:
        # the render of the plan's answers with REPO_URL, which the other per-plan tests of this worker read too
        dest = rendered_plan(plan, tmp_path_factory, REPO_URL)
    except RefusedError as exc:
        assert name not in EXAMPLE_PLANS, f"the example plan {name} is refused"
        problems = sorted(exc.problems, key=lambda p: (p.line or 0, p.field or ""))
        check(snapshot_diff(name, ["refused"] + [f"{p.line}: {p.field}: {p.message}" for p in problems]))
        return
    files = checked_contents(dest)
    check(snapshot_diff(name, listing(files)), example_diff(name, files, dest) if name in EXAMPLE_PLANS else "")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_tree_matches_snapshot(variant: str, tmp_path: Path) -> None:
    plan, overrides = VARIANTS[variant]
    answers = decide(parse_plan(PLANS / f"{plan}.plan.md")).answers
    if overrides.get("cloud", answers.cloud) != answers.cloud:
        # the plan's node types (stated, or a default the capacity rule moved up) are the other cloud's
        overrides = {**overrides, "environment_sizing": [
            s.model_copy(update={"instance_type": None, "db_instance_class": None}) for s in answers.environment_sizing]}
    if overrides.get("kubernetes_distribution", answers.kubernetes_distribution) != answers.kubernetes_distribution:
        # the node autoscaler the closure installs on EKS: built into AKS and GKE, no cluster without one
        overrides = {"components": [c for c in answers.components if c.name != "cluster-autoscaler"], **overrides}
    changed = answers.model_validate({**answers.model_dump(), "repo_url": REPO_URL, **overrides})
    check(snapshot_diff(f"variant-{variant}", listing(render(changed, tmp_path / "repo"))))


def test_every_snapshot_belongs_to_a_case() -> None:
    """A snapshot left behind by a removed plan or variant is an error, not dead weight."""
    names = {p.name.removesuffix(".plan.md") for p in PLAN_FILES} | {f"variant-{v}" for v in VARIANTS}
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.txt") if p.stem not in names) == []


def test_every_example_belongs_to_an_example_plan() -> None:
    """examples/generated holds exactly the repositories of EXAMPLE_PLANS, each a fixture plan."""
    plans = {p.name.removesuffix(".plan.md") for p in PLAN_FILES}
    assert [name for name in EXAMPLE_PLANS if name not in plans] == []
    assert sorted(p.name for p in EXAMPLES.iterdir()) == sorted(EXAMPLE_PLANS)
