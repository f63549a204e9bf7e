"""What a tree would make Ansible run or read, found before any Ansible tool runs.

* `ansible/untrusted-config`: a setting of the tree's `ansible.cfg` (or of its ansible-lint configuration)
  that names a program, plugin or rules directory, password file or log path, or an honoured path setting
  outside the validated paths; never honoured (`config`).
* `ansible/untrusted-inventory`: an executable inventory (Ansible runs it as a script) or a plugin
  inventory (`plugin:`, Ansible loads the plugin); playbooks are not checked against it.
* `ansible/untrusted-plugins`: Python plugins or modules the tree ships (`filter_plugins/`, `library/`, a
  role's or a collection's `plugins/`): Ansible loads them by itself; the sandbox (`sandbox`) does not let
  them run.
* `input/outside-root`: a playbook, task, role or variable file named statically (`import_playbook`,
  `vars_files`, `import_tasks`, `include_vars`, a role path) that resolves outside the validated paths;
  nothing runs on the tree.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import yaml

from planforge.validate.ansible.config import names_code_or_output
from planforge.validate.ansible.discovery import INVENTORY_DIRS, SKIP_DIRS, YAML_SUFFIXES, Tree
from planforge.validate.ansible.rules import NAME, UNTRUSTED_CONFIG, UNTRUSTED_INVENTORY, UNTRUSTED_PLUGINS
from planforge.validate.base import Context, Finding, Severity
from planforge.validate.inputs import OUTSIDE_HINT, OUTSIDE_ROOT, InputError, walk
from planforge.validate.manifests import compose_all, safe_load

# Keys whose value names a file Ansible reads while it loads a playbook: a path, or a mapping with `file`/`dir`.
FILE_KEYS = {"import_playbook", "import_tasks", "include_tasks", "include_vars", "include"}
ROLE_KEYS = {"import_role", "include_role"}  # a mapping whose `name` may be a role's path
PLUGIN_DIR_SUFFIX = "_plugins"
MODULE_DIRS = {"library", "module_utils", "plugins"}
SHOWN_DIRS = 5  # directories a finding names
NEVER_RUN = "planforge validate runs nothing from the repository"


def config_findings(tree: Tree, ctx: Context) -> list[Finding]:
    """The tree's ansible.cfg settings that are never honoured, and honoured paths outside."""
    if tree.config is None:
        return []
    shown = ctx.display(tree.config)
    findings = [Finding(NAME, UNTRUSTED_CONFIG, Severity.WARNING,
                        f"ansible.cfg [{s.section}] {s.key} names a program, plugin directory, password file or "
                        f"output path: not used ({NEVER_RUN})", file=shown, line=s.line or None,
                        hint="validate with planforge's own configuration; keep the setting for your own runs")
                for s in tree.settings if names_code_or_output(s)]
    findings += [Finding(NAME, UNTRUSTED_CONFIG, Severity.WARNING,
                         f"ansible.cfg {s.key} entry {entry!r} is outside the validated paths: not used",
                         file=shown, line=s.line or None, hint=OUTSIDE_HINT)
                 for s, entry in tree.honoured.outside]
    return findings


def inventory_refusal(inventory: Path, ctx: Context) -> Finding | None:
    """Why Ansible would run code to read `inventory` (a file or a directory of them), or None."""
    files = [inventory] if not inventory.is_dir() else sorted(
        p for d, _, names in walk(inventory) for p in (Path(d, n) for n in names)
        if p.is_file() and not _in_vars_dir(p, inventory))
    for path in files:
        reason = _executable_or_plugin(path, ctx)
        if reason:
            return Finding(NAME, UNTRUSTED_INVENTORY, Severity.ERROR,
                           f"the inventory {ctx.display(path)} is {reason}: not used ({NEVER_RUN})",
                           file=ctx.display(path), line=1,
                           hint="write the inventory as a static INI or YAML file (and remove its executable bit)")
    return None


def plugin_findings(tree: Tree, ctx: Context) -> list[Finding]:
    """One warning naming the directories of Python plugins or modules the tree ships (none when it ships none)."""
    directories = [ctx.display(d) for d in _plugin_dirs(tree.path)]
    if not directories:
        return []
    shown = ", ".join(directories[:SHOWN_DIRS]) + (f" and {len(directories) - SHOWN_DIRS} more"
                                                   if len(directories) > SHOWN_DIRS else "")
    return [Finding(NAME, UNTRUSTED_PLUGINS, Severity.WARNING,
                    f"Python plugins or modules Ansible would load ({shown}) do not run ({NEVER_RUN}): a playbook "
                    "that needs one while it loads is reported as a syntax error, and ansible-lint does not check "
                    "the arguments of these modules", file=directories[0],
                    hint="install them as a collection in a trusted location and pass --ansible-collections DIR")]


