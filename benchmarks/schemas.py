"""Benchmark: schema validation of 1000 small manifests, planforge vs the kubernetes-validate CLI.

Generates N files (Deployments, Services, ConfigMaps in turn; all valid under --strict) in
a temporary directory, then times, in this run and on the same files:
  - planforge: `python -m planforge.validate.schemas --strict DIR`, which is
    `planforge validate --only schemas` (a fresh process each run, so interpreter start,
    imports and loading the compiled-schema cache are included);
  - `planforge validate --only schemas --strict DIR`, the user-facing command (runner and report
    included), which must also stay under 1.5 s;
  - kubernetes-validate: `kubernetes-validate --strict --quiet FILE...` (the CLI of the
    package whose schemas the embedded engine uses).
Each is run --runs times; the best time counts. The first planforge run uses an empty
compiled-schema cache and is also reported (cold). Targets: planforge < 1.5 s and
>= 15x faster than kubernetes-validate.

    .venv/bin/python benchmarks/schemas.py [--count 1000] [--runs 3] [--kube-version 1.29.0]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  namespace: bench
  labels:
    app.kubernetes.io/name: web-{i}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: web-{i}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web-{i}
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: web
          image: registry.example.com/web:1.{i}.0
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 8080
              name: http
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 256Mi
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: ["ALL"]
"""
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: web-{i}
  namespace: bench
spec:
  selector:
    app.kubernetes.io/name: web-{i}
  ports:
    - name: http
      port: 80
      targetPort: http
"""
CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: web-{i}
  namespace: bench
data:
  LOG_LEVEL: info
  FEATURE_{i}: "true"
"""
TEMPLATES = (DEPLOYMENT, SERVICE, CONFIGMAP)
REPO = Path(__file__).resolve().parents[1]


def generate(directory: Path, count: int) -> list[Path]:
    files = []
    for i in range(count):
        path = directory / f"m{i:04d}.yaml"
        path.write_text(TEMPLATES[i % 3].format(i=i), encoding="utf-8")
        files.append(path)
    return files


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall seconds, CPU seconds of the child, result): CPU time shows contention on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


class CommandFailed(Exception):
    """A benchmarked command exited non-zero: its output is the message."""


def time_runs(label: str, cmd: list[str], env: dict[str, str], runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) of `runs` runs of `cmd`; a failing run stops the benchmark with its output."""
    timings = []
    for _ in range(runs):
        wall, cpu, done = timed(cmd, env)
        if done.returncode != 0:
            raise CommandFailed(f"{label} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        timings.append((wall, cpu))
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kube-version", default="1.29.0")
    args = parser.parse_args()
    kv = shutil.which("kubernetes-validate", path=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    if kv is None:
        print("kubernetes-validate CLI not found (pip install kubernetes-validate)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="planforge-bench-") as tmp:
        root = Path(tmp)
        data = root / "manifests"
        data.mkdir()
        files = generate(data, args.count)
        env = dict(os.environ, PLANFORGE_CACHE_DIR=str(root / "cache"))
        env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
        ours_cmd = [sys.executable, "-m", "planforge.validate.schemas", "--strict", "--kube-version", args.kube_version,
                    "--schema-engine", "embedded", str(data)]
        theirs_cmd = [kv, "--strict", "--quiet", "-k", args.kube_version, *map(str, files)]

        try:
            # the first run of ours fills the compiled-schema cache
            ours = time_runs("planforge", ours_cmd, env, args.runs + 1)
            # the user-facing command on the same files (runner, report, summary line included)
            cli_cmd = [sys.executable, "-m", "planforge", "validate", "--only", "schemas", "--strict",
                       "--kube-version", args.kube_version, "--schema-engine", "embedded", "-j", "1", str(data)]
            cli = time_runs("planforge validate", cli_cmd, env, args.runs)
            theirs = time_runs("kubernetes-validate", theirs_cmd, env, args.runs)
        except CommandFailed as exc:
            print(exc, file=sys.stderr)
            return 1

    cold = ours[0][0]
    warm, warm_cpu = min(ours[1:])
    best_theirs, theirs_cpu = min(theirs)
    ratio = best_theirs / warm
    print(f"schema validation of {args.count} manifests (Deployment/Service/ConfigMap), strict, Kubernetes {args.kube_version}")
    print(f"  planforge (embedded, new process) cold cache: {cold:7.3f} s")
    print(f"  planforge (embedded, new process) best of {args.runs}: {warm:7.3f} s (CPU {warm_cpu:.3f} s)"
          f"   runs: {', '.join(f'{t:.3f}' for t, _ in ours[1:])}")
    best_cli, cli_cpu = min(cli)
    print(f"  `planforge validate --only schemas` best of {args.runs}: {best_cli:5.3f} s (CPU {cli_cpu:.3f} s)"
          f"   runs: {', '.join(f'{t:.3f}' for t, _ in cli)}")
    print(f"  kubernetes-validate CLI           best of {args.runs}: {best_theirs:7.3f} s (CPU {theirs_cpu:.3f} s)"
          f"   runs: {', '.join(f'{t:.3f}' for t, _ in theirs)}")
    met = warm < 1.5 and ratio >= 15 and best_cli < 1.5
    print(f"  speed-up: {ratio:.1f}x ({best_theirs / best_cli:.1f}x for the full command)   "
          f"target: < 1.5 s and >= 15x -> {'MET' if met else 'NOT MET'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
