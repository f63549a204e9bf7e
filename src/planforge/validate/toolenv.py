"""The environment every external tool runs with: an allowlist of the caller's variables and a home of its own.

A tool's configuration can make it run programs: `~/.terraformrc` and `TF_CLI_CONFIG_FILE` (provider
installation), `HELM_PLUGINS` and Helm's config home (plugins, downloaders), `~/.ansible.cfg` and
`ANSIBLE_*` (plugins, vault password scripts, callbacks), `KUSTOMIZE_PLUGIN_HOME`, `GIT_*` and
`~/.gitconfig`. None of it reaches a tool: it sees `PASSED_VARIABLES` of the caller (where programs are,
the locale, the temporary directory, proxies and certificate authorities for the network access tools
need), a `HOME` (and XDG directories) of planforge's own, and the settings the caller of `tool_env`
gives. `PATH` loses its relative entries: tools run inside the repository, where `.` would find the
repository's programs first.
"""
from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

PASSED_VARIABLES = (
    "PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR",
)
PASSED_PREFIXES = ("LC_",)
XDG_DIRS = {"XDG_CONFIG_HOME": "config", "XDG_CACHE_HOME": "cache", "XDG_DATA_HOME": "data",
            "XDG_STATE_HOME": "state"}
_home_lock = threading.Lock()
_process_home: list[Path] = []


def tool_env(home: Path | None = None, **settings: str) -> dict[str, str]:
    """The environment of one tool run: the caller's PASSED_VARIABLES, `home` (default: a directory of this
    process, removed at exit) as HOME and XDG base, then `settings`."""
    home = home if home is not None else process_home()
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k in PASSED_VARIABLES or k.startswith(PASSED_PREFIXES)}
    env["PATH"] = safe_path(env.get("PATH", os.defpath))
    env["HOME"] = str(home)
    env.update({name: str(home / sub) for name, sub in XDG_DIRS.items()})
    env.update(settings)
    return env


def which(name: str) -> str | None:
    """`shutil.which` on the caller's PATH without its relative entries (planforge may run inside the repository,
    where `.` would find a `terraform` the repository ships)."""
    return shutil.which(name, path=safe_path(os.environ.get("PATH", os.defpath)))


def find_binary(name: str) -> str | None:
    """`name` on PATH (`which`), else next to the running Python interpreter (a virtual environment's bin/, where
    pip puts the console scripts of Python tools such as ansible-lint and cfn-lint)."""
    found = which(name)
    if found is not None:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def safe_path(value: str) -> str:
    """`PATH` without its empty and relative entries (each means a directory relative to the tool's cwd)."""
    return os.pathsep.join(entry for entry in value.split(os.pathsep) if os.path.isabs(entry))


def use_process_home(home: Path) -> None:
    """Make `home` this process's tool home (created) unless it has one: a worker process, which ends without
    running `atexit`, takes one inside its run's scratch directory, removed with it."""
    with _home_lock:
        if not _process_home:
            home.mkdir(parents=True, exist_ok=True)
            _process_home.append(home)


def process_home() -> Path:
    """An empty directory of this process for tools run outside a validation's scratch directory."""
    with _home_lock:
        if not _process_home:
            home = Path(tempfile.mkdtemp(prefix="planforge-home-")).resolve()
            atexit.register(shutil.rmtree, home, ignore_errors=True)
            _process_home.append(home)
        return _process_home[0]
