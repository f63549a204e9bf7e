"""Answers -> repository through Copier's Python API, with no prompts.

`render_new` renders (and commits) in a staging directory beside DEST and renames the
result into place, so a failure, a full disk or a signal leaves DEST as it was
(`planforge.render.staging`). `render_update` wraps `copier update` (template and/or
answers changed), reports conflicts, and restores every edit Copier would lose: a file it
deleted, or a binary one it reverted (`planforge.render.edits`). Both hold the destination's
lock (`planforge.render.lock`); an update marks itself under way (`planforge.render.unfinished`).
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planforge.decide.answers import Answers, Provenance
from planforge.errors import PlanforgeError, Problem, RefusedError, UsageError
from planforge.decide.answer_rules import check_answers
from planforge.layout import copier_data
from planforge.render.edits import (binary_changes, deleted_files, edited_since_generation, keep_binary_edits, nul_list,
                                    restore)
from planforge.render.failures import TAKEN_ERRNOS, destination_taken, new_io_failure, update_io_failure
from planforge.render.lock import repository_lock
from planforge.render.staging import Staging, interruptible, remove_stale, scratch
from planforge.render.source import TemplateSource, fetched_from_cache, retired_template_urls
from planforge.render.switch import files_naming_retired, require_reachable, source_for
from planforge.render.template import copier_cache_dir, git
from planforge.render.unfinished import finished, previous_update, update_in_progress
from planforge.render.worker import worker_class
from planforge.validate.manifests import limits as bounded_yaml

ANSWERS_FILE = ".copier-answers.yml"
CONFLICT_MARKER = "<<<<<<< "
RESTORE_HINT = "`git checkout -- . && git clean -fd` restores the last commit"


@dataclass
class NewResult:
    dest: Path
    files: list[str]
    template: TemplateSource
    committed: bool
    replaced: list[str] = field(default_factory=list)  # --force: existing files replaced with other content
    previous_commit: str | None = None  # --force into a git repository: the commit holding what was replaced


@dataclass
class UpdateResult:
    dest: Path
    changed: list[str] = field(default_factory=list)  # changed or added, not the removed ones
    conflicts: list[str] = field(default_factory=list)
    vcs_ref: str | None = None
    switched_from: str | None = None  # --template: the source recorded before this update
    removed: list[str] = field(default_factory=list)  # no longer rendered, unchanged since generated: deleted
    kept: list[str] = field(default_factory=list)  # no longer rendered but edited by the user: restored
    pruned: list[str] = field(default_factory=list)  # no longer rendered, edited, deleted (--prune-edited)
    unmerged: list[str] = field(default_factory=list)  # binary, edited, changed by the template: the user's kept
    notice: str | None = None  # an earlier update of DEST was interrupted
    retired: list[str] = field(default_factory=list)  # still naming the retired address after a switch from it


def refuse_bad_answers(answers: Answers, provenance: dict[str, Provenance] | None, plan_file: Path | str | None) -> None:
    problems = check_answers(answers, provenance, plan_file)
    if problems:
        raise RefusedError("refused: the answers are not safe to render (nothing was written)", problems)


def _copier_failure(exc: Exception) -> PlanforgeError:
    """Copier's validator errors are bad answers (exit 1); anything else is a usage error."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, ValueError) and "Validation error for question" in text:
        name = text.split("'")[1] if "'" in text else None
        return RefusedError("refused by the template's copier.yml validators (nothing was written)",
                            [Problem(text, field=name, hint="fix the plan or the answers")])
    return UsageError(f"copier failed: {text}")


def _copy(**kwargs: Any) -> Any:
    from copier._settings import SettingsModel

    with worker_class()(settings=SettingsModel.from_file(), **kwargs) as worker:
        worker.run_copy()
    return worker


def _update(**kwargs: Any) -> Any:
    from copier._settings import SettingsModel

    with worker_class()(settings=SettingsModel.from_file(), **kwargs) as worker:
        worker.run_update()
    return worker


def run_copier(fn: Any, **kwargs: Any) -> Any:
    from copier.errors import CopierError
    from jinja2 import TemplateError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(**kwargs)
    except (CopierError, ValueError) as exc:
        raise _copier_failure(exc) from exc
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)  # a missing template (TemplateNotFound) has a name and no line
        where = f" ({exc.name}{f', line {line}' if line else ''})" if getattr(exc, "name", None) else ""
        raise UsageError(f"the template is broken: {type(exc).__name__}: {exc.message}{where}") from exc
    except OSError as exc:
        raise UsageError(f"copier failed: {exc}") from exc
    except Exception as exc:
        from plumbum.commands.processes import ProcessExecutionError

        if not isinstance(exc, ProcessExecutionError):
            raise
        detail = (str(exc.stderr or "").strip().splitlines() or [f"exit {exc.retcode}"])[-1]
        raise UsageError(f"copier failed: {' '.join(map(str, exc.argv[:3]))}: {detail}") from exc


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _list_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if (p.is_file() or p.is_symlink()) and ".git" not in p.relative_to(root).parts
    )


