"""`planforge plan show PLAN`, `planforge plan check PLAN ...` and `planforge answers PLAN`.

Exit codes: 0 ready; 1 refused (each blocking problem as `file:line: field: message`), or with
`check --strict` anything not applied (each as `file:line: not applied: text: why`); 2 usage or I/O error. The --json schema of `plan show` is documented in docs/plan-json.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from planforge.errors import EXIT_FINDINGS, EXIT_OK, PlanforgeError, RefusedError, UsageError
from planforge.plan.templates import FLAVOUR_DEFAULTS

if TYPE_CHECKING:
    from planforge.decide.answers import Decided

JSON_SCHEMA_VERSION = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    plan = subparsers.add_parser("plan", help="read a plan.md and show or check the decisions",
                                 description="Read a spec-kit plan.md and show or check what planforge decides from it.")
    plan_sub = plan.add_subparsers(dest="plan_command", metavar="SUBCOMMAND")
    show = plan_sub.add_parser("show", help="the parsed plan and every decision with its provenance",
                               description="Print the parsed plan and every decision with the plan line it came from.")
    show.add_argument("plan", metavar="PLAN", help="path to plan.md")
    show.add_argument("--json", action="store_true", help="machine-readable output (schema: docs/plan-json.md)")
    show.set_defaults(func=_show)
    check = plan_sub.add_parser("check", help="exit 0 when the plan is ready, 1 when it is refused",
                                description="Check a plan: exit 0 ready, 1 refused (blocking problems listed), 2 usage/IO. "
                                "What the plan states and the repository would not carry is listed as not applied.")
    check.add_argument("plans", nargs="+", metavar="PLAN", help="path to plan.md (several: each is checked; "
                       "the exit code is the worst)")
    check.add_argument("--strict", action="store_true", help="exit 1 when anything the plan states is not applied")
    check.set_defaults(func=_check)
    init = plan_sub.add_parser("init", help="write a plan to start from (a spec-kit flavour's plan template)",
                               description="Write a plan skeleton from a spec-kit flavour's plan template, with the "
                               "values planforge reads listed under its title; fill it in, then run `planforge plan check`.")
    init.add_argument("file", nargs="?", default="plan.md", metavar="FILE",
                      help="where to write the plan (default: plan.md; - for standard output)")
    init.add_argument("--flavour", choices=sorted(FLAVOUR_DEFAULTS), help="the spec-kit flavour (default: specops)")
    init.add_argument("--template", metavar="NAME", help="a template by name (--list shows them)")
    init.add_argument("--list", action="store_true", help="list the plan templates and exit")
    init.add_argument("--force", action="store_true", help="overwrite FILE when it exists")
    init.set_defaults(func=_init)
    plan.set_defaults(func=lambda args: _usage(plan))

    answers = subparsers.add_parser("answers", help="write the answers as a Copier data file (YAML)",
                                    description="Decide the answers for a plan and write them as a Copier data file.")
    answers.add_argument("plan", metavar="PLAN", help="path to plan.md")
    answers.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    answers.add_argument("--repo-url", metavar="URL",
                         help="Git URL the ArgoCD Applications point at (as `planforge new --repo-url`)")
    answers.set_defaults(func=_answers)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _load(path: str):
    from planforge.plan import parse_plan

    return parse_plan(path)


def _with_tree_files(decided: Decided) -> Decided:
    """`decided` with the plan's tree files the configured template does not render reported (render.tree_files);
    when that template cannot be rendered here (a remote one, offline), as it is, with a warning saying so."""
    from planforge.render import resolve_template
    from planforge.render.tree_files import account_tree_files

    try:
        return account_tree_files(decided, resolve_template(None, None))
    except UsageError as exc:
        print(f"warning: the plan's tree files were not checked against the template: {exc}", file=sys.stderr)
        return decided


def _show(args: argparse.Namespace) -> int:
    from planforge.decide import decide

    plan = _load(args.plan)
    decided, error = None, None
    try:
        decided = _with_tree_files(decide(plan))
    except RefusedError as exc:
        error = exc
    if args.json:
        print(json.dumps(plan_json(plan, decided, error), indent=2, ensure_ascii=False))
    else:
        _print_text(plan, decided, error)
    return EXIT_OK if error is None else EXIT_FINDINGS


def _init(args: argparse.Namespace) -> int:
    from planforge.plan import templates

    if args.list:
        for name in templates.template_names():
            print(name)
        return EXIT_OK
    text = templates.skeleton(templates.choose(args.flavour, args.template))
    if args.file == "-":
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with open(args.file, "w" if args.force else "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"{args.file} exists (fix: name another FILE, or --force to overwrite it)") from None
    except OSError as exc:
        raise UsageError(f"cannot write {args.file}: {exc.strerror or exc}") from None
    print(f"wrote {args.file}: replace its [bracketed placeholders], then run: planforge plan check {args.file}",
          file=sys.stderr)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    return max(_check_one(path, args.strict) for path in args.plans)


def _check_one(path: str, strict: bool) -> int:
    from planforge.decide import decide

    plan = _load(path)
    try:
        decided = _with_tree_files(decide(plan))
    except RefusedError as exc:
        for problem in exc.problems:
            print(problem.render())
        for warning in getattr(exc, "warnings", []):
            print(f"warning: {warning}", file=sys.stderr)
        print(f"refused: {len(exc.problems)} blocking problem(s)", file=sys.stderr)
        return EXIT_FINDINGS
    for warning in decided.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for item in decided.not_applied:
        print(f"{plan.source}:{item.line}: not applied: {item.text}: {item.why}")
    for unit in decided.model.added():
        print(f"{plan.source}: added: {unit.id}: {unit.provenance.describe()}")
    a = decided.answers
    unapplied = len(decided.not_applied)
    print(f"{plan.source}: ready: {a.structure} ({', '.join(a.blueprints)})" +
          (f"; {unapplied} statement(s) of the plan not applied, listed above (`--strict` fails on them)"
           if unapplied else ""))
    if strict and decided.not_applied:
        print(f"strict: {len(decided.not_applied)} statement(s) of the plan not applied", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def _answers(args: argparse.Namespace) -> int:
    import yaml

    from planforge.decide import decide

    from planforge.decide.answer_rules import check_answers
    from planforge.layout import copier_data
    from planforge.plan.credentials import refuse_credential_in_url

    refuse_credential_in_url(args.repo_url, "--repo-url")
    decided = _with_tree_files(decide(_load(args.plan)))
    if args.repo_url is not None:
        decided = decided.override("repo_url", args.repo_url, "--repo-url")
    problems = check_answers(decided.answers, decided.provenance, args.plan)
    if problems:
        raise RefusedError(f"{args.plan}: the answers cannot be rendered", problems)
    for warning in decided.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    text = yaml.safe_dump(copier_data(decided.answers), sort_keys=False, allow_unicode=True)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _field_json(f) -> dict[str, Any]:
    return {"label": f.label, "key": f.key, "value": f.value, "line": f.line, "unresolved": f.unresolved}


def plan_json(plan, decided, error: PlanforgeError | None) -> dict[str, Any]:
    """The stable `plan show --json` document (docs/plan-json.md)."""
    h = plan.header
    doc: dict[str, Any] = {
        "schema_version": JSON_SCHEMA_VERSION,
        "source": plan.source,
        "status": "ready" if error is None else "refused",
        "plan": {
            "title": h.title,
            "family": h.family,
            "branch": h.branch.plain if h.branch else None,
            "date": h.date.plain if h.date else None,
            "spec": h.spec.value if h.spec else None,
            "fields": [_field_json(f) for f in plan.fields],
            "components": [
                {"name": r.name, "required": r.required, "notes": r.notes, "line": r.line} for r in plan.components
            ],
            "custom_applications": _field_json(plan.custom_applications) if plan.custom_applications else None,
            "constitution": [
                {"principle": i.principle, "text": i.text, "checked": i.checked, "line": i.line} for i in plan.constitution
            ],
            "structure_paths": [
                {"path": p.path, "line": p.line} for t in plan.trees if not t.is_documentation for p in t.paths
            ],
            "structure_decision": _field_json(plan.structure_decision) if plan.structure_decision else None,
            "complexity": [
                {"violation": r.violation, "why": r.why, "alternative": r.alternative, "line": r.line} for r in plan.complexity
            ],
        },
        # every answer, the empty ones too (the Copier data file leaves those out)
        "answers": decided.answers.model_dump(mode="json") if decided else None,
        "provenance": {k: v.model_dump(mode="json") for k, v in decided.provenance.items()} if decided else {},
        "model": decided.model.to_json() if decided else None,
        "not_applied": [i.model_dump(mode="json") for i in decided.not_applied] if decided else [],
        "warnings": list(decided.warnings if decided else getattr(error, "warnings", [])),
        "problems": [
            {"file": str(p.file) if p.file is not None else None, "line": p.line, "field": p.field, "message": p.message,
             "hint": p.hint}
            for p in (error.problems if error else [])
        ],
    }
    return doc


def _print_text(plan, decided, error: PlanforgeError | None) -> None:
    h = plan.header
    out = sys.stdout
    print(f"Plan: {h.title or '(untitled)'}  [{plan.source}]", file=out)
    print(f"Family: {h.family}" + (f" (line {h.family_line})" if h.family_line else ""), file=out)
    if h.branch:
        print(f"Branch: {h.branch.plain}   Date: {h.date.plain if h.date else '-'}", file=out)
    print("\nTechnical Context:", file=out)
    for f in plan.fields:
        flag = "  [UNRESOLVED]" if f.unresolved else ""
        print(f"  {f.line:>4}  {f.label}: {f.plain[:100]}{flag}", file=out)
    if plan.components:
        print("\nDeployment Components:", file=out)
        for r in plan.components:
            req = {True: "yes", False: "no", None: "?"}[r.required]
            print(f"  {r.line:>4}  {r.name} (required: {req}) {r.notes}", file=out)
    if plan.custom_applications:
        ca = plan.custom_applications
        print(f"\nCustom Applications (line {ca.line}): {ca.plain}", file=out)
    if plan.constitution:
        print("\nConstitution Check:", file=out)
        for item in plan.constitution:
            mark = {True: "[x]", False: "[ ]", None: " - "}[item.checked]
            print(f"  {item.line:>4}  {mark} {item.text[:100]}", file=out)
    paths = plan.source_paths
    if paths:
        print("\nProject Structure:", file=out)
        for p in paths:
            print(f"  {p.line:>4}  {p.path}", file=out)
    if plan.structure_decision:
        sd = plan.structure_decision
        print(f"\nStructure Decision (line {sd.line}): {sd.plain[:160]}", file=out)
    if plan.complexity:
        print("\nComplexity Tracking:", file=out)
        for row in plan.complexity:
            print(f"  {row.line:>4}  {row.violation}: {row.why}", file=out)
    if decided is not None:
        print("\nDecisions:", file=out)
        width = max(len(d.name) for d in decided.answers.decisions)
        for d in decided.answers.decisions:
            print(f"  {d.name:<{width}}  {d.value}", file=out)
            print(f"  {'':<{width}}    <- {d.source}", file=out)
    if decided is not None:
        print("\nSystem model:", file=out)
        for unit in decided.model.units:
            where = f"  {unit.path}" if unit.path else ""
            state = " (existing)" if unit.existing else ""
            print(f"  {unit.id}{state}{where}", file=out)
            if unit.provenance.source == "required":
                print(f"    <- {unit.provenance.describe()}", file=out)
    if decided is not None and decided.not_applied:
        print("\nNot applied:", file=out)
        for item in decided.not_applied:
            print(f"  {item.line:>4}  {item.text}: {item.why}", file=out)
    warnings = decided.warnings if decided else getattr(error, "warnings", [])
    if warnings:
        print("\nWarnings:", file=out)
        for w in warnings:
            print(f"  {w}", file=out)
    if error is not None:
        print(f"\nRefused: {len(error.problems)} blocking problem(s):", file=out)
        for p in error.problems:
            print(f"  {p.render()}", file=out)
