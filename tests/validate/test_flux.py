"""Flux validator: semantic checks across the repository's Flux Kustomizations, HelmReleases and sources.

`tests/fixtures/flux/good` is a fleet repository in flux2-kustomize-helm-example's layout (two clusters
under `clusters/`, `infrastructure/` controllers and configs, `apps/` base and overlays, a tenant).
Each `tests/fixtures/flux/defects/<case>` holds the files of `good` that carry one injected defect:
a test repository is `good` with those files laid over it.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from planforge.cli import main
from planforge.validate.base import Check, Context, Settings, Severity, Status
from planforge.validate.flux import FluxValidator
from planforge.validate.registry import VALIDATOR_NAMES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flux"


def repository(case: str | None, tmp_path: Path) -> Path:
    root = tmp_path / (case or "good")
    shutil.copytree(FIXTURES / "good", root)
    if case is not None:
        shutil.copytree(FIXTURES / "defects" / case, root, dirs_exist_ok=True)
    return root


def run(root: Path, tmp_path: Path) -> list[Check]:
    def no_documents(docs, origin) -> list[Check]:
        raise AssertionError("the flux validator renders nothing")

    ctx = Context(root, Settings(strict=True), no_documents, tmp_path)
    validator = FluxValidator()
    return [check for target in validator.discover(ctx) for check in validator.run(target, ctx)]


def findings(checks: list[Check]) -> list[tuple[str, str | None, int | None]]:
    return [(f.rule, f.file, f.line) for c in checks for f in c.findings]


def messages(checks: list[Check]) -> list[str]:
    return [f.message for c in checks for f in c.findings]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_good_repository_passes(tmp_path: Path) -> None:
    checks = run(repository(None, tmp_path), tmp_path)
    assert sorted(c.target for c in checks) == [
        "apps/base/podinfo/release.yaml", "apps/base/podinfo/repository.yaml",
        "clusters/production/apps.yaml", "clusters/production/flux-system/gotk-sync.yaml",
        "clusters/production/infrastructure.yaml", "clusters/production/tenants.yaml",
        "clusters/staging/apps.yaml", "clusters/staging/flux-system/gotk-sync.yaml",
        "clusters/staging/infrastructure.yaml", "clusters/staging/tenants.yaml",
        "infrastructure/controllers/base/ingress-nginx/release.yaml",
        "infrastructure/controllers/base/ingress-nginx/repository.yaml", "tenants/base/dev-team/sync.yaml",
    ]
    assert all(c.status is Status.PASSED and c.name == "semantics" for c in checks)
    assert findings(checks) == []


def test_good_repository_passes_strict_validation(tmp_path: Path) -> None:
    """Every validator (schemas with the bundled Flux CRDs, kustomize builds, policy) accepts it."""
    root = repository(None, tmp_path)
    report = tmp_path / "report.json"
    assert main(["validate", str(root), "--strict", "--format", "json", "-o", str(report)]) == 0
    data = json.loads(report.read_text())
    assert data["summary"]["by_validator"]["flux"]["checks"] == 13
    assert data["summary"]["errors"] == 0 and data["summary"]["warnings"] == 0


DEFECTS = [
    ("missing-path", "flux/missing-path", "clusters/staging/apps.yaml", 15, "spec.path './apps/stage' does not exist"),
    ("unbuildable-path", "flux/unbuildable-path", "clusters/production/apps.yaml", 15,
     "spec.path './docs' has no kustomization.yaml and no manifests"),
    ("undefined-source", "flux/undefined-source", "infrastructure/controllers/base/ingress-nginx/release.yaml", 14,
     "names HelmRepository ingress-nginx/ingress-ngnix, which is not defined in the repository"),
    ("missing-dependency", "flux/missing-dependency", "clusters/production/apps.yaml", 9,
     "dependsOn names Kustomization flux-system/infra-config, which is not defined"),
    ("dependency-cycle", "flux/dependency-cycle", "clusters/staging/apps.yaml", 9,
     "cycle: Kustomization flux-system/apps (clusters/staging/apps.yaml) -> Kustomization flux-system/infra-configs "
     "(clusters/staging/infrastructure.yaml) -> Kustomization flux-system/infra-controllers "
     "(clusters/staging/infrastructure.yaml) -> Kustomization flux-system/apps (clusters/staging/apps.yaml)"),
    ("unpinned-chart", "flux/unpinned-chart", "infrastructure/controllers/base/ingress-nginx/release.yaml", 11,
     "version is '>=4.11.0 <5.0.0', not an exact version"),
    ("tenant-service-account", "flux/tenant-service-account", "tenants/base/dev-team/sync.yaml", 17,
     "(in namespace 'dev-team') without spec.serviceAccountName"),
    ("cross-namespace-source", "flux/cross-namespace-source", "tenants/base/dev-team/sync.yaml", 25,
     "in namespace 'dev-team' reads GitRepository flux-system/flux-system from another namespace"),
]


@pytest.mark.parametrize(("case", "rule", "file", "line", "message"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_each_defect_fails_validation_at_its_line(case: str, rule: str, file: str, line: int, message: str,
                                                  tmp_path: Path) -> None:
    root = repository(case, tmp_path)
    report = tmp_path / "report.json"
    assert main(["validate", str(root), "--only", "flux", "--format", "json", "-o", str(report)]) == 1
    got = [f for c in json.loads(report.read_text())["checks"] for f in c["findings"]]
    assert [(f["rule"], f["file"], f["line"]) for f in got] == [(rule, file, line)]
    assert message in got[0]["message"] and got[0]["hint"] and got[0]["severity"] == "error"


def test_every_defect_fixture_is_covered() -> None:
    cases = sorted(p.name for p in (FIXTURES / "defects").iterdir())
    assert cases == sorted([d[0] for d in DEFECTS] + ["deprecated-api"])


def test_deprecated_api_version_is_a_warning_naming_the_current_one(tmp_path: Path) -> None:
    checks = run(repository("deprecated-api", tmp_path), tmp_path)
    (finding,) = [f for c in checks for f in c.findings]
    assert (finding.rule, finding.file, finding.line, finding.severity) == (
        "flux/deprecated-api", "apps/base/podinfo/release.yaml", 1, Severity.WARNING)
    assert finding.hint.startswith("set apiVersion: helm.toolkit.fluxcd.io/v2 ")
    assert all(c.status is Status.PASSED for c in checks)


def test_references_resolve_in_their_own_cluster(tmp_path: Path) -> None:
    """Both clusters name their Kustomizations alike; a name only the other cluster defines is missing here."""
    root = repository(None, tmp_path)
    edit(root / "clusters/staging/infrastructure.yaml", "name: infra-configs", "name: infra-settings")
    edit(root / "clusters/staging/apps.yaml", "- name: infra-configs", "- name: infra-settings")
    # staging's tenants still waits for infra-configs, which only production defines now
    got = run(root, tmp_path)
    assert findings(got) == [("flux/missing-dependency", "clusters/staging/tenants.yaml", 9)]
    assert "defined only in files other clusters apply (Kustomization flux-system/flux-system " \
           "(clusters/production/flux-system/gotk-sync.yaml))" in messages(got)[0]


def test_a_cycle_across_clusters_is_not_a_cycle(tmp_path: Path) -> None:
    """staging orders apps after tenants, production tenants after apps: no cluster has a cycle."""
    root = repository(None, tmp_path)
    edit(root / "clusters/staging/apps.yaml", "- name: infra-configs", "- name: tenants")
    edit(root / "clusters/production/tenants.yaml", "- name: infra-configs", "- name: apps")
    assert findings(run(root, tmp_path)) == []


def test_self_dependency_is_a_cycle(tmp_path: Path) -> None:
    root = repository(None, tmp_path)
    edit(root / "clusters/staging/tenants.yaml", "- name: infra-configs", "- name: infra-configs\n    - name: tenants")
    got = run(root, tmp_path)
    assert findings(got) == [("flux/dependency-cycle", "clusters/staging/tenants.yaml", 10)]
    cycle = "flux-system/tenants (clusters/staging/tenants.yaml) -> Kustomization flux-system/tenants"
    assert cycle in messages(got)[0]


def test_oci_chart_artifact_must_be_pinned(tmp_path: Path) -> None:
    root = repository(None, tmp_path)
    edit(root / "apps/base/podinfo/repository.yaml", "tag: 6.7.1", "semver: '>=6.0.0'")
    got = run(root, tmp_path)
    assert findings(got) == [("flux/unpinned-chart", "apps/base/podinfo/repository.yaml", 10)]
    assert "semver range '>=6.0.0'" in messages(got)[0]


def test_chart_version_missing_is_latest(tmp_path: Path) -> None:
    root = repository(None, tmp_path)
    edit(root / "infrastructure/controllers/base/ingress-nginx/release.yaml", '      version: "4.11.3"\n', "")
    got = run(root, tmp_path)
    assert findings(got) == [("flux/unpinned-chart", "infrastructure/controllers/base/ingress-nginx/release.yaml", 10)]
    assert "version is missing" in messages(got)[0]


def test_chart_in_this_repository_is_a_chart_directory_whatever_its_version(tmp_path: Path) -> None:
    """A chart from a GitRepository has its Chart.yaml's version (no `version` needed); from this
    repository, its path must be a chart directory."""
    root = repository(None, tmp_path)
    release = root / "infrastructure/controllers/base/ingress-nginx/release.yaml"
    edit(release, '      version: "4.11.3"\n', "")
    edit(release, "chart: ingress-nginx", "chart: ./charts/ingress-nginx")
    edit(release, "        kind: HelmRepository\n        name: ingress-nginx",
         "        kind: GitRepository\n        name: flux-system\n        namespace: flux-system")
    got = run(root, tmp_path)
    assert findings(got) == [("flux/missing-path", "infrastructure/controllers/base/ingress-nginx/release.yaml", 10)]
    assert "chart path './charts/ingress-nginx' does not exist" in messages(got)[0]
    (root / "charts/ingress-nginx").mkdir(parents=True)
    (root / "charts/ingress-nginx/Chart.yaml").write_text("apiVersion: v2\nname: ingress-nginx\nversion: 4.11.3\n")
    assert findings(run(root, tmp_path)) == []


def test_source_of_a_kind_that_cannot_serve_there(tmp_path: Path) -> None:
    root = repository(None, tmp_path)
    edit(root / "clusters/staging/apps.yaml", "    kind: GitRepository", "    kind: HelmRepository")
    got = run(root, tmp_path)
    assert findings(got) == [("flux/undefined-source", "clusters/staging/apps.yaml", 13)]
    assert "cannot be a source here" in messages(got)[0]


def test_chart_ref_names_a_defined_source(tmp_path: Path) -> None:
    root = repository(None, tmp_path)
    edit(root / "apps/base/podinfo/release.yaml", "    name: podinfo", "    name: podinfo-chart")
    assert findings(run(root, tmp_path)) == [("flux/undefined-source", "apps/base/podinfo/release.yaml", 10)]


def test_source_namespace_defaults_to_the_referring_objects(tmp_path: Path) -> None:
    root = repository(None, tmp_path)
    edit(root / "infrastructure/controllers/base/ingress-nginx/repository.yaml", "namespace: ingress-nginx",
         "namespace: flux-system")
    assert findings(run(root, tmp_path)) == [
        ("flux/undefined-source", "infrastructure/controllers/base/ingress-nginx/release.yaml", 14)]
    edit(root / "infrastructure/controllers/base/ingress-nginx/release.yaml", "        name: ingress-nginx",
         "        name: ingress-nginx\n        namespace: flux-system")
    assert findings(run(root, tmp_path)) == []


def test_kustomization_under_tenants_is_a_tenant_even_in_flux_system(tmp_path: Path) -> None:
    root = repository(None, tmp_path)
    (root / "tenants/base/ops.yaml").write_text(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ops\n"
        "  namespace: flux-system\nspec:\n  interval: 5m\n  path: ./apps/staging\n  prune: true\n"
        "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n")
    got = run(root, tmp_path)
    assert findings(got) == [("flux/tenant-service-account", "tenants/base/ops.yaml", 6)]
    assert "in a file under a tenants directory" in messages(got)[0]


def test_substituted_values_are_not_checked(tmp_path: Path) -> None:
    root = repository(None, tmp_path)
    edit(root / "clusters/staging/apps.yaml", "path: ./apps/staging", "path: ./apps/${cluster_env}")
    assert findings(run(root, tmp_path)) == []


def test_paths_of_other_repositories_are_not_checked(tmp_path: Path) -> None:
    """The tenant's GitRepository is another repository: its `./deploy` is not looked for here; once its
    URL is this repository's, it is."""
    root = repository(None, tmp_path)
    assert findings(run(root, tmp_path)) == []
    edit(root / "tenants/base/dev-team/sync.yaml", "https://github.com/acme/dev-team-apps",
         "git@github.com:Acme/fleet.git")
    assert findings(run(root, tmp_path)) == [("flux/missing-path", "tenants/base/dev-team/sync.yaml", 20)]


