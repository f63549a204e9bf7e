"""Resolve validation `Settings`: command line, then `PLANFORGE_*` environment, then `.planforge.yaml`.

The first source that sets a key wins; a list given on the command line replaces (does not
extend) the list from the environment or the file. The keys are documented in docs/settings.md.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from planforge.errors import Problem, UsageError
from planforge.validate.base import Settings, Waiver

SETTINGS_FILE = ".planforge.yaml"
SCHEMA_ENGINES = ("auto", "embedded", "kubeconform")
IAC_TOOLS = ("terraform", "opentofu")

# key -> (type, environment variable names). Types: bool, int, float, str, path, list; a search-path is a list of
# paths, separated by os.pathsep in the environment.
KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "kube_version": ("version", ("PLANFORGE_KUBE_VERSION",)),
    "strict": ("bool", ("PLANFORGE_STRICT",)),
    "fail_on_skip": ("bool", ("PLANFORGE_FAIL_ON_SKIP",)),
    "jobs": ("int", ("PLANFORGE_JOBS",)),
    "terraform_plugin_mirrors": ("search-path", ("PLANFORGE_TF_PLUGIN_MIRROR", "PLANFORGE_TERRAFORM_PLUGIN_MIRROR")),
    "terraform_aggregate": ("bool", ("PLANFORGE_TERRAFORM_AGGREGATE",)),
    "iac_tool": ("iac", ("PLANFORGE_IAC_TOOL",)),
    "ansible_collections": ("path", ("PLANFORGE_ANSIBLE_COLLECTIONS",)),
    "cloudformation_regions": ("regions", ("PLANFORGE_CLOUDFORMATION_REGIONS",)),
    "schema_engine": ("engine", ("PLANFORGE_SCHEMA_ENGINE",)),
    "schema_locations": ("list", ("PLANFORGE_SCHEMA_LOCATIONS",)),
    "ignore_missing_schemas": ("bool", ("PLANFORGE_IGNORE_MISSING_SCHEMAS",)),
    "skip_kinds": ("list", ("PLANFORGE_SKIP",)),
    "reject_kinds": ("list", ("PLANFORGE_REJECT",)),
    "ignore_filename_patterns": ("regex-list", ("PLANFORGE_IGNORE_FILENAME_PATTERNS",)),
    "verbose": ("bool", ("PLANFORGE_VERBOSE",)),
    "timeout": ("float", ("PLANFORGE_TIMEOUT",)),
    "memory_budget": ("mib", ("PLANFORGE_MEMORY_BUDGET",)),
    "allow_outside": ("path-list", ("PLANFORGE_ALLOW_OUTSIDE",)),
    "max_file_size": ("size", ("PLANFORGE_MAX_FILE_SIZE",)),
    "no_waivers": ("bool", ("PLANFORGE_NO_WAIVERS",)),
    "policy_profile": ("profile", ("PLANFORGE_POLICY_PROFILE",)),
    "baseline": ("path", ("PLANFORGE_BASELINE",)),
    "waivers": ("waivers", ()),  # .planforge.yaml only: read by `waivers_from`
}
# Settings a repository must not give itself: `.planforge.yaml` is part of the change under review, and these
# name what validate may read or run (a provider mirror is a directory of binaries terraform executes; schema
# locations and collections are files read and loaded) or hide (a baseline's findings are not reported; a looser policy
# profile leaves rules unchecked).
# key -> the command line option.
COMMAND_LINE_ONLY = {
    "allow_outside": "--allow-outside PATH",
    "baseline": "--baseline FILE",
    "policy_profile": "--policy-profile NAME",
    "terraform_plugin_mirrors": "--terraform-plugin-mirror DIR",
    "schema_locations": "--schema-location LOC",
    "ansible_collections": "--ansible-collections DIR",
}
# Bounds a repository may tighten but not lift from `.planforge.yaml` (a change under review could make validate read
# huge files, run tools for hours or without a memory ceiling). key -> the command line option or variable.
LIFTABLE_ONLY_BY_CALLER = {
    "max_file_size": "--max-file-size MIB",
    "timeout": "PLANFORGE_TIMEOUT",
    "memory_budget": "--memory-budget MIB",
    "jobs": "-j N",
}
# Spellings accepted in .planforge.yaml besides the canonical key (the CLI option names).
ALIASES = {
    "kube-version": "kube_version",
    "kubernetes_version": "kube_version",
    "kubernetes-version": "kube_version",
    "fail-on-skip": "fail_on_skip",
    "terraform-plugin-mirror": "terraform_plugin_mirrors",
    "terraform_plugin_mirror": "terraform_plugin_mirrors",
    "terraform-plugin-mirrors": "terraform_plugin_mirrors",
    "terraform-aggregate": "terraform_aggregate",
    "iac-tool": "iac_tool",
    "ansible-collections": "ansible_collections",
    "cloudformation-regions": "cloudformation_regions",
    "cloudformation-region": "cloudformation_regions",
    "cloudformation_region": "cloudformation_regions",
    "schema-engine": "schema_engine",
    "schema-location": "schema_locations",
    "schema_location": "schema_locations",
    "schema-locations": "schema_locations",
    "ignore-missing-schemas": "ignore_missing_schemas",
    "skip": "skip_kinds",
    "reject": "reject_kinds",
    "ignore-filename-pattern": "ignore_filename_patterns",
    "ignore_filename_pattern": "ignore_filename_patterns",
    "ignore-filename-patterns": "ignore_filename_patterns",
    "memory-budget": "memory_budget",
    "allow-outside": "allow_outside",
    "max-file-size": "max_file_size",
    "no-waivers": "no_waivers",
    "policy-profile": "policy_profile",
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")
_REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
MIB = 1024 * 1024
# The default memory budget is this share of the memory planforge may use (physical memory, or the
# cgroup limit of a container when lower), leaving the rest to planforge itself and the system.
MEMORY_BUDGET_SHARE = 0.5
# Assumed when the system does not say how much memory it has.
FALLBACK_MEMORY_MIB = 4096
CGROUP_MEMORY_LIMIT = Path("/sys/fs/cgroup/memory.max")


def normalize_kube_version(value: str) -> str:
    """'1.29' / 'v1.29.3' -> '1.29.0' / '1.29.3'; 'master' stays as is."""
    text = str(value).strip()
    if text == "master":
        return text
    match = _VERSION_RE.match(text)
    if not match:
        raise ValueError(f"'{value}' is not a Kubernetes version like 1.29 or 1.29.0")
    major, minor, patch = match.groups()
    return f"{major}.{minor}.{patch or 0}"


def _convert(key: str, kind: str, value: Any) -> Any:
    """Convert a raw value (a string from the environment, or a YAML value) to the key's type."""
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"'{value}' is not a boolean (use true or false)")
    if kind == "int":
        if isinstance(value, bool):
            raise ValueError(f"'{value}' is not an integer")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a whole number") from None
        if number < 0:
            raise ValueError(f"'{value}' must be 0 (= CPU count) or more")
        return number
    if kind == "float":
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a number of seconds") from None
        if number <= 0:
            raise ValueError(f"'{value}' must be a positive number of seconds")
        return number
    if kind == "mib":
        if isinstance(value, bool) or not str(value).strip().isdigit():
            raise ValueError(f"'{value}' is not a whole number of MiB")
        return int(str(value).strip())
    if kind == "size":
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a number of MiB") from None
        if isinstance(value, bool) or not number > 0:
            raise ValueError(f"'{value}' must be a positive number of MiB")
        return number
    if kind == "path-list":
        return [Path(item).expanduser() for item in _as_list(value)]
    if kind == "search-path":
        return search_path(value)
    if kind == "version":
        return normalize_kube_version(value)
    if kind in ("engine", "iac", "profile"):
        from planforge.validate.policy.core import profile_names

        choices = {"engine": SCHEMA_ENGINES, "iac": IAC_TOOLS, "profile": profile_names()}[kind]
        text = str(value).strip()
        if text not in choices:
            raise ValueError(f"'{value}' is not one of {', '.join(choices)}")
        return text
    if kind == "path":
        return Path(str(value)).expanduser()
    if kind == "regions":
        return aws_regions(value)
    if kind in ("list", "regex-list"):
        items = _as_list(value)
        if kind == "regex-list":
            for item in items:
                try:
                    re.compile(item)
                except re.error as exc:
                    raise ValueError(f"'{item}' is not a valid regular expression ({exc})") from None
        return items
    raise AssertionError(f"unknown setting type {kind} for {key}")


