"""planforge's Copier worker compiles each template source once per process: a second environment reuses the
code, attributed to the file it now compiles; an environment with other compile settings compiles afresh; a new
process reads the code an earlier one compiled from the cache directory, and compiles afresh what it cannot read."""
from __future__ import annotations

from jinja2 import Environment
from jinja2.exceptions import UndefinedError
from jinja2 import StrictUndefined

from planforge.render import worker

SOURCE = "{% macro greet(name) %}hello {{ name | upper }}{% endmacro %}{{ greet(who) }}{{ missing.attr }}"


def _env(**options) -> Environment:
    env = Environment(undefined=StrictUndefined, **options)
    env.compile = worker._caching_compile(env)
    return env


def test_a_second_environment_reuses_the_compiled_source_under_its_own_file_name() -> None:
    worker._COMPILED.clear()
    first = _env().compile(SOURCE, "t.jinja", "/old/clone/t.jinja")
    second = _env().compile(SOURCE, "t.jinja", "/new/clone/t.jinja")
    assert len(worker._COMPILED) == 1
    assert first.co_filename == "/old/clone/t.jinja" and second.co_filename == "/new/clone/t.jinja"
    nested = [c for c in second.co_consts if hasattr(c, "co_filename")]
    assert nested and all(c.co_filename == "/new/clone/t.jinja" for c in nested)


def test_reused_code_renders_and_fails_as_a_fresh_compile_would() -> None:
    worker._COMPILED.clear()
    _env().from_string(SOURCE)
    env = _env()
    template = env.from_string(SOURCE.replace("{{ missing.attr }}", ""))
    assert template.render(who="ops") == "hello OPS"
    try:
        env.from_string(SOURCE).render(who="ops")
    except UndefinedError as exc:
        assert "missing" in str(exc)
    else:
        raise AssertionError("an undefined variable must still fail")


def test_other_compile_settings_compile_afresh() -> None:
    worker._COMPILED.clear()
    _env().compile(SOURCE)
    _env(trim_blocks=True).compile(SOURCE)
    other_filters = _env()
    other_filters.filters["shout"] = str.upper
    other_filters.compile(SOURCE)
    assert len(worker._COMPILED) == 3


def _counting_env(calls: list[str], **options) -> Environment:
    """An environment whose own compiler records each source it compiles, behind the worker's cache."""
    env = Environment(undefined=StrictUndefined, **options)
    original = env.compile

    def compile(source, name=None, filename=None, raw=False, defer_init=False):  # noqa: A001
        calls.append(source)
        return original(source, name, filename, raw, defer_init)

    env.compile = compile
    env.compile = worker._caching_compile(env)
    return env


def test_a_new_process_reads_the_compiled_code_from_disk(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path))
    worker._COMPILED.clear()
    calls: list[str] = []
    _counting_env(calls).compile(SOURCE, "t.jinja", "/old/clone/t.jinja")
    assert calls == [SOURCE] and len(list((tmp_path / "jinja").rglob("*.code"))) == 1
    worker._COMPILED.clear()  # what a new process starts with
    env = _counting_env(calls)
    code = env.compile(SOURCE, "t.jinja", "/new/clone/t.jinja")
    assert calls == [SOURCE]  # not compiled again
    assert code.co_filename == "/new/clone/t.jinja"
    assert env.from_string(SOURCE.replace("{{ missing.attr }}", "")).render(who="ops") == "hello OPS"


def test_an_unreadable_entry_is_compiled_afresh(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path))
    worker._COMPILED.clear()
    calls: list[str] = []
    _counting_env(calls).compile(SOURCE)
    [entry] = (tmp_path / "jinja").rglob("*.code")
    entry.write_bytes(b"\x00not marshal")
    worker._COMPILED.clear()
    _counting_env(calls).compile(SOURCE)
    assert calls == [SOURCE, SOURCE]
    worker._COMPILED.clear()
    assert _counting_env(calls).from_string(SOURCE.replace("{{ missing.attr }}", "")).render(who="a") == "hello A"
