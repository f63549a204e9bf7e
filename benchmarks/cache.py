"""Benchmark: the result cache at scale, against --no-cache measured in the same run.

Generates one flat directory of N manifests (Deployments, Services, ConfigMaps in turn; see schemas.py) for
each N of --counts (default 1000 and 4000), then times `planforge validate DIR` (a fresh process each run):
  - uncached: with --no-cache;
  - cold: with an empty cache directory (every target validated and stored);
  - warm: again with that cache, nothing changed (every target from the cache).
Each is run --runs times (cold with a new cache directory each time); the best wall time and the best CPU
time (user + system of the process; steadier on a busy machine) count. It prints the times, the growth of
each mode from the smallest N to the largest (linear: about 4x for 1000 -> 4000; target: within 5x), and warm /
uncached at the smallest N (target: at most 1), in wall and CPU time. Nothing is asserted: timings depend on
the machine; the ratios compare runs of this one benchmark on one machine.

    .venv/bin/python benchmarks/cache.py [--counts 1000 4000] [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from schemas import generate

MODES = ("uncached", "cold", "warm")
GROWTH_TARGET = 5.0
WARM_TARGET = 1.0


Times = dict[str, dict[str, float]]  # "wall" / "cpu" -> mode -> best seconds


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run; a run that fails (exit 2: a usage or internal error) stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(directory: Path, work: Path, runs: int) -> Times:
    """Best wall and CPU seconds of each mode on `directory`."""
    command = [sys.executable, "-m", "planforge", "validate", str(directory)]
    best: Times = {kind: {mode: float("inf") for mode in MODES} for kind in ("wall", "cpu")}
    for run in range(runs):
        env = {**os.environ, "PLANFORGE_CACHE_DIR": str(work / f"cache-{directory.name}-{run}")}
        for mode, extra in (("uncached", ["--no-cache"]), ("cold", []), ("warm", [])):
            wall, cpu = timed([*command, *extra], env)
            best["wall"][mode] = min(best["wall"][mode], wall)
            best["cpu"][mode] = min(best["cpu"][mode], cpu)
    return best


def report(results: dict[int, Times], kind: str) -> None:
    """The table and ratios of one kind of time ("wall" or "cpu")."""
    counts = sorted(results)
    print(f"{kind} time\n{'manifests':>10} " + " ".join(f"{mode:>10}" for mode in MODES))
    for count in counts:
        print(f"{count:>10} " + " ".join(f"{results[count][kind][mode]:>9.2f}s" for mode in MODES))
    low, high = counts[0], counts[-1]
    if high > low:
        print(f"growth {low} -> {high} manifests ({high / low:.0f}x the manifests; target: within {GROWTH_TARGET:.0f}x):")
        for mode in MODES:
            ratio = results[high][kind][mode] / results[low][kind][mode]
            print(f"  {mode:>8}: {ratio:.2f}x {'ok' if ratio <= GROWTH_TARGET else 'ABOVE TARGET'}")
    warm = results[low][kind]["warm"] / results[low][kind]["uncached"]
    print(f"warm / uncached at {low} manifests: {warm:.2f} {'ok' if warm <= WARM_TARGET else 'ABOVE TARGET'} "
          f"(target: at most {WARM_TARGET:.0f})\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    counts = sorted(args.counts)
    results: dict[int, Times] = {}
    with tempfile.TemporaryDirectory(prefix="planforge-cache-bench-") as tmp:
        work = Path(tmp)
        for count in counts:
            directory = work / f"manifests-{count}"
            directory.mkdir()
            generate(directory, count)
            results[count] = measure(directory, work, args.runs)
    for kind in ("wall", "cpu"):
        report(results, kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
