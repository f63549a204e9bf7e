"""`planforge new` / `planforge update` through the CLI: plain Copier gives the same bytes,
output is deterministic, every accepted shared plan generates, bad input writes nothing."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from planforge.cli import main
from planforge.layout import dirs as layout_dirs

from testlib import ACCEPTED_PLANS as ACCEPTED
from testlib import GIT_ENV, PLANS, copy_template, per_plan, rendered_plan



@pytest.fixture(scope="module")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git clone-like copy of this repository's template, tagged v1."""
    repo = tmp_path_factory.mktemp("template") / "planforge-template"
    copy_template(repo)
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "template"], ["tag", "v1"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)
    return repo


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def files(root: Path, skip: tuple[str, ...] = (".git",)) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in skip
    }


@pytest.mark.slow
@pytest.mark.parametrize("plan", ["multi-tenant-saas", "aws-eks-argocd", "helm-chart-payments"])
def test_plain_copier_gives_the_same_bytes_and_new_is_deterministic(plan, template_repo, tmp_path, capsys):
    plan_path = PLANS / f"{plan}.plan.md"
    answers = tmp_path / "answers.yml"
    # one plan with a repository URL given to both commands, one with none (the placeholder)
    repo_url = ["--repo-url", "https://github.com/acme/storefront-infra.git"] if plan == "aws-eks-argocd" else []
    code, _, err = cli(capsys, "answers", str(plan_path), "-o", str(answers), *repo_url)
    assert code == 0, err
    copier = Path(sys.executable).with_name("copier")
    proc = subprocess.run(
        [str(copier), "copy", str(template_repo), str(tmp_path / "by-copier"), "--data-file", str(answers),
         "--defaults", "--quiet"], capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    code, out, err = cli(capsys, "new", str(plan_path), str(tmp_path / "by-planforge"), "--template",
                         str(template_repo), "--no-git", *repo_url)
    assert code == 0, err
    by_copier, by_planforge = files(tmp_path / "by-copier"), files(tmp_path / "by-planforge")
    assert len(by_planforge) > 20
    answers_file = ".copier-answers.yml"
    assert {k: v for k, v in by_copier.items() if k != answers_file} == \
        {k: v for k, v in by_planforge.items() if k != answers_file}
    if plan == "multi-tenant-saas":
        code, _, err = cli(capsys, "new", str(plan_path), str(tmp_path / "again"), "--template", str(template_repo),
                           "--no-git")
        assert code == 0, err
        assert files(tmp_path / "again") == by_planforge


# The CLI's own part (its messages, the recorded source and repo_url, the commit) on a plan of each structure; the
# repository of every accepted plan is the shared render `planforge new --no-git` gives (testlib.rendered_plan).
CLI_PLANS = [PLANS / f"{name}.plan.md" for name in ("aws-eks-argocd", "multi-tenant-saas", "todo-chart")]


@pytest.mark.parametrize("plan", CLI_PLANS, ids=[p.name.removesuffix(".plan.md") for p in CLI_PLANS])
def test_new_says_what_it_generated_records_its_source_and_commits(plan, tmp_path, capsys):
    dest = tmp_path / "repo"
    code, out, err = cli(capsys, "new", str(plan), str(dest), "--repo-url", "https://github.com/acme/infra.git")
    assert code == 0, err
    assert "Generated " in out and "Next:" in out and "planforge validate . --strict" in out
    assert "placeholder" not in err
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == "https://planforge.invalid/planforge.git"  # the shipped template
    assert recorded["repo_url"] == "https://github.com/acme/infra.git"
    status = subprocess.run(["git", "status", "--porcelain"], cwd=dest, capture_output=True, text=True)
    assert status.stdout == "" and (dest / ".git").is_dir()


@pytest.mark.parametrize("plan", per_plan(ACCEPTED))
def test_every_accepted_plan_generates_its_layout_and_readme(plan, tmp_path_factory):
    dest = rendered_plan(plan, tmp_path_factory)
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())
    assert "blueprints" not in recorded  # computed from the layout on every copy and update
    where = layout_dirs(recorded)  # the layout table's conditions and the plan's tree (`paths`)
    assert where["terraform"] or where["cloudformation"] or where["pulumi"] or where["charts"] or where["argocd"] or \
        where["flux_clusters"], "nothing generated"
    for top in ("terraform", "cloudformation", "pulumi", "kubernetes", "argocd", "flux_clusters", "charts", "dapr"):
        if where[top]:
            assert (dest / where[top]).is_dir(), f"{where[top]}/ for {plan.name}"
        else:
            assert not (dest / top).exists(), f"{top}/ for {plan.name}"
    assert not (dest / "helm-chart").exists()
    readme = (dest / "README.md").read_text()
    assert readme.count("\n- **") >= len(recorded["decisions"]) > 0
    # every not-applied item in the README's section before Decisions, with its line; no section without any
    not_applied = recorded.get("not_applied", [])
    assert ("## Not applied" in readme) == bool(not_applied)
    section = readme.partition("## Not applied")[2].partition("## Decisions")[0]
    assert all(f"- plan.md:{n['line']}: {n['text']} — {n['why']}\n" in section for n in not_applied)


