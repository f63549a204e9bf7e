"""planforge's Copier worker: Copier's own `Worker`, with compiled templates reused and git asked once.

Copier renders every templated path part with `Environment.from_string` and loads every
template file afresh, in a new Jinja environment per run: compiling is most of a run, and
`copier update` compiles the same template twice (the old and the new version). A compiled
code object depends only on its source and on the environment's compile settings (delimiters,
whitespace options, extensions, filter and test names), not on the environment object, so
compiled sources are kept for the whole process, keyed by both. Extension preprocess hooks
still run on every compile (Copier's yield tag resets its state there), and each code object
is given the file name of the compile that asked for it, so error locations name the file
rendered now; caching changes nothing but the speed. No global patch: only this worker's
environments use the cache. The compiled code is also kept on disk, in planforge's cache directory
(`jinja/`, one folder per Python and Jinja version), so a new `planforge` process does not compile the template
again: a render in a fresh process goes from about 5 s to 3 s. An entry that cannot be read is compiled afresh;
writing is best effort. For the same reason its `from_yaml` filter parses with libyaml when PyYAML has it
(the template parses its data files, `includes/*.yaml`, in every run): same result, a fraction of the time.

The subproject's template is the one its answers file names at the time it is asked for. Copier reads it
once, before the update, and renders the new version for its three-way merge from that URL: an update
that switches the source (`planforge update --template`) would merge against the old source's files and
silently drop the new source's change to a file the user edited. After Copier records the new source,
the merge renders from it.

Copier parses its YAML (the template's `copier.yml` with its includes, the answers file, every `type: yaml`
answer) with PyYAML's pure-Python loader: with planforge's hundred answers that was half of a `copier update`.
While this worker runs, Copier's modules parse with libyaml (`_libyaml_parsing`): the same safe loader, written in C.
"""
from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

import yaml

_WORKER: type | None = None
_COMPILED: dict[tuple, CodeType] = {}
_MAX_COMPILED = 20_000  # distinct sources kept; a process rendering many template versions starts afresh


def _compile_settings(env: Any) -> tuple:
    """What a Jinja environment's compiled code depends on, besides the source."""
    autoescape = env.autoescape if isinstance(env.autoescape, bool) else getattr(env.autoescape, "__qualname__", "?")
    return (type(env).__qualname__, env.block_start_string, env.block_end_string, env.variable_start_string,
            env.variable_end_string, env.comment_start_string, env.comment_end_string, env.line_statement_prefix,
            env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks, env.newline_sequence,
            env.keep_trailing_newline, env.optimized, env.is_async, autoescape, tuple(sorted(env.extensions)),
            tuple(sorted(env.filters)), tuple(sorted(env.tests)))


