"""`planforge reconcile`: argument parsing and exit codes only; the work is in planforge.validate.reconcile."""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from planforge.errors import UsageError

EPILOG = """\
Applies the entry point to the cluster of the current kubectl context (a throwaway one: kind in CI), with this
repository's sources at --revision, and waits for every Flux Kustomization to be Ready or every Argo CD Application
to be Synced and Healthy. What kind cannot give (cloud secret stores, images CI cannot pull, the cloud's own kinds)
is applied without awaiting its health, each with its reason; --plan prints those decisions without a cluster.
Exit codes: 0 everything awaited became ready; 1 a unit did not; 2 usage, unreadable entry point or missing tool."""


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "reconcile", help="apply the repository to a throwaway cluster and wait for its GitOps objects",
        description="Reconcile a GitOps entry point on a throwaway cluster (kind) and wait until it is ready.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", default=".", help="the repository (default: .)")
    parser.add_argument("--entry", required=True, metavar="PATH",
                        help="the entry point: a Flux cluster directory (clusters/dev) or an Argo CD bootstrap "
                             "file or directory (argocd/bootstrap/dev.yaml)")
    parser.add_argument("--repository-url", metavar="URL",
                        help="the URL the cluster fetches the repository from (default: .planforge.yaml repo_url)")
    parser.add_argument("--revision", metavar="SHA", help="the commit under test (default: the checkout's HEAD)")
    parser.add_argument("--ref", metavar="REF",
                        help="a Git reference holding the revision, for a commit no branch holds (a pull request "
                             "from a fork: refs/pull/<n>/head); Flux fetches it by name")
    parser.add_argument("--token-env", metavar="VAR",
                        help="environment variable holding a read token for the repository (private repositories)")
    parser.add_argument("--timeout", type=int, default=600, metavar="SECONDS", help="per wait (default: 600)")
    parser.add_argument("--deadline", type=int, default=2400, metavar="SECONDS",
                        help="for every wait together: what is still waiting then fails (default: 2400)")
    parser.add_argument("--plan", action="store_true", help="print what would be applied and awaited; no cluster")
    parser.set_defaults(func=main)
    return parser


def _revision(root: Path, given: str | None) -> str:
    if given:
        return given
    from planforge.validate.gitcmd import run_git

    head = run_git(root, ["rev-parse", "HEAD"])
    if not head:
        raise UsageError(f"{root}: not a Git checkout: pass --revision")
    return head.strip()


def _repository_url(root: Path, given: str | None) -> str:
    if given:
        return given
    from planforge.validate.argocd import own_repo_urls

    urls = sorted(own_repo_urls(root))
    if not urls:
        raise UsageError(f"{root}: no repo_url in .planforge.yaml and no origin remote: pass --repository-url")
    return f"https://{urls[0]}"


def main(args: argparse.Namespace) -> int:
    from planforge.validate.reconcile import make_plan, run, summary, target_for

    root = Path(args.path).resolve()
    if not root.is_dir():
        raise UsageError(f"{args.path}: not a directory")
    token = os.environ.get(args.token_env) if args.token_env else None
    if args.token_env and not token:
        raise UsageError(f"--token-env {args.token_env}: the variable is empty or unset")
    target = target_for(root, _repository_url(root, args.repository_url),
                        _revision(root, args.revision) if not args.plan else args.revision or "HEAD", bool(token),
                        args.ref)
    check = (lambda _image: None) if args.plan else run.image_available
    plan = make_plan(root, args.entry, target, check)
    if args.plan:
        print(summary.text(plan))
        return 0
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    _append(summary_file, summary.markdown_head(plan))
    cluster = run.Cluster(args.timeout, time.monotonic() + args.deadline)
    outcomes = run.reconcile(cluster, plan, target, token,
                             report=lambda outcome: _append(summary_file, summary.markdown_row(outcome.unit, outcome)))
    _append(summary_file, summary.markdown_skipped(plan))
    print(summary.text(plan, outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


def _append(path: str | None, text: str) -> None:
    """Add to the CI job's summary (GITHUB_STEP_SUMMARY) when there is one."""
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(text)
