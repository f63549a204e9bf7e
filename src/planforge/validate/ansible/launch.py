"""How an Ansible tool starts: in the sandbox (`sandbox`), with planforge's configuration (`config`), in a
`toolenv` environment whose homes are below the run's scratch directory.

`ansible-playbook` and `ansible-lint` are Python console scripts: each runs as `PYTHON -s sandbox.py SCRIPT
ARGS` with the interpreter its `#!` line names. The Ansible commands ansible-lint starts itself (its own
syntax check, `ansible-config`) are found on PATH first in a directory of shims that start them the same way.
"""
from __future__ import annotations

import os
import shlex
import threading
from pathlib import Path

from planforge.validate.ansible.config import own_config
from planforge.validate.ansible.discovery import Tree
from planforge.validate.base import Context
from planforge.validate.gitcmd import NEUTRAL_CONFIG
from planforge.validate.toolenv import tool_env, which

SANDBOX = Path(__file__).with_name("sandbox.py")
SHIMMED = ("ansible-playbook", "ansible", "ansible-config", "ansible-galaxy", "ansible-doc", "ansible-inventory")
SHEBANG_LIMIT = 4096  # bytes of a script read to find its interpreter


class NotSandboxable(Exception):
    """The tool is not a Python script whose interpreter can be found: it cannot run in the sandbox."""


def sandboxed(cmd: list[str]) -> list[str]:
    """`cmd` (a Python console script and its arguments) as run inside the sandbox."""
    return [interpreter(cmd[0]), "-s", str(SANDBOX), *cmd]


def interpreter(script: str) -> str:
    """The Python of a console script: its `#!` line (`#!/usr/bin/env python3` looked up on PATH)."""
    try:
        with open(script, "rb") as handle:
            first = handle.read(SHEBANG_LIMIT).split(b"\n", 1)[0]
    except OSError as exc:
        raise NotSandboxable(f"cannot read {script}: {exc.strerror}") from None
    words = first[2:].decode("utf-8", "replace").split() if first.startswith(b"#!") else []
    if words and Path(words[0]).name == "env":
        words = words[1:]
    found = which(words[0]) if words else None
    if found is None or "python" not in Path(words[0]).name:
        raise NotSandboxable(f"{script} is not a Python script (planforge runs Ansible's tools in a sandbox)")
    return found


def ansible_env(ctx: Context, tree: Tree, binary: str) -> dict[str, str]:
    """No user ANSIBLE_* setting, config file or home: planforge's own configuration, every write below the
    scratch directory, collections from `--ansible-collections` and the tree's honoured `collections_path`."""
    home = ctx.workdir / "ansible"
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    trusted = [ctx.settings.ansible_collections] if ctx.settings.ansible_collections else []
    collections = [*trusted, *tree.collections_paths, home / "collections"]
    shims = _shims(home, binary)
    untrusted = [*ctx.bounds.roots, str(home)]
    git = which("git")
    env = tool_env(
        home, ANSIBLE_CONFIG=str(own_config(home, tree.path, tree.honoured.paths)), ANSIBLE_HOME=str(home),
        ANSIBLE_LOCAL_TEMP=str(home / "tmp"), ANSIBLE_REMOTE_TEMP=str(home / "remote-tmp"),
        ANSIBLE_COLLECTIONS_PATH=os.pathsep.join(str(p) for p in collections),
        ANSIBLE_GALAXY_CACHE_DIR=str(home / "galaxy-cache"), ANSIBLE_NOCOLOR="1", NO_COLOR="1",
        ANSIBLE_FORCE_COLOR="0", TMPDIR=str(home / "tmp"), PLANFORGE_SANDBOX_UNTRUSTED=os.pathsep.join(untrusted),
        PLANFORGE_SANDBOX_READABLE=os.pathsep.join([*ctx.bounds.roots, str(home), *map(str, trusted)]),
        PLANFORGE_SANDBOX_PROGRAMS=os.pathsep.join([*shims, *([git] if git else [])]),
        **_git_config(),
    )
    env["PATH"] = os.pathsep.join([str(home / "bin"), str(Path(binary).parent), env["PATH"]])
    return env


def _shims(home: Path, binary: str) -> list[str]:
    """Write the shims of the Ansible commands beside `binary` (once per run) and return their paths."""
    directory = home / "bin"
    directory.mkdir(parents=True, exist_ok=True)
    shims: list[str] = []
    for name in SHIMMED:
        real = Path(binary).parent / name
        if not real.is_file():
            continue
        shim = directory / name
        if not shim.is_file():
            command = shlex.join(sandboxed([str(real)]))
            temporary = directory / f".{name}.{os.getpid()}.{threading.get_ident()}"
            temporary.write_text(f'#!/bin/sh\nexec {command} "$@"\n', encoding="utf-8")
            temporary.chmod(0o755)
            temporary.replace(shim)
        shims.append(os.path.realpath(shim))
    return shims


def _git_config() -> dict[str, str]:
    """`git -c` settings as environment (git started by ansible-lint: `git ls-files` in the tree)."""
    env = {"GIT_CONFIG_COUNT": str(len(NEUTRAL_CONFIG)), "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    for index, pair in enumerate(NEUTRAL_CONFIG):
        key, value = pair.split("=", 1)
        env[f"GIT_CONFIG_KEY_{index}"], env[f"GIT_CONFIG_VALUE_{index}"] = key, value
    return env
