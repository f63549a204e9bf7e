"""Run an Ansible command-line tool (`ansible-playbook`, `ansible-lint`) so that nothing from the repository runs.

Usage: PYTHON -s sandbox.py SCRIPT ARGS..., with the interpreter of SCRIPT (its shebang), and in the
environment (os.pathsep-separated lists):

* `PLANFORGE_SANDBOX_UNTRUSTED`: directories whose Python code never runs;
* `PLANFORGE_SANDBOX_READABLE`: the directories Ansible may load playbooks, tasks, variables and inventories from;
* `PLANFORGE_SANDBOX_PROGRAMS`: the only programs the tool may start (absolute paths).

Before SCRIPT runs, an audit hook (it cannot be removed, and sees every import and process start of the
interpreter) refuses:

* executing Python code from a file below an untrusted directory (symlinks resolved), unless it belongs to
  the interpreter's own installation (its `sys.path` at start): plugins and modules
  a tree ships (`filter_plugins/`, `library/`, a role's or a collection's plugins, an `ansible-lint`
  rules directory), which Ansible imports by itself and `ansible-lint` executes to read argument specs;
* starting any program but the allowed ones: inventory scripts, vault password scripts, the shell of the
  `pipe` lookup.

Every lookup plugin (`pipe`, `file`, `password`, ...) fails: a template in a playbook is evaluated while
the playbook loads (import paths, `vars_files`, role names) and a lookup would run a command or read a file
the repository names. Ansible's file loader reads nothing outside the readable directories (a templated
import path cannot reach them either). A refusal is an error Ansible reports with the file and line it
came from.

This file is run by path with Ansible's interpreter: it imports nothing from planforge.
"""
from __future__ import annotations

import os
import runpy
import shutil
import sys
from typing import Any

REFUSED = "refused by planforge validate, which runs nothing from the repository"
SPAWN_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile")


class Refused(RuntimeError):
    """What the repository asked for would run its code."""


def _paths(name: str) -> list[str]:
    return [os.path.realpath(p) for p in os.environ.get(name, "").split(os.pathsep) if p]


UNTRUSTED = _paths("PLANFORGE_SANDBOX_UNTRUSTED")
READABLE = _paths("PLANFORGE_SANDBOX_READABLE")
PROGRAMS = set(_paths("PLANFORGE_SANDBOX_PROGRAMS"))
INSTALLED: list[str] = []  # set by main()


def _below(path: str, roots: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _program(event: str, args: tuple[Any, ...]) -> str | None:
    """The program a process-start event names (resolved on the child's PATH), or None when it names none."""
    if event == "subprocess.Popen":
        executable, argv, _, env = args
        name = executable or (argv[0] if isinstance(argv, (list, tuple)) and argv else argv)
        search = (env or os.environ).get("PATH") if isinstance(env, dict) else os.environ.get("PATH")
    elif event == "os.system":
        return "/bin/sh"
    else:
        name, search = args[0], os.environ.get("PATH")
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not isinstance(name, (str, os.PathLike)):
        return None
    name = os.fspath(name)
    found = name if os.sep in name else shutil.which(name, path=search)
    return os.path.realpath(found) if found else name


def _installed() -> list[str]:
    """The directories this interpreter imports from (standard library, site-packages): the caller's own
    installation, trusted even when it lies below a validated path (a virtual environment in the repository)."""
    return [os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)]


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "exec":
        filename = getattr(args[0], "co_filename", "")
        if filename and os.path.isabs(filename) and _below(filename, UNTRUSTED) and not _below(filename, INSTALLED):
            raise Refused(f"importing {filename}: {REFUSED}")
    elif event in SPAWN_EVENTS:
        program = _program(event, args)
        if program is None or program not in PROGRAMS:
            raise Refused(f"starting {program or 'a program'}: {REFUSED}")


def _refuse_lookups() -> None:
    from ansible.errors import AnsibleError
    from ansible.plugins import loader

    def refused(name: Any, *args: Any, **kwargs: Any) -> Any:
        raise AnsibleError(f"the lookup {name!r} is {REFUSED} (a lookup runs commands or reads files)")

    for method in ("get", "get_with_context", "find_plugin", "find_plugin_with_context"):
        if not hasattr(loader.lookup_loader, method):
            raise SystemExit(f"planforge: this Ansible has no lookup_loader.{method}: cannot check it safely")
        setattr(loader.lookup_loader, method, refused)


def _bound_file_loader() -> None:
    from ansible.errors import AnsibleParserError
    from ansible.parsing.dataloader import DataLoader

    for method in ("_get_file_contents", "get_real_file"):
        original = getattr(DataLoader, method, None)
        if original is None:
            raise SystemExit(f"planforge: this Ansible has no DataLoader.{method}: cannot check it safely")
        setattr(DataLoader, method, _bounded(original, AnsibleParserError))


def _bounded(original: Any, error: type[Exception]) -> Any:
    def read(self: Any, file_name: Any, *args: Any, **kwargs: Any) -> Any:
        path = self.path_dwim(file_name) if isinstance(file_name, str) else file_name
        if isinstance(path, str) and not _below(path, READABLE) and not _below(path, INSTALLED):
            raise error(f"{file_name} resolves outside the validated paths: not read ({REFUSED})")
        return original(self, file_name, *args, **kwargs)

    return read


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]  # this directory holds no Ansible
    script, sys.argv = sys.argv[1], sys.argv[1:]
    INSTALLED.extend(_installed())
    _refuse_lookups()  # imports Ansible's plugin loader first: loading it runs ldconfig (ctypes.util)
    _bound_file_loader()
    sys.addaudithook(_audit)
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
