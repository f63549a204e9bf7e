"""ArgoCD validator: semantic checks across the repository's Applications and AppProjects.

Each fixture under tests/fixtures/argocd is the `clean` repository with exactly one defect.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from testlib import generate_repo

from planforge.validate.argocd import ArgoCDValidator, is_exact_version, normalize_repo_url
from planforge.validate.base import Check, Context, Settings, Severity, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "argocd"


def no_documents(docs, origin) -> list[Check]:
    raise AssertionError("the argocd validator renders nothing")


def run(root: Path, tmp_path: Path) -> list[Check]:
    ctx = Context(root, Settings(strict=True), no_documents, tmp_path)
    validator = ArgoCDValidator()
    checks: list[Check] = []
    for target in validator.discover(ctx):
        checks.extend(validator.run(target, ctx))
    return checks


def findings(checks: list[Check]) -> list[tuple[str, str | None, int | None]]:
    return [(f.rule, f.file, f.line) for c in checks for f in c.findings]


def test_clean_repository_passes(tmp_path: Path) -> None:
    checks = run(FIXTURES / "clean", tmp_path)
    # One target per file holding Applications / ApplicationSets (AppProjects are only referenced).
    assert sorted(c.target for c in checks) == [
        "argocd/apps/redis.yaml", "argocd/apps/upstream.yaml", "argocd/apps/web.yaml",
        "argocd/previews.yaml", "argocd/root.yaml",
    ]
    assert all(c.status is Status.PASSED and c.name == "semantics" for c in checks)
    assert findings(checks) == []


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing-path", ("argocd/missing-path", "argocd/apps/web.yaml", 11)),
        ("unknown-project", ("argocd/unknown-project", "argocd/apps/web.yaml", 7)),
        ("unpinned-chart", ("argocd/unpinned-chart", "argocd/apps/redis.yaml", 11)),
        ("destination-not-allowed", ("argocd/destination-not-allowed", "argocd/apps/web.yaml", 14)),
        ("unresolved-child", ("argocd/unresolved-child", "argocd/apps/settings.yaml", 2)),
    ],
)
def test_one_defect_one_finding(case: str, expected: tuple[str, str, int], tmp_path: Path) -> None:
    checks = run(FIXTURES / case, tmp_path)
    assert findings(checks) == [expected]
    finding = next(f for c in checks for f in c.findings)
    assert finding.severity is Severity.ERROR and finding.hint
    failed = [c for c in checks if c.status is Status.FAILED]
    assert len(failed) == 1


def test_finding_details(tmp_path: Path) -> None:
    (unpinned,) = [f for c in run(FIXTURES / "unpinned-chart", tmp_path) for f in c.findings]
    assert unpinned.json_path == "spec.sources[0].targetRevision"
    assert "'19.*'" in unpinned.message
    (project,) = [f for c in run(FIXTURES / "unknown-project", tmp_path) for f in c.findings]
    assert "'payments'" in project.message and "platform" in project.message
    (child,) = [f for c in run(FIXTURES / "unresolved-child", tmp_path) for f in c.findings]
    assert child.message.startswith("child of app-of-apps Application root (argocd/root.yaml) is a ConfigMap")


def copy(case: str, tmp_path: Path) -> Path:
    root = tmp_path / case
    shutil.copytree(FIXTURES / case, root)
    return root


def test_child_that_does_not_parse(tmp_path: Path) -> None:
    root = copy("clean", tmp_path)
    (root / "argocd/apps/broken.yaml").write_text("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: [\n")
    assert [(r, f) for r, f, _ in findings(run(root, tmp_path))] == [
        ("argocd/unresolved-child", "argocd/apps/broken.yaml")
    ]


CLUSTER_SECRET = """apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: cluster-remote
  namespace: argocd
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: aws-secrets-manager}
  target:
    name: cluster-remote
    template:
      metadata:
        labels: {argocd.argoproj.io/secret-type: cluster}
  dataFrom:
    - extract: {key: demo/argocd-cluster-remote}
