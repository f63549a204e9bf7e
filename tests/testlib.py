"""Plain test helpers imported by name (`from testlib import ...`).

They live outside conftest.py because several conftest modules exist under tests/ and
`from testlib import` would resolve to whichever was imported first.
"""
from __future__ import annotations

import functools
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# Copies of the plan templates, example plans, real plans and kubeconform's compatibility
# suite, so the tests never depend on anything outside this repository.
FIXTURES = REPO / "tests" / "fixtures"
PLANS = FIXTURES / "plans"
REAL_PLANS = FIXTURES / "plans-real"
SEEDS = Path(__file__).resolve().parents[1] / "src" / "planforge" / "data" / "plan_templates"
KUBECONFORM_COMPAT = FIXTURES / "kubeconform-compat"
TOOLS_BIN = REPO / ".tools" / "bin"


def copier_config(root: Path = REPO) -> dict:
    """copier.yml as Copier reads it: its questions and settings, with the files it `!include`s in place."""
    from copier._template import load_template_config

    return load_template_config(root / "copier.yml")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
}

# Example plans that planforge must accept (needs-clarification must be refused).
ACCEPTED_PLANS = sorted(p for p in PLANS.glob("*.plan.md") if p.name != "needs-clarification.plan.md")


def deciding_plans() -> list[Path]:
    """The shared and real fixture plans planforge decides (a real plan may be refused)."""
    return list(_deciding_plans())


@functools.cache
def _deciding_plans() -> tuple[Path, ...]:
    """deciding_plans, decided once per process: four test modules parametrize with it at collection."""
    from planforge.decide import decide
    from planforge.errors import RefusedError
    from planforge.plan import parse_plan

    out = []
    for path in [*ACCEPTED_PLANS, *sorted(REAL_PLANS.glob("*.plan.md"))]:
        try:
            decide(parse_plan(path))
        except RefusedError:
            continue
        out.append(path)
    return tuple(out)


