"""Benchmark: Terraform validation at scale, against the loop a CI job runs without planforge.

Generates the multi-tenant AWS repository with `--tenants` tenants (default 10) and 3 environments
(dev, staging, prod), then measures in this run:
  - the naive loop: `terraform init -backend=false && terraform validate` in every directory with .tf
    files, one after the other, on a copy of the repository;
  - `planforge validate --only terraform -j 2` cold (an empty cache directory: nothing parsed or validated
    before) and warm (a second run with that cache, nothing changed);
and prints the times, the ratios naive/cold and naive/warm, and the peak RSS of each run (the largest
process, from /usr/bin/time when installed). Then it injects defects into a copy (a tenant root, a shared root
and a module each get one), runs the naive loop and a cold `planforge validate --only terraform` on it, and
compares their errors, each as (file, line, summary) of `terraform validate -json`: "identical findings: yes/no"
(the differences are listed). With `--full`, it generates `--full-tenants` tenants
(default 100) and prints the generation time and a full cold `planforge validate -j 2`.
Nothing is asserted: timings depend on the machine. Providers come from PLANFORGE_TF_PLUGIN_MIRROR.

    PLANFORGE_TF_PLUGIN_MIRROR=/opt/tf-plugins .venv/bin/python benchmarks/scale.py [--tenants 10] [--full]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "tests" / "fixtures" / "plans" / "multi-tenant-saas.plan.md"
ENVIRONMENTS = ["dev", "staging", "prod"]
TIME = Path("/usr/bin/time")
DEFECTS = {  # file -> text appended: one error each in a tenant root, a shared root and a module
    "terraform/tenants/tenant-000/main.tf": '\nresource "aws_s3_bucket" "bad" {\n  bucket_nope = "x"\n}\n',
    "terraform/shared/monitoring/outputs.tf": '\noutput "broken" {\n  value = module.nothing_here.id\n}\n',
    "terraform/modules/kms/main.tf": ('\nresource "aws_kms_alias" "extra" {\n  name          = "alias/x"\n'
                                      "  target_key_id = aws_kms_key.missing.id\n}\n"),
}
Error = tuple[str, int, str]  # repository-relative file, line, summary


def generate(dest: Path, tenants: int) -> float:
    """Render the repository with `tenants` tenants; the seconds it took."""
    from planforge.decide import decide
    from planforge.plan import parse_plan
    from planforge.render.engine import render_new
    from planforge.render.template import TemplateSource, shipped_template_dir

    answers = decide(parse_plan(PLAN)).answers.model_copy(update={
        "tenants": [f"tenant-{i:03d}" for i in range(tenants)], "environments": ENVIRONMENTS})
    start = time.perf_counter()
    render_new(answers, dest, TemplateSource(str(shipped_template_dir()), None), init_git=False)
    return time.perf_counter() - start


def measured(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int | None, subprocess.CompletedProcess[str]]:
    """Seconds, peak RSS in MiB of the largest process (None without /usr/bin/time), and the process."""
    prefix = [str(TIME), "-f", "PEAK_RSS_KB=%M"] if TIME.exists() else []
    start = time.perf_counter()
    proc = subprocess.run(prefix + cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak = None
    for line in proc.stderr.splitlines():
        if line.startswith("PEAK_RSS_KB="):
            peak = int(line.split("=", 1)[1]) // 1024
    return elapsed, peak, proc


def naive_loop(repo: Path, work: Path, env: dict[str, str],
               name: str = "naive") -> tuple[float, int | None, int, set[Error]]:
    """init + validate in every configuration directory of a copy; seconds, peak RSS, directories, and the errors
    `terraform validate -json` reported (each file relative to the repository)."""
    copy = work / name
    shutil.copytree(repo, copy)
    dirs = sorted({p.parent for p in copy.rglob("*.tf") if ".terraform" not in p.parts})
    total, peak = 0.0, 0
    errors: set[Error] = set()
    for i, directory in enumerate(dirs):
        local = {**env, "TF_DATA_DIR": str(work / f"{name}-data" / str(i))}
        script = "terraform init -backend=false -input=false -no-color >/dev/null && terraform validate -json -no-color"
        elapsed, rss, proc = measured(["sh", "-c", script], directory, local)
        total += elapsed
        peak = max(peak, rss or 0)
        try:
            diagnostics = json.loads(proc.stdout).get("diagnostics", [])
        except ValueError:
            diagnostics = [{"severity": "error", "summary": f"terraform init failed in {directory.relative_to(copy)}"}]
        for diag in diagnostics:
            if diag.get("severity") != "error":
                continue
            rng = diag.get("range") or {}
            file = os.path.relpath(os.path.normpath(directory / rng["filename"]), copy) if rng.get("filename") else ""
            errors.add((file, (rng.get("start") or {}).get("line", 0), diag.get("summary", "")))
    return total, peak or None, len(dirs), errors


def planforge_errors(report: dict) -> set[Error]:
    """The errors of planforge's `validate` checks, as (file, line, summary) like the naive loop's: a finding's
    message is the summary, then ": " and the first line of the detail when there is one."""
    errors: set[Error] = set()
    for check in report.get("checks", []):
        if check.get("validator") != "terraform" or check.get("name") != "validate":
            continue
        for finding in check.get("findings", []):
            if finding.get("severity") != "error":
                continue
            message, detail = finding.get("message", ""), (finding.get("detail") or "").strip()
            summary = message.removesuffix(f": {detail.splitlines()[0]}") if detail else message
            errors.add((finding.get("file") or "", finding.get("line") or 0, summary))
    return errors


def compare_findings(repo: Path, work: Path, env: dict[str, str]) -> None:
    """Inject `DEFECTS` into a copy; print whether the naive loop and planforge report the same errors."""
    defects = work / "defects"
    shutil.copytree(repo, defects)
    for name, text in DEFECTS.items():
        with (defects / name).open("a", encoding="utf-8") as fh:
            fh.write(text)
    _, _, _, naive = naive_loop(defects, work, env, "naive-defects")
    cmd = [sys.executable, "-m", "planforge", "validate", str(defects), "-j", "2", "--format", "json",
           "--only", "terraform", "--no-cache"]
    _, _, proc = measured(cmd, ROOT, {**env, "PLANFORGE_CACHE_DIR": str(work / "cache-defects")})
    try:
        ours = planforge_errors(json.loads(proc.stdout))
    except ValueError:
        print(proc.stderr[-2000:], file=sys.stderr)
        ours = set()
    print(f"  with {len(DEFECTS)} injected defects: naive loop {len(naive)} errors, planforge {len(ours)}; "
          f"identical findings: {'yes' if naive == ours and naive else 'no'}")
    for label, only in (("naive loop only", naive - ours), ("planforge only", ours - naive)):
        for file, line, summary in sorted(only):
            print(f"    {label}: {file}:{line}: {summary}")


def _run(repo: Path, env: dict[str, str], cache: Path, *extra: str) -> tuple[float, int | None, int]:
    """Seconds, peak RSS and number of checks of one `planforge validate -j 2` with the cache directory `cache`
    (an empty one: a cold run)."""
    cmd = [sys.executable, "-m", "planforge", "validate", str(repo), "-j", "2", "--format", "json", *extra]
    elapsed, peak, proc = measured(cmd, ROOT, {**env, "PLANFORGE_CACHE_DIR": str(cache)})
    try:
        checks = len(json.loads(proc.stdout).get("checks", []))
    except ValueError:
        print(proc.stderr[-2000:], file=sys.stderr)
        checks = 0
    return elapsed, peak, checks


def _rss(peak: int | None) -> str:
    return f"{peak} MiB" if peak is not None else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--full", action="store_true", help="also the full validation of a large repository")
    parser.add_argument("--full-tenants", type=int, default=100)
    args = parser.parse_args(argv)
    mirror = os.environ.get("PLANFORGE_TF_PLUGIN_MIRROR")
    with tempfile.TemporaryDirectory(prefix="planforge-scale-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
        if mirror:
            rc = work / "cli.tfrc"
            rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
            env["TF_CLI_CONFIG_FILE"] = str(rc)
        repo = work / "repo"
        seconds = generate(repo, args.tenants)
        print(f"{args.tenants} tenants x {len(ENVIRONMENTS)} environments: generated in {seconds:.1f} s")
        naive, naive_rss, dirs, _ = naive_loop(repo, work, env)
        print(f"  naive loop (init + validate in {dirs} directories): {naive:7.1f} s  peak RSS {_rss(naive_rss)}")
        cold, cold_rss, checks = _run(repo, env, work / "cache", "--only", "terraform")
        print(f"  planforge validate --only terraform, cold:     {cold:7.1f} s  peak RSS {_rss(cold_rss)}  "
              f"({checks} checks)")
        warm, warm_rss, _ = _run(repo, env, work / "cache", "--only", "terraform")
        print(f"  planforge validate --only terraform, warm:     {warm:7.1f} s  peak RSS {_rss(warm_rss)}")
        print(f"  ratio naive/cold {naive / cold:.1f}x   naive/warm {naive / warm:.1f}x")
        compare_findings(repo, work, env)
        if args.full:
            big = work / "big"
            seconds = generate(big, args.full_tenants)
            files = sum(1 for p in big.rglob("*") if p.is_file())
            print(f"{args.full_tenants} tenants: generated in {seconds:.1f} s ({files} files)")
            full, full_rss, checks = _run(big, env, work / "cache-full")
            print(f"  planforge validate (all validators), cold: {full:.1f} s  peak RSS {_rss(full_rss)}  "
                  f"({checks} checks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