def test_malformed_object_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    """A wrongly typed field (here a sourceRef that is a string) is one located finding, never an internal error."""
    root = repository(None, tmp_path)
    release = root / "infrastructure/controllers/base/ingress-nginx/release.yaml"
    edit(release, "      sourceRef:\n        kind: HelmRepository\n        name: ingress-nginx\n",
         "      sourceRef: ingress-nginx\n")
    assert findings(run(root, tmp_path)) == [
        ("flux/malformed", "infrastructure/controllers/base/ingress-nginx/release.yaml", 6)]


def test_runs_by_default_only_where_flux_objects_are(tmp_path: Path) -> None:
    assert "flux" in VALIDATOR_NAMES
    argo = Path(__file__).resolve().parents[1] / "fixtures" / "argocd" / "clean"
    assert run(argo, tmp_path) == []
    report = tmp_path / "report.json"
    assert main(["validate", str(repository("missing-path", tmp_path)), "--only", "schemas,flux",
                 "--format", "json", "-o", str(report)]) == 1
    assert "flux" in json.loads(report.read_text())["summary"]["by_validator"]


def test_a_long_dependency_chain_is_walked_without_recursion(tmp_path: Path) -> None:
    root = tmp_path / "chain"
    root.mkdir()
    count = 1500  # deeper than Python's recursion limit
    docs = [
        f"apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: k{i}\n"
        f"  namespace: flux-system\nspec:\n  interval: 5m\n  prune: true\n  path: ./\n"
        f"  sourceRef:\n    kind: OCIRepository\n    name: fleet\n  dependsOn:\n    - name: k{(i + 1) % count}\n"
        for i in range(count)]
    source = ("apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: fleet\n"
              "  namespace: flux-system\nspec:\n  interval: 5m\n  url: oci://ghcr.io/acme/fleet\n"
              "  ref:\n    tag: 1.0.0\n")
    (root / "chain.yaml").write_text("---\n".join([source, *docs]))
    got = run(root, tmp_path)
    assert findings(got) == [("flux/dependency-cycle", "chain.yaml", 25)]
    assert messages(got)[0].count(" -> ") == count


