"""The tree's ansible-lint configuration read as data, and the configuration of planforge's own ansible-lint runs with.

ansible-lint imports the Python rules its configuration's `rulesdir` names, and looks for a configuration in
the project and the directories above it. planforge always passes its own file (`-c`): the keys of the tree's
configuration that only select and tune the built-in rules (`COPIED`) are copied into it; `rulesdir` is an
`ansible/untrusted-config` finding; any other key is left out.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from planforge.validate.base import Context
from planforge.validate.inputs import InputError
from planforge.validate.manifests import compose_all, safe_load

CONFIG_NAMES = (".ansible-lint", ".ansible-lint.yml", ".ansible-lint.yaml", ".config/ansible-lint.yml",
                ".config/ansible-lint.yaml")
COPIED = ("skip_list", "warn_list", "enable_list", "exclude_paths", "profile", "kinds", "mock_modules", "mock_roles",
          "mock_filters", "var_naming_pattern", "loop_var_prefix", "task_name_prefix", "max_block_depth",
          "extra_vars")
REFUSED = ("rulesdir",)


def lint_config(tree: Path, home: Path, ctx: Context) -> tuple[Path, list[tuple[str, int]], str | None]:
    """Write planforge's ansible-lint configuration for `tree`: its path, the refused keys of the tree's
    configuration with their lines, and that configuration's display (None when the tree has none)."""
    source = next((tree / name for name in CONFIG_NAMES if (tree / name).is_file()), None)
    data, lines = _read(source, ctx) if source is not None else ({}, {})
    copied = {key: data[key] for key in COPIED if key in data}
    refused = [(key, lines.get(key, 0)) for key in REFUSED if key in data]
    directory = home / "lint" / hashlib.sha256(str(tree).encode()).hexdigest()[:16]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "ansible-lint.yml"
    path.write_text(json.dumps(copied, default=str), encoding="utf-8")  # JSON is YAML
    return path, refused, ctx.display(source) if source is not None else None


def _read(source: Path, ctx: Context) -> tuple[dict[str, object], dict[str, int]]:
    """The configuration's top-level mapping and the line of each key ({} when it cannot be read)."""
    try:
        text = ctx.bounds.read_text(source)
        data = safe_load(text)
        nodes = compose_all(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, InputError, RecursionError):
        return {}, {}
    if not isinstance(data, dict) or not nodes or not isinstance(nodes[0], yaml.MappingNode):
        return {}, {}
    lines = {str(key.value): key.start_mark.line + 1 for key, _ in nodes[0].value}
    return {str(k): v for k, v in data.items()}, lines

