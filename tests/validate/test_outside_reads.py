"""Nothing outside the validated paths is read or printed: Helm schema `$ref`s, Terraform file functions,
planforge's own schema references, and tool diagnostics.

Each hostile repository is built in tmp_path beside `outside/`, which holds the secret; `planforge validate`
runs as in CI (a subprocess, every report format) and the secret must appear in none of the outputs.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from test_hostile import SECRET, all_formats, validate
from testlib import hang_guard, line_of, require_tool

from planforge.validate.base import Check, Finding, Severity, Status
from planforge.validate.inputs import Bounds
from planforge.validate.redact import REDACTED, redact_checks
from planforge.validate.schemas.locations import CRD_DIR

SECRET_SCHEMA = json.dumps({"type": "integer", "enum": [7, SECRET], "description": SECRET})
CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n"
TEMPLATE = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  replicas: \"{{ .Values.replicas }}\"\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    return tmp_path / "repo"


@pytest.fixture
def secrets(repo: Path) -> Path:
    """`outside/` beside the repository, with the secret as a JSON schema and as text."""
    outside = repo.parent / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text(SECRET_SCHEMA)
    (outside / "secret.txt").write_text(f"{SECRET}\n")
    return outside


def write_chart(chart: Path, schema: dict) -> Path:
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART)
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "templates" / "cm.yaml").write_text(TEMPLATE)
    path = chart / "values.schema.json"
    path.write_text(json.dumps(schema, indent=2) + "\n")
    return path


def findings_of(results: dict[str, tuple[int, str]], rule: str) -> list[dict]:
    out = results["json"][1]
    data = json.loads(out[out.index("{"):])
    return [f for c in data["checks"] for f in c["findings"] if f["rule"] == rule]


def assert_refused_at(results: dict[str, tuple[int, str]], file: str, line: int | None) -> None:
    """Exit 1 in every format, the secret in none, and an `input/outside-root` finding at file:line."""
    for fmt, (code, out) in results.items():
        assert code == 1, (fmt, out)
        assert SECRET not in out, f"{fmt} output leaks the secret:\n{out}"
    found = findings_of(results, "input/outside-root")
    assert any(f["file"] == file and f["line"] == line for f in found), found
    assert all(f.get("hint") for f in found), found


def schema_ref(schema_ref: str) -> dict:
    return {"type": "object", "properties": {"replicas": {"$ref": schema_ref}}}


@pytest.mark.parametrize("kind", ["file-url", "relative", "https"])
def test_helm_schema_ref_outside_is_refused_before_helm(repo: Path, secrets: Path, kind: str) -> None:
    secret = secrets / "secret.json"
    ref = {"file-url": secret.as_uri(), "relative": str(secret).lstrip("/"),  # Helm reads file:///<ref>
           "https": "https://schemas.example.invalid/secret.json"}[kind]
    schema = write_chart(repo / "charts" / "web", schema_ref(ref))
    results = all_formats(repo, "--only", "helm", "--no-cache")
    assert_refused_at(results, "charts/web/values.schema.json", line_of(schema.read_text(), "$ref"))
    text = results["text"][1]
    assert "the chart is not linted nor rendered" in text and "#/$defs/NAME" in text
    assert "render[" not in text  # nothing ran


def test_helm_schema_ref_through_a_file_inside(repo: Path, secrets: Path) -> None:
    """A `$ref` to a schema file inside is followed, and that file's `$ref` out is refused at its line."""
    chart = repo / "charts" / "web"
    write_chart(chart, schema_ref((chart / "defs.json").as_uri()))
    (chart / "defs.json").write_text('{\n  "allOf": [\n    {"$ref": "../../../outside/secret.json"}\n  ]\n}\n')
    results = all_formats(repo, "--only", "helm", "--no-cache")
    assert_refused_at(results, "charts/web/defs.json", 3)


def test_helm_subchart_schema_and_meta_schema(repo: Path, secrets: Path) -> None:
    """A vendored subchart's schema is checked too, and so is a `$schema` Helm would load."""
    chart = repo / "charts" / "web"
    write_chart(chart, {"type": "object"})
    sub = write_chart(chart / "charts" / "sub", {"$schema": (secrets / "secret.json").as_uri(), "type": "object"})
    (chart / "charts" / "sub" / "Chart.yaml").write_text(CHART.replace("web", "sub"))
    assert_refused_at(all_formats(repo, "--only", "helm", "--no-cache"), "charts/web/charts/sub/values.schema.json",
                      line_of(sub.read_text(), "$schema"))


