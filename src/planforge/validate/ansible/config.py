"""A tree's `ansible.cfg` read as data, and the configuration of planforge's own that Ansible runs with.

Ansible never reads the tree's `ansible.cfg` (`ANSIBLE_CONFIG` names planforge's file): the settings a tree
needs to be checked and that stay inside the validated paths (`HONOURED`: roles, collections, modules,
inventory) are copied into planforge's file as absolute paths; a setting that names a program, a plugin
directory, a password or vault file, a log or another output path (`names_code_or_output`) is an
`ansible/untrusted-config` finding, and so is an honoured path outside the validated paths. Every other
setting is left out.
"""
from __future__ import annotations

import configparser
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from planforge.validate.inputs import Bounds, InputError

# [defaults] keys honoured (entries inside the validated paths only): key -> the name planforge passes it as
# (`inventory`: the inventories checked, when the tree has no inventories/ directory).
HONOURED = {"roles_path": "roles_path", "collections_path": "collections_path",
            "collections_paths": "collections_path", "library": "library", "module_utils": "module_utils",
            "inventory": "inventory"}
# Keys that name programs, plugin directories, secrets or outputs (besides UNTRUSTED_SUFFIXES): Ansible would run,
# load, read or write what they name.
UNTRUSTED_KEYS = {"vault_identity_list", "vault_password_file", "connection_password_file", "become_password_file",
                  "callbacks_enabled", "callback_whitelist", "stdout_callback", "strategy", "enable_plugins",
                  "vars_plugins_enabled", "fact_caching", "fact_caching_connection", "cache_plugin",
                  "cache_connection", "log_path", "become_exe", "executable", "ansible_connection_path"}
UNTRUSTED_SUFFIXES = ("_plugins", "_plugin_path", "_exe", "_executable", "_password_file")
# Ansible's default inventory plugins but `script`: `host_list` ("localhost,") and the static file formats. `auto`
# (which loads the plugin a YAML inventory's `plugin:` names) reads YAML inventories with the line of a syntax
# error; a plugin inventory is refused before Ansible runs (`screen`).
STATIC_INVENTORY_PLUGINS = "host_list, auto, yaml, ini, toml"
_KEY_LINE = re.compile(r"^\s*(?P<key>[A-Za-z_][\w.-]*)\s*[=:]")
_SECTION_LINE = re.compile(r"^\s*\[(?P<section>[^\]]+)\]")


@dataclass(frozen=True)
class Setting:
    """One `key = value` of an ansible.cfg, with its section and line."""

    section: str
    key: str
    value: str
    line: int


def read_config(path: Path, bounds: Bounds) -> tuple[configparser.ConfigParser | None, str]:
    """The parsed config (None when it does not parse or cannot be read) and its text."""
    parser = configparser.ConfigParser(strict=False, interpolation=None, inline_comment_prefixes=(";", "#"))
    try:
        text = bounds.read_text(path, errors="replace")
        parser.read_string(text)
    except (OSError, InputError):
        return None, ""
    except configparser.Error:
        return None, text
    return parser, text


def settings_of(parser: configparser.ConfigParser | None, text: str) -> list[Setting]:
    """Every setting of the config with the line it is on (the last line that sets it)."""
    if parser is None:
        return []
    lines: dict[tuple[str, str], int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _SECTION_LINE.match(line):
            section = match["section"].strip()
        elif (match := _KEY_LINE.match(line)) and section:
            lines[(section, match["key"].lower())] = number
    return [Setting(name, key, value or "", lines.get((name, key), 0))
            for name in parser.sections() for key, value in parser.items(name, raw=True)]


@dataclass
class Honoured:
    """The honoured path settings of a tree's config: the entries used, and those outside (not used)."""

    paths: dict[str, list[Path]] = field(default_factory=dict)
    outside: list[tuple[Setting, str]] = field(default_factory=list)


def honoured_paths(tree: Path, settings: list[Setting], bounds: Bounds) -> Honoured:
    """The HONOURED settings' entries, relative to the tree, split by whether they resolve inside the
    validated paths (`~` entries are dropped: the user's home is not the tree's)."""
    honoured = Honoured()
    for setting in settings:
        if setting.section != "defaults" or setting.key not in HONOURED:
            continue
        for entry in path_entries(setting.value):
            if entry.startswith("~"):
                continue
            path = Path(os.path.normpath(tree / entry))
            if bounds.inside(path):
                honoured.paths.setdefault(HONOURED[setting.key], []).append(path)
            else:
                honoured.outside.append((setting, entry))
    return honoured


def names_code_or_output(setting: Setting) -> bool:
    """Whether Ansible would run, load, read or write what the setting names (it is never honoured)."""
    return setting.key in UNTRUSTED_KEYS or setting.key.endswith(UNTRUSTED_SUFFIXES)


def path_entries(value: str) -> list[str]:
    """The entries of a comma- or colon-separated path setting, as written."""
    return [p.strip() for chunk in value.split(",") for p in chunk.split(os.pathsep) if p.strip()]


def own_config(home: Path, tree: Path, honoured: dict[str, list[Path]]) -> Path:
    """Write planforge's ansible.cfg for `tree` (the honoured paths copied) and return its path."""
    directory = home / "config" / hashlib.sha256(str(tree).encode()).hexdigest()[:16]
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["[defaults]", f"roles_path = {_joined(honoured.get('roles_path', []), home / 'roles')}",
             f"library = {_joined(honoured.get('library', []), home / 'library')}",
             f"module_utils = {_joined(honoured.get('module_utils', []), home / 'module_utils')}",
             "retry_files_enabled = False", "vars_plugins_enabled = host_group_vars", "callbacks_enabled =",
             "", "[inventory]", f"enable_plugins = {STATIC_INVENTORY_PLUGINS}", ""]
    path = directory / "ansible.cfg"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _joined(paths: list[Path], fallback: Path) -> str:
    return os.pathsep.join(str(p) for p in paths) if paths else str(fallback)
