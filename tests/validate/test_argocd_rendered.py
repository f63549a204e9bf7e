"""Argo CD objects that are rendered or generated: app-of-apps Helm charts and ApplicationSet generators.

`fixtures/argocd/app-of-apps` reproduces argoproj/argocd-example-apps (see its SOURCE.md): an `apps/`
chart whose template renders one Application per entry of its values.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from planforge.validate.argocd_generators import MAX_APPLICATIONS
from planforge.validate.base import Check, Settings, Severity
from planforge.validate.runner import run_validation

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "argocd" / "app-of-apps"
TEMPLATE = "apps/templates/applications.yaml"
ORIGIN = "https://github.com/argoproj/argocd-example-apps.git"
APPLICATIONS = ["example.guestbook", "example.helm-guestbook", "example.kustomize-guestbook", "example.plugin-kasane"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The reproduction as a clone of the upstream repository (its `origin` makes the repoURL this repository)."""
    root = tmp_path / "argocd-example-apps"
    shutil.copytree(FIXTURE, root)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "remote", "add", "origin", ORIGIN], check=True)
    return root


def validate(root: Path, only: str | None = "argocd") -> list[Check]:
    return run_validation([str(root)], Settings(strict=True), only=[only] if only else None)


def errors(checks: list[Check], validator: str = "argocd") -> list[tuple[str, str | None, int | None, str]]:
    return [(f.rule, f.file, f.line, f.message) for c in checks if c.validator == validator for f in c.findings
            if f.severity is Severity.ERROR]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_healthy_repository_has_no_errors(repo: Path) -> None:
    checks = validate(repo, only=None)
    assert [(c.validator, c.target) for c in checks if c.validator == "argocd"] == [("argocd", "apps")]
    assert [(c.validator, f.rule, f.file) for c in checks for f in c.findings if f.severity is Severity.ERROR] == []


def test_a_missing_path_is_found_on_the_chart_template(repo: Path) -> None:
    edit(repo / "apps/values.yaml", "  - name: guestbook\n", "  - name: guestbook\n    path: guest-book\n")
    ((rule, file, line, message),) = errors(validate(repo))
    assert (rule, file, line) == ("argocd/missing-path", TEMPLATE, 18)  # the template's `path:` line
    assert message.startswith("Application example.guestbook (rendered by `helm template apps`): ")
    assert "'guest-book' does not exist" in message


def test_an_unknown_project_is_found_until_the_chart_renders_it(repo: Path) -> None:
    template = repo / TEMPLATE
    edit(template, "  project: default\n", "  project: guestbook\n")
    found = errors(validate(repo))
    assert [(rule, file, line) for rule, file, line, _ in found] == [("argocd/unknown-project", TEMPLATE, 14)] * 4
    assert [message.split(" (rendered")[0] for *_, message in found] == [f"Application {a}" for a in APPLICATIONS]
    # The chart renders the AppProject too: now it is known.
    (template.parent / "project.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: guestbook\n  namespace: argocd\n"
        "spec:\n  sourceRepos: ['*']\n  destinations:\n    - server: '*'\n      namespace: '*'\n")
    assert errors(validate(repo)) == []


def test_a_values_set_is_rendered_too(repo: Path) -> None:
    (repo / "apps/ci").mkdir()
    (repo / "apps/ci/prod-values.yaml").write_text("applications:\n  - name: sock-shop\n")
    ((rule, file, line, message),) = errors(validate(repo))
    assert (rule, file, line) == ("argocd/missing-path", TEMPLATE, 18)
    assert "example.sock-shop (rendered by `helm template apps -f ci/prod-values.yaml`)" in message


def test_the_helm_validator_and_the_argocd_validator_render_a_chart_once(repo: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from planforge.validate.helm.renderings import Renderings

    produced: list[Path] = []
    original = Renderings.render

    def counting(self, chart, values_file, kube_version, produce):  # type: ignore[no-untyped-def]
        def count():  # type: ignore[no-untyped-def]
            produced.append(chart)
            return produce()
        return original(self, chart, values_file, kube_version, count)

    monkeypatch.setattr(Renderings, "render", counting)
    checks = run_validation([str(repo)], Settings(strict=True, jobs=2), only=["helm", "argocd"])
    assert errors(checks) == [] and errors(checks, "helm") == []
    assert sorted(p.name for p in produced) == ["apps", "helm-guestbook"]


def test_the_result_cache_sees_a_chart_change(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from planforge.validate.unit_selection import Selection

    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))

    def cached() -> list[tuple[str, str | None, int | None, str]]:
        return errors(run_validation([str(repo)], Settings(strict=True), ["argocd"], selection=Selection(use_cache=True)))

    assert cached() == []
    edit(repo / "apps/values.yaml", "  - name: guestbook\n", "  - name: guestbook\n    path: guest-book\n")
    assert [rule for rule, *_ in cached()] == ["argocd/missing-path"]
    edit(repo / "apps/values.yaml", "    path: guest-book\n", "")
    assert cached() == []


