"""`planforge validate`: argument parsing and exit codes only; the work is in planforge.validate.runner.

Every option that takes a value takes exactly one and may be repeated; options and paths mix
freely (`planforge validate a --skip X b --skip Y`). Imports are lazy: `--only schemas` never
imports Copier, the Kubernetes client or python-hcl2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planforge.errors import UsageError

if TYPE_CHECKING:
    from planforge.validate.base import Settings

FORMATS = ("text", "json", "junit", "sarif")
ENGINES = ("auto", "embedded", "kubeconform")

EPILOG = """\
Settings come from the command line, then PLANFORGE_* environment variables, then
--config FILE or .planforge.yaml in the first PATH that is a directory (see docs/settings.md).
Exit codes: 0 no errors; 1 errors found (or a PATH does not exist); 2 usage or tool error."""


class _Intermixed:
    """Parse options and positionals in any order (argparse's intermixed parsing, subparser-safe)."""

    _mixing = False

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        if self._mixing:
            return super().parse_known_args(args, namespace)  # type: ignore[misc]
        self._mixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)  # type: ignore[attr-defined]
        finally:
            self._mixing = False


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "validate",
        help="validate a repository: Terraform, Helm, Kustomize, schemas, policy, Argo CD, Flux, Ansible, "
             "CloudFormation, Pulumi, wiring",
        description="Validate infrastructure repositories (directories, files, or - for manifests on stdin).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.__class__ = type("ValidateParser", (_Intermixed, type(parser)), {})
    add_arguments(parser)
    parser.set_defaults(func=main)
    return parser


