"""Credentials in a plan, run as a real subprocess: each kind (tests/fixtures/credentials/kinds.yaml), placed in
a plan field, in a component note or as a key block in a list item, is warned at its line with its kind and reaches no output
of `plan check`, `plan show` (text and --json), `answers` or `new`, and no file of the generated repository;
a URL option carrying a credential is refused."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from testlib import FIXTURES, PLANS, REPO

# One worker runs every command once (`rendered`, about 15 s): spread over two, each would run them all.
pytestmark = pytest.mark.xdist_group("credentials-cli")

KINDS = yaml.safe_load((FIXTURES / "credentials" / "kinds.yaml").read_text(encoding="utf-8"))
BASE = PLANS / "aws-eks-argocd.plan.md"
# Free-text fields of BASE (a list field such as Target Environment refuses the plan instead).
FIELDS = ["Cloud Provider", "IaC Tools", "Kubernetes", "GitOps", "Deployment Strategy", "State Backend",
          "Secrets Management", "Validation", "Deployment Type", "Performance Goals", "Constraints", "Scale/Scope",
          "Structure Decision"]
NOTES = ["| ingress-nginx | Yes | Public NLB", "| cert-manager | Yes | Let's Encrypt ClusterIssuer",
         "| external-secrets | Yes | Reads from AWS Secrets Manager", "| kube-prometheus-stack | Yes | Prometheus",
         "| argo-cd | Yes | Manages itself after bootstrap"]
REPO_URL = "https://github.com/acme/storefront.git"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planforge", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=300)


def _placed(placement: str) -> tuple[str, dict[int, int]]:
    """BASE with every sample of the placement in it; sample index -> its (first) line number. Key blocks go in
    list items after the fields, where a body after a blank line used to reach `plan show --json`."""
    lines = BASE.read_text(encoding="utf-8").split("\n")
    where: dict[int, int] = {}
    if placement == "block":
        at = next(n for n, line in enumerate(lines) if line.startswith("**Scale/Scope**: ")) + 1
        for i, sample in enumerate(KINDS):
            if sample.get("block"):
                where[i] = at + 3
                block = ["", "- Deploy key:", *(f"  {line}" if line else "" for line in sample["text"].split("\n"))]
                lines[at:at] = block
                at += len(block)
        return "\n".join(lines), where
    targets = [f"**{f}**: " for f in FIELDS] if placement == "field" else NOTES
    rows = [next(n for n, line in enumerate(lines) if line.startswith(t)) for t in targets]
    for i, sample in enumerate(s for s in KINDS if not s.get("block")):
        n = rows[i % len(rows)]
        if placement == "field":
            lines[n] = lines[n].rstrip() + f" ref {sample['text']}"
        else:
            lines[n] = lines[n].rstrip(" |") + f" ref {sample['text']} |"
        where[KINDS.index(sample)] = n + 1
    return "\n".join(lines), where


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Per placement: the plan, where each sample is, every command's output and the generated files."""
    results = {}
    for placement in ("field", "note", "block"):
        tmp = tmp_path_factory.mktemp(placement)
        plan = tmp / "plan.md"
        text, where = _placed(placement)
        plan.write_text(text, encoding="utf-8")
        dest = tmp / "repo"
        runs = {"check": run("plan", "check", str(plan)), "show": run("plan", "show", str(plan)),
                "json": run("plan", "show", "--json", str(plan)), "answers": run("answers", str(plan)),
                "new": run("new", str(plan), str(dest), "--repo-url", REPO_URL)}
        for name, r in runs.items():
            assert r.returncode == 0, (placement, name, r.stdout, r.stderr)
        files = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file() and ".git" not in p.relative_to(dest).parts}
        assert dest / ".copier-answers.yml" in files and dest / "README.md" in files
        results[placement] = {"plan": plan, "where": where, "runs": runs, "files": files,
                              "git": subprocess.run(["git", "-C", str(dest), "log", "-p", "--all"], capture_output=True,
                                                    check=True).stdout}
    return results


CASES = [(i, placement) for i, sample in enumerate(KINDS)
         for placement in (("block",) if sample.get("block") else ("field", "note"))]


@pytest.mark.parametrize("index,placement", CASES,
                         ids=[f"{KINDS[i]['kind']}-{KINDS[i]['text'][:20]}-{p}" for i, p in CASES])
def test_a_credential_is_warned_at_its_line_and_reaches_no_output_or_file(rendered, index, placement):
    sample, result = KINDS[index], rendered[placement]
    plan, line = result["plan"], result["where"][index]
    warnings = [w for w in result["runs"]["check"].stderr.splitlines()
                if w.startswith(f"warning: {plan}:{line}: a credential-like value (")]
    assert len(warnings) == 1, result["runs"]["check"].stderr
    kinds = warnings[0].split("(", 1)[1].split(")", 1)[0].split(", ")
    assert sample["kind"] in kinds and "secret store" in warnings[0]
    shown = json.loads(result["runs"]["json"].stdout)
    assert any(w.startswith(f"{plan}:{line}: a credential-like value (") for w in shown["warnings"])
    assert f"planforge: warning: {plan}:{line}: a credential-like value (" in result["runs"]["new"].stderr
    secret = sample["secret"]
    for name, r in result["runs"].items():
        assert secret not in r.stdout + r.stderr, name
    leaked = [str(p) for p, content in result["files"].items() if secret.encode() in content]
    assert not leaked and secret.encode() not in result["git"]


