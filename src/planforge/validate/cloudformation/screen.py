"""What a template asks of cfn-lint beyond being linted, read as data before cfn-lint runs.

- Nested templates: cfn-lint reads the local file an `AWS::CloudFormation::Stack` `TemplateURL` or an
  `AWS::Serverless::Application` `Location` names (rule E3043). Each such path (every string under the property,
  so both branches of an `Fn::If` count) must resolve inside the validated paths to a regular file within the size
  and YAML limits; otherwise the template is not linted and the reference is an `input/*` finding at its line.
- `Metadata: cfn-lint: config:` settings that load rules, specifications or files (`REFUSED_SETTINGS`) are
  `cloudformation/untrusted-config` warnings. cfn-lint takes them from a configuration file only, and validate
  gives it an empty one of its own, so they are never used; the warning says so where they are written.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from planforge.validate.base import Context, Finding, Severity
from planforge.validate.cloudformation.rules import NAME, UNTRUSTED_CONFIG
from planforge.validate.cloudformation.template import Parsed
from planforge.validate.inputs import TOO_COMPLEX, InputError, default_hint, outside_finding
from planforge.validate.manifests.limits import TooComplex, check_yaml, loads_json

NESTED = {"AWS::CloudFormation::Stack": "TemplateURL", "AWS::Serverless::Application": "Location"}
REMOTE = ("http://", "https://", "s3://")
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:")
REFUSED_SETTINGS = ("append_rules", "override_spec", "custom_rules", "registry_schemas", "parameter_files",
                    "deployment_files", "templates", "ignore_templates", "config_file", "output_file",
                    "merge_configs")


def template_config(data: Any) -> dict[str, Any]:
    """The template's `Metadata: cfn-lint: config:` mapping ({} when it has none)."""
    node: Any = data
    for key in ("Metadata", "cfn-lint", "config"):
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def config_findings(parsed: Parsed, shown: str) -> list[Finding]:
    """A warning per refused setting of the template's cfn-lint config, at its line."""
    return [Finding(NAME, UNTRUSTED_CONFIG, Severity.WARNING,
                    f"the template's cfn-lint config sets `{key}`: validate never loads rules, specifications or "
                    "files a repository names, so it is not used", shown,
                    parsed.line_of("Metadata", "cfn-lint", "config", key),
                    hint=f"remove `{key}` from the template's Metadata (run extra cfn-lint rules outside validate)")
            for key in template_config(parsed.data) if key in REFUSED_SETTINGS]


def nested_locations(parsed: Parsed) -> list[tuple[tuple[str, ...], str]]:
    """(where in the template, local path) for every nested template path cfn-lint may read."""
    resources = parsed.data.get("Resources") if isinstance(parsed.data, dict) else None
    found: list[tuple[tuple[str, ...], str]] = []
    for name, resource in (resources.items() if isinstance(resources, dict) else []):
        if not isinstance(resource, dict) or resource.get("Type") not in NESTED:
            continue
        key = NESTED[resource["Type"]]
        properties = resource.get("Properties")
        value = properties.get(key) if isinstance(properties, dict) else None
        found += [(("Resources", str(name), "Properties", key), text) for text in _strings(value)
                  if not text.startswith(REMOTE) and not _DYNAMIC_REFERENCE.search(text)]
    return found


def nested_path(template: Path, location: str) -> str:
    """Where cfn-lint looks for a nested template: the location joined to the template's directory."""
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(template)), location))


def nested_refusals(template: Path, parsed: Parsed, shown: str, ctx: Context) -> list[Finding]:
    """The nested template references cfn-lint must not follow, each at its line."""
    refusals: list[Finding] = []
    for where, location in nested_locations(parsed):
        refusal = _refusal(nested_path(template, location), location, shown, parsed.line_of(*where), ctx)
        if refusal is not None:
            refusals.append(refusal)
    return refusals


def _refusal(path: str, location: str, shown: str, line: int | None, ctx: Context) -> Finding | None:
    what = f"the nested template '{location}'"
    if not ctx.bounds.inside(path):
        return outside_finding(shown, line, what)
    try:
        info = ctx.bounds.check(path, what)
        if info is None or not os.path.isfile(path):
            return None  # missing: cfn-lint reads nothing
        text = ctx.bounds.read_text(path, what, errors="replace")
        loads_json(text) if text.lstrip().startswith("{") else check_yaml(text)
    except InputError as exc:
        return exc.finding(shown, line)
    except TooComplex as exc:
        return Finding("input", TOO_COMPLEX, Severity.ERROR, f"{what} is too complex to load: {exc}", shown, line,
                       hint=default_hint(TOO_COMPLEX))
    except (OSError, ValueError):
        return None  # unreadable or not JSON: cfn-lint skips it too
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