def only_help() -> str:
    """`--only`'s help, from the registry: which validators exist and which run without --only."""
    from planforge.validate.registry import DEFAULT_VALIDATORS, VALIDATOR_NAMES

    named = [n for n in VALIDATOR_NAMES if n not in DEFAULT_VALIDATORS]
    return (f"comma-separated validators: {','.join(VALIDATOR_NAMES)} (default: "
            + (f"all but {', '.join(named)}, which run only when named)" if named else "all of them)"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    one = {"action": "append", "default": None}
    parser.add_argument("paths", nargs="*", metavar="PATH", help="directory, file, or - for stdin (default: .)")
    parser.add_argument("--only", metavar="NAMES", **one, help=only_help())
    parser.add_argument("--format", metavar="FORMAT", **one, help="text (default), json, junit or sarif")
    parser.add_argument("-o", "--output", metavar="FILE", **one, help="write the report to FILE (default: stdout)")
    parser.add_argument("--sarif-category", metavar="ID", **one,
                        help="SARIF runs[].automationDetails.id (default with --shard I/N: planforge/shard-I-of-N/)")
    parser.add_argument("-j", "--jobs", metavar="N", **one, help="validations run at once (default: CPU count)")
    parser.add_argument("--memory-budget", metavar="MIB", **one,
                        help="memory for concurrent terraform validations (default: half the machine's memory)")
    parser.add_argument("--kube-version", metavar="VERSION", **one, help="Kubernetes version for schemas (1.29)")
    parser.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None,
                        help="unknown fields and duplicate keys are errors; helm lint --strict")
    parser.add_argument("--fail-on-skip", action=argparse.BooleanOptionalAction, default=None,
                        help="every skipped check is an error")
    parser.add_argument("--terraform-plugin-mirror", metavar="DIR", **one,
                        help="Terraform provider filesystem mirror, packed or unpacked (repeatable; else "
                             "PLANFORGE_TF_PLUGIN_MIRROR, several separated by ':')")
    parser.add_argument("--terraform-aggregate", action=argparse.BooleanOptionalAction, default=None,
                        help="validate Terraform roots sharing a provider set in one terraform validate "
                             "(default; --no-terraform-aggregate: one per root)")
    parser.add_argument("--ansible-collections", metavar="DIR", **one,
                        help="installed Ansible collections (else PLANFORGE_ANSIBLE_COLLECTIONS)")
    parser.add_argument("--cloudformation-region", metavar="REGION", **one,
                        help="AWS region cfn-lint checks CloudFormation templates for (repeatable, or A,B; "
                             "default: us-east-1)")
    parser.add_argument("--schema-engine", metavar="ENGINE", **one, help="auto (default), embedded or kubeconform")
    parser.add_argument("--schema-location", metavar="LOC", **one,
                        help="extra schema location: path, URL or kubeconform template (repeatable)")
    parser.add_argument("--ignore-missing-schemas", action=argparse.BooleanOptionalAction, default=None,
                        help="a kind without a schema is skipped instead of an error")
    parser.add_argument("--skip", metavar="KIND", **one, help="ignore Kind or group/version/Kind (repeatable)")
    parser.add_argument("--reject", metavar="KIND", **one, help="fail on Kind or group/version/Kind (repeatable)")
    parser.add_argument("--ignore-filename-pattern", metavar="RE", **one,
                        help="skip files whose path matches RE (repeatable)")
    parser.add_argument("--allow-outside", metavar="PATH", **one,
                        help="trust PATH outside the validated paths: symlinks and references may resolve there "
                             "(repeatable)")
    parser.add_argument("--max-file-size", metavar="MIB", **one,
                        help="larger files and tool outputs are not read (default: 16)")
    parser.add_argument("--no-waivers", action="store_true", default=None,
                        help="ignore policy waivers (annotations and .planforge.yaml): report every finding")
    parser.add_argument("--policy-profile", metavar="NAME", **one,
                        help="the policy rules checked: restricted (default: every rule) or baseline (the baseline Pod "
                             "Security Standard, access, secrets and images: the profile to start from)")
    parser.add_argument("--config", metavar="FILE", **one,
                        help="read settings from FILE instead of .planforge.yaml of the first PATH (same rules)")
    parser.add_argument("--baseline", metavar="FILE", **one,
                        help="do not report findings recorded in FILE (--write-baseline); new ones still fail. Take "
                             "FILE from the base branch, never from the change under review (docs/settings.md)")
    parser.add_argument("--write-baseline", metavar="FILE", **one,
                        help="record this run's errors and warnings in FILE and exit 0 (the report is printed as usual)")
    parser.add_argument("-v", "--verbose", action="store_true", default=None,
                        help="list passed checks and show tool output and diffs")
    parser.add_argument("--list-units", action="store_true",
                        help="print the validation units this run would validate as JSON (docs/units.md), and stop")
    parser.add_argument("--changed-since", metavar="REF", **one,
                        help="validate only units whose files or dependencies changed since the git REF")
    parser.add_argument("--shard", metavar="I/N", **one,
                        help="validate shard I of N: a deterministic, balanced share of the units")
    parser.add_argument("--repository-checks", action="store_true",
                        help="run only the repository-wide checks (policy/default-deny over every document), which "
                             "--changed-since and --shard runs leave out")
    parser.add_argument("--no-cache", action="store_true",
                        help="validate every unit again instead of reusing results of unchanged ones")


def _last(values: list[str] | None) -> str | None:
    return values[-1] if values else None


def _kinds(values: list[str] | None) -> list[str] | None:
    """--skip A,B --skip C -> [A, B, C] (kubeconform's comma lists, repeated)."""
    if values is None:
        return None
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _choice(option: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is not None and value not in choices:
        raise UsageError(f"{option} must be one of {', '.join(choices)}, not '{value}'.")
    return value


def cli_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Settings given on the command line (None = not given)."""
    return {
        "kube_version": _last(args.kube_version),
        "strict": args.strict,
        "fail_on_skip": args.fail_on_skip,
        "jobs": _last(args.jobs),
        "memory_budget": _last(args.memory_budget),
        "terraform_plugin_mirrors": args.terraform_plugin_mirror,
        "terraform_aggregate": args.terraform_aggregate,
        "ansible_collections": _last(args.ansible_collections),
        "cloudformation_regions": _kinds(args.cloudformation_region),
        "schema_engine": _choice("--schema-engine", _last(args.schema_engine), ENGINES),
        "schema_locations": args.schema_location,
        "ignore_missing_schemas": args.ignore_missing_schemas,
        "skip_kinds": _kinds(args.skip),
        "reject_kinds": _kinds(args.reject),
        "ignore_filename_patterns": args.ignore_filename_pattern,
        "verbose": args.verbose,
        "allow_outside": args.allow_outside,
        "max_file_size": _last(args.max_file_size),
        "no_waivers": args.no_waivers,
        "policy_profile": _last(args.policy_profile),
        "baseline": _last(args.baseline),
    }


def sarif_category(args: argparse.Namespace) -> str | None:
    """--sarif-category, else one per shard so code scanning keeps the shards' results apart."""
    category = _last(args.sarif_category)
    shard = getattr(args, "shard", None)  # --shard I/N, from the units options
    if category is None and shard:
        shard = shard[-1] if isinstance(shard, list) else str(shard)
        category = f"planforge/shard-{shard.replace('/', '-of-')}/"
    return category


def _schema_version_notices(settings: Settings) -> list[str]:
    """A Kubernetes version outside the packaged schema range is validated against the nearest packaged
    version, said in the report; unless --schema-location entries are given (they serve that version)."""
    from planforge.validate.schemas.locations import nearest_packaged_version

    nearest = None if settings.schema_locations else nearest_packaged_version(settings.kube_version)
    if nearest is None:
        return []
    asked, settings.kube_version = settings.kube_version, nearest
    return [f"Kubernetes {asked} is outside the packaged schema range: validated against the nearest packaged "
            f"version, {nearest} (give --schema-location with {asked} schemas to validate against them)"]


def main(args: argparse.Namespace) -> int:
    import io
    import json
    import time

    from planforge.report import ReportMeta, render
    from planforge.report.progress import TerminalProgress
    from planforge.report.text import summary_line
    from planforge.validate.baseline import load_baseline
    from planforge.validate.runner import exit_code, list_units, run_validation
    from planforge.validate.settings import resolve_settings
    from planforge.validate.unit_selection import Selection, parse_shard
    from planforge.validate.validator_choice import parse_only, rule_descriptions

    fmt = _choice("--format", _last(args.format), FORMATS) or "text"
    only = parse_only(args.only) if args.only else None
    paths = args.paths or ["."]
    if paths.count("-") > 1:
        raise UsageError("stdin (-) can be given only once.")
    config = _last(args.config)
    settings = resolve_settings(cli_settings(args), paths=paths, settings_file=Path(config) if config else None)
    notices = _schema_version_notices(settings) + _profile_notices(settings, only)
    if settings.terraform_plugin_mirrors:  # the terraform package is imported only when there is terraform work
        from planforge.validate.terraform.mirrors import plugin_mirrors

        plugin_mirrors(settings)  # a mirror that is not a directory is a usage error before anything runs
    output = _last(args.output)
    baseline = load_baseline(settings.baseline, settings.max_file_size) if settings.baseline else None

    shard = _last(args.shard)
    selection = Selection(_last(args.changed_since), parse_shard(shard) if shard else None, not args.no_cache,
                          args.repository_checks)
    if args.list_units and args.repository_checks:
        raise UsageError("--list-units lists validation units; --repository-checks runs no unit: give one of them.")
    if args.list_units:
        units = list_units(paths, settings, only, selection)
        _write(output, json.dumps({"version": 1, "units": [u.as_json() for u in units]}, indent=2) + "\n")
        return 0
    start = time.perf_counter()
    # Per-unit progress only for a text report on standard output (and only when stderr is a terminal).
    progress = TerminalProgress(sys.stderr if fmt == "text" and (not output or output == "-") else io.StringIO())
    cached: list[str] = []
    try:
        checks = run_validation(paths, settings, only, progress=progress, selection=selection, notes=cached)
    finally:
        progress.close()
    elapsed = time.perf_counter() - start
    written = _last(args.write_baseline)
    notices.extend(_baseline_notices(checks, written, settings.baseline, baseline))
    if settings.verbose:
        notices.extend(cached)
    if any(c.validator == "terraform" for c in checks):
        from planforge.validate.terraform.cli import opentofu_fallback

        fallback = opentofu_fallback(settings)
        if fallback:
            notices.append(fallback)
    code = 0 if written else exit_code(checks)
    meta = ReportMeta(paths=paths, elapsed=elapsed, kube_version=settings.kube_version, strict=settings.strict,
                      verbose=settings.verbose, rules=rule_descriptions(), exit_code=code, notices=notices,
                      sarif_category=sarif_category(args))
    _write(output, render(fmt, checks, meta))
    if output and output != "-":
        print(summary_line(checks, elapsed), file=sys.stderr)
    return code


def _profile_notices(settings: Any, only: list[str] | None) -> list[str]:
    """A profile other than restricted leaves rules unchecked: the report says which, every run."""
    from planforge.validate.policy.core import DEFAULT_PROFILE, RULES, profile

    if settings.policy_profile == DEFAULT_PROFILE or (only is not None and "policy" not in only):
        return []
    unchecked = sorted(rule.removeprefix("policy/") for rule in RULES.keys() - profile(settings.policy_profile).rules)
    notice = (f"policy profile {settings.policy_profile}: {len(unchecked)} rules of the {DEFAULT_PROFILE} profile are "
              f"not checked ({', '.join(unchecked)}); docs/policy.md \"Profiles\"")
    print(f"planforge: {notice}", file=sys.stderr)  # every format: SARIF and JUnit carry no notices
    return [notice]


def _baseline_notices(checks: list, written: str | None, path: Path | None, baseline: Any) -> list[str]:
    """Write the baseline (--write-baseline) and apply the loaded one (--baseline), each said in the report and
    on standard error (a SARIF report has no place a reader sees it)."""
    from planforge.validate.baseline import apply_baseline, write_baseline

    notices = []
    if written:
        notices.append(f"baseline written to {written}: {write_baseline(Path(written), checks)} finding(s) recorded")
    if baseline is not None:
        notices.append(f"baseline {path}: {apply_baseline(checks, baseline)} finding(s) suppressed (recorded "
                       "there); every other finding is new")
    for notice in notices:
        print(f"planforge: {notice}", file=sys.stderr)
    return notices


def _write(output: str | None, text: str) -> None:
    """The report (or unit list) to `-o FILE`, else to standard output."""
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write the report to {output}: {exc.strerror}.") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()

