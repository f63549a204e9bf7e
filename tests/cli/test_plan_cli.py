"""`planforge plan show|check` and `planforge answers`, run as a real subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from testlib import ACCEPTED_PLANS, PLANS, REAL_PLANS, REPO, copier_config
from planforge.errors import RefusedError


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planforge", *args], capture_output=True, text=True, cwd=cwd or REPO,
                          timeout=120)


def test_check_accepts_shared_plans():
    """Every accepted fixture plan in one `plan check` (a process per plan spent a minute starting Python)."""
    r = run("plan", "check", *map(str, ACCEPTED_PLANS))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    ready = {line.partition(": ready")[0] for line in r.stdout.splitlines() if ": ready" in line}
    assert ready == {str(p) for p in ACCEPTED_PLANS}


def test_check_refuses_needs_clarification_with_file_line_field():
    path = PLANS / "needs-clarification.plan.md"
    r = run("plan", "check", str(path))
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert [ln.split(": ")[0:2] for ln in lines] == [
        [f"{path}:8", "Cloud Provider"], [f"{path}:13", "State Backend"], [f"{path}:22", "Structure Decision"],
        [f"{path}:17", "Deployment Type"]]  # multi-region naming no region
    assert "Constraints" in r.stderr and "warning" in r.stderr
    assert "Constraints" not in r.stdout



def test_check_takes_several_plans_and_exits_with_the_worst():
    """As the pre-commit hook calls it: every changed plan checked, one refused plan fails the run."""
    ready, refused = PLANS / "aws-single-iac.plan.md", PLANS / "needs-clarification.plan.md"
    both = run("plan", "check", str(ready), str(refused))
    assert both.returncode == 1
    assert f"{ready}: ready: single-iac" in both.stdout and f"{refused}:8: Cloud Provider" in both.stdout
    assert run("plan", "check", str(ready), str(ready)).returncode == 0
    assert run("plan", "check", str(ready), str(REPO / "no-such.plan.md")).returncode == 2


LEDGER = """# Implementation Plan: Ledger

**Branch**: `007-ledger` | **Date**: 2026-10-20

## Technical Context

**Cloud Provider**: AWS
**IaC Tools**: Terraform 1.7
**State Backend**: S3+DynamoDB
**Target Environment**: dev, prod
**Deployment Type**: single-region (eu-west-1)
{extra}
## Project Structure