def test_the_placements_reach_the_generated_repository(rendered):
    """The test above could not fail if nothing of a field or a note reached the repository: the text around
    each placed credential does (README, .copier-answers.yml, the Argo CD Application of the component)."""
    files = rendered["note"]["files"]
    apps = [content for p, content in files.items() if p.match("argocd/applications/*/ingress-nginx.yaml")]
    assert apps and all(b"Public NLB ref" in a for a in apps)
    answers = rendered["field"]["files"][next(p for p in rendered["field"]["files"] if p.name == ".copier-answers.yml")]
    readme = next(c for p, c in rendered["field"]["files"].items() if p.name == "README.md" and p.parent.name == "repo")
    assert b"<redacted>" in answers + readme


@pytest.mark.parametrize("url", [
    "https://deploy:HttpsDeployPw7@github.com/acme/storefront.git",
    "https://ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6qEXA@github.com/acme/storefront.git",
    "https://oauth2:glpat-Ab3dEf6hIj9kLm2nOp5qEX@gitlab.com/acme/storefront.git",
    "https://x-access-token:***@github.com/acme/storefront.git",
    "https://Zq8Lm3Nx7Pv2Rt6Wy1Kb4@git.example.com/acme/storefront.git",
    "ssh://git:S5hPassw0rd@git.example.com/acme/storefront.git",
])
@pytest.mark.parametrize("command", ["new", "answers"])
def test_a_repo_url_with_a_credential_is_refused(tmp_path, url, command):
    dest = tmp_path / "repo"
    args = ["new", str(BASE), str(dest)] if command == "new" else ["answers", str(BASE), "-o", str(tmp_path / "a.yml")]
    r = run(*args, "--repo-url", url)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "--repo-url: refused: the URL carries a credential (" in r.stderr
    assert "credential helper or a deploy key" in r.stderr and "Traceback" not in r.stderr
    userinfo = url.split("://", 1)[1].split("@", 1)[0]
    assert userinfo.split(":")[-1] not in r.stdout + r.stderr
    assert not dest.exists() and not (tmp_path / "a.yml").exists()


@pytest.mark.parametrize("url", [REPO_URL, "git@github.com:acme/storefront.git", "ssh://git@github.com/acme/storefront.git",
                                 "https://alice@github.com/acme/storefront.git"])
def test_a_repo_url_without_a_credential_is_kept(url):
    r = run("answers", str(BASE), "--repo-url", url)
    assert r.returncode == 0, r.stderr
    assert yaml.safe_load(r.stdout)["repo_url"] == url


@pytest.mark.parametrize("option,value", [
    ("--install", "planforge @ git+https://deploy:HttpsDeployPw7@github.com/acme/planforge.git@v1"),
    ("--template", "https://deploy:HttpsDeployPw7@git.example.com/acme/template.git"),
])
def test_an_install_or_template_url_with_a_credential_is_refused(tmp_path, option, value):
    dest = tmp_path / "repo"
    r = run("new", str(BASE), str(dest), "--repo-url", REPO_URL, option, value)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "refused: the URL carries a credential (URL with a password)" in r.stderr
    assert "HttpsDeployPw7" not in r.stdout + r.stderr and not dest.exists()


def test_the_template_source_from_the_environment_is_checked_too(tmp_path):
    dest = tmp_path / "repo"
    env_run = subprocess.run([sys.executable, "-m", "planforge", "new", str(BASE), str(dest), "--repo-url", REPO_URL],
                             capture_output=True, text=True, cwd=REPO, timeout=300,
                             env={**os.environ, "PLANFORGE_TEMPLATE": "https://u:HttpsDeployPw7@git.example.com/t.git"})
    assert env_run.returncode == 2 and "the template source" in env_run.stderr and not dest.exists()


def test_update_refuses_a_recorded_repo_url_with_a_credential(rendered, tmp_path):
    """A repository generated before credentials in URLs were refused may record one: `update` would copy it into
    more files (and README, Argo CD Applications), so it stops before changing anything and names the file."""
    import shutil

    dest = tmp_path / "repo"
    shutil.copytree(rendered["field"]["plan"].parent / "repo", dest, symlinks=True)
    answers = dest / ".copier-answers.yml"
    token = "glpat-Ab3dEf6hIj9kLm2nOp5qEX"
    answers.write_text(answers.read_text(encoding="utf-8").replace(REPO_URL, f"https://oauth2:{token}@gitlab.com/a/b.git"),
                       encoding="utf-8")
    subprocess.run(["git", "-C", str(dest), "commit", "-qam", "an older repo_url"], check=True)
    before = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file() and ".git" not in p.relative_to(dest).parts}
    for args in (["update", str(dest)], ["update", str(dest), "--plan", str(BASE)]):
        r = run(*args)
        assert r.returncode == 2, r.stdout + r.stderr
        assert ".copier-answers.yml repo_url (rotate that token): refused: the URL carries a credential (" in r.stderr
        assert token not in r.stdout + r.stderr and "Traceback" not in r.stderr
    after = {p: p.read_bytes() for p in dest.rglob("*") if p.is_file() and ".git" not in p.relative_to(dest).parts}
    assert after == before
