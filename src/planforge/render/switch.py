"""`planforge update --template SRC`: move a generated repository to another template source.

Copier updates with the new source while it renders the last generation from the recorded one
(`_src_path` at `_commit`), so the diff it applies is exactly the template change: the new source's
files, and every line that embeds the source (`includes/install.jinja`: CI's install requirement, the
pre-commit repository, the Action's `uses:`), follow without conflicts; Copier then records the new
`_src_path` and `_commit`. The new source is checked before anything is touched: one that cannot be
reached, or that has no tag to update to, is a usage error naming it and why. A repository that
records a retired address of the shipped template (includes/template_sources.yaml) is switched to its
current address by any update: planforge does not own the retired one.

`PLANFORGE_TEMPLATE` chooses the source of `planforge new` only. `planforge update` refuses to run while
it names a source other than the recorded one and no --template is given: switching a repository is
an explicit step, never a side effect of a shell's environment.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from planforge.errors import Problem, UsageError
from planforge.render.source import TEMPLATE_ENV, TemplateSource, default_template_url, retired_template_urls
from planforge.render.template import cached_source, is_default_template

REACH_TIMEOUT_S = 60


def source_for(src: str, vcs_ref: str | None) -> TemplateSource:
    """`src` at `vcs_ref` as Copier reads it: the default template from the local cache, any other as given."""
    return cached_source(src, vcs_ref) if src and is_default_template(src) else TemplateSource(src, vcs_ref)


def requested_source(template: str | None, recorded: str) -> str | None:
    """The source to switch to (--template, or the shipped template's address in place of a retired one),
    None to stay; refuses a PLANFORGE_TEMPLATE naming another one."""
    if template is not None:
        return template.strip() or None
    if recorded in retired_template_urls():
        return default_template_url()
    from_env = os.environ.get(TEMPLATE_ENV, "").strip()
    if from_env and from_env != recorded:
        raise UsageError(
            f"{TEMPLATE_ENV} names the template source {from_env}, but this repository records {recorded or 'none'}; "
            "planforge update never switches sources from the environment (nothing was changed)",
            [Problem(f"{TEMPLATE_ENV}={from_env}", hint=f"switch with `planforge update DEST --template {from_env}`, "
                                                        f"or unset {TEMPLATE_ENV} to update from the recorded source")])
    return None


def require_reachable(source: TemplateSource) -> None:
    """Refuse (exit 2, nothing changed) a source git cannot list, or one with no tag when no ref is given."""
    if source.cache:  # the default template, read from the local cache
        return
    from copier._vcs import get_repo

    url = get_repo(source.src)
    if url is None:
        _unreachable(source.src, "it is neither a git URL nor a local git repository")
    try:
        listed = subprocess.run(["git", "ls-remote", "--tags", str(url)], capture_output=True, text=True,
                                timeout=REACH_TIMEOUT_S, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    except subprocess.TimeoutExpired:
        _unreachable(source.src, f"git ls-remote did not answer within {REACH_TIMEOUT_S}s")
    except FileNotFoundError as exc:
        raise UsageError("git is not installed; planforge needs it for templates and updates") from exc
    if listed.returncode != 0:
        reason = (listed.stderr.strip().splitlines() or [f"git ls-remote exit {listed.returncode}"])[-1]
        _unreachable(source.src, reason)
    if source.vcs_ref is None and not listed.stdout.strip():
        _unreachable(source.src, "it has no tag to update to", hint="tag a release in it, or pass --vcs-ref REF")


def _unreachable(src: str, reason: str, hint: str = "check the URL or path and your access to it") -> None:
    raise UsageError(f"the template source {src} cannot be used: {reason} (nothing was changed)",
                     [Problem(reason, field="--template", hint=hint)])


def files_naming_retired(dest: Path) -> list[str]:
    """The tracked text files of DEST that still name the retired address after a switch from it: lines the update
    kept as the user's own, because the last generation, rendered from this planforge's template, never held them."""
    from planforge.render.template import git

    paths = [Path(p) for p in _retired_repositories()]
    mark = re.compile(r"(?:github\.com[/:]|gh:|uses:\s*)(?:" + "|".join(re.escape(p.as_posix()) for p in paths)
                      + r")(?![\w-])")
    listed = git("ls-files", "-z", cwd=dest).stdout.split("\0")
    found = []
    for name in filter(None, listed):
        path = dest / name
        if name == ".copier-answers.yml" or not path.is_file() or path.is_symlink():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if mark.search(text):
            found.append(name)
    return found


def _retired_repositories() -> set[str]:
    """`owner/repo` of each retired GitHub address (`planforge/planforge`)."""
    found = set()
    for url in retired_template_urls():
        match = re.search(r"(?:github\.com[/:]|gh:)([\w.-]+/[\w.-]+?)(?:\.git)?/?$", url)
        if match:
            found.add(match.group(1))
    return found