def aws_regions(value: Any) -> list[str]:
    """A non-empty list of AWS region names (`us-east-1`); cfn-lint itself says which it does not know."""
    regions = _as_list(value)
    if not regions:
        raise ValueError("name at least one AWS region (e.g. us-east-1)")
    for region in regions:
        if not _REGION_RE.match(region):
            raise ValueError(f"'{region}' is not an AWS region name like us-east-1")
    return regions


def available_memory_mib() -> int | None:
    """Memory this process may use: physical memory, or the cgroup's limit when lower (None: unknown)."""
    known = [mib for mib in (_physical_memory_mib(), _cgroup_memory_limit_mib()) if mib]
    return min(known) if known else None


def _physical_memory_mib() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // MIB
    except (AttributeError, OSError, ValueError):  # not a POSIX system, or the value is not known
        return None


def _cgroup_memory_limit_mib() -> int | None:
    """The cgroup v2 memory limit (None when there is none: `max`, or no cgroup v2)."""
    try:
        limit = CGROUP_MEMORY_LIMIT.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(limit) // MIB if limit.isdigit() else None


def memory_budget_mib(settings: Settings) -> int:
    """The memory budget in MiB: the setting, else MEMORY_BUDGET_SHARE of the memory available."""
    if settings.memory_budget:
        return settings.memory_budget
    return max(1, int((available_memory_mib() or FALLBACK_MEMORY_MIB) * MEMORY_BUDGET_SHARE))


