"""The `schemas` validator and manifest discovery/loading: one defect per fixture, with file:line."""
from __future__ import annotations

import functools
import http.server
import io
import json
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from planforge.errors import UsageError
from planforge.validate.base import Context, Settings, Status
from planforge.validate.manifests import (
    ManifestError,
    iter_manifest_files,
    line_of_path,
    load_documents,
    load_text,
)
from planforge.validate.schemas import (
    SchemaValidator,
    core_schema_dir,
    kind_suffix,
    render_location,
    select_engine,
    validate_documents,
    validate_paths,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "schemas"


@pytest.fixture(autouse=True)
def schema_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Compiled schemas and downloads go to a private cache, never the user's."""
    cache = tmp_path_factory.getbasetemp() / "schema-cache"
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(cache))
    return cache


def embedded(**kw: object) -> Settings:
    return Settings(kube_version="1.29.0", schema_engine="embedded", **kw)  # type: ignore[arg-type]


def only(report_findings: list, rule: str):  # noqa: ANN201 - a Finding
    assert [f.rule for f in report_findings] == [rule], [f"{f.rule} {f.message}" for f in report_findings]
    return report_findings[0]


# --------------------------------------------------------------------------- one defect each


def test_unknown_field_is_an_error_in_strict_mode_with_path_and_line() -> None:
    path = FIXTURES / "deployment-typo.yaml"
    assert validate_paths([path], embedded()).exit_code == 0, "non-strict schemas allow unknown fields"
    report = validate_paths([path], embedded(strict=True))
    f = only(report.findings, "schemas/invalid")
    assert f.json_path == "spec.template.spec.containers[0].imagePullPolcy"
    assert (f.file, f.line, f.doc_index) == (str(path), 18, 0)
    assert "imagePullPolcy" in f.message and "Deployment web" in f.message
    assert report.exit_code == 1


def test_string_where_an_integer_belongs() -> None:
    path = FIXTURES / "deployment-string-replicas.yaml"
    report = validate_paths([path], embedded(strict=True))
    f = only(report.findings, "schemas/invalid")
    assert (f.json_path, f.line, f.doc_index) == ("spec.replicas", 15, 1)
    assert "integer" in f.message and '"three"' in f.message


def test_crd_kind_without_schema() -> None:
    path = FIXTURES / "widget-crd-kind.yaml"
    f = only(validate_paths([path], embedded()).findings, "schemas/missing-schema")
    assert (f.line, f.doc_index) == (1, 0) and "Widget" in f.message and f.hint
    # ignored on request, skipped by kind or group/version/kind, rejected on request
    assert validate_paths([path], embedded(ignore_missing_schemas=True)).exit_code == 0
    assert validate_paths([path], embedded(skip_kinds=["widgets.example.com/v1/Widget"])).exit_code == 0
    assert validate_paths([path], embedded(skip_kinds=["Widget"])).results[0].status == "skipped"
    rejected = validate_paths([path], embedded(reject_kinds=["Widget"]))
    assert only(rejected.findings, "schemas/rejected").line == 2


def test_schema_location_template_validates_the_crd_kind() -> None:
    path = FIXTURES / "widget-crd-kind.yaml"
    location = str(FIXTURES / "widget-schemas") + "/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
    assert validate_paths([path], embedded(schema_locations=[location])).exit_code == 0
    bad = load_documents(path)
    bad[0].obj["spec"]["size"] = 0
    findings = validate_documents(bad, embedded(schema_locations=[location]))
    f = only(findings, "schemas/invalid")
    assert (f.json_path, f.line) == ("spec.size", 6)


def test_list_kind_is_validated_item_by_item() -> None:
    path = FIXTURES / "list.yaml"
    report = validate_paths([path], embedded(strict=True))
    assert [r.status for r in report.results] == ["valid", "invalid"]
    f = only(report.findings, "schemas/invalid")
    assert (f.json_path, f.line, f.doc_index) == ("items[1].spec.ports[0].port", 16, 0)


def test_json_input() -> None:
    assert validate_paths([FIXTURES / "service.json"], embedded(strict=True)).exit_code == 0
    f = only(validate_paths([FIXTURES / "service-invalid.json"], embedded()).findings, "schemas/invalid")
    assert (f.json_path, f.line) == ("spec.ports[0].port", 6)
    text = '{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "a",\n  "name": "b"}}'
    docs = load_documents("dup.json", text=text)
    f = only(validate_documents(docs, embedded(strict=True)), "schemas/duplicate-key")
    assert (f.json_path, f.line) == ("metadata.name", 3)