def outside_references(tree: Tree, ctx: Context) -> list[Finding]:
    """`input/outside-root` for every statically named file of the tree's YAML that resolves outside."""
    findings: list[Finding] = []
    for path in _yaml_files(tree.path):
        try:
            nodes = compose_all(ctx.bounds.read_text(path))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, InputError, RecursionError):
            continue  # the syntax check (or the input check) reports the file
        for value, line in _file_values(nodes):
            named = Path(os.path.expanduser(value))
            if not ctx.bounds.inside(path.parent / named) and not ctx.bounds.inside(tree.path / named):
                error = InputError(OUTSIDE_ROOT, f"{value!r} resolves outside the validated paths: not read",
                                   ctx.display(path), line, OUTSIDE_HINT)
                findings.append(error.finding())
    return findings


def _file_values(nodes: list[yaml.Node]) -> Iterator[tuple[str, int]]:
    """(value, line) of every path-like scalar naming a playbook, task, variable or role file (a template is not
    resolved here: the sandbox refuses what it reads outside)."""
    stack = list(nodes)
    seen: set[int] = set()  # an alias is the same node: each is walked once (no "billion laughs")
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        if not isinstance(node, yaml.MappingNode):
            continue
        for key, value in node.value:
            stack.append(value)
            for named in _named_files(str(getattr(key, "value", "")).rsplit(".", 1)[-1], value):
                if _path_like(named.value):
                    yield named.value, named.start_mark.line + 1


def _named_files(key: str, value: yaml.Node) -> list[yaml.ScalarNode]:
    """The scalars under `key: value` that name a file or a role."""
    if key in FILE_KEYS:
        return _scalars([value]) + _fields(value, ("file", "dir"))
    if key == "vars_files":
        return _scalars(value.value if isinstance(value, yaml.SequenceNode) else [value])
    if key == "roles" and isinstance(value, yaml.SequenceNode):
        return _scalars(value.value) + [s for item in value.value for s in _fields(item, ("role", "name"))]
    if key in ROLE_KEYS:
        return _fields(value, ("name",))
    return []


def _fields(node: yaml.Node, names: tuple[str, ...]) -> list[yaml.ScalarNode]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return _scalars([value for key, value in node.value if getattr(key, "value", None) in names])


def _scalars(nodes: list[yaml.Node]) -> list[yaml.ScalarNode]:
    found: list[yaml.ScalarNode] = []
    for node in nodes:
        if isinstance(node, yaml.SequenceNode):  # vars_files allows a list of alternatives
            found.extend(item for item in node.value if isinstance(item, yaml.ScalarNode))
        elif isinstance(node, yaml.ScalarNode):
            found.append(node)
    return found


def _path_like(value: str) -> bool:
    return bool(value) and "{{" not in value and "{%" not in value and (
        value.startswith(("/", "~")) or ".." in Path(value).parts)


def _executable_or_plugin(path: Path, ctx: Context) -> str | None:
    try:
        if os.stat(path).st_mode & 0o111:
            return "executable: Ansible would run it as an inventory script"
        if path.suffix in YAML_SUFFIXES:
            data = safe_load(ctx.bounds.read_text(path))
            if isinstance(data, dict) and "plugin" in data:
                return f"a plugin inventory (plugin: {data['plugin']}): Ansible would load and run the plugin"
    except (OSError, UnicodeDecodeError, yaml.YAMLError, InputError, RecursionError):
        return None  # the syntax check reports what it cannot read
    return None


def _in_vars_dir(path: Path, inventory: Path) -> bool:
    return any(part in ("group_vars", "host_vars") for part in path.relative_to(inventory).parts)


def _plugin_dirs(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        here = Path(dirpath)
        if (here.name.endswith(PLUGIN_DIR_SUFFIX) or here.name in MODULE_DIRS) and \
                any(name.endswith(".py") for name in filenames):
            found.append(here)
            dirnames[:] = []
    return found


def _yaml_files(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in walk(root):
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith(".") and d not in SKIP_DIRS and d not in INVENTORY_DIRS)
        yield from (Path(dirpath) / name for name in sorted(filenames) if name.endswith(YAML_SUFFIXES))


def lint_config_findings(settings: list[tuple[str, int]], display: str) -> list[Finding]:
    """An ansible-lint configuration's refused keys (rules directories: Python ansible-lint would import)."""
    return [Finding(NAME, UNTRUSTED_CONFIG, Severity.WARNING,
                    f"ansible-lint setting {key} names Python rules ansible-lint would import: not used ({NEVER_RUN})",
                    file=display, line=line or None, hint="keep custom rules for your own runs of ansible-lint")
            for key, line in settings]