def test_helm_schema_refs_inside_are_allowed(repo: Path) -> None:
    """JSON pointers, the built-in meta-schemas and files inside: Helm lints and renders as before."""
    chart = repo / "charts" / "web"
    (chart).mkdir(parents=True)
    (chart / "int.json").write_text('{"type": "integer", "minimum": 0}')
    write_chart(chart, {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                        "definitions": {"n": {"$ref": (chart / "int.json").as_uri()}},
                        "properties": {"replicas": {"$ref": "#/definitions/n"}}})
    code, out, _ = validate("--no-cache", "--only", "helm", "repo", cwd=repo.parent)
    assert code == 0 and "input/outside-root" not in out, out


def write_root(repo: Path, body: str) -> Path:
    root = repo / "envs" / "dev"
    root.mkdir(parents=True, exist_ok=True)
    main = root / "main.tf"
    main.write_text(body)
    return main


HOSTILE_READS = {
    "literal": 'output "x" {\n  value = tonumber(file("{secret}"))\n}\n',
    "local-climbing": 'locals {\n  p = "${path.module}/../../../outside/secret.txt"\n}\n'
                      'output "x" {\n  value = tonumber(filebase64(local.p))\n}\n',
    "conditional": 'variable "p" {\n  default = ""\n}\noutput "x" {\n'
                   '  value = tonumber(file(var.p != "" ? var.p : format("%s", "{secret}")))\n}\n',
    "templatefile": 'output "x" {\n  value = tonumber(templatefile("{secret}", {}))\n}\n',
    "heredoc": 'output "x" {\n  value = <<EOT\n${tonumber(file("{secret}"))}\nEOT\n}\n',
    "for": 'output "x" {\n  value = [for f in ["{secret}"] : tonumber(file(f))]\n}\n',
    "home": 'output "x" {\n  value = tonumber(file(pathexpand("~/.planforge-test-{secret}")))\n}\n',
    "fileset": 'output "x" {\n  value = fileset(path.module, "../../../outside/*")\n}\n',
    "unresolvable": 'output "x" {\n  value = tonumber(file(lower("{secret}")))\n}\n',
    # Terraform reads these; python-hcl2 cannot parse them, so where they read cannot be worked out
    "comment-before-parenthesis": 'output "x" {\n  value = tonumber(file /* c */ ("{secret}"))\n}\n',
    "line-comment-before-parenthesis": 'output "x" {\n  value = tonumber(file # c\n  ("{secret}"))\n}\n',
    "core-namespace": 'output "x" {\n  value = tonumber(core::file("{secret}"))\n}\n',
}


@pytest.mark.parametrize("case", sorted(HOSTILE_READS))
def test_terraform_file_functions_outside_are_refused_before_validate(repo: Path, secrets: Path, case: str) -> None:
    require_tool("terraform")
    main = write_root(repo, HOSTILE_READS[case].replace("{secret}", str(secrets / "secret.txt")))
    results = all_formats(repo, "--only", "terraform", "--no-cache")
    marker = "fileset(" if case == "fileset" else "file"
    line = next(n for n, text in enumerate(main.read_text().splitlines(), 1) if marker in text and "=" in text
                or "${tonumber" in text)
    assert_refused_at(results, "envs/dev/main.tf", line)
    text = results["text"][1]
    assert "terraform validate does not run" in text
    assert "skipped [terraform/validate] envs/dev" in text


def test_terraform_unknown_and_inside_paths_are_validated(repo: Path, secrets: Path) -> None:
    """Variables are unknown during terraform validate (nothing is read); files of the module are read."""
    require_tool("terraform")
    write_root(repo, 'variable "p" {\n  type    = string\n  default = "%s"\n}\n'
                     'output "a" {\n  value = file(var.p)\n}\n'
                     'output "b" {\n  value = file("${path.module}/files/a.txt")\n}\n' % (secrets / "secret.txt"))
    (repo / "envs" / "dev" / "files").mkdir()
    (repo / "envs" / "dev" / "files" / "a.txt").write_text("a\n")
    code, out, _ = validate("--no-cache", "--only", "terraform", "repo", cwd=repo.parent, timeout=300)
    assert code == 0 and "input/outside-root" not in out and SECRET not in out and "skipped [" not in out, out