def test_a_chart_leading_outside_is_not_rendered(repo: Path, tmp_path: Path) -> None:
    canary = tmp_path / "outside.yaml"
    canary.write_text("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: canary-outside\n"
                      "spec:\n  project: nope\n")
    os.symlink(canary, repo / "apps/templates/outside.yaml")
    checks = validate(repo, only=None)
    assert errors(checks) == []  # nothing rendered: the helm validator says why
    assert ("input/outside-root", "apps/templates/outside.yaml") in [
        (f.rule, f.file) for c in checks for f in c.findings]
    assert "canary-outside" not in "".join(f.message for c in checks for f in c.findings)


def test_applications_built_by_kustomize_are_checked_once(repo: Path) -> None:
    base, overlay = repo / "argocd/base", repo / "argocd/overlays/prod"
    base.mkdir(parents=True)
    overlay.mkdir(parents=True)
    (base / "guestbook.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: guestbook\n  namespace: argocd\n"
        "spec:\n  project: default\n  source:\n    repoURL: https://github.com/argoproj/argocd-example-apps.git\n"
        "    targetRevision: master\n    path: guestbook\n  destination:\n"
        "    server: https://kubernetes.default.svc\n    namespace: guestbook\n")
    (base / "kustomization.yaml").write_text("resources:\n  - guestbook.yaml\n")
    (overlay / "kustomization.yaml").write_text(
        "resources:\n  - ../../base\nnameSuffix: -prod\npatches:\n  - target:\n      kind: Application\n"
        "    patch: |\n      - op: replace\n        path: /spec/source/path\n        value: kustomize-guestbook\n")
    assert errors(validate(repo, only=None)) == []  # the base's build is its plain file: checked once
    edit(overlay / "kustomization.yaml", "value: kustomize-guestbook", "value: guestbook-prod")
    ((rule, file, line, message),) = errors(validate(repo))
    assert (rule, file, line) == ("argocd/missing-path", "argocd/overlays/prod/kustomization.yaml", None)
    assert message.startswith("Application guestbook-prod (rendered by `kustomize build argocd/overlays/prod`): ")


APPLICATION_SET = """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbooks
  namespace: argocd
spec:
{go}  generators:
{generators}
  template:
    metadata:
      name: "{name}"
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/argocd-example-apps.git
        targetRevision: master
        path: "{path}"
      destination:
        server: https://kubernetes.default.svc
        namespace: guestbook
"""
LIST = """\
    - list:
        elements:
          - app: guestbook
          - app: kustomize-guestbook
"""


@pytest.mark.parametrize(("go", "name", "path"), [
    ("", "{{app}}", "{{app}}"), ("", "{{ app }}", "{{ app }}"),
    ("  goTemplate: true\n", "{{.app}}", "{{.app}}"), ("  goTemplate: true\n", "{{ .app }}", "{{ .app }}"),
])
def test_list_generator_applications_are_checked(repo: Path, go: str, name: str, path: str) -> None:
    appset = repo / "appset.yaml"
    appset.write_text(APPLICATION_SET.format(go=go, generators=LIST, name=name, path=path))
    assert errors(validate(repo)) == []
    edit(appset, "app: kustomize-guestbook", "app: kustomize-guestbook-2")
    ((rule, file, line, message),) = errors(validate(repo))
    assert (rule, file, line) == ("argocd/missing-path", "appset.yaml", 22 if go else 21)  # its template's path
    assert message.startswith("ApplicationSet guestbooks, Application kustomize-guestbook-2: source path "
                              "'kustomize-guestbook-2' does not exist")


def test_git_directories_generator_applications_are_checked(repo: Path) -> None:
    generators = """\
    - git:
        repoURL: https://github.com/argoproj/argocd-example-apps.git
        revision: master
        directories:
          - path: "*guestbook"
          - path: helm-guestbook
            exclude: true
"""
    appset = repo / "appset.yaml"
    appset.write_text(APPLICATION_SET.format(go="", generators=generators, name="{{path.basename}}",
                                             path="{{path}}/base"))
    found = errors(validate(repo))
    assert [(rule, file, line) for rule, file, line, _ in found] == [("argocd/missing-path", "appset.yaml", 24)] * 2
    assert ["'guestbook/base'" in found[0][3], "'kustomize-guestbook/base'" in found[1][3]] == [True, True]
    edit(appset, "{{path}}/base", "{{path}}")
    assert errors(validate(repo)) == []


def test_unresolvable_generators_leave_the_template_unchecked(repo: Path) -> None:
    elements = "".join(f"          - app: missing-{i}\n" for i in range(MAX_APPLICATIONS + 1))
    appset = repo / "appset.yaml"
    appset.write_text(APPLICATION_SET.format(go="", generators="    - list:\n        elements:\n" + elements,
                                             name="{{app}}", path="{{app}}"))
    assert errors(validate(repo)) == []  # too many to expand: the templated path is not checked
    appset.write_text(APPLICATION_SET.format(go="", generators="    - clusters: {}\n", name="{{name}}",
                                             path="{{name}}"))
    assert errors(validate(repo)) == []