def find_terraform_mirror() -> Path | None:
    """The filesystem mirror that carries hashicorp/aws, from the env (of several, the first with it) or the
    machine image."""
    given = [Path(p) for p in os.environ.get("PLANFORGE_TF_PLUGIN_MIRROR", "").split(os.pathsep) if p]
    if given:
        return next((p for p in given if (p / "registry.terraform.io" / "hashicorp" / "aws").is_dir()), given[0])
    for candidate in (Path("/opt/tf-plugins"),):
        if (candidate / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return candidate
    return None


# The packed provider mirror beside the repository (../shared/tf-mirror): hashicorp/azurerm, digitalocean/digitalocean
# and oracle/oci, which no registry serves to the machines running the tests.
SHARED_TF_MIRROR = REPO.parent / "shared" / "tf-mirror"


def strict_validation(repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                      packed_mirror: Path | None = None) -> tuple[int, str]:
    """(exit code, output) of `planforge validate --strict --fail-on-skip` on a generated repository, `terraform
    validate` of every root included (the image's AWS mirror and the packed one)."""
    from planforge.cli import main

    mirrors = [m for m in (find_terraform_mirror(), packed_mirror) if m is not None]
    monkeypatch.setenv("PLANFORGE_TF_PLUGIN_MIRROR", os.pathsep.join(str(m) for m in mirrors))
    capsys.readouterr()
    code = main(["validate", str(repo), "--strict", "--fail-on-skip"])
    return code, capsys.readouterr().out


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not on PATH (run scripts/install-tools.sh)")
    return path


def plan_name(plan: Path) -> str:
    """A fixture plan's name: its file name without `.plan.md`."""
    return plan.name.removesuffix(".plan.md")


def generate_repo(plan: str, factory: pytest.TempPathFactory) -> Path:
    """`planforge new` from a shared plan, once per test session; callers copy before changing it."""
    from planforge.cli import main

    dest = factory.getbasetemp() / "generated" / plan
    if not dest.is_dir():
        assert main(["new", str(PLANS / f"{plan}.plan.md"), str(dest),
                     "--repo-url", "https://github.com/acme/storefront.git"]) == 0
    return dest


# The repository URL the per-plan tests render with (`planforge new --repo-url`): the snapshots show real sources.
TEST_REPO_URL = "https://github.com/acme/infra.git"


def rendered_plan(plan: Path, factory: pytest.TempPathFactory, repo_url: str | None = TEST_REPO_URL) -> Path:
    """The plan's decision (its repo_url set to `repo_url`; None: the placeholder planforge writes without one)
    rendered with the default template without git, as `planforge new PLAN DEST --no-git [--repo-url URL]` renders
    it, once per test session and xdist worker: the per-plan tests of several modules read one render (group them
    with `plan_group`). Callers copy before changing it; a plan planforge refuses raises RefusedError."""
    from planforge.decide import decide
    from planforge.plan import parse_plan
    from planforge.render.engine import render_new
    from planforge.render.template import resolve_template
    from planforge.render.tree_files import account_tree_files

    url_key = re.sub(r"\W+", "-", repo_url) if repo_url else "no-url"
    dest = factory.getbasetemp() / "rendered" / url_key / plan.parent.name / plan.name
    if not dest.is_dir():
        template = resolve_template(None, None)
        answers = account_tree_files(decide(parse_plan(plan)), template).answers
        if repo_url is not None:
            answers = answers.model_copy(update={"repo_url": repo_url})
        render_new(answers, dest, template, init_git=False)
    return dest


def rendered_copy(plan: Path, factory: pytest.TempPathFactory, dest: Path,
                  repo_url: str | None = TEST_REPO_URL) -> Path:
    """A copy at `dest` of the repository `rendered_plan` renders from `plan`, for a test to change."""
    shutil.copytree(rendered_plan(plan, factory, repo_url), dest)
    return dest


def plan_group(plan: Path) -> pytest.MarkDecorator:
    """The xdist group of the tests that read the repository rendered from `plan` (see rendered_plan)."""
    return pytest.mark.xdist_group(f"plan-{plan_name(plan)}")


def per_plan(plans: list[Path], id_width: int | None = None) -> list:
    """`plans` as parameters, each in its plan's xdist group, its name (the first `id_width` characters) the id."""
    return [pytest.param(p, marks=plan_group(p), id=plan_name(p)[:id_width]) for p in plans]


class Recorder:
    """Stands in for the runner's schema + policy pass: records what each rendering hands on."""

    def __init__(self) -> None:
        from planforge.validate.base import Document

        self.calls: list[tuple[str, list[Document]]] = []

    def __call__(self, docs: list, origin: str) -> list:
        from planforge.validate.base import Check, Status

        self.calls.append((origin, docs))
        return [Check("schemas", "schema", origin, Status.PASSED)]


def put_hanging_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, before: str = "") -> Path:
    """A fake `name` that hangs (after the shell lines in `before`), alone on PATH with /usr/bin:/bin."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / name
    fake.write_text(f"#!/bin/sh\n{before}exec sleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return fake


@functools.cache
def _layout_table() -> dict:
    """layout.yml, parsed once per process (libyaml where PyYAML has it)."""
    return yaml.load((REPO / "layout.yml").read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def template_blueprint(entry: str) -> str | None:
    """The blueprint a top-level entry of blueprints/ belongs to (None: the common frame).

    An entry's first path part names one directory of layout.yml (`dirs.X` or
    `nested.X`); following its parents up to a top-level directory gives the blueprint
    that directory requires."""
    match = re.search(r"\b(dirs|nested)\.(\w+)", entry)
    if not match:
        return None
    table = _layout_table()
    node = table["nested"][match.group(2)]["parent"] if match.group(1) == "nested" else match.group(2)
    while table["dirs"][node].get("parent"):
        node = table["dirs"][node]["parent"]
    when = table["dirs"][node]["when"]
    return when if isinstance(when, str) else when[0]


def copy_template(dest: Path, blueprints: tuple[str, ...] | None = None) -> Path:
    """A copy of this repository's template (every item of TEMPLATE_ITEMS). With
    `blueprints`, the blueprint trees not listed are left out (the answers exclude them
    anyway; leaving them out only saves Copier rendering their path names)."""
    from planforge.render.template import TEMPLATE_ITEMS

    dest.mkdir(parents=True, exist_ok=True)
    source = REPO / "blueprints"
    base = shutil.ignore_patterns("__pycache__", "*.pyc", ".terraform", "*.tfstate*")

    def ignore(directory: str, names: list[str]) -> set[str]:
        skipped = set(base(directory, names))
        if blueprints is not None and Path(directory) == source:
            skipped |= {n for n in names if template_blueprint(n) not in (None, *blueprints)}
        return skipped

    for item in TEMPLATE_ITEMS:
        if (REPO / item).is_dir():
            shutil.copytree(REPO / item, dest / item, ignore=ignore)
        else:
            shutil.copy2(REPO / item, dest / item)
    return dest


def render_copy(template: Path | str, dest: Path, data: dict, **options: object) -> None:
    """`copier copy` of a local template directory with planforge's worker (compiled templates reused across the
    process, libyaml data parsing): the renderer `planforge new` uses, for tests of what the blueprints contain."""
    import warnings

    from planforge.render.worker import worker_class

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with worker_class()(src_path=str(template), dst_path=dest, data=data, defaults=True, quiet=True,
                            unsafe=False, **options) as worker:
            worker.run_copy()


HANG_GUARD = 8.0  # CPU seconds: a hang guard (quadratic cases took 10-600 s), not a speed target


@contextmanager
def hang_guard(what: str = "", limit: float = HANG_GUARD) -> Iterator[None]:
    """Fail when the block used more than `limit` seconds of this process's CPU time: a hang guard that the load
    of other processes on a shared machine cannot trip, unlike wall-clock time. Timings are in benchmarks/."""
    start = time.process_time()
    yield
    used = time.process_time() - start
    assert used < limit, f"{what!r} used {used:.1f} s of CPU time (hang guard {limit} s)"


@contextmanager
def injected(path: Path, old: str, new: str) -> Iterator[None]:
    """The file with `old` (which must be there) replaced by `new` inside the block, restored after it: a defect
    injected into a generated repository shared by several tests."""
    original = path.read_text()
    assert old in original, f"{old!r} not in {path}"
    path.write_text(original.replace(old, new))
    try:
        yield
    finally:
        path.write_text(original)


def hcl_string(text: str, name: str) -> str:
    """The string value of the first `name = "..."` line of a Terraform file."""
    m = re.search(rf'^\s*{name}\s*=\s*"([^"]*)"', text, re.M)
    assert m, f"no {name} in\n{text}"
    return m.group(1)


def yaml_documents(path: Path) -> list[dict]:
    """The non-empty YAML documents of a file."""
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def refused(text: str) -> list:
    """The problems `decide` refuses the plan text with (it must refuse it)."""
    from planforge.decide import decide
    from planforge.errors import RefusedError
    from planforge.plan import parse_text

    with pytest.raises(RefusedError) as exc:
        decide(parse_text(text, "p.md"))
    return exc.value.problems


def refused_with(plan: str, edit: tuple[str, str], words: str):
    """The first problem whose message holds `words` when `decide` refuses `plan` with `edit` (old, new) made."""
    text = plan.replace(*edit)
    assert text != plan, f"{edit[0]!r} not in the plan"
    problems = refused(text)
    mine = [p for p in problems if words in p.message]
    assert mine, [p.message for p in problems]
    return mine[0]


def line_of(text: str, needle: str) -> int:
    """The 1-based number of the first line of `text` holding `needle`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def edit_file(path: Path, old: str, new: str | None) -> None:
    """Replace `old` (which must be there) with `new` in the file; `new` None: `old` is the content of a new file."""
    if new is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(old)
        return
    text = path.read_text()
    assert old in text, f"{path} no longer holds {old!r}"
    path.write_text(text.replace(old, new))


def validate_wiring(root: Path, tmp_path: Path, expected_exit: int, *options: str) -> list[dict]:
    """The findings of `planforge validate ROOT --only wiring [OPTIONS]` (JSON report), which must exit
    `expected_exit`."""
    from planforge.cli import main

    report = tmp_path / "report.json"
    assert main(["validate", str(root), "--only", "wiring", "--format", "json", "-o", str(report),
                 *options]) == expected_exit
    return [f for c in json.loads(report.read_text())["checks"] for f in c["findings"]]


def without_planforge_settings() -> dict[str, str]:
    """This process's environment without planforge's settings variables (PLANFORGE_*), keeping the session's cache
    directory (conftest.isolated_cache): a `planforge` child then never reads or fills the user's result cache, whose
    entries from an earlier run at the same paths would stand in for the tools the test expects to run."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PLANFORGE_") or k == "PLANFORGE_CACHE_DIR"}

