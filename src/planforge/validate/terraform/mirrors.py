"""The provider filesystem mirrors Terraform installs from: which directories, the CLI configuration naming
them, and which versions they hold.

The mirrors come from the command line (`--terraform-plugin-mirror`, repeatable) or `PLANFORGE_TF_PLUGIN_MIRROR`
(paths separated by `os.pathsep`), never from `.planforge.yaml`: terraform runs the provider binaries they hold.
Each is unpacked (`<host>/<namespace>/<type>/<version>/<os>_<arch>/`) or packed
(`<host>/<namespace>/<type>/terraform-provider-<type>_<version>_<os>_<arch>.zip`). Terraform reads the
`filesystem_mirror` blocks as one source: a provider's versions are those of every mirror together, and the
package of the version it selects comes from the first mirror, in the order given, that has it.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from planforge.errors import UsageError
from planforge.validate.base import Settings
from planforge.validate.settings import KEYS, search_path

OPTION = "--terraform-plugin-mirror"
VARIABLE = KEYS["terraform_plugin_mirrors"][1][0]
HOSTS = ("registry.terraform.io/*/*", "registry.opentofu.org/*/*")


def plugin_mirrors(settings: Settings) -> list[Path]:
    """The mirrors in order, absolute and each once: the settings', else those of PLANFORGE_TF_PLUGIN_MIRROR (for
    callers that build their Settings themselves). A path that is not a directory is a UsageError naming it."""
    given = settings.terraform_plugin_mirrors or search_path(os.environ.get(VARIABLE, ""))
    mirrors: list[Path] = []
    for path in given:
        mirror = path.expanduser().resolve()
        if not mirror.is_dir():
            raise _not_a_mirror(mirror)
        if mirror not in mirrors:
            mirrors.append(mirror)
    return mirrors


def _not_a_mirror(path: Path) -> UsageError:
    state = "is not a directory" if path.exists() else "does not exist"
    return UsageError(f"the Terraform plugin mirror {path} (given with {OPTION} or {VARIABLE}) {state} (fix: name "
                      f"the directory that holds registry.terraform.io/; {OPTION} is repeatable, {VARIABLE} takes "
                      f"directories separated by '{os.pathsep}'; or leave it out)")


def provider_installation(mirrors: list[Path]) -> str:
    """The CLI configuration's `provider_installation`: one `filesystem_mirror` per mirror, in order, and no
    installation from a registry."""
    include = json.dumps(list(HOSTS))
    blocks = "".join(f"  filesystem_mirror {{\n    path    = {json.dumps(str(mirror))}\n    include = {include}\n  }}\n"
                     for mirror in mirrors)
    return f"provider_installation {{\n{blocks}}}\n"


def describe(mirrors: list[Path]) -> str:
    """"plugin mirror A" / "plugin mirrors A, B": where providers came from, for reasons and notes."""
    return f"plugin mirror{'s' if len(mirrors) > 1 else ''} {', '.join(map(str, mirrors))}"


def held_versions(mirrors: list[Path], provider: str) -> list[str]:
    """The versions of `provider` (`host/namespace/type`) the mirrors hold, unpacked or packed, oldest first."""
    held = {version for mirror in mirrors for version in _versions_in(mirror / provider)}
    return sorted(held, key=lambda v: [int(p) if p.isdigit() else -1 for p in re.split(r"[.+-]", v)])


def _versions_in(directory: Path) -> set[str]:
    """The versions in one mirror's directory of a provider: its version directories, else its packages' names."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return set()
    unpacked = {e.name for e in entries if e.is_dir()}
    if unpacked:
        return unpacked
    return {m.group(1) for e in entries if (m := re.match(r"[^_]+_([^_]+)_", e.name))}
