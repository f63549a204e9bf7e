"""`planforge report merge`: argument parsing and exit codes only; the work is in planforge.report.merge."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from planforge.errors import UsageError

FORMATS = ("text", "json", "junit", "sarif")

EPILOG = """\
Inputs are `planforge validate --format json` reports, e.g. one per CI shard. A check present in
several inputs is kept once when the runs agree on it; a disagreement is refused.
Exit codes: 0 no errors in the merged checks; 1 errors (as validate); 2 unreadable or conflicting reports."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("report", help="work with validation reports (merge shard reports)",
                                   description="Work with `planforge validate` reports.")
    commands = parser.add_subparsers(dest="report_command", metavar="COMMAND", required=True)
    merge = commands.add_parser(
        "merge", help="combine JSON reports of validation shards into one report",
        description="Combine JSON reports of validation shards into one report (summary recomputed).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    merge.add_argument("reports", nargs="+", metavar="REPORT.json", help="a `planforge validate --format json` report")
    merge.add_argument("--format", default="text", choices=FORMATS, help="text (default), json, junit or sarif")
    merge.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE (default: stdout)")
    merge.add_argument("--sarif-category", metavar="ID",
                       help="SARIF runs[].automationDetails.id, e.g. planforge/ (default: none)")
    merge.add_argument("-v", "--verbose", action="store_true", help="list passed checks and show tool output")
    merge.set_defaults(func=main)
    return parser


def main(args: argparse.Namespace) -> int:
    from planforge.report import ReportMeta, exit_code, render
    from planforge.report.merge import merge_reports, read_report
    from planforge.report.text import summary_line
    from planforge.validate.validator_choice import rule_descriptions

    merged = merge_reports([read_report(path) for path in args.reports])
    code = exit_code(merged.checks)
    meta = ReportMeta(paths=merged.paths, elapsed=merged.elapsed, kube_version=merged.kube_version,
                      strict=merged.strict, verbose=args.verbose, rules=rule_descriptions(), exit_code=code,
                      notices=merged.notices, sarif_category=args.sarif_category)
    text = render(args.format, merged.checks, meta)
    if args.output and args.output != "-":
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write the report to {args.output}: {exc.strerror}.") from None
        print(summary_line(merged.checks, merged.elapsed), file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return code
