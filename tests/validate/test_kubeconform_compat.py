"""The embedded schema engine gives kubeconform's own verdict on every row of verdicts.tsv.

tests/fixtures/kubeconform-compat/verdicts.tsv holds the exit status kubeconform itself returns
for each invocation (Kubernetes 1.29 schemas, offline). Each row's flags are mapped to
`Settings` and run through `planforge.validate.schemas.validate_paths`, the programmatic
entry point of the `schemas` validator, with the bundled CRD catalog on (the default).
For the rows kubeconform rejects, the document index and JSON path that failed are checked
too, so a row cannot pass by failing for the wrong reason.
"""
from __future__ import annotations

import shlex
import pytest

from planforge.validate.base import Settings
from planforge.validate.schemas import validate_paths
from testlib import KUBECONFORM_COMPAT, REPO

COMPAT = KUBECONFORM_COMPAT
# The rows name kubeconform's CRD catalog; the CRD schemas bundled with planforge are that catalog's.
CATALOG = str(REPO / "src/planforge/data/schemas/crds") + "/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"
# kubeconform flags that only change its output, not the verdict.
OUTPUT_FLAGS_WITH_VALUE = {"-output", "-n", "-cache", "-kubernetes-version"}
OUTPUT_FLAGS = {"-summary", "-verbose", "-debug", "-insecure-skip-tls-verify", "-exit-on-error"}

# For each rejected invocation: (file, doc_index, json_path, rule) of every finding.
EXPECTED_FAILURES: dict[str, list[tuple[str, int | None, str | None, str]]] = {
    "fixtures/multi_invalid.yaml": [("fixtures/multi_invalid.yaml", 0, "spec.ports[0].port", "schemas/invalid")],
    "fixtures/multi_invalid_resources.yaml": [
        ("fixtures/multi_invalid_resources.yaml", i, "kind", "schemas/missing-kind") for i in range(5)
    ],
    "fixtures/invalid.yaml": [("fixtures/invalid.yaml", 0, "spec.replicas", "schemas/invalid")],
    "fixtures/not-here": [("fixtures/not-here", None, None, "schemas/parse-error")],
    "fixtures/missing_kind.yaml": [("fixtures/missing_kind.yaml", 0, "kind", "schemas/missing-kind")],
    "fixtures/missing_apiversion.yaml": [
        ("fixtures/missing_apiversion.yaml", 0, "apiVersion", "schemas/missing-api-version")
    ],
    "fixtures/missing_kind_value.yaml": [("fixtures/missing_kind_value.yaml", 0, "kind", "schemas/missing-kind")],
    "fixtures/test_crd.yaml": [("fixtures/test_crd.yaml", 0, "apiVersion", "schemas/missing-schema")],
    "-strict fixtures/extra_property.yaml": [("fixtures/extra_property.yaml", 0, "spec.replicas", "schemas/invalid")],
    "-strict fixtures/duplicate_property.yaml": [
        ("fixtures/duplicate_property.yaml", 0, "spec.template.spec.containers", "schemas/duplicate-key"),
        ("fixtures/duplicate_property.yaml", 0, "spec.replicas", "schemas/invalid"),
    ],
    "-reject ReplicationController fixtures/valid.yaml": [("fixtures/valid.yaml", 0, "kind", "schemas/rejected")],
    "fixtures/list_invalid.yaml": [("fixtures/list_invalid.yaml", 0, "items[1].spec.replicas", "schemas/invalid")],
    "fixtures/same-kind-different-api.yaml": [
        ("fixtures/same-kind-different-api.yaml", 1, "apiVersion", "schemas/missing-schema")
    ],
    "fixtures/crd_schema.yaml": [("fixtures/crd_schema.yaml", 0, "apiVersion", "schemas/missing-schema")],
}


def read_rows() -> list[tuple[int, str]]:
    rows = []
    for line in (COMPAT / "verdicts.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        expected, _, args = line.partition("\t")
        rows.append((int(expected), args))
    return rows


def to_settings(args: str) -> tuple[Settings, list[str]]:
    """Map a kubeconform command line to Settings + paths (flags take one value each)."""
    settings = Settings(kube_version="1.29.0")
    paths: list[str] = []
    words = iter(shlex.split(args))
    for word in words:
        flag = word.split("=", 1)[0]
        inline = word.split("=", 1)[1] if "=" in word else None

        def value() -> str:
            return inline if inline is not None else next(words)

        if flag == "-strict":
            settings.strict = True
        elif flag == "-ignore-missing-schemas":
            settings.ignore_missing_schemas = True
        elif flag == "-skip":
            settings.skip_kinds += [k for k in value().split(",") if k]
        elif flag == "-reject":
            settings.reject_kinds += [k for k in value().split(",") if k]
        elif flag == "-schema-location":
            loc = value()
            settings.schema_locations.append(CATALOG if loc == "CATALOG" else loc)
        elif flag == "-ignore-filename-pattern":
            settings.ignore_filename_patterns.append(value())
        elif flag in OUTPUT_FLAGS_WITH_VALUE:
            value()
        elif flag in OUTPUT_FLAGS:
            pass
        elif word.startswith("-"):
            raise AssertionError(f"unmapped kubeconform flag {word!r} in verdicts.tsv")
        else:
            paths.append(word)
    return settings, paths


ROWS = read_rows()


@pytest.fixture(scope="module", autouse=True)
def schema_cache(tmp_path_factory: pytest.TempPathFactory):
    """Compiled schemas go to a private cache, never the user's."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLANFORGE_CACHE_DIR", str(tmp_path_factory.mktemp("schema-cache")))
        yield


def test_verdicts_file_is_complete() -> None:
    assert len(ROWS) >= 40, "verdicts.tsv lost rows"
    assert {e for e, _ in ROWS} == {0, 1}
    rejected = {args for e, args in ROWS if e == 1}
    assert rejected == set(EXPECTED_FAILURES), "every rejected row needs its expected document/path"


@pytest.mark.parametrize(("expected", "args"), ROWS, ids=[a for _, a in ROWS])
def test_same_verdict_as_kubeconform(expected: int, args: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(COMPAT)
    settings, paths = to_settings(args)
    report = validate_paths(paths, settings)
    got = [(f.file, f.doc_index, f.json_path, f.rule) for f in report.findings]
    assert report.exit_code == expected, f"kubeconform exits {expected} on `{args}`; findings: {got}"
    if expected == 1:
        assert got == EXPECTED_FAILURES[args]
        for f in report.findings:
            if f.doc_index is not None:
                assert f.line is not None and f.line >= 1
    else:
        assert got == []
