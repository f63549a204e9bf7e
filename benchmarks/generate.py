"""Benchmark: repository generation, `planforge new` against a bare `copier copy`.

Both run in this process on a copy of the shipped template (a plain directory, so neither
clones anything) with the same answers:
  - planforge: `planforge.render.engine.render_new` (checks, Copier run, move into DEST);
  - copier: `copier.run_copy` with the same data and no planforge code around it.
Cases: the multi-tenant example plan as decided, and the same answers with N tenants
(`tenants` overridden; default 100). Runs are paired (planforge then copier, --runs times)
so both see the same machine load; the best and the median of each are printed, and the
ratio planforge / copier of the medians (below 1: planforge is faster). Nothing is asserted.

    .venv/bin/python benchmarks/generate.py [--runs 5] [--tenants 100]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "tests" / "fixtures" / "plans" / "multi-tenant-saas.plan.md"


def _template_copy(dest: Path) -> Path:
    from planforge.render import template

    source = template.shipped_template_dir()
    dest.mkdir(parents=True)
    for item in template.TEMPLATE_ITEMS:
        if (source / item).is_dir():
            shutil.copytree(source / item, dest / item, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source / item, dest / item)
    return dest


def _copier_data(answers) -> dict:
    try:  # the data planforge itself passes (computed values left out); older planforge has no layout
        from planforge.layout import copier_data
    except ImportError:
        return answers.to_copier_data()
    return copier_data(answers)


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(name: str, answers, template: Path, work: Path, runs: int) -> None:
    from copier import run_copy

    from planforge.render.engine import render_new
    from planforge.render.template import TemplateSource

    source = TemplateSource(str(template), None)
    data = _copier_data(answers)
    times: dict[str, list[float]] = {"planforge new": [], "copier copy": []}
    for i in range(runs):
        out = work / f"{name}-{i}"
        times["planforge new"].append(_time(lambda: render_new(answers, out / "pf", source, init_git=False)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            times["copier copy"].append(_time(lambda: run_copy(
                src_path=str(template), dst_path=out / "cp", data=data, defaults=True, overwrite=True,
                quiet=True, unsafe=False, skip_tasks=True)))
        shutil.rmtree(out)
    print(f"{name}:")
    for label, values in times.items():
        print(f"  {label:<14} best {min(values):7.3f} s   median {statistics.median(values):7.3f} s")
    ratio = statistics.median(times["planforge new"]) / statistics.median(times["copier copy"])
    print(f"  ratio planforge/copier (medians): {ratio:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tenants", type=int, default=100)
    args = parser.parse_args(argv)

    from planforge.decide import decide
    from planforge.plan import parse_plan

    answers = decide(parse_plan(PLAN)).answers
    many = answers.model_copy(update={"tenants": [f"tenant-{i:03d}" for i in range(args.tenants)]})
    with tempfile.TemporaryDirectory(prefix="planforge-bench-") as tmp:
        template = _template_copy(Path(tmp) / "template")
        bench("multi-tenant example plan", answers, template, Path(tmp), args.runs)
        bench(f"{args.tenants} tenants", many, template, Path(tmp), args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
