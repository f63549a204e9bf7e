"""Validation units: --list-units, --changed-since, --shard and the result cache, on generated repositories."""
from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from testlib import generate_repo, require_tool

from planforge.cli import main
from planforge.errors import UsageError
from planforge.validate.base import Check, Context, Settings, Target
from planforge.validate.kustomize import KustomizeValidator
from planforge.validate.policy import PolicyValidator
from planforge.validate.runner import list_units, run_validation
from planforge.validate.unit_selection import Selection

UNITS_SCHEMA = Path(__file__).resolve().parents[2] / "src" / "planforge" / "data" / "units.schema.json"
TENANT_ROOTS = ["terraform-root:terraform/tenants/acme", "terraform-root:terraform/tenants/globex",
                "terraform-root:terraform/tenants/initech"]
OVERLAYS = [f"kustomization:kubernetes/tenants/{t}/apps/analytics-api/{e}"
            for t in ("acme", "globex", "initech") for e in ("prod", "staging")]


def _git_repo(source: Path, dest: Path) -> Path:
    """A copy of a generated repository (`planforge new` commits it) to change."""
    shutil.copytree(source, dest, symlinks=True)
    assert (dest / ".git").is_dir()
    return dest


@pytest.fixture
def saas(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    """The multi-tenant AWS repository, committed in git."""
    return _git_repo(generate_repo("multi-tenant-saas", tmp_path_factory), tmp_path / "repo")


def _ids(root: Path, selection: Selection, only: list[str] | None = None) -> list[str]:
    return [u.id for u in list_units([root], Settings(), only, selection)]


def _append(path: Path, text: str = "\n# changed\n") -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def test_units_name_their_kind_files_and_dependencies(saas: Path) -> None:
    units = {u.id: u for u in list_units([saas], Settings())}
    acme = units["terraform-root:terraform/tenants/acme"]
    assert acme.kind == "terraform-root"
    assert "terraform/tenants/acme/prod.tfvars" in acme.paths
    assert acme.depends_on == ("terraform-module:terraform/modules/database", "terraform-module:terraform/modules/kms")
    overlay = units["kustomization:kubernetes/tenants/acme/apps/analytics-api/prod"]
    assert overlay.depends_on == ("kustomization:kubernetes/apps/analytics-api/base",)
    assert "gitops:argocd/applications/prod" in units
    assert units["gitops:argocd/applications/prod"].depends_on == (  # the AppProjects: beside the root app too
        "gitops:argocd/bootstrap", *(o for o in OVERLAYS if o.endswith("prod")), "manifests:argocd/projects")


def test_tenant_tfvars_change_selects_its_root_only(saas: Path) -> None:
    _append(saas / "terraform/tenants/acme/prod.tfvars")
    assert _ids(saas, Selection(changed_since="HEAD")) == ["terraform-root:terraform/tenants/acme"]


def test_a_deleted_file_selects_the_unit_that_held_it_and_a_settings_change_everything(saas: Path) -> None:
    (saas / "terraform/tenants/globex/staging.tfvars").unlink()
    assert _ids(saas, Selection(changed_since="HEAD")) == ["terraform-root:terraform/tenants/globex"]
    _append(saas / ".planforge.yaml")
    assert _ids(saas, Selection(changed_since="HEAD")) == _ids(saas, Selection())


def test_module_change_selects_every_root_using_it(saas: Path) -> None:
    _append(saas / "terraform/modules/kms/main.tf")
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "kms"],
                   cwd=saas, check=True)
    assert _ids(saas, Selection(changed_since="HEAD~1")) == [
        "terraform-module:terraform/modules/kms", "terraform-root:terraform/shared/security", *TENANT_ROOTS]


def test_kustomize_base_change_selects_its_overlays_and_the_apps_deploying_them(saas: Path) -> None:
    _append(saas / "kubernetes/apps/analytics-api/base/deployment.yaml")
    assert _ids(saas, Selection(changed_since="HEAD"), ["kustomize"]) == [
        "kustomization:kubernetes/apps/analytics-api/base", *OVERLAYS]
    everything = _ids(saas, Selection(changed_since="HEAD"))
    assert not any(i.startswith("terraform") for i in everything)
    assert "gitops:argocd/bootstrap" in everything  # its app of apps reaches the overlays


def test_chart_values_change_selects_that_values_file_with_its_chart(tmp_path_factory: pytest.TempPathFactory,
                                                                     tmp_path: Path) -> None:
    repo = _git_repo(generate_repo("helm-chart-payments", tmp_path_factory), tmp_path / "chart")
    units = _ids(repo, Selection())
    assert "helm-values:charts/payments-service/platforms/eks.yaml" in units
    _append(repo / "charts/payments-service/platforms/eks.yaml")
    ci = [f"helm-values:charts/payments-service/ci/{name}-values.yaml"
          for name in ("advanced", "default", "production")]
    assert _ids(repo, Selection(changed_since="HEAD"), ["helm"]) == [  # its default rendering needs ci/ values
        "helm-chart:charts/payments-service", *ci, "helm-values:charts/payments-service/platforms/eks.yaml"]


