"""Benchmark: schema validation on every core, against kubeconform when it is on PATH, else against one core.

Generates one flat directory of N manifests (Deployments, Services, ConfigMaps in turn; see schemas.py) for each N
of --counts (default 1000 and 10000), then times, on the same files, each a fresh process, --runs times (the best
wall time counts: the fork server's workers are not children of the command, so its CPU time would not show them):
  - planforge: `planforge validate --only schemas --strict --no-cache --schema-engine embedded -j JOBS DIR` (JOBS:
    --jobs, default the CPU count), the command a user runs, on its own engine (with kubeconform on PATH, `auto`
    would hand the files to kubeconform);
  - one core: the same with `-j 1`;
  - kubeconform: `kubeconform -strict -summary -n JOBS DIR`, when a kubeconform binary is on PATH, offline: its
    `-schema-location` is a directory of standalone schemas (kubeconform's layout) written from the same packaged
    Kubernetes schemas planforge reads, with every `$ref` inlined.
It prints planforge / kubeconform (target: at most 1) when kubeconform is there, and always planforge / one core
(below 1: the other cores help). Nothing is asserted: the ratios compare runs of this benchmark on one machine.

    .venv/bin/python benchmarks/cores.py [--counts 1000 10000] [--runs 3] [--jobs 2]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from schemas import CommandFailed, generate, time_runs

from planforge.validate.schemas import core_schema_dir

KUBECONFORM_TARGET = 1.0
KUBE_VERSION = "1.29.0"
SCHEMA_FILES = ("deployment-apps-v1", "service-v1", "configmap-v1")  # the kinds generate() writes
LOCATION = "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"


def _inline(node: Any, definitions: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """node with every `/api/_definitions.json#/$defs/NAME` reference replaced by its definition."""
    if isinstance(node, list):
        return [_inline(item, definitions, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            raise ValueError(f"recursive definition {name}: not a kind this benchmark generates")
        return _inline(definitions[name], definitions, (*seen, name))
    return {key: _inline(value, definitions, seen) for key, value in node.items()}


def standalone_schemas(root: Path) -> str:
    """Write kubeconform's standalone-strict schemas of the generated kinds under root; the -schema-location."""
    source, _label = core_schema_dir(KUBE_VERSION, strict=True)
    definitions = json.loads((source / "_definitions.json").read_text(encoding="utf-8"))["$defs"]
    target = root / f"v{KUBE_VERSION}-standalone-strict"
    target.mkdir(parents=True)
    for name in SCHEMA_FILES:
        schema = json.loads((source / f"{name}.json").read_text(encoding="utf-8"))
        schema.pop("$id", None)  # kubeconform would resolve the inlined refs against kubernetes.io
        (target / f"{name}.json").write_text(json.dumps(_inline(schema, definitions)), encoding="utf-8")
    return f"{root}/{LOCATION}"


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
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode; the first run writes it
        location = standalone_schemas(Path(tmp) / "kubeconform-schemas") if kubeconform is not None else ""
        for count in args.counts:
            data = Path(tmp) / f"manifests-{count}"
            data.mkdir()
            generate(data, count)
            ours = [sys.executable, "-m", "planforge", "validate", "--only", "schemas", "--strict", "--no-cache",
                    "--schema-engine", "embedded", "--kube-version", KUBE_VERSION, str(data)]
            commands = {"planforge": [*ours, "-j", str(args.jobs)], "one core": [*ours, "-j", "1"]}
            if kubeconform is not None:
                commands["kubeconform"] = [kubeconform, "-strict", "-summary", "-n", str(args.jobs),
                                           "-kubernetes-version", KUBE_VERSION, "-schema-location", location, str(data)]
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