def _git_identity(dest: Path) -> dict[str, str]:
    """The user's identity when configured, else a neutral planforge one."""
    if git("config", "user.email", cwd=dest, check=False).stdout.strip():
        return {}
    return {"GIT_AUTHOR_NAME": "planforge", "GIT_AUTHOR_EMAIL": "planforge@localhost",
            "GIT_COMMITTER_NAME": "planforge", "GIT_COMMITTER_EMAIL": "planforge@localhost"}


def _commit(repo: Path, message: str, paths: list[str] | None = None) -> None:
    """git init (when needed) and commit `paths` (None: everything in `repo`, which holds only rendered files)."""
    if not (repo / ".git").exists():
        git("init", "-q", "-b", "main", cwd=repo)
    if paths is None:
        git("add", "-A", cwd=repo)
    else:
        # Only what planforge rendered, never the user's other files; ignored ones stay out as with `add -A`.
        ignored = git("check-ignore", "-z", "--stdin", cwd=repo, check=False, input=nul_list(paths)).stdout
        wanted = sorted(set(paths) - set(filter(None, ignored.split("\0"))))
        git("add", "--pathspec-from-file=-", "--pathspec-file-nul", cwd=repo, input=nul_list(wanted),
            env={"GIT_LITERAL_PATHSPECS": "1"})
    git("commit", "-q", "--allow-empty", "-m", message, cwd=repo, env=_git_identity(repo))


def _undo_commit_attempt(dest: Path, created_git: bool) -> None:
    """A commit into DEST failed: drop the repository planforge created, or reset the (clean) index."""
    with contextlib.suppress(Exception):
        if created_git:
            shutil.rmtree(dest / ".git", ignore_errors=True)
        elif git("rev-parse", "--verify", "-q", "HEAD", cwd=dest, check=False).returncode == 0:
            git("reset", "-q", cwd=dest, check=False)
        else:
            git("read-tree", "--empty", cwd=dest, check=False)


def _refuse_dirty_repository(dest: Path) -> None:
    """--force into a git repository commits; refuse when that commit could take in the user's work."""
    out = git("status", "--porcelain", "-z", "--untracked-files=all", cwd=dest).stdout
    dirty = [entry[3:] for entry in out.split("\0") if len(entry) > 3 and entry[2] == " "]
    if not dirty:
        return
    shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
    raise UsageError(
        f"{dest} is a git repository with uncommitted changes or untracked files; --force would commit them "
        "together with the generated files (nothing was written)",
        [Problem(f"{len(dirty)} uncommitted path(s): {shown}", file=dest,
                 hint="commit, stash (`git stash -u`) or remove them and rerun, or pass --no-git")],
    )


def render_new(
    answers: Answers,
    dest: Path,
    template: TemplateSource,
    *,
    force: bool = False,
    init_git: bool = True,
    provenance: dict[str, Provenance] | None = None,
    plan_file: Path | str | None = None,
) -> NewResult:
    """Render the template with these answers into DEST, all or nothing (see `staging.Staging`); an existing
    DEST is locked for the run."""
    refuse_bad_answers(answers, provenance, plan_file)
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a directory")
    if not dest.is_dir():  # a second run creating it too loses at the rename: `destination_taken`
        return _render_new(answers, dest, template, force, init_git)
    with interruptible(), repository_lock(dest):
        return _render_new(answers, dest, template, force, init_git)