def test_duplicate_keys_are_errors_only_in_strict_mode() -> None:
    path = FIXTURES / "duplicate-key.yaml"
    assert validate_paths([path], embedded()).exit_code == 0
    f = only(validate_paths([path], embedded(strict=True)).findings, "schemas/duplicate-key")
    assert (f.json_path, f.line) == ("metadata.name", 5)


def test_bundled_crd_catalog_is_on_by_default() -> None:
    assert validate_paths([FIXTURES / "application.yaml"], embedded(strict=True)).exit_code == 0
    off = validate_paths([FIXTURES / "application.yaml"], embedded(), bundled_crds=False)
    only(off.findings, "schemas/missing-schema")


def test_bundled_flux_schemas_catch_an_unknown_field_in_a_kustomization(tmp_path: Path) -> None:
    doc = (
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\n"
        "spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n"
    )
    (tmp_path / "good.yaml").write_text(doc)
    assert validate_paths([tmp_path / "good.yaml"], embedded(strict=True)).exit_code == 0
    (tmp_path / "bad.yaml").write_text(doc + "  prunee: true\n")
    f = only(validate_paths([tmp_path / "bad.yaml"], embedded(strict=True)).findings, "schemas/invalid")
    assert (f.line, f.json_path) == (9, "spec.prunee")


def test_yaml_syntax_error_is_a_finding_with_line() -> None:
    f = only(validate_paths([FIXTURES / "broken.yaml"], embedded()).findings, "schemas/parse-error")
    assert f.line == 7 and f.file == str(FIXTURES / "broken.yaml")
    assert "started at line 6" in f.message


def test_missing_path_is_an_error() -> None:
    report = validate_paths([FIXTURES / "nope.yaml"], embedded())
    assert report.exit_code == 1 and "no such file" in report.findings[0].message


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (FIXTURES / "deployment-typo.yaml").read_text()
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    f = only(validate_paths(["-"], embedded(strict=True)).findings, "schemas/invalid")
    assert (f.file, f.line) == ("stdin", 18)


def test_unsupported_kube_version_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no Kubernetes schemas"):
        core_schema_dir("1.2.0", strict=False)
    with pytest.raises(UsageError, match="newest packaged"):
        core_schema_dir("9.99", strict=False)
    directory, label = core_schema_dir("1.29", strict=True)
    assert directory.name == "v1.29.0-local-strict" and label == "1.29"


# --------------------------------------------------------------------------- locations


def test_template_variables_match_kubeconform() -> None:
    assert kind_suffix("apps/v1") == "-apps-v1"
    assert kind_suffix("rbac.authorization.k8s.io/v1") == "-rbac-v1"
    assert kind_suffix("v1") == "-v1"
    template = (
        "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json "
        "{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}"
    )
    assert render_location(template, "cert-manager.io/v1", "ClusterIssuer", "1.29.0", True) == (
        "v1.29.0-standalone-strict/clusterissuer-cert-manager-v1.json cert-manager.io/clusterissuer_v1"
    )
    with pytest.raises(UsageError, match="unknown variable"):
        render_location("{{ .Nope }}", "v1", "Pod", "1.29.0", False)


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