**Structure Decision**: Option 1 (single-iac: Terraform only).
"""


def test_check_lists_what_is_not_applied_and_strict_exits_1(tmp_path):
    plan = tmp_path / "plan.md"
    plan.write_text(LEDGER.format(extra="**Performance Goals**: p95 < 250ms\n**Scale/Scope**: a WAF in front of the API\n"))
    r = run("plan", "check", str(plan))
    assert r.returncode == 0, r.stderr
    assert f"{plan}:12: not applied: Performance Goals: p95 < 250ms: a latency target" in r.stdout
    assert f"{plan}:13: not applied: Scale/Scope: a WAF in front of the API: no rule reads this WAF statement, so the output does not carry it (only the blueprint's own WAF setup, if it has one)" in r.stdout
    # the last line says how many: "ready" above a long list read as "everything applied" to a new user
    assert r.stdout.splitlines()[-1].endswith("; 2 statement(s) of the plan not applied, listed above (`--strict` fails "
                                              "on them)")
    strict = run("plan", "check", "--strict", str(plan))
    assert strict.returncode == 1 and strict.stdout == r.stdout and "2 statement(s)" in strict.stderr
    shown = run("plan", "show", str(plan))
    assert "Not applied:" in shown.stdout and "  12  Performance Goals: p95 < 250ms: a latency target" in shown.stdout


def test_check_strict_exits_0_when_everything_is_applied(tmp_path):
    plan = tmp_path / "plan.md"
    plan.write_text(LEDGER.format(extra=""))
    r = run("plan", "check", "--strict", str(plan))
    assert r.returncode == 0 and "not applied" not in r.stdout, r.stdout


def test_usage_and_io_errors_exit_2(tmp_path):
    r = run("plan", "check", str(tmp_path / "missing.md"))
    assert r.returncode == 2 and "cannot read plan" in r.stderr and "Traceback" not in r.stderr
    assert run("plan", "check").returncode == 2
    assert run("plan").returncode == 2
    assert run("answers", str(PLANS / "aws-single-iac.plan.md"), "-o", str(tmp_path / "no" / "dir.yml")).returncode == 2


@pytest.mark.parametrize("argv", [["plan", "--help"], ["plan", "show", "--help"], ["plan", "check", "--help"],
                                  ["answers", "--help"]])
def test_help(argv):
    r = run(*argv)
    assert r.returncode == 0 and "usage:" in r.stdout


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("planforge ")


def test_show_text_lists_every_decision_with_provenance():
    r = run("plan", "show", str(PLANS / "aws-eks-argocd.plan.md"))
    assert r.returncode == 0
    out = r.stdout
    assert "Decisions:" in out and "multi-tool" in out
    assert "<- plan.md:94: Structure Decision: Option 2" in out
    assert "ingress-nginx 4.11.5" in out and "default (" in out


def test_show_json_schema():
    r = run("plan", "show", "--json", str(PLANS / "multi-tenant-saas.plan.md"))
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 1 and doc["status"] == "ready"
    assert set(doc) == {"schema_version", "source", "status", "plan", "answers", "provenance", "model", "not_applied",
                        "warnings", "problems"}
    assert set(doc["plan"]) == {"title", "family", "branch", "date", "spec", "fields", "components",
                                "custom_applications", "constitution", "structure_paths", "structure_decision",
                                "complexity"}
    assert doc["answers"]["tenants"] == ["acme", "globex", "initech"]
    assert doc["provenance"]["region"] == {"source": "plan", "line": 27,
                                           "text": "Deployment Type: single-region (eu-central-1)", "note": None, "more": [],
                                           "by": None}
    assert {"label": "Cloud Provider", "key": "cloud_provider", "value": "AWS", "line": 18,
            "unresolved": False} in doc["plan"]["fields"]


def test_show_json_on_a_refused_plan():
    r = run("plan", "show", "--json", str(PLANS / "needs-clarification.plan.md"))
    assert r.returncode == 1
    doc = json.loads(r.stdout)
    assert doc["status"] == "refused" and doc["answers"] is None
    assert [(p["field"], p["line"]) for p in doc["problems"]] == [
        ("Cloud Provider", 8), ("State Backend", 13), ("Structure Decision", 22), ("Deployment Type", 17)]
    assert any("Constraints" in w for w in doc["warnings"])


def test_answers_writes_copier_data_file(tmp_path):
    out = tmp_path / "answers.yml"
    r = run("answers", str(PLANS / "helm-chart-payments.plan.md"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    data = yaml.safe_load(out.read_text())
    assert data["structure"] == "helm-chart" and data["chart_name"] == "payments-service"
    assert data["services"][0]["image"] == "ghcr.io/example/payments-service"
    stdout = run("answers", str(PLANS / "helm-chart-payments.plan.md"))
    assert yaml.safe_load(stdout.stdout) == data


def test_answers_match_copier_questions():
    """Every answer key is a copier.yml question (the blueprint contract)."""
    questions = {k for k in copier_config() if not k.startswith("_")}
    r = run("answers", str(PLANS / "aws-eks-argocd.plan.md"))
    assert set(yaml.safe_load(r.stdout)) <= questions


def test_answers_on_a_refused_plan_exits_1_and_writes_nothing(tmp_path):
    out = tmp_path / "a.yml"
    r = run("answers", str(PLANS / "needs-clarification.plan.md"), "-o", str(out))
    assert r.returncode == 1 and not out.exists()
    assert ":8: Cloud Provider:" in r.stderr and "Traceback" not in r.stderr


def test_binary_garbage_is_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\x00\xff# Implementation Plan: x\n**Cloud Provider**: {{ evil }}\n")
    r = run("plan", "check", str(bad))
    assert r.returncode in (1, 2) and "Traceback" not in r.stderr and "internal error" not in r.stderr


DOCUMENTED_KEYS = {
    "fields": {"label", "key", "value", "line", "unresolved"},
    "components": {"name", "required", "notes", "line"},
    "constitution": {"principle", "text", "checked", "line"},
    "structure_paths": {"path", "line"},
    "complexity": {"violation", "why", "alternative", "line"},
}


PROVENANCE_KEYS = {"source", "line", "text", "note", "more", "by"}
MODEL_UNIT_KEYS = {"id", "kind", "name", "path", "existing", "params", "requires", "only_on", "provides", "provenance",
                   "placement"}


@pytest.mark.parametrize("path", sorted(PLANS.glob("*.plan.md")) + sorted(REAL_PLANS.glob("*.plan.md")),
                         ids=lambda p: p.stem[:40])
def test_show_json_matches_docs_plan_json_on_every_plan(path):
    """Every nested object has exactly the keys docs/plan-json.md shows; provenance covers every answer."""
    import re

    from planforge.cli.plan import plan_json
    from planforge.decide import decide
    from planforge.plan import parse_plan

    doc_text = (REPO / "docs" / "plan-json.md").read_text(encoding="utf-8")
    plan = parse_plan(path)
    decided, error = None, None
    try:
        decided = decide(plan)
    except RefusedError as exc:
        error = exc
    doc = json.loads(json.dumps(plan_json(plan, decided, error)))
    for section, keys in DOCUMENTED_KEYS.items():
        assert all(f'"{k}"' in doc_text for k in keys), section
        for item in doc["plan"][section]:
            assert set(item) == keys, (section, item)
            assert isinstance(item["line"], int) and 1 <= item["line"] <= len(plan.lines)
    for item in doc["problems"]:
        assert set(item) == {"file", "line", "field", "message", "hint"}
    if decided is not None:
        assert set(doc["provenance"]) == set(doc["answers"]) - {"decisions", "not_applied"}
        ids = {u["id"] for u in doc["model"]["units"]}
        for prov in doc["provenance"].values():
            assert set(prov) == PROVENANCE_KEYS and prov["source"] in ("plan", "default", "required")
            assert (prov["line"] is None) == (prov["source"] != "plan")
            for m in prov["more"]:  # further plan lines, or what the model's closure added
                assert (m["source"] == "plan" and 1 <= m["line"] <= len(plan.lines)) or m["by"] in ids
        assert all(set(d) == {"name", "value", "source"} for d in doc["answers"]["decisions"])
        for unit in doc["model"]["units"]:
            assert set(unit) == MODEL_UNIT_KEYS and all(f'"{k}"' in doc_text for k in MODEL_UNIT_KEYS)
            assert set(unit["provenance"]) == PROVENANCE_KEYS
    else:
        assert doc["model"] is None
    for warning in doc["warnings"]:
        assert re.match(rf"{re.escape(str(path))}(:\d+)?: [^:]+: \S", warning), warning


# --------------------------------------------------------------------------- hostile input
def test_check_refuses_a_fifo_without_opening_it(tmp_path):
    import os

    fifo = tmp_path / "plan.md"
    os.mkfifo(fifo)
    for argv in (["plan", "check"], ["plan", "show"], ["answers"]):
        r = run(*argv, str(fifo))
        assert r.returncode == 2 and f"{fifo}: a FIFO; a plan must be a regular file" in r.stderr, r.stderr
    r = run("new", str(fifo), str(tmp_path / "out"), "--no-git")
    assert r.returncode == 2 and str(fifo) in r.stderr and not (tmp_path / "out").exists()


def test_check_refuses_a_device_with_a_usage_error():
    r = run("plan", "check", "/dev/zero")
    assert r.returncode == 2 and "/dev/zero: a device" in r.stderr and "internal error" not in r.stderr


def test_check_refuses_a_file_over_the_size_limit(tmp_path):
    big = tmp_path / "big.md"
    big.write_bytes((PLANS / "aws-eks-argocd.plan.md").read_bytes() + b"x" * 1_048_576)
    r = run("plan", "check", str(big))
    assert r.returncode == 1 and "over the limit of 1048576 bytes" in r.stderr


SECRETS = {
    "AWS access key id": "AKIAIOSFODNN7EXAMPLE",
    "GitHub token": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "password= assignment": "hunter2hunter2",
    "secret= assignment": "s3cr3t-v4lue",
    "token= assignment": "tok-9f8e7d6c",
    "api_key: assignment": "Zx8Kq2LmN4pR7sT9vW1yB3",
    "private key": "MIIEowIBAAKCAQEA7bq98ExampleKeyBodyLine",
}


def _plan_with_secrets() -> str:
    s = SECRETS
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
    text = text.replace("# Implementation Plan: Storefront Platform on EKS",
                        f"# Implementation Plan: Storefront Platform on EKS {s['AWS access key id']}")
    text = text.replace("**Secrets Management**: AWS Secrets Manager via External Secrets Operator",
                        f"**Secrets Management**: AWS Secrets Manager via External Secrets Operator, "
                        f"api_key: {s['api_key: assignment']}")
    text = text.replace("**Performance Goals**: 99.95% uptime, p95 < 250ms, 300 pods",
                        f"**Performance Goals**: 99.95% uptime, p95 < 250ms, 300 pods, ci {s['GitHub token']}")
    text = text.replace("| ingress-nginx | Yes | Public NLB |",
                        f"| ingress-nginx | Yes | Public NLB, password={s['password= assignment']} |")
    text = text.replace("**Constraints**: PCI-DSS scope",
                        f"**Constraints**: secret={s['secret= assignment']} token={s['token= assignment']} PCI-DSS scope")
    key = f"```text\n-----BEGIN RSA PRIVATE KEY-----\n{s['private key']}\n-----END RSA PRIVATE KEY-----\n```\n"
    return text.replace("## Technical Context\n", "## Technical Context\n\n" + key, 1)


def test_credentials_are_never_copied_and_check_warns_with_their_lines(tmp_path):
    plan = tmp_path / "plan.md"
    text = _plan_with_secrets()
    plan.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    r = run("plan", "check", str(plan))
    assert r.returncode == 0, r.stdout + r.stderr
    for kind, secret in SECRETS.items():
        marker = "-----BEGIN" if kind == "private key" else secret  # a key block is reported at its BEGIN line
        n = next(i for i, line in enumerate(lines, 1) if marker in line)
        assert f"{plan}:{n}: a credential-like value" in r.stderr, (kind, r.stderr)
        assert kind.split(" assignment")[0] in r.stderr
    assert "it was not copied" in r.stderr
    answers = run("answers", str(plan))
    show = run("plan", "show", "--json", str(plan))
    assert answers.returncode == 0 and show.returncode == 0
    assert "<redacted>" in answers.stdout
    for secret in SECRETS.values():
        assert secret not in answers.stdout and secret not in show.stdout
    dest = tmp_path / "repo"
    r = run("new", str(plan), str(dest), "--no-git")
    assert r.returncode == 0, r.stderr
    generated = [p for p in dest.rglob("*") if p.is_file()]
    assert generated
    for p in generated:
        content = p.read_bytes()
        for secret in SECRETS.values():
            assert secret.encode() not in content, (p, secret)


def test_check_refuses_a_memory_limit_below_the_request_at_its_line(tmp_path):
    plan = tmp_path / "plan.md"
    text = (PLANS / "ticketing-eks.plan.md").read_text(encoding="utf-8")
    plan.write_text(text.replace("each ticketing-api pod needs 2Gi memory", "ticketing-api memory request 2 GiB, limit 1 GiB"),
                    encoding="utf-8")
    r = run("plan", "check", str(plan))
    assert r.returncode == 1, r.stdout
    assert f"{plan}:32" in r.stdout and "memory limit 1Gi" in r.stdout and "for ticketing-api" in r.stdout
    assert "web-frontend" not in r.stdout + r.stderr


def test_blocking_doc_example_is_what_plan_check_prints():
    """docs/blocking.md shows `plan check` on the shipped example; every line it prints is in the doc."""
    r = run("plan", "check", "needs-clarification.plan.md", cwd=REPO / "examples")
    doc = (REPO / "docs" / "blocking.md").read_text(encoding="utf-8")
    printed = [ln for ln in r.stdout.splitlines() if ln.strip()]
    assert r.returncode == 1 and printed
    assert [ln for ln in printed if ln not in doc] == []


def test_check_without_a_renderable_template_warns_that_the_tree_files_went_unchecked(tmp_path):
    """A configured template this machine cannot render (a remote one, offline): the plan is still checked, and the
    warning says its tree files were not."""
    plan = REAL_PLANS / "radioso-ai--radioso--018-terraform-gcp-deploy.plan.md"
    env = {**os.environ, "PLANFORGE_TEMPLATE": str(tmp_path / "no-such-template")}
    r = subprocess.run([sys.executable, "-m", "planforge", "plan", "check", str(plan)], capture_output=True, text=True,
                       cwd=REPO, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert "warning: the plan's tree files were not checked against the template" in r.stderr
    assert "infra/terraform/apis.tf" not in r.stdout and "Traceback" not in r.stderr
