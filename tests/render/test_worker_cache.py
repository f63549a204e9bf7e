"""planforge's Copier worker compiles each template source once per process: a second environment reuses the
code, attributed to the file it now compiles; an environment with other compile settings compiles afresh."""
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