def test_terraform_diagnostic_withholds_what_a_file_function_read(repo: Path) -> None:
    """Defence in depth: a diagnostic about an expression that reads a file never quotes what it read."""
    require_tool("terraform")
    inside_marker = "PLANFORGE-INSIDE-VALUE-41b2"
    main = write_root(repo, 'output "x" {\n  value = tonumber(file("${path.module}/value.txt"))\n}\n')
    (repo / "envs" / "dev" / "value.txt").write_text(inside_marker)
    code, out, _ = validate("--no-cache", "--format", "json", "--only", "terraform", "repo", cwd=repo.parent,
                            timeout=300)
    data = json.loads(out[out.index("{"):])
    found = [f for c in data["checks"] for f in c["findings"] if f["rule"] == "terraform/validate"]
    assert code == 1 and found and found[0]["line"] == line_of(main.read_text(), "tonumber"), out
    assert inside_marker not in out and "withheld" in out, out


def test_tool_findings_name_no_path_outside(tmp_path: Path) -> None:
    """Absolute paths and file:// URLs outside the roots and the scratch directory leave tool findings;
    the `input` findings planforge writes itself quote the repository as written."""
    repo, scratch = tmp_path / "repo", tmp_path / "scratch"
    repo.mkdir()
    scratch.mkdir()
    secret = tmp_path / "outside" / "secret.txt"
    finding = Finding("helm", "helm/lint", Severity.ERROR, f'failing loading "{secret.as_uri()}": at {secret}:3',
                      "charts/web", detail=f"{repo / 'a.yaml'}:1 and {scratch / 'x'} and {secret}")
    pointer = Finding("helm", "helm/lint", Severity.ERROR, "cannot resolve '#/definitions/x'", "charts/web")
    own = Finding("schemas", "schema/invalid", Severity.ERROR, f"schema {secret}", "a.yaml")
    refusal = Finding("input", "input/outside-root", Severity.ERROR, f"$ref '{secret.as_uri()}' reads outside")
    checks = [Check("helm", "lint", "charts/web", Status.FAILED, [finding, pointer, refusal]),
              Check("schemas", "schema", "a.yaml", Status.FAILED, [own])]
    redact_checks(checks, Bounds.of([repo]), scratch)
    assert finding.message == f'failing loading "{REDACTED}": at {REDACTED}:3'
    assert finding.detail == f"{repo / 'a.yaml'}:1 and {scratch / 'x'} and {REDACTED}"
    assert pointer.message == "cannot resolve '#/definitions/x'"
    assert own.message == f"schema {secret}"  # planforge's own findings name trusted locations
    assert refusal.message == f"$ref '{secret.as_uri()}' reads outside"


def test_repository_schema_cannot_refer_outside(repo: Path, secrets: Path) -> None:
    """A schema location in the repository (trusted on the command line) cannot `$ref` out of its directory."""
    (repo / "schemas").mkdir()
    (repo / "schemas" / "widget-example-v1.json").write_text(json.dumps(
        {"type": "object", "properties": {"spec": {"$ref": "../../../outside/secret.json"}}}))
    (repo / "w.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec: 3\n")
    location = str(repo / "schemas" / "{{ .ResourceKind }}{{ .KindSuffix }}.json")
    results = all_formats(repo, "--only", "schemas", "--no-cache", "--schema-location", location)
    for fmt, (code, out) in results.items():
        assert code == 1 and SECRET not in out, (fmt, out)
        assert "is outside the schema's directory: not read" in out, (fmt, out)


