"""The default template: the copy shipped with planforge, published into a local git
repository so generated repositories can `copier update` offline.

Layout of the shipped template (both forms hold `copier.yml` + `blueprints/`):
- installed wheel: `planforge/template/` (copied there at build time, see setup.py);
- source checkout / editable install: the repository root.

Publishing: on first use the shipped template is committed into
`<user cache dir>/template` (a plain git repository) and tagged `v<planforge version>`.
It stands in for the package's repository at that tag (`planforge.render.source`), so
`planforge new` and `planforge update` need no network, and a newer planforge adds a newer
tag to update to. When a tag for this version already exists with different content (a
source checkout that changed without a version bump), the content is tagged
`v<version>+<hash>` instead: a tag only this machine has, until it is released.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from planforge import __version__
from planforge.errors import Problem, UsageError
from planforge.render.source import TemplateSource, configured_template, default_template_url, retired_template_urls
from planforge.render.staging import io_cause

TEMPLATE_ITEMS = ("copier.yml", "layout.yml", "blueprints", "includes", "modules")
CACHE_ENV = "PLANFORGE_CACHE_DIR"
_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "planforge",
    "GIT_AUTHOR_EMAIL": "planforge@localhost",
    "GIT_COMMITTER_NAME": "planforge",
    "GIT_COMMITTER_EMAIL": "planforge@localhost",
    # Fixed dates keep the published commit (and so `_commit`) reproducible.
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}


@lru_cache(maxsize=None)
def shipped_template_dir() -> Path:
    """The template files that came with this planforge (looked up once: the rules ask for its layout table a
    thousand times a plan)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "template", package.parents[1]):
        if all((candidate / item).exists() for item in TEMPLATE_ITEMS):
            return candidate
    raise UsageError(
        f"the planforge template is not installed next to {package}",
        [Problem("copier.yml and blueprints/ are missing", hint="reinstall planforge or pass --template SRC")],
    )


def cache_dir() -> Path:
    """Where the published template lives (PLANFORGE_CACHE_DIR overrides the user cache dir)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("planforge"))


def git(*args: str, cwd: Path, check: bool = True, env: dict[str, str] | None = None,
        input: str | None = None) -> subprocess.CompletedProcess:  # noqa: A002
    """Run git quietly; a missing git binary is a usage error (exit 2), not a traceback."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    try:
        return subprocess.run(["git", *args], cwd=cwd, check=check, capture_output=True, text=True, env=full_env,
                              input=input)
    except FileNotFoundError as exc:
        raise UsageError("git is not installed; planforge needs it for templates and updates") from exc
    except subprocess.CalledProcessError as exc:
        raise UsageError(f"git {' '.join(args)} failed in {cwd}: {exc.stderr.strip() or exc.stdout.strip()}") from exc


def content_hash(root: Path) -> str:
    """A digest of the template files (paths, modes, bytes; symlinks by target)."""
    digest = hashlib.sha256()
    for item in TEMPLATE_ITEMS:
        base = root / item
        paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if _wanted(p.relative_to(root)))
        for path in paths:
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                digest.update(f"L {rel} {os.readlink(path)}\n".encode())
            elif path.is_file():
                digest.update(f"F {rel} {path.stat().st_mode & 0o111:o}\n".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _wanted(rel: Path) -> bool:
    return not any(part in ("__pycache__", ".pytest_cache") or part.endswith(".pyc") for part in rel.parts)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "template.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _copy_template(source: Path, worktree: Path) -> None:
    for entry in worktree.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for item in TEMPLATE_ITEMS:
        src = source / item
        if src.is_dir():
            shutil.copytree(src, worktree / item, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))
        else:
            shutil.copy2(src, worktree / item)


def publish_default_template(version: str = __version__) -> TemplateSource:
    """Ensure the shipped template is committed and tagged in the cache repository."""
    try:
        return _publish(version)
    except (OSError, UsageError) as exc:
        # A full disk fails copytree with every file's error (shutil.Error) and git with its own words: name the cause.
        cause = io_cause(exc)
        if cause is None and isinstance(exc, UsageError):
            raise
        raise UsageError(
            f"cannot publish the planforge template into {cache_dir()}: {cause or exc.strerror or exc}; "
            "nothing else was written",
            [Problem("template cache not writable", file=cache_dir(),
                     hint=f"free some space, set {CACHE_ENV} to a writable directory or pass --template SRC")],
        ) from exc


def _publish(version: str) -> TemplateSource:
    source = shipped_template_dir()
    digest = content_hash(source)
    root = cache_dir()
    repo = root / "template"
    with _locked(root):
        if not (repo / ".git").is_dir():
            repo.mkdir(parents=True, exist_ok=True)
            git("init", "-q", "-b", "main", cwd=repo)
        tags = set(git("tag", "--list", cwd=repo).stdout.split())
        base_tag = f"v{version}"
        for tag in (base_tag, f"{base_tag}+{digest[:12]}"):
            if tag in tags and _tag_digest(repo, tag) == digest:
                return TemplateSource(str(repo), tag)
        tag = base_tag if base_tag not in tags else f"{base_tag}+{digest[:12]}"
        _copy_template(source, repo)
        git("add", "-A", cwd=repo)
        git("commit", "-q", "--allow-empty", "-m", f"planforge {version} template", cwd=repo, env=_GIT_IDENTITY)
        git("tag", "-a", tag, "-m", f"planforge-template-digest {digest}", cwd=repo, env=_GIT_IDENTITY)
        return TemplateSource(str(repo), tag)


def _tag_digest(repo: Path, tag: str) -> str:
    message = git("tag", "-l", "--format=%(contents:subject)", tag, cwd=repo).stdout.strip()
    return message.removeprefix("planforge-template-digest ").strip()


def is_default_template(src: str) -> bool:
    """Whether an answers file's `_src_path` is the shipped template: its address, a retired address of it,
    or the cache path repositories generated by earlier planforge versions record."""
    if src == default_template_url() or src in retired_template_urls():
        return True
    with contextlib.suppress(OSError):
        return Path(src).resolve() == (cache_dir() / "template").resolve()
    return False


def cached_source(src: str, vcs_ref: str | None) -> TemplateSource:
    """The shipped template at `vcs_ref` (default: this planforge's tag), read from the local cache."""
    published = publish_default_template()
    if src != default_template_url() and src not in retired_template_urls():  # the cache path earlier planforge recorded
        return TemplateSource(src, vcs_ref or published.vcs_ref)
    return TemplateSource(src, vcs_ref or published.vcs_ref, cache=published.src)


def copier_cache_dir() -> Path:
    """Copier's mirrors of the default template's URL (fed from the cache; see `source.fetched_from_cache`)."""
    return cache_dir() / "copier"


def resolve_template(template: str | None, vcs_ref: str | None) -> TemplateSource:
    """`--template`, else PLANFORGE_TEMPLATE or the user config, as given; else the default template."""
    configured = template or configured_template()
    if configured and not is_default_template(configured):
        return TemplateSource(configured, vcs_ref)
    return cached_source(default_template_url(), vcs_ref)
