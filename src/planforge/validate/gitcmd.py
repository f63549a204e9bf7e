"""Running `git` on the validated repository without letting the repository's configuration run anything.

`.git/config` (and the files it includes) is part of what validate reads, and git runs programs it
names: `core.fsmonitor` on every command that looks at the work tree, a `filter.<driver>.clean` or
`.process` command for every file `.gitattributes` assigns to the driver, hooks (`post-index-change`)
under `core.hooksPath`, external diff and textconv commands. Every git command here runs with those
switched off on its command line (which wins over every configuration file and reaches the git
processes it starts), without the caller's `GIT_*` variables and `~/.gitconfig` (`toolenv`), and without
optional index writes.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from planforge.validate.toolenv import tool_env

TIMEOUT = 120.0  # seconds
NEUTRAL_CONFIG = (
    "core.fsmonitor=false", "core.hooksPath=/dev/null", "diff.external=", "core.pager=cat",
    # The repository is read only through the commands of this module, with every program it could name
    # switched off: its owner need not be the user running validate (a CI checkout in a container).
    "safe.directory=*",
)
DRIVER_COMMANDS = ("clean", "smudge", "process")
# Options of `git diff` that keep it from running diff drivers and from looking inside submodules (whose own
# configuration is not neutralized).
DIFF_OPTIONS = ("--no-ext-diff", "--no-textconv", "--ignore-submodules=all")


def run_git(cwd: Path, args: list[str]) -> str | None:
    """`git ARGS` in `cwd` with nothing of the repository's configuration run: its stdout, None when it failed."""
    base = ["git", *_config_options(NEUTRAL_CONFIG)]
    drivers = _filter_drivers(cwd, base)
    if drivers is None:
        return None
    switched_off = [setting for name in drivers for setting in
                    (*(f"filter.{name}.{command}=" for command in DRIVER_COMMANDS), f"filter.{name}.required=false")]
    return _run([*base, *_config_options(switched_off), *args], cwd)


def _filter_drivers(cwd: Path, base: list[str]) -> list[str] | None:
    """The filter driver names the configuration defines ([] when none; None when git cannot run)."""
    out = _run([*base, "config", "--null", "--name-only", "--get-regexp", r"^filter\."], cwd, ok=(0, 1))
    if out is None:
        return None
    return sorted({name.split(".", 1)[1].rsplit(".", 1)[0] for name in out.split("\0") if name.count(".") >= 2})


def _config_options(pairs: tuple[str, ...] | list[str]) -> list[str]:
    return [option for pair in pairs for option in ("-c", pair)]


def _run(cmd: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> str | None:
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False,
                              stdin=subprocess.DEVNULL, env=tool_env(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0"))
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode in ok else None