def test_a_plan_with_everything_applied_gets_no_not_applied_section(tmp_path, capsys, isolated_cache):
    plan = tmp_path / "plan.md"
    plan.write_text("# Implementation Plan: Ledger\n\n**Branch**: `007-ledger`\n\n## Technical Context\n\n"
                    "**Cloud Provider**: AWS\n**IaC Tools**: Terraform 1.7\n**State Backend**: S3+DynamoDB\n"
                    "**Target Environment**: dev, prod\n**Deployment Type**: single-region (eu-west-1)\n\n"
                    "## Project Structure\n\n**Structure Decision**: Option 1 (single-iac: Terraform only).\n")
    dest = tmp_path / "repo"
    code, _, err = cli(capsys, "new", str(plan), str(dest), "--no-git")
    assert code == 0, err
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["not_applied"] == []
    readme = (dest / "README.md").read_text()
    assert "## Decisions" in readme and "Not applied" not in readme


def test_refused_plan_writes_nothing(tmp_path, capsys):
    dest = tmp_path / "repo"
    code, _, err = cli(capsys, "new", str(PLANS / "needs-clarification.plan.md"), str(dest))
    assert code == 1
    assert "needs-clarification.plan.md:" in err
    assert not dest.exists() and list(tmp_path.iterdir()) == []


def test_bad_tenant_in_plan_is_refused_naming_field_and_line(tmp_path, capsys):
    plan = tmp_path / "plan.md"
    text = (PLANS / "multi-tenant-saas.plan.md").read_text()
    plan.write_text(text.replace("(acme, globex, initech)", "(acme, Globex_Corp, initech)")
                    .replace("├── globex/", "├── Globex_Corp/"))
    code, _, err = cli(capsys, "new", str(plan), str(tmp_path / "repo"))
    assert code == 1
    assert "tenants" in err and "Globex_Corp" in err
    assert any(line.strip().startswith(f"{plan}:") and line.split(":")[1].isdigit() for line in err.splitlines())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]


def test_raw_manifests_with_chart_only_components_is_refused_naming_them(tmp_path, capsys):
    """Raw manifests cannot deploy catalog components (they exist only as Helm charts): refused,
    naming each component and the plan line, instead of silently emitting Helm Applications."""
    plan = tmp_path / "plan.md"
    text = (PLANS / "aws-eks-argocd.plan.md").read_text()
    plan.write_text(text.replace("Helm-first with Kustomize fallback", "Raw manifests", 1))
    code, _, err = cli(capsys, "new", str(plan), str(tmp_path / "repo"), "--repo-url", "https://github.com/acme/x.git")
    assert code == 1
    assert "components" in err and "raw-manifests" in err
    assert all(name in err for name in ("ingress-nginx", "cert-manager", "kube-prometheus-stack"))
    assert any(line.strip().startswith(f"{plan}:") and line.split(":")[1].isdigit() for line in err.splitlines())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]
    # `plan check` runs exactly the checks `new` runs: it does not call this plan ready.
    code, out, err = cli(capsys, "plan", "check", str(plan))
    assert code == 1 and "raw-manifests" in out + err


def test_answers_refuses_a_bad_repo_url_naming_the_field(tmp_path, capsys):
    code, out, err = cli(capsys, "answers", str(PLANS / "aws-eks-argocd.plan.md"), "--repo-url", "file:///etc")
    assert code == 1 and out == ""
    assert "repo_url" in err


def test_bad_repo_url_is_refused_before_anything_is_written(tmp_path, capsys, isolated_cache):
    cache_before = sorted(isolated_cache.rglob("*")) if isolated_cache.exists() else []
    code, _, err = cli(capsys, "new", str(PLANS / "aws-eks-argocd.plan.md"), str(tmp_path / "repo"),
                       "--repo-url", "https://github.com/acme/x.git;rm -rf ~")
    assert code == 1
    assert "repo_url" in err and "nothing was written" in err
    assert not (tmp_path / "repo").exists()
    assert (sorted(isolated_cache.rglob("*")) if isolated_cache.exists() else []) == cache_before


def test_non_empty_dest_is_refused_without_force(tmp_path, capsys, template_repo):
    dest = tmp_path / "repo"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine\n")
    code, _, err = cli(capsys, "new", str(PLANS / "aws-single-iac.plan.md"), str(dest), "--template",
                       str(template_repo))
    assert code == 2 and "not empty" in err and "--force" in err
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]


def test_missing_repo_url_warns_about_the_placeholder(tmp_path, capsys, template_repo):
    code, _, err = cli(capsys, "new", str(PLANS / "aws-eks-argocd.plan.md"), str(tmp_path / "repo"),
                       "--template", str(template_repo), "--no-git")
    assert code == 0, err
    assert "warning: no --repo-url" in err and "https://git.example.invalid/CHANGE-ME/" in err
    settings = yaml.safe_load((tmp_path / "repo" / ".planforge.yaml").read_text())
    assert settings["repo_url"].startswith("https://git.example.invalid/CHANGE-ME/")