def _named(code: CodeType, filename: str) -> CodeType:
    """`code` and the code objects nested in it (macros, blocks) attributed to `filename`."""
    if code.co_filename == filename:
        return code
    consts = tuple(_named(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _disk_dir() -> Path:
    """Where compiled code is kept between processes: marshal's format is the Python version's, and the code calls
    into the Jinja version's runtime."""
    import jinja2

    from planforge.render.template import cache_dir

    return cache_dir() / "jinja" / f"{sys.implementation.cache_tag}-jinja-{jinja2.__version__}"


def _disk_path(key: tuple) -> Path:
    digest = hashlib.sha256(repr(key).encode("utf-8", "surrogatepass")).hexdigest()
    return _disk_dir() / digest[:2] / f"{digest}.code"


def _from_disk(key: tuple) -> CodeType | None:
    try:
        code = marshal.loads(_disk_path(key).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _to_disk(key: tuple, code: CodeType) -> None:
    """Best effort, atomic: a reader sees a whole entry or none."""
    path = _disk_path(key)
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(code, handle)
            os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)


def _caching_compile(env: Any) -> Any:
    """`env.compile`, with each (settings, source) compiled once per process, and read from disk when an earlier
    process compiled it."""
    original = env.compile

    def compile(source, name=None, filename=None, raw=False, defer_init=False):  # noqa: A001
        if raw or not isinstance(source, str):
            return original(source, name, filename, raw, defer_init)
        key = (_compile_settings(env), source, name, defer_init)
        code = _COMPILED.get(key) or _from_disk(key)
        if code is None:
            code = original(source, name, filename, raw, defer_init)
            _to_disk(key, code)
        else:  # reused: what a compile does besides producing the code
            for extension in env.iter_extensions():
                extension.preprocess(source, name, filename)
            code = _named(code, filename or "<template>")
        if key not in _COMPILED:
            if len(_COMPILED) >= _MAX_COMPILED:
                _COMPILED.clear()
            _COMPILED[key] = code
        return code

    return compile


def _from_yaml(data: Any) -> Any:
    """jinja2-ansible-filters' `from_yaml` (a string is YAML, anything else stays as is), with libyaml."""
    from planforge.yamlio import parse

    return parse(data) if isinstance(data, str) else data


class _LibyamlModule(ModuleType):
    """PyYAML as Copier sees it while planforge's worker runs: the safe loader is libyaml's."""

    def __init__(self) -> None:
        super().__init__("yaml")
        self.SafeLoader = yaml.CSafeLoader

    def __getattr__(self, name: str) -> Any:
        return getattr(yaml, name)

    @staticmethod
    def safe_load(stream: Any) -> Any:
        return yaml.load(stream, Loader=yaml.CSafeLoader)  # noqa: S506 (libyaml's safe loader)


@contextlib.contextmanager
def _libyaml_parsing() -> Iterator[None]:
    """Copier's YAML parsed with libyaml for the duration (re-entrant: an update runs copies inside)."""
    import copier._template
    import copier._user_data

    modules = (copier._template, copier._user_data)
    if not getattr(yaml, "__with_libyaml__", False):
        yield
        return
    previous = [module.yaml for module in modules]
    for module in modules:
        module.yaml = _LibyamlModule()
    try:
        yield
    finally:
        for module, original in zip(modules, previous):
            module.yaml = original


class _SettledAnswers:
    """A Copier worker's answers while it renders: `combined` and the answers it records, merged once."""

    def __init__(self, answers: Any, remembered: Any) -> None:
        self._answers = answers
        self.combined = answers.combined
        self.remembered = remembered

    def __getattr__(self, name: str) -> Any:
        return getattr(self._answers, name)


def worker_class() -> type:
    """copier.Worker whose Jinja environment reuses compiled sources (see the module's docstring), whose
    subproject reads the template the answers file names at the moment it is asked (so `update --template` merges
    with the old source's render), and that asks git once (not once per file) whether the destination's index
    needs executable bits synced."""
    global _WORKER
    if _WORKER is not None:
        return _WORKER
    from copier._main import Worker  # Copier's own run_copy/run_update wrap this class
    from copier._subproject import Subproject
    from copier._template import Template

    class CurrentSubproject(Subproject):
        @property
        def template(self) -> Template | None:  # type: ignore[override]
            """The template the answers file names now (a Template per source and ref, cloned once)."""
            raw = self._raw_answers
            url, ref = raw.get("_src_path"), raw.get("_commit")
            if not url:
                return None
            known = self.__dict__.setdefault("_templates", {})
            if (url, ref) not in known:
                known[(url, ref)] = Template(url=url, ref=ref)
                self._cleanup_hooks.append(known[(url, ref)]._cleanup)
            return known[(url, ref)]

    class CachingWorker(Worker):
        @cached_property
        def subproject(self) -> Subproject:  # type: ignore[override]
            result = CurrentSubproject(local_abspath=self.dst_path.absolute(),
                                       answers_relpath=self.answers_file or Path(".copier-answers.yml"))
            self._cleanup_hooks.append(result._cleanup)
            return result

        @cached_property
        def jinja_env(self):  # type: ignore[override]
            env = Worker.jinja_env.func(self)  # type: ignore[attr-defined]
            env.compile = _caching_compile(env)
            if "from_yaml" in env.filters:
                env.filters["from_yaml"] = _from_yaml
            return env

        def _render_template(self) -> None:
            # The answers are settled once asked, yet Copier merges their seven layers again (twice) for each of
            # the thousand paths and strings it renders: a third of a render. They are merged once for the render.
            asked = self.answers
            self.answers = _SettledAnswers(asked, self._answers_to_remember())  # type: ignore[assignment]
            try:
                super()._render_template()
            finally:
                self.answers = asked

        def _answers_to_remember(self) -> Any:
            settled = self.answers
            return settled.remembered if isinstance(settled, _SettledAnswers) else super()._answers_to_remember()

        def run_copy(self) -> None:
            with _libyaml_parsing():
                super().run_copy()

        def run_update(self) -> None:
            with _libyaml_parsing():
                super().run_update()

        @cached_property
        def _file_mode_ignored(self) -> bool:
            """Whether git ignores the destination's file modes (`core.fileMode` false), asked once."""
            from copier._vcs import get_git
            from plumbum import ProcessExecutionError

            try:
                git = get_git(context_dir=self.subproject.local_abspath)
                return git("config", "--type=bool", "--get", "core.fileMode").strip() == "false"
            except ProcessExecutionError:
                return False

        def _sync_git_index_executable_bit(self, dst_relpath: Any, src_mode: int) -> None:
            # Copier (9.19) asks git for core.fileMode once per rendered file, a process each: thousands for a
            # large repository. The answer is the destination's, so it is asked once; only when it is false does
            # Copier's sync of the executable bit into the index have anything to do.
            if self._file_mode_ignored:
                super()._sync_git_index_executable_bit(dst_relpath, src_mode)

    _WORKER = CachingWorker
    return _WORKER
