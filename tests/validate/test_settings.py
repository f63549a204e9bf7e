"""Settings resolution: command line, then PLANFORGE_* environment, then .planforge.yaml."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from planforge.errors import UsageError
from planforge.validate import settings as settings_module
from planforge.validate.base import Settings
from planforge.validate.settings import memory_budget_mib, normalize_kube_version, resolve_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_without_any_source(tmp_path):
    settings = resolve_settings({}, environ={}, paths=[str(tmp_path)])
    assert settings.strict is False and settings.kube_version == "1.29.0" and settings.jobs == 0


def test_precedence_cli_env_file(tmp_path):
    write(tmp_path / ".planforge.yaml", "strict: true\nkube_version: '1.28'\njobs: 1\nskip: [Secret]\n")
    settings = resolve_settings({}, environ={}, paths=[str(tmp_path)])
    assert (settings.strict, settings.kube_version, settings.jobs, settings.skip_kinds) == (True, "1.28.0", 1, ["Secret"])
    env = {"PLANFORGE_STRICT": "no", "PLANFORGE_JOBS": "5", "PLANFORGE_SKIP": "A,B"}
    settings = resolve_settings({}, environ=env, paths=[str(tmp_path)])
    assert (settings.strict, settings.kube_version, settings.jobs, settings.skip_kinds) == (False, "1.28.0", 5, ["A", "B"])
    settings = resolve_settings({"strict": True, "jobs": "1", "skip_kinds": ["C"], "kube_version": None},
                                environ=env, paths=[str(tmp_path)])
    assert (settings.strict, settings.kube_version, settings.jobs, settings.skip_kinds) == (True, "1.28.0", 1, ["C"])


def test_memory_budget_precedence_cli_env_file(tmp_path):
    write(tmp_path / ".planforge.yaml", "memory-budget: 3000\n")
    assert resolve_settings({}, environ={}, paths=[str(tmp_path)]).memory_budget == 3000
    env = {"PLANFORGE_MEMORY_BUDGET": "5000"}
    assert resolve_settings({}, environ=env, paths=[str(tmp_path)]).memory_budget == 5000
    settings = resolve_settings({"memory_budget": "1800"}, environ=env, paths=[str(tmp_path)])
    assert settings.memory_budget == 1800 and memory_budget_mib(settings) == 1800


def test_default_memory_budget_is_half_the_available_memory(tmp_path, monkeypatch):
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)
    monkeypatch.setattr(settings_module, "CGROUP_MEMORY_LIMIT", tmp_path / "memory.max")
    (tmp_path / "memory.max").write_text("max\n")  # a cgroup without a limit
    assert memory_budget_mib(Settings()) == physical // 2
    (tmp_path / "memory.max").write_text(f"{3 * 1024 ** 3}\n")  # a container limited to 3 GiB
    assert memory_budget_mib(Settings()) == min(physical, 3 * 1024) // 2
    monkeypatch.setattr(settings_module, "_physical_memory_mib", lambda: None)
    (tmp_path / "memory.max").unlink()
    assert memory_budget_mib(Settings()) == settings_module.FALLBACK_MEMORY_MIB // 2


def test_file_accepts_cli_spellings_and_a_validate_section(tmp_path):
    write(tmp_path / ".planforge.yaml", "kube-version: 1.30.2\nstrict: false\nvalidate:\n  strict: true\n"
                                        "  ignore-missing-schemas: true\nplan: ignored\n")
    settings = resolve_settings({}, environ={}, paths=[str(tmp_path)])
    assert settings.kube_version == "1.30.2" and settings.strict is True
    assert settings.ignore_missing_schemas is True


@pytest.mark.parametrize("text, line, fix", [
    ("strict: true\nterraform_plugin_mirror: mirror\n", 2, "--terraform-plugin-mirror DIR or set PLANFORGE_TF_PLUGIN_MIRROR"),
    ("validate:\n  schema-location: ['a/{{ .ResourceKind }}.json']\n", 2,
     "--schema-location LOC or set PLANFORGE_SCHEMA_LOCATIONS"),
    ("ansible-collections: .cache/collections\n", 1,
     "--ansible-collections DIR or set PLANFORGE_ANSIBLE_COLLECTIONS"),
    ("allow_outside: [..]\n", 1, "--allow-outside PATH or set PLANFORGE_ALLOW_OUTSIDE"),
])
def test_settings_naming_what_validate_reads_or_runs_are_refused_in_the_file(tmp_path, text, line, fix):
    """`.planforge.yaml` is part of the change under review: a provider mirror it names would be run, schema
    locations and collections read; only the command line and the environment may name them."""
    write(tmp_path / ".planforge.yaml", text)
    with pytest.raises(UsageError) as exc:
        resolve_settings({}, environ={}, paths=[str(tmp_path)])
    [problem] = exc.value.problems
    assert (problem.file, problem.line) == (tmp_path / ".planforge.yaml", line)
    assert fix in (problem.hint or "") and exc.value.exit_code == 2


def test_ansible_collections_from_env_and_command_line(tmp_path):
    from_env = resolve_settings({}, environ={"PLANFORGE_ANSIBLE_COLLECTIONS": "/opt/collections"},
                                paths=[str(tmp_path)])
    assert from_env.ansible_collections == Path("/opt/collections")
    from planforge.cli import build_parser
    from planforge.cli.validate import cli_settings

    args = build_parser().parse_args(["validate", "--ansible-collections", "/srv/c", str(tmp_path)])
    assert resolve_settings(cli_settings(args), environ={}, paths=[str(tmp_path)]).ansible_collections == Path("/srv/c")


def test_env_lists_accept_a_yaml_flow_list_for_commas():
    settings = resolve_settings({}, environ={"PLANFORGE_IGNORE_FILENAME_PATTERNS": '["^a{1,2}/", "crd"]',
                                             "PLANFORGE_TF_PLUGIN_MIRROR": "/opt/tf-plugins"})
    assert settings.ignore_filename_patterns == ["^a{1,2}/", "crd"]
    assert settings.terraform_plugin_mirrors == [Path("/opt/tf-plugins")]


def test_empty_environment_variables_are_ignored(tmp_path):
    write(tmp_path / ".planforge.yaml", "strict: true\n")
    assert resolve_settings({}, environ={"PLANFORGE_STRICT": ""}, paths=[str(tmp_path)]).strict is True


def test_files_and_stdin_have_no_settings_file(tmp_path):
    write(tmp_path / ".planforge.yaml", "strict: true\n")
    manifest = write(tmp_path / "a.yaml", "kind: x\n")
    assert resolve_settings({}, environ={}, paths=["-", str(manifest)]).strict is False


@pytest.mark.parametrize("text, needle", [
    ("strict: maybe\n", "strict"),
    ("kube_version: latest\n", "kube_version"),
    ("schema_engine: turbo\n", "schema_engine"),
    ("ignore_filename_patterns: ['(']\n", "regular expression"),
    ("strict: [\n", "not valid YAML"),
    ("- a\n- b\n", "mapping"),
    ("validate: [strict]\n", "'validate' must be a mapping"),
    ("strict: caf\xe9\n".encode("latin-1"), "not UTF-8"),
])
def test_bad_file_values_are_usage_errors_with_location(tmp_path, text, needle):
    if isinstance(text, bytes):
        (tmp_path / ".planforge.yaml").write_bytes(text)
    else:
        write(tmp_path / ".planforge.yaml", text)
    with pytest.raises(UsageError) as exc:
        resolve_settings({}, environ={}, paths=[str(tmp_path)])
    assert needle in exc.value.render() and ".planforge.yaml" in exc.value.render()


def test_bad_env_value_names_the_variable():
    with pytest.raises(UsageError, match="PLANFORGE_JOBS"):
        resolve_settings({}, environ={"PLANFORGE_JOBS": "-1"})


@pytest.mark.parametrize("cli, environ, needle", [
    ({"jobs": "four"}, {}, "'four' is not a whole number"),
    ({}, {"PLANFORGE_JOBS": "four"}, "'four' is not a whole number"),
    ({}, {"PLANFORGE_TIMEOUT": "soon"}, "'soon' is not a number of seconds"),
    ({"memory_budget": "2G"}, {}, "'2G' is not a whole number of MiB"),
    ({}, {"PLANFORGE_MEMORY_BUDGET": "-5"}, "'-5' is not a whole number of MiB"),
])
def test_non_numeric_values_get_a_plain_sentence(cli, environ, needle):
    """No Python internals ("invalid literal for int() with base 10") in a usage error."""
    with pytest.raises(UsageError) as exc:
        resolve_settings(cli, environ=environ)
    assert needle in exc.value.render() and "int()" not in exc.value.render() and "float" not in exc.value.render()


@pytest.mark.parametrize("raw, normalized", [("1.29", "1.29.0"), ("v1.30.4", "1.30.4"), ("master", "master")])
def test_kube_version_normalization(raw, normalized):
    assert normalize_kube_version(raw) == normalized