def test_http_schema_location_is_downloaded_once_and_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")  # a proxy in the environment must not see this
    handler = functools.partial(_Handler, directory=str(FIXTURES / "widget-schemas"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json"
    path = FIXTURES / "widget-crd-kind.yaml"
    try:
        assert validate_paths([path], embedded(schema_locations=[url])).exit_code == 0
        # a 404 falls through to "missing schema"
        other = load_documents(path)
        other[0].obj["apiVersion"] = "widgets.example.com/v2"
        only(validate_documents(other, embedded(schema_locations=[url])), "schemas/missing-schema")
    finally:
        server.shutdown()
        server.server_close()
    assert list((tmp_path / "cache" / "downloads").iterdir()), "downloads are cached on disk"
    # server gone: the cached copy is used (a new settings object: no in-memory reuse of the lookup)
    assert validate_paths([path], embedded(schema_locations=[url], strict=True)).exit_code == 0


# --------------------------------------------------------------------------- engines


def test_kubeconform_engine_forced_without_binary_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UsageError, match="no kubeconform binary"):
        select_engine(Settings(schema_engine="kubeconform"))
    assert select_engine(Settings(schema_engine="auto")) == "embedded"


def test_auto_engine_runs_kubeconform_from_path_and_maps_its_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "kubeconform"
    output = {
        "resources": [{
            "filename": "FILE", "kind": "Deployment", "name": "web", "version": "apps/v1", "status": "statusInvalid",
            "msg": "problem validating schema",
            "validationErrors": [{"path": "/spec/replicas", "msg": "expected integer, but got string"}],
        }],
    }
    fake.write_text(
        "#!/bin/sh\n"
        f"echo \"$@\" > {tmp_path / 'args'}\n"
        f"for last; do :; done\nsed \"s#FILE#$last#\" <<'EOF'\n{json.dumps(output)}\nEOF\nexit 1\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    target = FIXTURES / "deployment-string-replicas.yaml"
    report = validate_paths([target], Settings(schema_engine="auto", strict=True, skip_kinds=["Secret"]))
    f = only(report.findings, "schemas/invalid")
    assert (f.file, f.json_path, f.doc_index, f.line) == (str(target), "spec.replicas", 1, 15)
    assert report.engine.startswith("kubeconform")
    args = (tmp_path / "args").read_text().split()
    assert {"-output", "json", "-strict", "-skip", "Secret"} <= set(args)


def test_validator_protocol_discover_and_run(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "deploy.yaml").write_text((FIXTURES / "deployment-typo.yaml").read_text())
    (tmp_path / "app" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
    settings = embedded(strict=True)
    ctx = Context(root=tmp_path, settings=settings, validate_documents=lambda docs, name: [], workdir=tmp_path / "w")
    validator = SchemaValidator()
    targets = validator.discover(ctx)
    assert [t.display for t in targets] == ["app/cm.yaml", "app/deploy.yaml"]
    checks = {t.display: validator.run(t, ctx)[0] for t in targets}
    assert checks["app/cm.yaml"].status == Status.PASSED
    failed = checks["app/deploy.yaml"]
    assert failed.status == Status.FAILED and failed.tool and failed.tool.startswith("embedded")
    assert [(f.file, f.line) for f in failed.findings] == [("app/deploy.yaml", 18)]
    rendered = validator.check_documents(load_documents(tmp_path / "app" / "deploy.yaml", display="chart web"), settings, "charts/web")
    assert rendered.status == Status.FAILED and rendered.findings[0].file == "chart web"


# --------------------------------------------------------------------------- loading


def test_load_documents_keeps_indexes_lines_and_json_semantics() -> None:
    text = "---\n# only a comment\n---\na: 1\n---\nkind: X\nwhen: 2024-01-01\n5: five\ntrue: yes\n"
    docs = load_documents("x.yaml", text=text)
    assert [(d.doc_index, d.line) for d in docs] == [(0, 3), (1, 4), (2, 6)]
    assert docs[0].obj is None
    assert docs[-1].obj == {"kind": "X", "when": "2024-01-01", "5": "five", "true": True}
    assert line_of_path(docs[-1], "when") == 7
    with pytest.raises(ManifestError) as err:
        load_documents("x.yaml", text="a: 1\n---\nb: [\n")
    assert err.value.doc_index == 1 and err.value.line is not None


def test_merge_keys_are_not_duplicates() -> None:
    text = "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  x: 3\n"
    (doc,) = load_documents("m.yaml", text=text)
    assert doc.obj["derived"] == {"x": 3, "y": 2} and doc.duplicate_nodes == []


# --------------------------------------------------------------------------- discovery


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {n}\n"


def test_discovery_rules(tmp_path: Path) -> None:
    write(tmp_path, "k8s/base/deployment.yaml", CM.format(n="d"))
    write(tmp_path, "k8s/base/service.json", json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}))
    write(tmp_path, "k8s/base/kustomization.yaml",
          "resources: [deployment.yaml, service.json]\n"
          "patches:\n  - path: patch-replicas.yaml\n"
          "patchesStrategicMerge: [patch-env.yaml]\n"
          "configMapGenerator:\n  - name: cfg\n    files: [config.yaml]\n")
    write(tmp_path, "k8s/base/patch-replicas.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 3\n")
    write(tmp_path, "k8s/base/patch-env.yaml", CM.format(n="patched"))
    write(tmp_path, "k8s/base/config.yaml", CM.format(n="data-not-an-object"))
    write(tmp_path, "k8s/overlays/prod/kustomization.yaml",
          "resources: [../../base, extra.yaml]\ntransformers: [labels.yaml]\n"
          "patches:\n  - patch: |-\n      - op: add\n        path: /x\n        value: 1\n    target: {kind: Deployment}\n")
    write(tmp_path, "k8s/overlays/prod/labels.yaml", "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: l\n")
    write(tmp_path, "k8s/overlays/prod/extra.yaml", CM.format(n="extra"))
    write(tmp_path, "charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
    write(tmp_path, "charts/web/values.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    write(tmp_path, "charts/web/templates/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n")
    write(tmp_path, "charts/web/platforms/eks.yaml", "apiVersion: v1\nkind: X\n")
    write(tmp_path, "charts/web/ci/default-values.yaml", "apiVersion: v1\nkind: X\n")
    write(tmp_path, "charts/web/crds/widget.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n")
    write(tmp_path, ".github/workflows/validate.yml", "on: push\njobs: {}\nkind: x\napiVersion: y\n")
    write(tmp_path, ".copier-answers.yml", "_src_path: gh:x/y\napiVersion: v1\nkind: ConfigMap\n")
    write(tmp_path, ".planforge.yaml", "strict: true\n")
    write(tmp_path, ".pre-commit-config.yaml", "repos: []\n")
    write(tmp_path, "argocd/apps/web.yaml", (FIXTURES / "application.yaml").read_text())
    write(tmp_path, "argocd/README.yaml", "title: not a manifest\n")
    write(tmp_path, "docs/schema.json", json.dumps({"properties": {"apiVersion": {}, "kind": {}}}, indent=2))
    write(tmp_path, "generated/skip-me.yaml", CM.format(n="ignored"))
    write(tmp_path, "multi.yml", "---\n" + CM.format(n="a") + "---\n" + CM.format(n="b"))
    settings = Settings(ignore_filename_patterns=[r"^generated/"])
    found = [p.relative_to(tmp_path).as_posix() for p in iter_manifest_files(tmp_path, settings)]
    assert found == [
        "argocd/apps/web.yaml",
        "charts/web/crds/widget.yaml",
        "k8s/base/deployment.yaml",
        "k8s/base/service.json",
        "k8s/overlays/prod/extra.yaml",
        "multi.yml",
    ]
    # a file named explicitly is validated whatever its name, unless an ignore pattern matches
    explicit = tmp_path / "k8s/base/patch-env.yaml"
    assert list(iter_manifest_files(explicit, Settings())) == [explicit]
    assert list(iter_manifest_files(explicit, Settings(ignore_filename_patterns=["patch"]))) == []
    with pytest.raises(UsageError, match="ignore-filename-pattern"):
        list(iter_manifest_files(tmp_path, Settings(ignore_filename_patterns=["("])))


def test_large_crd_schema_is_compiled_only_after_repeated_use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from planforge.validate import schemas
    from planforge.validate.schemas import compiled

    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(compiled, "_COMPILED", {})
    monkeypatch.setattr(compiled, "COMPILE_AFTER_USES", 2)
    monkeypatch.setattr(compiled, "LARGE_SCHEMA_BYTES", 1_000)
    docs = load_documents(FIXTURES / "application.yaml")
    settings = embedded(strict=True)
    source = schemas.SchemaResolver(settings).find("argoproj.io/v1alpha1", "Application")
    assert source is not None
    assert validate_documents(docs, settings) == []
    assert schemas.compiled_schema(source)._fast is None, "jsonschema first for a big schema"
    for _ in range(2):
        assert validate_documents(docs, settings) == []
    assert schemas.compiled_schema(source)._fast is not None, "compiled once used enough"
    assert list((tmp_path / "cache" / "compiled").iterdir()), "and cached on disk"
    docs[0].obj["spec"]["destination"]["namespace"] = 42
    f = only(validate_documents(docs, settings), "schemas/invalid")
    assert (f.json_path, f.line) == ("spec.destination.namespace", 14)


def test_locations_listed_before_default_override_core_schemas(tmp_path: Path) -> None:
    (tmp_path / "configmap-v1.json").write_text(json.dumps({"type": "object", "required": ["immutable"]}))
    path = FIXTURES / "list.yaml"
    override = embedded(schema_locations=[str(tmp_path / "{{ .ResourceKind }}{{ .KindSuffix }}.json"), "default"])
    report = validate_paths([path], override)
    assert [r.status for r in report.results][0] == "invalid"
    assert "immutable" in report.findings[0].message
    after = embedded(schema_locations=[str(tmp_path / "{{ .ResourceKind }}{{ .KindSuffix }}.json")])
    assert validate_paths([path], after).results[0].status == "valid"


def test_schema_with_relative_file_refs_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "_definitions.json").write_text(json.dumps({
        "definitions": {
            "Spec": {"type": "object", "properties": {"size": {"$ref": "#/definitions/Size"}}},
            "Size": {"type": "integer"},
        }
    }))
    (tmp_path / "widget-widgets-v1.yaml").write_text(
        "type: object\nproperties:\n  spec:\n    $ref: _definitions.json#/definitions/Spec\n"
    )
    location = [str(tmp_path / "{{ .ResourceKind }}{{ .KindSuffix }}.yaml")]
    docs = load_documents(FIXTURES / "widget-crd-kind.yaml")
    assert validate_documents(docs, embedded(schema_locations=location)) == []
    docs[0].obj["spec"]["size"] = "big"
    f = only(validate_documents(docs, embedded(schema_locations=location)), "schemas/invalid")
    assert (f.json_path, f.line) == ("spec.size", 6)


def test_kubeconform_engine_on_rendered_documents_keeps_original_locations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "kubeconform"
    fake.write_text(
        "#!/bin/sh\nfor last; do :; done\n"
        "printf '{\"resources\": [{\"filename\": \"%s\", \"kind\": \"Deployment\", \"name\": \"web\", "
        "\"version\": \"apps/v1\", \"status\": \"statusInvalid\", "
        "\"validationErrors\": [{\"path\": \"/spec/replicas\", \"msg\": \"expected integer\"}]}]}' \"$last\"\nexit 1\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    docs = load_documents(FIXTURES / "deployment-string-replicas.yaml", display="charts/web (platforms/eks.yaml)")
    f = only(validate_documents(docs, Settings(schema_engine="kubeconform")), "schemas/invalid")
    assert (f.file, f.doc_index, f.line, f.json_path) == ("charts/web (platforms/eks.yaml)", 1, 15, "spec.replicas")


def test_discovered_files_that_cannot_be_read_or_decoded_are_errors_not_passes(tmp_path: Path) -> None:
    """A manifest-shaped file in another encoding, or one that cannot be opened, is reported, never skipped."""
    from planforge.validate.runner import run_validation

    write(tmp_path, "k8s/ok.yaml", CM.format(n="ok"))
    (tmp_path / "k8s/latin1.yaml").write_bytes(CM.format(n="caf\xe9").encode("latin-1"))
    (tmp_path / "k8s/notes.yaml").write_bytes(b"title: caf\xe9\n")  # not manifest-shaped: not a manifest
    (tmp_path / "k8s/dangling.yaml").symlink_to(tmp_path / "gone.yaml")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_manifest_files(tmp_path, Settings())]
    assert found == ["k8s/dangling.yaml", "k8s/latin1.yaml", "k8s/ok.yaml"]
    checks = run_validation([str(tmp_path)], Settings(), only=["schemas"])
    failed = sorted((f.file, f.rule) for c in checks for f in c.findings)
    assert failed == [("k8s/dangling.yaml", "schemas/parse-error"), ("k8s/latin1.yaml", "schemas/parse-error")]
    assert "not UTF-8" in next(f.message for c in checks for f in c.findings if f.file == "k8s/latin1.yaml")


def test_load_text_parses_a_rendering_like_a_file() -> None:
    text = '{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap"}]}'
    docs = load_text(text, "charts/web/templates/list.json", origin="helm template charts/web")
    assert [(d.file, d.item_path, d.origin, d.line) for d in docs] == [
        ("charts/web/templates/list.json", "items[0]", "helm template charts/web", 1)]
    with pytest.raises(ManifestError, match="invalid YAML") as raised:
        load_text("a: [\n", "charts/web/templates/cm.yaml")
    assert raised.value.file == "charts/web/templates/cm.yaml"