def _render_new(answers: Answers, dest: Path, template: TemplateSource, force: bool, init_git: bool) -> NewResult:
    existed = dest.exists()
    non_empty = existed and not _is_empty_dir(dest)
    if non_empty and not force:
        raise UsageError(f"{dest} is not empty", [Problem("refusing to overwrite", file=dest,
                                                          hint="choose an empty DEST or pass --force")])
    previous_commit = None
    if non_empty and init_git and (dest / ".git").exists():
        _refuse_dirty_repository(dest)
        previous_commit = git("rev-parse", "--verify", "-q", "HEAD", cwd=dest, check=False).stdout.strip() or None
    message = f"Generate {answers.project_name} with planforge ({answers.structure})"
    staging = Staging(dest)
    replaced: list[str] = []
    try:
        with interruptible(), staging, fetched_from_cache(template, copier_cache_dir()):
            run_copier(
                _copy,
                src_path=template.src,
                dst_path=staging.tree,
                data=copier_data(answers),
                vcs_ref=template.vcs_ref,
                defaults=True,
                overwrite=True,
                quiet=True,
                unsafe=False,
                skip_tasks=True,
            )
            files = _list_files(staging.tree)
            if not (non_empty or staging.inside):
                if init_git:
                    _commit(staging.tree, message)
                _place(staging, dest)
            else:
                created_git = init_git and not (dest / ".git").exists()
                staging.merge()
                replaced = sorted(p.relative_to(staging.dest).as_posix() for p in staging.replaced())
                if init_git:
                    try:
                        _commit(dest, message, files)
                    except BaseException:
                        _undo_commit_attempt(dest, created_git)
                        raise
    except Exception as exc:
        failure = new_io_failure(exc, dest, existed, staging, template)
        if failure is None:
            raise
        raise failure from exc
    return NewResult(dest=dest, files=files, template=template, committed=init_git, replaced=replaced,
                     previous_commit=previous_commit)


def _place(staging: Staging, dest: Path) -> None:
    try:
        staging.place()
    except OSError as exc:
        if exc.errno not in TAKEN_ERRNOS:
            raise
        raise destination_taken(dest) from exc


def read_answers_file(dest: Path) -> dict[str, Any]:
    path = Path(dest) / ANSWERS_FILE
    if not path.is_file():
        raise UsageError(f"{dest} was not generated by planforge/Copier: {ANSWERS_FILE} is missing",
                         [Problem("no answers file", file=path, hint="run `planforge new PLAN DEST` first")])
    try:
        data = bounded_yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a mapping of answers")
    return data


def _require_git(dest: Path) -> None:
    inside = git("rev-parse", "--is-inside-work-tree", cwd=dest, check=False)
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise UsageError(f"{dest} is not a git repository; updates need one",
                         [Problem("not a git work tree", file=dest, hint="git init && git add -A && git commit")])


def _is_dirty(dest: Path) -> bool:
    # No index refresh: a look only, which works on a full disk too.
    return bool(git("status", "--porcelain", cwd=dest, env={"GIT_OPTIONAL_LOCKS": "0"}).stdout.strip())


def _require_clean_git(dest: Path) -> None:
    if _is_dirty(dest):
        raise UsageError(f"{dest} has uncommitted changes",
                         [Problem("dirty work tree", file=dest, hint="commit or discard your changes, then update")])


def _changed_files(dest: Path) -> list[str]:
    out = git("status", "--porcelain", "--untracked-files=all", "-z", cwd=dest).stdout
    entries = [e for e in out.split("\0") if e]
    files: list[str] = []
    skip_next = False
    for entry in entries:
        if skip_next:  # the "from" path of a rename
            skip_next = False
            continue
        status, path = entry[:2], entry[3:]
        if "R" in status or "C" in status:
            skip_next = True
        files.append(path)
    return sorted(set(files))


def _conflicts(dest: Path, changed: list[str]) -> list[str]:
    found = []
    for rel in changed:
        path = dest / rel
        if rel.endswith(".rej"):
            found.append(rel)
            continue
        if path.is_file() and not path.is_symlink():
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if any(line.startswith(CONFLICT_MARKER) for line in text.splitlines()):
                found.append(rel)
    return found