def test_a_values_change_renders_only_that_values_file(tmp_path_factory: pytest.TempPathFactory,
                                                      tmp_path: Path) -> None:
    repo = _git_repo(generate_repo("helm-chart-payments", tmp_path_factory), tmp_path / "chart")
    _append(repo / "charts/payments-service/platforms/eks.yaml")
    checks = run_validation([repo], Settings(), ["helm"], selection=Selection(changed_since="HEAD"))
    assert sorted(c.name for c in checks if c.validator == "helm") == [
        "lint", "render[ci/advanced-values.yaml]", "render[ci/default-values.yaml]",
        "render[ci/production-values.yaml]", "render[default]", "render[platforms/eks.yaml]"]
    full = run_validation([repo], Settings(), ["helm"], selection=Selection())
    assert "render[platforms/gke.yaml]" in {c.name for c in full}


def test_shards_are_disjoint_and_cover_every_unit(saas: Path) -> None:
    everything = set(_ids(saas, Selection()))
    shards = [set(_ids(saas, Selection(shard=(i, 3)))) for i in (1, 2, 3)]
    assert set().union(*shards) == everything
    assert sum(len(s) for s in shards) == len(everything)
    assert all(s for s in shards)
    assert _ids(saas, Selection(shard=(2, 3))) == _ids(saas, Selection(shard=(2, 3)))  # deterministic
    roots = [sum(1 for i in s if i.startswith("terraform-root")) for s in shards]
    assert max(roots) - min(roots) <= 1  # Terraform roots weigh most: spread evenly


def test_shard_runs_together_make_the_full_run(saas: Path) -> None:
    only = ["kustomize", "schemas", "argocd"]

    def run(selection: Selection) -> list[tuple[str, str, str, str]]:
        return sorted((c.validator, c.name, c.target, c.status.value)
                      for c in run_validation([saas], Settings(), only, selection=selection))

    shards = [run(Selection(shard=(i, 3))) for i in (1, 2, 3)]
    assert sorted(shards[0] + shards[1] + shards[2]) == run(Selection())


def test_result_cache_hit_then_miss_after_a_dependency_change(saas: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))
    built: list[str] = []
    run = KustomizeValidator.run

    def counting(self: KustomizeValidator, target: Target, ctx: Context) -> list[Check]:
        built.append(target.display)
        return run(self, target, ctx)

    monkeypatch.setattr(KustomizeValidator, "run", counting)
    kustomizations = len(list(saas.rglob("kustomization.yaml")))  # one build each
    selection = Selection(use_cache=True)
    notes: list[str] = []
    cold = run_validation([saas], Settings(), ["kustomize"], selection=selection, notes=notes)
    assert notes == [] and len(built) == len(cold) == kustomizations
    built.clear()
    warm = run_validation([saas], Settings(), ["kustomize"], selection=selection, notes=notes)
    assert built == [] and len(notes) == kustomizations and notes[0].startswith("cached: kustomize ")
    assert [(c.target, c.status) for c in warm] == [(c.target, c.status) for c in cold]
    _append(saas / "kubernetes/apps/analytics-api/base/deployment.yaml")
    run_validation([saas], Settings(), ["kustomize"], selection=selection)
    assert sorted(built) == ["kubernetes/apps/analytics-api/base", *(o.split(":", 1)[1] for o in OVERLAYS)]
    built.clear()
    run_validation([saas], Settings(), ["kustomize"], selection=Selection(use_cache=False))
    assert len(built) == kustomizations


def test_cached_targets_still_feed_the_repository_wide_policy_rule(saas: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))
    (saas / "kubernetes/tenants/acme/network-policies.yaml").write_text("", encoding="utf-8")
    ran: list[str] = []
    for cls in (KustomizeValidator, PolicyValidator):
        monkeypatch.setattr(cls, "run", _counting(cls.run, ran))

    def run() -> list[tuple[str, str, str, str]]:
        checks = run_validation([saas], Settings(), ["kustomize", "policy"], selection=Selection(use_cache=True))
        return sorted((c.validator, c.name, c.target, c.status.value) for c in checks)

    cold = run()
    assert ran
    ran.clear()
    assert run() == cold and ran == []
    assert any(c[1].startswith("default-deny") and c[3] == "failed" for c in cold)  # acme lost its policies


def _counting(run: Callable[..., list[Check]], calls: list[str]) -> Callable[..., list[Check]]:
    def counting(self: object, target: Target, ctx: Context) -> list[Check]:
        calls.append(target.display)
        return run(self, target, ctx)

    return counting


