"""Which template source a generated repository records, and the offline cache that stands in for it.

A generated repository records (`_src_path` in `.copier-answers.yml`) a source a teammate and CI
can reach, never a path on this machine. The source is, first that is set:

1. `planforge new --template SRC` (any Copier source: `gh:org/planforge`, a git URL, a path);
2. the `PLANFORGE_TEMPLATE` environment variable;
3. `template:` in the user config file (`<user config dir>/planforge/config.yaml`,
   `PLANFORGE_CONFIG` names another file);
4. the package's own repository (its `Repository` project URL), at the tag `v<version>`.

A configured source is rendered from itself (Copier's latest tag, or `--vcs-ref`). The default one
is rendered from the template shipped with this planforge, published into the local cache
(`planforge.render.template`) and tagged `v<version>`: that tag holds what the package's repository
holds at the same tag, so git is told to fetch the URL from the cache (`url.<cache>.insteadOf`)
while Copier runs. `planforge update` does the same for a repository that records the default URL.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from planforge.errors import Problem, UsageError

TEMPLATE_ENV = "PLANFORGE_TEMPLATE"
CONFIG_ENV = "PLANFORGE_CONFIG"
PROJECT_URL_LABEL = "Repository"


@dataclass(frozen=True)
class TemplateSource:
    """A Copier source plus the ref to render (None: Copier's default, the latest tag).

    `cache` is a local git repository git reads instead of `src` while Copier runs (None: `src` itself)."""

    src: str
    vcs_ref: str | None
    cache: str | None = None


def config_file() -> Path:
    """The user config file (PLANFORGE_CONFIG overrides `<user config dir>/planforge/config.yaml`)."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("planforge")) / "config.yaml"


def configured_template() -> str | None:
    """The template source from PLANFORGE_TEMPLATE or the user config file, if either sets one."""
    from_env = os.environ.get(TEMPLATE_ENV, "").strip()
    if from_env:
        return from_env
    path = config_file()
    if not path.is_file():
        return None
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UsageError(f"{path}: cannot read the planforge config file: {exc}",
                         [Problem("unreadable config", file=path, hint="fix the YAML or remove the file")]) from exc
    value = data.get("template") if isinstance(data, dict) else None
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise UsageError(f"{path}: `template` must be a template source (a git URL, gh:org/repo or a path)",
                         [Problem("template is not a string", file=path,
                                  hint="template: https://git.example.com/platform/planforge.git")])
    return value.strip() if value else None


def default_template_url() -> str:
    """The package's own repository (the `Repository` project URL in pyproject.toml), as a git URL."""
    from importlib import metadata

    try:
        urls = metadata.metadata("planforge").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip() == PROJECT_URL_LABEL and url.strip():
            url = url.strip().rstrip("/")
            return url if url.endswith(".git") else f"{url}.git"
    raise UsageError("planforge's package metadata names no Repository URL to record as the template source",
                     [Problem("no Project-URL: Repository", hint=f"reinstall planforge, or set {TEMPLATE_ENV} "
                                                                   "or pass --template SRC")])


@contextlib.contextmanager
def fetched_from_cache(source: TemplateSource, copier_cache: Path) -> Iterator[None]:
    """While Copier runs, git fetches `source.src` from `source.cache`; Copier's mirrors go to `copier_cache`.

    Copier records the URL it was given, so the answers file names `source.src`. Its mirror of the URL
    lives under `copier_cache` (beside planforge's cache), never in the user's Copier cache, where it
    would stand for the real remote."""
    if not source.cache:
        yield
        return
    from plumbum import local

    count = int(os.environ.get("GIT_CONFIG_COUNT") or 0)
    extra = {
        "GIT_CONFIG_COUNT": str(count + 1),
        f"GIT_CONFIG_KEY_{count}": f"url.{source.cache}.insteadOf",
        f"GIT_CONFIG_VALUE_{count}": source.src,
        "COPIER_CACHE_DIR": str(copier_cache),
    }
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        with local.env(**extra):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
