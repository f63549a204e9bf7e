"""Benchmark: schema validation on every core, against kubeconform when it is on PATH, else against one core.

Generates one flat directory of N manifests (Deployments, Services, ConfigMaps in turn; see schemas.py) for each N
of --counts (default 1000 and 10000), then times, on the same files, each a fresh process, --runs times (the best
wall time counts: the fork server's workers are not children of the command, so its CPU time would not show them):
  - planforge: `planforge validate --only schemas --strict --no-cache -j JOBS DIR` (JOBS: --jobs, default the
    CPU count), the command a user runs;
  - one core: the same with `-j 1`;
  - kubeconform: `kubeconform -strict -summary -n JOBS DIR`, when a kubeconform binary is on PATH.
It prints planforge / kubeconform (target: at most 1) when kubeconform is there, and always planforge / one core
(below 1: the other cores help). Nothing is asserted: the ratios compare runs of this benchmark on one machine.

    .venv/bin/python benchmarks/cores.py [--counts 1000 10000] [--runs 3] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from schemas import CommandFailed, generate, time_runs

KUBECONFORM_TARGET = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    kubeconform = shutil.which("kubeconform")
    print(f"schema validation, strict, --no-cache, {args.jobs} jobs; best wall time of {args.runs} runs")
    if kubeconform is None:
        print("  kubeconform: not on PATH, so planforge is compared with itself on one core")
    with tempfile.TemporaryDirectory(prefix="planforge-bench-") as tmp:
        env = dict(os.environ, PLANFORGE_CACHE_DIR=str(Path(tmp) / "cache"))
        for count in args.counts:
            data = Path(tmp) / f"manifests-{count}"
            data.mkdir()
            generate(data, count)
            ours = [sys.executable, "-m", "planforge", "validate", "--only", "schemas", "--strict", "--no-cache",
                    str(data)]
            commands = {"planforge": [*ours, "-j", str(args.jobs)], "one core": [*ours, "-j", "1"]}
            if kubeconform is not None:
                commands["kubeconform"] = [kubeconform, "-strict", "-summary", "-n", str(args.jobs), str(data)]
            try:
                best = {label: min(time_runs(label, cmd, env, args.runs)) for label, cmd in commands.items()}
            except CommandFailed as exc:
                print(exc, file=sys.stderr)
                return 1
            print(f"{count} manifests")
            for label, (wall, _cpu) in best.items():
                print(f"  {label:<12} {wall:7.3f} s")
            print(f"  planforge / one core: {best['planforge'][0] / best['one core'][0]:.2f}")
            if "kubeconform" in best:
                ratio = best["planforge"][0] / best["kubeconform"][0]
                verdict = "MET" if ratio <= KUBECONFORM_TARGET else "NOT MET"
                print(f"  planforge / kubeconform: {ratio:.2f} (target: at most {KUBECONFORM_TARGET:.0f}) -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
