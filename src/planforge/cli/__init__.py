"""Command line: argument parsing and the exit-code contract only; no logic.

Each command group lives in its own module exposing `register(subparsers)`; handlers
import their heavy dependencies lazily so `planforge validate --only schemas` never
imports Copier or the Kubernetes client.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from planforge import __version__
from planforge.errors import EXIT_USAGE, PlanforgeError

COMMAND_MODULES = ("planforge.cli.plan", "planforge.cli.new", "planforge.cli.validate", "planforge.cli.report",
                   "planforge.cli.reconcile")


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one sentence (its default) and never a traceback."""


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = _Parser(
        prog="planforge",
        description="Turn a spec-kit plan.md into a validated infrastructure repository.",
        epilog="Exit codes: 0 success; 1 refused plan, findings or update conflicts; 2 usage, I/O or missing-tool error.",
    )
    parser.add_argument("--version", action="version", version=f"planforge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except PlanforgeError as exc:
        print(f"planforge: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:  # planforge.render.staging.Interrupted carries SIGTERM/SIGHUP too
        print("planforge: interrupted", file=sys.stderr)
        for note in getattr(exc, "__notes__", ()):
            print(f"  {note}", file=sys.stderr)
        return 128 + getattr(exc, "signum", 2)
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input: one sentence unless debugging
        if os.environ.get("PLANFORGE_DEBUG"):
            raise
        print(
            f"planforge: internal error: {type(exc).__name__}: {exc} "
            "(set PLANFORGE_DEBUG=1 for a traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
