"""Which template source a generated repository records, and the offline cache that stands in for it.

A generated repository records (`_src_path` in `.copier-answers.yml`) a source its owner chose, or
the shipped template's address, never a path on this machine nor an address planforge does not own.
The source is, first that is set:

1. `planforge new --template SRC` (any Copier source: `gh:org/planforge`, a git URL, a path);
2. the `PLANFORGE_TEMPLATE` environment variable;
3. `template:` in the user config file (`<user config dir>/planforge/config.yaml`,
   `PLANFORGE_CONFIG` names another file);
4. the template shipped with this planforge, recorded as an address under `.invalid`
   (includes/template_sources.yaml) that no one can fetch from or install planforge from.

A configured source is rendered from itself (Copier's latest tag, or `--vcs-ref`). The shipped one
is published into the local cache (`planforge.render.template`) and tagged `v<version>`, and git is
told to fetch its recorded address from the cache (`url.<cache>.insteadOf`) while Copier runs.
`planforge update` does the same for a repository that records it, and moves a repository that
records a retired address of it to the current one.
"""
from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from planforge.errors import Problem, UsageError
from planforge.yamlio import template_data

TEMPLATE_ENV = "PLANFORGE_TEMPLATE"
CONFIG_ENV = "PLANFORGE_CONFIG"


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


SOURCES_FILE = "includes/template_sources.yaml"


@functools.cache
def _template_sources() -> dict:
    """includes/template_sources.yaml of the shipped template: the source it records, and retired ones."""


    return template_data(SOURCES_FILE)


def default_template_url() -> str:
    """What a repository generated from the shipped template records: an address nothing resolves, so that
    only planforge (from its cache) renders it and nothing is ever installed from it."""
    return str(_template_sources()["shipped"])


def retired_template_urls() -> tuple[str, ...]:
    """Addresses earlier planforge versions recorded for the shipped template, which planforge does not own."""
    return tuple(str(url) for url in _template_sources()["retired"])


def _shipped_addresses() -> list[str]:
    """The shipped template's address and the retired ones that are URLs git is handed (not `gh:` shorthands)."""
    return [default_template_url(), *(url for url in retired_template_urls() if "://" in url or url.startswith("git@"))]


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
    # the source, and every form of the shipped template's addresses Copier may hand to git (`gh:` expanded)
    addresses = list(dict.fromkeys([source.src, *_shipped_addresses()]))
    extra = {"GIT_CONFIG_COUNT": str(count + len(addresses)), "COPIER_CACHE_DIR": str(copier_cache)}
    for i, address in enumerate(addresses, start=count):
        extra[f"GIT_CONFIG_KEY_{i}"] = f"url.{source.cache}.insteadOf"
        extra[f"GIT_CONFIG_VALUE_{i}"] = address
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