def test_kind_cannot_lead_a_schema_location_outside(repo: Path, secrets: Path) -> None:
    """The bundled CRD catalog is rendered from apiVersion and kind: `../` in them finds no schema outside."""
    group_dir = os.path.relpath(secrets, CRD_DIR)
    shutil.copy(secrets / "secret.json", secrets / "secret_v1.json")
    (repo / "x.yaml").write_text(f"apiVersion: {group_dir}/v1\nkind: Secret\nmetadata:\n  name: x\nspec: 3\n")
    code, out, _ = validate("--no-cache", "--only", "schemas", "--format", "json", "repo", cwd=repo.parent)
    assert SECRET not in out and "enum" not in out, out


EVALUATED = {  # expression -> refused: worked out as terraform validate evaluates it
    'file(var.p)': False,
    'file(aws_s3_object.o.key)': False,
    'file("${var.dir}/../../../etc/passwd")': False,  # a template with an unknown part is unknown
    '[for f in var.files : file(f)]': False,
    'file("${path.module}/files/${each.value}")': False,
    'file(var.p != "" ? var.p : "${path.module}/default.txt")': False,
    'file([var.p, "/etc/passwd"][1])': True,
    'file(lookup({a = "/etc/passwd"}, "a", "x"))': True,
    'file(lookup({a = "/etc/passwd"}, var.k, "x"))': False,  # an unknown key: the result is unknown
    'file(try(var.p, "/etc/passwd"))': True,
    'file(join("/", ["", "etc", "passwd"]))': True,
    'file(file("${path.module}/where.txt"))': True,  # the path would be the content of a file
    'file("../../x")': True,  # relative to the root's directory
    'file(trimspace(<<-EOT\n    /etc/passwd\n    EOT\n))': True,
}


@pytest.mark.parametrize("expression", sorted(EVALUATED))
def test_file_function_paths_are_worked_out_as_validate_does(tmp_path: Path, expression: str) -> None:
    from planforge.validate.terraform.filereads import refused_reads

    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(f'resource "x" "y" {{\n  for_each = var.m\n  v = {expression}\n}}\n')
    refused = refused_reads(root, [root / "main.tf"], [root], Bounds.of([root]))
    assert bool(refused) is EVALUATED[expression], refused
    assert all(r.file == root / "main.tf" and r.line == 3 for r in refused), refused


def test_dynamic_block_iterator_and_json_locals(tmp_path: Path) -> None:
    """A dynamic block with a known for_each is expanded during validate; `.tf.json` strings are templates."""
    from planforge.validate.terraform.filereads import refused_reads

    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text('resource "x" "y" {\n  dynamic "s" {\n    for_each = ["/etc/passwd"]\n'
                                  '    content {\n      v = file(s.value)\n    }\n  }\n}\n')
    (root / "extra.tf.json").write_text(json.dumps({"locals": {"p": "/etc/shadow"},
                                                    "output": {"o": {"value": "${file(local.p)}"}}}, indent=1))
    refused = refused_reads(root, sorted(root.iterdir()), [root], Bounds.of([root]))
    assert sorted((r.file.name, r.line) for r in refused) == [("extra.tf.json", 7), ("main.tf", 5)], refused


SPELLED_OTHERWISE = {  # calls Terraform evaluates that python-hcl2 cannot parse, or spelled with JSON escapes
    "main.tf": 'output "o" {\n  value = tonumber("${file /* c */ ("/etc/passwd")}")\n}\n',
    "heredoc.tf": 'output "h" {\n  value = <<EOT\n${core::file("/etc/passwd")}\nEOT\n}\n',
    "comment.tf.json": '{"output": {"j": {"value": "${file /* c */ (\\"/etc/passwd\\")}"}}}',
    "escaped.tf.json": '{"output": {"e": {"value": "${\\u0066ile(\\"/etc/passwd\\")}"}}}',
    "template.tf": 'output "t" {\n  value = templatefile("${path.module}/t.tpl", {})\n}\n',
    "t.tpl": '${file /* c */ ("/etc/passwd")}',
}


def test_file_functions_spelled_otherwise_are_refused(tmp_path: Path) -> None:
    """A comment before the `(`, the `core::` namespace, a `\\u` escape in `.tf.json`: the call is refused."""
    from planforge.validate.terraform.filereads import refused_reads

    root = tmp_path / "root"
    root.mkdir()
    for name, text in SPELLED_OTHERWISE.items():
        (root / name).write_text(text)
    files = sorted(p for p in root.iterdir() if p.suffix != ".tpl")
    refused = refused_reads(root, files, [root], Bounds.of([root]))
    assert sorted((r.file.name, r.line) for r in refused) == [
        ("comment.tf.json", 1), ("escaped.tf.json", 1), ("heredoc.tf", 3), ("main.tf", 2), ("template.tf", 2)], refused