"""


def test_a_cluster_registration_is_a_child_an_other_secret_is_not(tmp_path: Path) -> None:
    """An app-of-apps directory may hold the cluster Secret (or the ExternalSecret templating it) that registers
    the cluster its Applications target; an ExternalSecret of anything else is still a stray child."""
    root = copy("clean", tmp_path)
    (root / "argocd/apps/cluster.yaml").write_text(CLUSTER_SECRET)
    (root / "argocd/apps/secret.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: remote\n  labels:\n"
        "    argocd.argoproj.io/secret-type: cluster\nstringData: {name: remote, server: https://remote:6443}\n")
    assert findings(run(root, tmp_path)) == []
    other = CLUSTER_SECRET.replace("secret-type: cluster", "secret-type: repository")
    (root / "argocd/apps/cluster.yaml").write_text(other)
    assert findings(run(root, tmp_path)) == [("argocd/unresolved-child", "argocd/apps/cluster.yaml", 1)]


def test_malformed_project_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    """A wrongly typed field (here the project's destinations) stops the semantic checks of the
    Applications that use it with one located finding, never an internal error."""
    root = copy("clean", tmp_path)
    project = root / "argocd/projects/platform.yaml"
    text = project.read_text()
    project.write_text(text[:text.index("  destinations:")] + "  destinations: 5\n")
    got = findings(run(root, tmp_path))
    assert got and {r for r, _, _ in got} == {"argocd/malformed"}, got
    assert all(line for _, _, line in got)


def test_negated_destination_is_denied(tmp_path: Path) -> None:
    root = copy("clean", tmp_path)
    web = root / "argocd/apps/web.yaml"
    web.write_text(web.read_text().replace("namespace: web-prod", "namespace: web-secret"))
    assert findings(run(root, tmp_path)) == [("argocd/destination-not-allowed", "argocd/apps/web.yaml", 14)]


def test_placeholder_repo_url_is_this_repository(tmp_path: Path) -> None:
    root = copy("missing-path", tmp_path)
    (root / ".planforge.yaml").unlink()
    web = root / "argocd/apps/web.yaml"
    # Without repo_url the URL is somebody else's repository: its paths are not checked ...
    assert findings(run(root, tmp_path)) == []
    # ... but a placeholder URL stands for this repository.
    web.write_text(web.read_text().replace("https://github.com/acme/platform", "https://github.com/your-org/your-repo.git"))
    assert findings(run(root, tmp_path)) == [("argocd/missing-path", "argocd/apps/web.yaml", 11)]


def test_git_origin_identifies_the_repository(tmp_path: Path) -> None:
    root = copy("missing-path", tmp_path)
    (root / ".planforge.yaml").unlink()
    (root / ".git").mkdir()
    (root / ".git/config").write_text('[remote "origin"]\n\turl = git@github.com:Acme/Platform.git\n')
    assert findings(run(root, tmp_path)) == [("argocd/missing-path", "argocd/apps/web.yaml", 11)]


def test_application_set_template_is_checked_unless_templated(tmp_path: Path) -> None:
    root = copy("clean", tmp_path)
    appset = root / "argocd/previews.yaml"
    appset.write_text(appset.read_text().replace("project: platform", "project: nope"))
    assert findings(run(root, tmp_path)) == [("argocd/unknown-project", "argocd/previews.yaml", 15)]


@pytest.mark.parametrize("revision", ["1.2.3", "v0.10.0", "2.0.0-rc.1", "1.0.0+build.5"])
def test_exact_versions(revision: str) -> None:
    assert is_exact_version(revision)


@pytest.mark.parametrize("revision", ["*", "", None, "HEAD", "main", "^1.2.3", "~1.2", ">=1.0.0 <2.0.0", "1.x", "1.2"])
def test_unpinned_versions(revision) -> None:
    assert not is_exact_version(revision)


@pytest.mark.parametrize(
    "url",
    ["https://github.com/acme/platform.git", "git@github.com:acme/platform.git", "ssh://git@github.com/acme/platform",
     "https://github.com/Acme/Platform/", "https://user@github.com/acme/platform"],
)
def test_repo_url_normalisation(url: str) -> None:
    assert normalize_repo_url(url) == "github.com/acme/platform"


def test_application_set_git_generator_paths(tmp_path: Path) -> None:
    root = copy("clean", tmp_path)
    (root / "argocd/tenants.yaml").write_text("""\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: tenants
  namespace: argocd
spec:
  generators:
    - matrix:
        generators:
          - git:
              repoURL: https://github.com/acme/platform.git
              revision: main
              directories:
                - path: k8s/*
                - path: k8s/legacy
                  exclude: true
          - git:
              repoURL: https://github.com/acme/platform.git
              revision: main
              files:
                - path: tenants/*/config.json
  template:
    metadata:
      name: "{{path.basename}}"
    spec:
      project: platform
      source:
        repoURL: https://github.com/acme/platform.git
        targetRevision: main
        path: "{{path}}"
      destination:
        server: https://kubernetes.default.svc
        namespace: "{{path.basename}}"
""")
    checks = run(root, tmp_path)
    assert findings(checks) == [("argocd/missing-path", "argocd/tenants.yaml", 21)]
    (finding,) = [f for c in checks for f in c.findings]
    assert finding.json_path == "spec.generators[0].matrix.generators[1].git.files[0].path"
    (root / "tenants/a").mkdir(parents=True)
    (root / "tenants/a/config.json").write_text("{}")
    assert findings(run(root, tmp_path)) == []




@pytest.fixture(scope="module")
def generated_argocd_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_repo("aws-eks-argocd", tmp_path_factory)


@pytest.mark.slow
def test_generated_repository(generated_argocd_repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(generated_argocd_repo, root, symlinks=True)
    expected = sorted(
        p.relative_to(root).as_posix() for p in (root / "argocd").rglob("*.yaml")
        if re.search(r"(?m)^kind: Application(Set)?$", p.read_text())
    )
    ctx = Context(root, Settings(strict=True), no_documents, tmp_path)
    validator = ArgoCDValidator()
    targets = validator.discover(ctx)
    assert sorted(t.display for t in targets) == expected and len(expected) > 0
    projects = validator.index(ctx).projects
    assert projects, "the generated repository defines its AppProjects"
    checks = [c for t in targets for c in validator.run(t, ctx)]
    assert findings(checks) == []
    # The per-environment roots are app-of-apps: a stray object among their children is caught.
    stray = root / "argocd/applications/dev/stray.yaml"
    stray.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\n")
    validator = ArgoCDValidator()
    checks = [c for t in validator.discover(ctx) for c in validator.run(t, ctx)]
    assert findings(checks) == [("argocd/unresolved-child", "argocd/applications/dev/stray.yaml", 1)]


def test_missing_helm_value_files(tmp_path: Path) -> None:
    root = copy("clean", tmp_path)
    (root / "k8s/redis-values.yaml").unlink()
    web = root / "argocd/apps/web.yaml"
    web.write_text(web.read_text().replace("    path: k8s/web\n", "    path: k8s/web\n    helm:\n      valueFiles:\n"
                                           "        - values-prod.yaml\n"))
    assert findings(run(root, tmp_path)) == [
        ("argocd/missing-path", "argocd/apps/redis.yaml", 14),  # $values/k8s/redis-values.yaml
        ("argocd/missing-path", "argocd/apps/web.yaml", 14),  # k8s/web/values-prod.yaml
    ]
    (root / "k8s/web/values-prod.yaml").write_text("replicas: 2\n")
    (root / "k8s/redis-values.yaml").write_text("architecture: standalone\n")
    assert findings(run(root, tmp_path)) == []


@pytest.mark.parametrize("case", ["clean", "missing-path", "unknown-project", "unpinned-chart",
                                  "destination-not-allowed", "unresolved-child"])
def test_whole_run_has_exactly_the_one_defect(case: str) -> None:
    """Through the runner: the Argo CD objects also pass the CRD schemas and policy."""
    from planforge.validate.runner import run_validation

    checks = run_validation([str(FIXTURES / case)], Settings(strict=True))
    assert {c.validator for c in checks} >= {"argocd", "schemas", "policy"}
    found = [(f.rule, f.file) for c in checks for f in c.findings if f.severity is Severity.ERROR]
    assert len(found) == (0 if case == "clean" else 1), found
    assert all(rule.startswith("argocd/") for rule, _ in found)


def test_source_not_allowed_by_project(tmp_path: Path) -> None:
    root = copy("clean", tmp_path)
    redis = root / "argocd/apps/redis.yaml"
    redis.write_text(redis.read_text().replace("https://charts.bitnami.com/bitnami", "https://charts.acme.io/stable"))
    found = findings(run(root, tmp_path))
    assert found == [("argocd/source-not-allowed", "argocd/apps/redis.yaml", 9)]
    project = root / "argocd/projects/platform.yaml"
    project.write_text(project.read_text().replace("    - https://charts.bitnami.com/bitnami\n",
                                                   "    - https://charts.acme.io/*\n"))
    assert findings(run(root, tmp_path)) == []
    project.write_text(project.read_text().replace("  sourceRepos:\n", "  sourceRepos:\n    - '!https://charts.acme.io/stable'\n"))
    assert findings(run(root, tmp_path)) == [("argocd/source-not-allowed", "argocd/apps/redis.yaml", 9)]


def test_an_api_version_written_with_an_escape_is_still_read(tmp_path: Path) -> None:
    """Files naming no Argo CD API group are passed over unparsed; a double-quoted escape spells the group without
    its characters, so such a file is parsed like any other."""
    root = copy("missing-path", tmp_path)
    web = root / "argocd/apps/web.yaml"
    web.write_text(web.read_text().replace("apiVersion: argoproj.io/v1alpha1", 'apiVersion: "argoproj\\x2eio/v1alpha1"'))
    assert "argoproj.io" not in web.read_text()
    assert findings(run(root, tmp_path)) == [("argocd/missing-path", "argocd/apps/web.yaml", 11)]