def test_update_refuses_what_it_cannot_update(tmp_path, capsys, template_repo):
    code, _, err = cli(capsys, "update", str(tmp_path))
    assert code == 2 and ".copier-answers.yml is missing" in err
    dest = tmp_path / "repo"
    code, _, err = cli(capsys, "new", str(PLANS / "aws-single-iac.plan.md"), str(dest), "--template",
                       str(template_repo))
    assert code == 0, err
    (dest / "README.md").write_text("dirty\n")
    code, _, err = cli(capsys, "update", str(dest))
    assert code == 2 and "uncommitted changes" in err
    assert (dest / "README.md").read_text() == "dirty\n"


def test_help_documents_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["new", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--template", "--vcs-ref", "--force", "--no-git", "--repo-url", "PLANFORGE_TEMPLATE", "fork"):
        assert option in out


@pytest.mark.slow
def test_update_from_the_default_template_with_nothing_changed(tmp_path, capsys):
    plan = PLANS / "todo-minikube.plan.md"
    dest = tmp_path / "repo"
    code, _, err = cli(capsys, "new", str(plan), str(dest))
    assert code == 0, err
    before = files(dest)
    # Pin the recorded template commit: in a source checkout the shipped template can
    # change (and be re-published) between the two commands.
    recorded = yaml.safe_load((dest / ".copier-answers.yml").read_text())["_commit"]
    code, out, err = cli(capsys, "update", str(dest), "--plan", str(plan), "--vcs-ref", recorded)
    assert code == 0, err
    assert "nothing changed" in out
    assert files(dest) == before


def test_repo_url_option_shows_in_the_decisions_and_the_applications(tmp_path, capsys, template_repo):
    url = "https://github.com/acme/storefront-infra.git"
    code, _, err = cli(capsys, "new", str(PLANS / "aws-eks-argocd.plan.md"), str(tmp_path / "repo"),
                       "--template", str(template_repo), "--no-git", "--repo-url", url)
    assert code == 0, err
    readme = (tmp_path / "repo" / "README.md").read_text()
    assert f"- **repo_url**: {url} — command line (--repo-url)" in readme
    apps = (tmp_path / "repo" / "argocd" / "applications" / "prod" / "orders-api.yaml").read_text()
    assert f"repoURL: {url}" in apps


@pytest.mark.slow
def test_a_flux_plan_without_repo_url_warns_where_the_placeholder_is(tmp_path, capsys, isolated_cache):
    code, _, err = cli(capsys, "new", str(PLANS / "aws-eks-flux.plan.md"), str(tmp_path / "repo"), "--no-git")
    assert code == 0, err
    assert "the Flux GitRepository points at the placeholder" in err and "edit clusters/ before syncing" in err
    assert "git.example.invalid" in (tmp_path / "repo" / "clusters" / "prod" / "sources.yaml").read_text()


@pytest.mark.slow
def test_install_spec_from_new_and_from_planforge_yaml_on_update(tmp_path, capsys, template_repo):
    """`new --install` records the spec (.planforge.yaml `install:`, CI, README); a committed edit of `install:`
    is what `planforge update` carries into CI, the pre-commit hook and the answers file."""
    dest = tmp_path / "repo"
    code, _, err = cli(capsys, "new", str(PLANS / "helm-chart-payments.plan.md"), str(dest), "--template",
                       str(template_repo), "--install", "planforge==1.2.0")
    assert code == 0, err
    assert yaml.safe_load((dest / ".planforge.yaml").read_text())["install"] == "planforge==1.2.0"
    workflow = dest / ".github/workflows/validate.yml"
    assert yaml.safe_load(workflow.read_text())["env"]["PLANFORGE_INSTALL"] == "planforge==1.2.0"
    assert 'pip install "planforge==1.2.0"' in (dest / "README.md").read_text()
    settings = (dest / ".planforge.yaml").read_text().replace('install: "planforge==1.2.0"', 'install: "planforge==1.3.0"')
    (dest / ".planforge.yaml").write_text(settings)
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "commit", "-qam", "install planforge 1.3.0"], cwd=dest, check=True, env=env)
    code, out, err = cli(capsys, "update", str(dest))
    assert code == 0, err
    assert yaml.safe_load(workflow.read_text())["env"]["PLANFORGE_INSTALL"] == "planforge==1.3.0"
    assert '"planforge==1.3.0"' in (dest / ".pre-commit-config.yaml").read_text()
    assert yaml.safe_load((dest / ".copier-answers.yml").read_text())["planforge_install"] == "planforge==1.3.0"


def test_update_refuses_a_bad_install_spec_naming_the_line(tmp_path, capsys):
    (tmp_path / ".planforge.yaml").write_text('strict: true\ninstall: "planforge; curl x | sh"\n')
    code, _, err = cli(capsys, "update", str(tmp_path))
    assert code == 2 and f"{tmp_path / '.planforge.yaml'}:2:" in err and "install:" in err and "Traceback" not in err