def test_file_function_check_is_bounded(tmp_path: Path) -> None:
    """Locals that multiply (each list ten times the next, 40 deep) and a chain of 3,000 locals are
    worked out in bounded time, and a path too complex to follow is refused, never an internal error."""
    from planforge.validate.terraform.filereads import refused_reads

    root = tmp_path / "root"
    root.mkdir()
    lines = ["locals {", *(f"  l{i} = [{', '.join([f'local.l{i + 1}'] * 10)}]" for i in range(40)),
             '  l40 = "/etc/passwd"', *(f"  c{i} = local.c{i + 1}" for i in range(3000)), '  c3000 = "x"', "}",
             'output "a" {', '  value = file("${local.l39[0]}${local.l39[1]}${local.l39[2]}${local.l39[3]}")', "}",
             'output "b" {', "  value = file(local.c0)", "}"]
    (root / "main.tf").write_text("\n".join(lines) + "\n")
    with hang_guard("file function check"):
        refused = refused_reads(root, [root / "main.tf"], [root], Bounds.of([root]))
    assert [(r.line, "outside" in r.reason or "too deeply" in r.reason) for r in refused] == [
        (len(lines) - 4, True), (len(lines) - 1, True)], refused


def test_helm_schema_nesting_too_deeply_is_refused(repo: Path) -> None:
    chart = repo / "charts" / "web"
    write_chart(chart, {})
    (chart / "values.schema.json").write_text('{"allOf": ' * 100_000 + "{}" + "}" * 100_000)
    code, out, _ = validate("--no-cache", "--only", "helm", "repo", cwd=repo.parent)
    assert code == 1 and "input/too-complex" in out and "charts/web/values.schema.json" in out, out
    assert "internal error" not in out, out


@pytest.mark.parametrize("entry", ["git::file://{outside}//app", "file://{outside}//app", "file://{outside}/app"])
def test_kustomize_does_not_clone_a_repository_outside(repo: Path, entry: str) -> None:
    """A kustomization resource kustomize would clone with git from outside (a `file://` URL, `git::`) is not built."""
    require_tool("git")
    outside = repo.parent / "outside"
    (outside / "app").mkdir(parents=True)
    (outside / "app" / "kustomization.yaml").write_text("resources:\n- cm.yaml\n")
    (outside / "app" / "cm.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n{SECRET}: 1\n")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=outside, check=True, capture_output=True)
    (repo / "app").mkdir()
    (repo / "app" / "kustomization.yaml").write_text(f"resources:\n- {entry.format(outside=outside)}\n")
    for fmt, (code, out) in all_formats(repo, "--only", "kustomize", "--no-cache", "--strict").items():
        assert SECRET not in out, f"{fmt} output leaks the secret:\n{out}"
    assert "needs the network" in out, out


@pytest.mark.parametrize("field", ["patches:\n- path: {url}\n  target: {{kind: ConfigMap}}\n",
                                   "configMapGenerator:\n- name: g\n  files:\n  - {url}\n",
                                   "replacements:\n- path: {url}\n"])
def test_kustomize_fetches_no_url_a_kustomization_names(repo: Path, field: str) -> None:
    """kustomize fetches a patch, generator source or replacement named by an http(s) URL: the kustomization is
    not built (no request reaches the server; in CI the URL could be a cloud metadata endpoint)."""
    import http.server
    import threading

    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n{SECRET}: 1\n".encode())

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        (repo / "app").mkdir()
        (repo / "app" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {}\n")
        url = f"http://127.0.0.1:{server.server_port}/secret.yaml"
        (repo / "app" / "kustomization.yaml").write_text("resources:\n- cm.yaml\n" + field.format(url=url))
        code, out, _ = validate("--no-cache", "--only", "kustomize", "--strict", "repo", cwd=repo.parent)
    finally:
        server.shutdown()
    assert requests == [] and SECRET not in out, (requests, out)
    assert "needs the network" in out, out