def test_cli_lists_units_and_refuses_a_missing_ref(saas: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--list-units", "--shard", "1/2", str(saas)]) == 0
    listed = json.loads(capsys.readouterr().out)
    jsonschema.validate(listed, json.loads(UNITS_SCHEMA.read_text()))
    assert [u["id"] for u in listed["units"]] == _ids(saas, Selection(shard=(1, 2)))
    assert main(["validate", "--list-units", "--only", "terraform", str(saas), "-o", str(saas / "units.json")]) == 0
    written = json.loads((saas / "units.json").read_text(encoding="utf-8"))
    assert {u["kind"] for u in written["units"]} == {"terraform-root", "terraform-module"}
    assert main(["validate", "--changed-since", "no-such-ref", str(saas)]) == 2
    err = capsys.readouterr().err
    assert "no-such-ref" in err and "git fetch --unshallow" in err and "fetch-depth: 0" in err
    assert main(["validate", "--shard", "4/3", str(saas)]) == 2


def test_repository_checks_run_the_rule_a_shard_leaves_out(tmp_path: Path) -> None:
    """--repository-checks: default-deny over every document (plain files and builds), and nothing else."""
    require_tool("kubectl")
    repo = tmp_path / "repo"
    (repo / "namespaces").mkdir(parents=True)
    (repo / "namespaces/namespaces.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: billing\n", encoding="utf-8")
    (repo / "policies").mkdir()
    (repo / "policies/kustomization.yaml").write_text("resources:\n  - deny.yaml\n", encoding="utf-8")
    (repo / "policies/deny.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: shop\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n", encoding="utf-8")
    sharded = run_validation([repo], Settings(), None, selection=Selection(shard=(1, 1)))
    assert sharded and not any(c.name.startswith("default-deny") for c in sharded)
    checks = run_validation([repo], Settings(), None, selection=Selection(repository_only=True))
    assert sorted((c.name, c.status.value) for c in checks) == [
        ("default-deny[billing]", "failed"), ("default-deny[shop]", "passed")]  # shop's policy came from the build
    with pytest.raises(UsageError, match="--repository-checks"):
        Selection(shard=(1, 2), repository_only=True)
    assert main(["validate", "--repository-checks", "--format", "json", "-o", str(tmp_path / "r.json"), str(repo)]) == 1
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {c["name"] for c in report["checks"]} == {"default-deny[billing]", "default-deny[shop]"}


def test_repository_checks_run_no_per_unit_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--repository-checks renders charts and builds kustomizations for their documents and runs nothing else:
    no helm lint, no per-document policy rules (a full run of the same repository does both)."""
    require_tool("kubectl")
    from planforge.validate import kustomize, policy
    from planforge.validate.helm.validator import HelmValidator

    repo = tmp_path / "repo"
    chart = repo / "charts/web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n", encoding="utf-8")
    (chart / "templates/namespace.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n", encoding="utf-8")
    (repo / "policies").mkdir()
    (repo / "policies/kustomization.yaml").write_text("resources:\n  - deny.yaml\n", encoding="utf-8")
    (repo / "policies/deny.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\n  namespace: web\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n", encoding="utf-8")
    ran: list[str] = []

    class Recording:
        def __init__(self, engine: Any) -> None:
            self.engine, self.tool = engine, engine.tool

        def lint(self, *args: Any) -> Any:
            ran.append("helm lint")
            return self.engine.lint(*args)

        def render(self, *args: Any) -> Any:
            ran.append("helm template")
            return self.engine.render(*args)

    real_engine, real_tool = HelmValidator.engine, kustomize.run_tool
    real_rules = policy.validator.check_workloads

    def rules(*args: Any) -> Any:
        ran.append("policy rules")
        return real_rules(*args)

    def tool(command: list[str], **kwargs: Any) -> Any:
        ran.append("kustomize build")
        return real_tool(command, **kwargs)

    monkeypatch.setattr(HelmValidator, "engine", lambda self, ctx: Recording(real_engine(self, ctx)))
    monkeypatch.setattr(kustomize, "run_tool", tool)
    monkeypatch.setattr(policy, "check_workloads", rules)
    monkeypatch.setattr(policy.validator, "check_workloads", rules)
    checks = run_validation([repo], Settings(), None, selection=Selection(repository_only=True))
    assert sorted(ran) == ["helm template", "kustomize build"]
    assert [(c.name, c.status.value) for c in checks] == [("default-deny[web]", "passed")]  # the build's policy
    ran.clear()
    run_validation([repo], Settings(), ["helm", "kustomize", "policy"])
    assert {"helm lint", "helm template", "kustomize build", "policy rules"} <= set(ran)


def test_changed_since_head_validates_only_what_a_commit_changes(tmp_path: Path) -> None:
    """The pre-commit hook's selection (`--changed-since HEAD`): a finding committed earlier in another unit does not
    block a commit; one in the changed unit does; before the first commit every unit counts as changed."""
    repo = tmp_path / "repo"
    for unit, data in (("good", "{a: b}"), ("old", "[1, 2]")):  # a ConfigMap's data must be a mapping
        (repo / unit).mkdir(parents=True)
        (repo / unit / "configmap.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {unit}\n  namespace: shop\ndata: {data}\n",
            encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    hook = ["validate", "--strict", "--only", "schemas", "--changed-since", "HEAD", str(repo)]
    assert main(hook) == 1  # no commit yet: every unit is new, the old finding too
    subprocess.run([*git, "commit", "-qm", "first"], cwd=repo, check=True)
    _append(repo / "good" / "configmap.yaml", "# a comment\n")
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    assert main(hook) == 0  # the committed finding in old/ does not block a change to good/
    _append(repo / "old" / "configmap.yaml", "# a comment\n")
    assert main(hook) == 1