def render_update(
    dest: Path,
    answers: Answers | None = None,
    *,
    vcs_ref: str | None = None,
    provenance: dict[str, Provenance] | None = None,
    plan_file: Path | str | None = None,
    prune_edited: bool = False,
    install: str | None = None,
    template_src: str | None = None,
) -> UpdateResult:
    """`copier update` DEST to the template ref and (optionally) new answers from the plan; `install` (the
    repository's `.planforge.yaml` `install:`, "" when unset) replaces the recorded `planforge_install`;
    `template_src` switches the repository to that template source (`planforge.render.switch`).

    Copier deletes what the template no longer renders, edited or not, and reverts edits to
    binary files. Each such file is compared with what the template rendered at the last
    generation; a file the user changed is restored from HEAD (the work tree was clean) and
    reported in `kept` (deleted; unless `prune_edited`) or `unmerged` (binary, changed by the
    template too). DEST is locked for the run; a full disk undoes the partial update."""
    dest = Path(dest)
    if not dest.is_dir():
        raise UsageError(f"{dest} is not a directory")
    if answers is not None:
        refuse_bad_answers(answers, provenance, plan_file)
    recorded = read_answers_file(dest)
    started = False  # whether the work tree may hold part of this update
    with interruptible(), repository_lock(dest):
        remove_stale(dest)  # the scratch directory a killed run left
        try:
            _require_git(dest)
            notice = previous_update(dest, dirty=_is_dirty(dest))
            _require_clean_git(dest)
            src = str(recorded.get("_src_path") or "")
            switching = bool(template_src) and template_src != src
            previous = source_for(src, vcs_ref)
            template = source_for(str(template_src), vcs_ref) if switching else previous
            if switching:
                require_reachable(template)
            with (scratch(dest), fetched_from_cache(previous, copier_cache_dir()),
                  fetched_from_cache(template, copier_cache_dir()) if switching else contextlib.nullcontext(),
                  update_in_progress(dest)):
                started = True
                result = _update_and_keep_edits(dest, answers, recorded, template, prune_edited, install, switching)
        except Exception as exc:
            failure = update_io_failure(exc, dest, (lambda: _undo_update(dest)) if started else None, RESTORE_HINT)
            if failure is None:
                raise
            raise failure from exc
    result.notice = notice
    result.switched_from = src if switching else None
    if switching and src in retired_template_urls():
        result.retired = files_naming_retired(dest)
    return result


def _undo_update(dest: Path) -> bool:
    """Put DEST's work tree back as it was (clean at the start, so HEAD), dropping the unfinished mark."""
    try:
        git("checkout", "-q", "--", ".", cwd=dest)
        git("clean", "-fdq", cwd=dest)
        finished(dest)
    except Exception:  # the disk may still be full: the caller says how to undo by hand
        return False
    return True


def _update_and_keep_edits(dest: Path, answers: Answers | None, recorded: dict[str, Any], template: TemplateSource,
                           prune_edited: bool, install: str | None = None, switching: bool = False) -> UpdateResult:
    data = copier_data(answers) if answers is not None else {}
    if install is not None and (install or recorded.get("planforge_install")):
        data["planforge_install"] = install
    vcs_ref = template.vcs_ref
    try:
        run_copier(
            _update,
            dst_path=dest,
            src_path=template.src if switching else None,
            data=data,
            vcs_ref=vcs_ref,
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
            skip_tasks=True,
            conflict="inline",
        )
    except PlanforgeError as exc:
        # Copier updates in place; the work tree was clean, so git can undo a partial update.
        exc.problems.append(Problem("the update did not finish", file=dest,
                                    hint=RESTORE_HINT))
        raise
    except KeyboardInterrupt as exc:
        exc.add_note(f"{dest}: the update did not finish; {RESTORE_HINT}")
        raise
    deleted = deleted_files(dest)
    binary = [path for path in binary_changes(dest) if path not in set(deleted)]
    edited: list[str] = []
    unmerged: list[str] = []
    if deleted or binary:
        try:
            with tempfile.TemporaryDirectory(prefix="planforge-update-") as tmp:
                last = Path(tmp) / "last"
                _render_last_generation(recorded, last)
                edited = edited_since_generation(dest, last, deleted)
                unmerged = keep_binary_edits(dest, last, binary)
        except PlanforgeError as exc:
            restore(dest, deleted + binary)
            exc.problems.append(Problem(f"the {len(deleted) + len(binary)} file(s) the update removed or could not "
                                        "merge were restored: planforge could not tell whether you edited them",
                                        file=dest, hint=RESTORE_HINT))
            raise
    if edited and not prune_edited:
        restore(dest, edited)
    changed = _changed_files(dest)
    gone = set(deleted)
    return UpdateResult(
        dest=dest, changed=[f for f in changed if f not in gone], conflicts=_conflicts(dest, changed),
        vcs_ref=vcs_ref, removed=sorted(gone - set(edited)),
        kept=[] if prune_edited else edited, pruned=edited if prune_edited else [], unmerged=unmerged,
    )


def _render_last_generation(recorded: dict[str, Any], last: Path) -> None:
    """Render the recorded answers at the recorded template commit into `last` (what Copier compares with)."""
    run_copier(
        _copy,
        src_path=str(recorded.get("_src_path") or ""),
        vcs_ref=recorded.get("_commit"),
        dst_path=last,
        data={k: v for k, v in recorded.items() if not str(k).startswith("_")},
        defaults=True,
        overwrite=True,
        quiet=True,
        unsafe=False,
        skip_tasks=True,
    )