def search_path(value: str | list[str]) -> list[Path]:
    """Paths given one per command line option, or in one string separated by os.pathsep (like PATH); empty
    entries are left out."""
    items = value if isinstance(value, list) else str(value).split(os.pathsep)
    return [Path(item).expanduser() for item in items if str(item).strip()]


def _as_list(value: Any) -> list[str]:
    """A YAML list, or a string: a YAML flow list ('[a, b]') or comma-separated items."""
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        import yaml

        parsed = yaml.safe_load(text)
        if not isinstance(parsed, list):
            raise ValueError(f"'{value}' is not a list")
        return [str(item) for item in parsed]
    return [item.strip() for item in text.split(",") if item.strip()]


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings given as PLANFORGE_* variables (empty variables are ignored)."""
    values: dict[str, Any] = {}
    for key, (kind, names) in KEYS.items():
        for name in names:
            raw = environ.get(name)
            if raw is None or raw.strip() == "":
                continue
            try:
                values[key] = _convert(key, kind, raw)
            except ValueError as exc:
                raise UsageError(
                    f"environment variable {name} is invalid: {exc}.",
                    [Problem(str(exc), field=name, hint=f"fix or unset {name}")],
                ) from None
            break
    return values


def from_file(path: Path) -> dict[str, Any]:
    """Settings from a .planforge.yaml file. Keys other planforge parts use are ignored.

    A `validate:` mapping, if present, is read too (its keys win over the top level).
    """
    import yaml

    from planforge.validate.inputs import Bounds, InputError
    from planforge.validate.manifests import safe_load

    try:
        text = Bounds.of([path.parent]).read_text(path, str(path))
    except InputError as exc:
        raise UsageError(f"{exc.message}.", [Problem(exc.message, file=path, hint=exc.hint)]) from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text.",
                         [Problem(f"{exc.reason} at byte {exc.start}", file=path, hint="save the file as UTF-8")]) from None
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UsageError(
            f"{path} is not valid YAML.",
            [Problem(str(getattr(exc, "problem", exc)), file=path, line=mark.line + 1 if mark else None,
                     hint="fix the YAML syntax")],
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{path} must be a YAML mapping of settings.", [Problem("not a mapping", file=path, line=1)])
    merged = {k: v for k, v in data.items() if k != "validate"}
    section = data.get("validate")
    if isinstance(section, dict):
        merged.update(section)
    elif section is not None:
        raise UsageError(f"{path}: 'validate' must be a mapping of settings.",
                         [Problem("not a mapping", file=path, line=_line_of(text, "validate"), field="validate",
                                  hint="indent the settings under `validate:` (see docs/settings.md)")])
    values: dict[str, Any] = {}
    for raw_key, raw in merged.items():
        key = ALIASES.get(str(raw_key), str(raw_key))
        if key not in KEYS or raw is None:
            continue
        if key in COMMAND_LINE_ONLY:
            raise _command_line_only(path, text, str(raw_key), key)
        kind = KEYS[key][0]
        if kind == "waivers":
            values[key] = waivers_from(raw, text, path)
            continue
        try:
            values[key] = _convert(key, kind, raw)
        except ValueError as exc:
            raise UsageError(
                f"{path}: setting '{raw_key}' is invalid: {exc}.",
                [Problem(str(exc), file=path, line=_line_of(text, str(raw_key)), field=str(raw_key),
                         hint="see docs/settings.md for the accepted values")],
            ) from None
        if key in LIFTABLE_ONLY_BY_CALLER and values[key] > _default_bound(key):
            raise _lifted_bound(path, text, str(raw_key), key, values[key])
    return values


def _default_bound(key: str) -> float:
    """The bound validate applies when neither the command line nor the environment sets `key`."""
    if key == "memory_budget":
        return memory_budget_mib(Settings())
    if key == "jobs":
        return float(os.cpu_count() or 1)  # the default 0 means one job per CPU
    return float(getattr(Settings(), key))


def _lifted_bound(path: Path, text: str, raw_key: str, key: str, value: float) -> UsageError:
    """The usage error of a settings file raising a bound above its default."""
    variable = KEYS[key][1][0]
    return UsageError(
        f"{path}: '{raw_key}: {value:g}' would lift a bound of validate above its default ({_default_bound(key):g}).",
        [Problem("a change under review could make validate read or run beyond its bounds", file=path,
                 line=_line_of(text, raw_key), field=raw_key,
                 hint=f"lower it to at most {_default_bound(key):g}, or pass {LIFTABLE_ONLY_BY_CALLER[key]} "
                      f"(or set {variable}) in the CI job")],
    )


def _command_line_only(path: Path, text: str, raw_key: str, key: str) -> UsageError:
    """The usage error of a settings file naming a key only the command line and environment may set."""
    variable = KEYS[key][1][0]
    return UsageError(
        f"{path}: '{raw_key}' is not read from the settings file.",
        [Problem("a change under review could widen what validate reads or runs", file=path,
                 line=_line_of(text, raw_key), field=raw_key,
                 hint=f"pass {COMMAND_LINE_ONLY[key]} or set {variable} in the CI job")],
    )


def waivers_from(raw: Any, text: str, path: Path) -> list[Waiver]:
    """The `waivers:` list of a settings file: mappings with path, rule and reason (a missing reason is kept:
    the policy validator reports it)."""
    lines = _item_lines(text)
    hint = "write each waiver as {path: <glob>, rule: <policy rule>, reason: <why>} (see docs/policy.md)"
    if not isinstance(raw, list):
        raise UsageError(f"{path}: 'waivers' must be a list.",
                         [Problem("not a list", file=path, line=_line_of(text, "waivers"), field="waivers", hint=hint)])
    waivers: list[Waiver] = []
    for index, entry in enumerate(raw):
        line = lines[index] if index < len(lines) else _line_of(text, "waivers")
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k].strip()
                                                  for k in ("path", "rule")):
            raise UsageError(f"{path}: waiver {index + 1} needs a path and a rule.",
                             [Problem("not a mapping with path and rule", file=path, line=line,
                                      field=f"waivers[{index}]", hint=hint)])
        reason = entry.get("reason")
        waivers.append(Waiver(entry["path"].strip(), entry["rule"].strip(),
                              reason.strip() if isinstance(reason, str) else "", line))
    return waivers


def _item_lines(text: str) -> list[int]:
    """The line of each item of the top-level (or `validate:`) `waivers` list."""
    import yaml

    from planforge.validate.manifests import compose_all

    try:
        root = next(iter(compose_all(text)), None)
    except yaml.YAMLError:
        return []
    for mapping in (_value_node(root, "validate"), root):  # the `validate:` section wins
        node = _value_node(mapping, "waivers")
        if isinstance(node, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in node.value]
    return []


def _value_node(node: Any, key: str) -> Any:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value for name, value in node.value if getattr(name, "value", None) == key), None)


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*:", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def settings_file_for(paths: list[str]) -> Path | None:
    """The .planforge.yaml of the first path that is a directory (stdin and files have none)."""
    for raw in paths:
        if raw == "-":
            continue
        path = Path(raw)
        if path.is_dir():
            candidate = path / SETTINGS_FILE
            return candidate if candidate.is_file() else None
    return None


def resolve_settings(
    cli: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    paths: list[str] | None = None,
    settings_file: Path | None = None,
) -> Settings:
    """Build Settings: `cli` values (None = not given), then `environ`, then the settings file.

    `settings_file` defaults to the .planforge.yaml of the first directory in `paths`.
    """
    environ = os.environ if environ is None else environ
    file_values: dict[str, Any] = {}
    if settings_file is None and paths is not None:
        settings_file = settings_file_for(paths)
    if settings_file is not None:
        file_values = from_file(settings_file)
    env_values = from_environment(environ)
    cli_values: dict[str, Any] = {}
    for key, value in (cli or {}).items():
        if key not in KEYS:
            raise AssertionError(f"unknown setting {key}")
        if value is None:
            continue
        try:
            cli_values[key] = _convert(key, KEYS[key][0], value)
        except ValueError as exc:
            option = "--" + key.replace("_", "-")
            raise UsageError(f"option {option} is invalid: {exc}.") from None
    known = {f.name for f in fields(Settings)}
    merged = {**file_values, **env_values, **cli_values}
    return Settings(**{k: v for k, v in merged.items() if k in known})