def test_a_path_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    root = repository(None, tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    (root / "linked").symlink_to(outside)
    edit(root / "clusters/staging/apps.yaml", "path: ./apps/staging", "path: ./linked")
    assert findings(run(root, tmp_path)) == [("input/outside-root", "clusters/staging/apps.yaml", 15)]


def test_dependencies_resolve_in_the_namespace_they_name(tmp_path: Path) -> None:
    """A dependsOn entry with an explicit namespace is looked up there, not in the referring object's."""
    root = repository(None, tmp_path)
    sync = root / "tenants/base/dev-team/sync.yaml"
    edit(sync, "  serviceAccountName: dev-team\n",
         "  serviceAccountName: dev-team\n  dependsOn:\n    - name: infra-configs\n      namespace: flux-system\n")
    assert findings(run(root, tmp_path)) == []
    edit(sync, "      namespace: flux-system\n", "      namespace: dev-team\n")
    got = run(root, tmp_path)
    assert findings(got) == [("flux/missing-dependency", "tenants/base/dev-team/sync.yaml", 21)]
    assert "dependsOn names Kustomization dev-team/infra-configs" in messages(got)[0]


def test_a_platform_kustomization_may_read_a_source_of_another_namespace(tmp_path: Path) -> None:
    """The lockdown concerns tenants: flux-system's own Kustomizations may name a source's namespace."""
    root = repository(None, tmp_path)
    edit(root / "clusters/production/tenants.yaml", "    name: flux-system\n",
         "    name: flux-system\n    namespace: flux-system\n")
    assert findings(run(root, tmp_path)) == []
