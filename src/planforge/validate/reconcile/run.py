"""Carry out a reconcile plan on the cluster of the current kubectl context: stubs, the GitOps controller, the
repository credential, the entry's objects (Argo CD's Applications wave by wave), then one wait per unit within one
deadline. Every command is printed before it runs; a credential only ever travels on standard input."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from planforge.errors import UsageError
from planforge.validate.reconcile.plan import GIT_SECRET, ReconcilePlan, Target, Unit

ARGO_CD_REPO = "https://argoproj.github.io/argo-helm"
GIT_USERNAME = "x-access-token"  # the user name GitHub documents for an installation or workflow token


@dataclass
class Outcome:
    unit: Unit
    ok: bool
    detail: str = ""


@dataclass
class Cluster:
    """The command-line tools a reconcile drives (kubectl; flux or helm), within one deadline."""

    timeout: int  # per wait
    deadline: float  # time.monotonic() by which every wait has ended
    log: list[str] = field(default_factory=list)

    def run(self, argv: Sequence[str], stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        if shutil.which(argv[0]) is None:
            raise UsageError(f"{argv[0]} is not on PATH: the reconcile needs it (docs/reconcile.md)")
        print("$ " + " ".join(argv), flush=True)
        done = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, check=False)
        if done.stdout.strip():
            print(done.stdout.rstrip(), flush=True)
        if done.returncode != 0:
            print(done.stderr.rstrip(), file=sys.stderr, flush=True)
            if check:
                raise UsageError(f"`{' '.join(argv[:3])}` failed (exit {done.returncode}): {done.stderr.strip()[:400]}")
        return done

    def apply(self, objects: list[dict[str, Any]], server_side: bool = True) -> None:
        if objects:
            argv = ["kubectl", "apply", "-f", "-"] + (["--server-side", "--force-conflicts"] if server_side else [])
            self.run(argv, stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))

    def left(self) -> int:
        """Seconds the next wait may take: the per-wait timeout, or what is left of the deadline."""
        return max(0, min(self.timeout, int(self.deadline - time.monotonic())))

    def wait(self, kind: str, name: str, namespace: str, condition: str) -> subprocess.CompletedProcess[str]:
        return self.run(["kubectl", "-n", namespace, "wait", f"{kind}/{name}", f"--for={condition}",
                         f"--timeout={self.left()}s"], check=False)


def image_available(reference: str) -> bool | None:
    """Whether CI can pull an image (`docker manifest inspect`); None when there is no docker to ask."""
    if shutil.which("docker") is None:
        return None
    done = subprocess.run(["docker", "manifest", "inspect", reference], capture_output=True, text=True, check=False)
    return done.returncode == 0


def _secret(name: str, namespace: str, data: dict[str, str], labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "stringData": data,
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {}}}


def install_controller(cluster: Cluster, plan: ReconcilePlan, target: Target, token: str | None) -> None:
    if plan.controller == "flux":
        cluster.run(["flux", "install", f"--timeout={cluster.timeout}s"])
        if token:  # every namespace holding a GitRepository of this repository reads it with its own Secret
            cluster.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
                           for ns in plan.git_namespaces], server_side=False)
            cluster.apply([_secret(GIT_SECRET, ns, {"username": GIT_USERNAME, "password": token})
                           for ns in plan.git_namespaces], server_side=False)
        return
    version, values = plan.argocd_chart or ("", {})
    cluster.run(["helm", "upgrade", "--install", "argo-cd", "argo-cd", "--repo", ARGO_CD_REPO, "--version", version,
                 "--namespace", "argocd", "--create-namespace", "--values", "-", "--wait",
                 f"--timeout={cluster.timeout}s"], stdin=json.dumps(values))
    if token:
        cluster.apply([_secret(GIT_SECRET, "argocd", {"url": target.repository_url, "type": "git",
                                                      "username": GIT_USERNAME, "password": token},
                               {"argocd.argoproj.io/secret-type": "repository"})], server_side=False)


def _conditions(unit: Unit) -> list[str]:
    if unit.kind == "Application":
        return ["create", "jsonpath={.status.sync.status}=Synced"] + (
            [] if unit.apply_only else ["jsonpath={.status.health.status}=Healthy"])
    return ["create", "condition=ready"]


def _await(cluster: Cluster, unit: Unit, failed: set[str]) -> Outcome:
    blocked = [d.get("name") for d in unit.spec.get("dependsOn") or [] if d.get("name") in failed]
    if unit.parent is not None and unit.parent.name in failed:
        blocked.append(unit.parent.name)
    if blocked:
        return Outcome(unit, False, f"not awaited: {blocked[0]}, which it waits for, failed")
    for condition in _conditions(unit):
        if cluster.left() <= 0:
            return Outcome(unit, False, "not awaited: the reconcile's deadline passed")
        done = cluster.wait(unit.kind.lower(), unit.name, unit.namespace, condition)
        if done.returncode != 0:
            return Outcome(unit, False, f"not {condition.split('=')[-1]}: {(done.stderr or done.stdout).strip()[:300]}")
    return Outcome(unit, True)


def _fetched(cluster: Cluster, source: Unit, target: Target) -> Outcome:
    """A GitRepository that fetches a reference by name holds the revision under test (not a later push)."""
    outcome = _await(cluster, source, set())
    if not outcome.ok:
        return outcome
    done = cluster.run(["kubectl", "-n", source.namespace, "get", f"gitrepository/{source.name}", "-o",
                        "jsonpath={.status.artifact.revision}"], check=False)
    fetched = done.stdout.strip()
    if not fetched.endswith(target.revision):
        return Outcome(source, False, f"fetched {fetched or 'nothing'}, not {target.revision} (pushed again since?)")
    return outcome


def diagnose(cluster: Cluster, plan: ReconcilePlan, failed: list[Outcome]) -> None:
    """Print what the controllers say about the units that failed."""
    if plan.controller == "flux":
        cluster.run(["kubectl", "get", "kustomizations.kustomize.toolkit.fluxcd.io,helmreleases.helm.toolkit.fluxcd.io",
                     "--all-namespaces"], check=False)
    else:
        cluster.run(["kubectl", "-n", "argocd", "get", "applications.argoproj.io", "-o", "wide"], check=False)
    for outcome in failed:
        cluster.run(["kubectl", "-n", outcome.unit.namespace, "describe",
                     f"{outcome.unit.kind.lower()}/{outcome.unit.name}"], check=False)


def _waves(units: list[Unit]) -> list[list[Unit]]:
    """Argo CD's Applications by sync wave, in order, as their app-of-apps would sync them; Flux's units as one."""
    return [list(group) for _, group in groupby(units, key=lambda unit: unit.wave)]


def reconcile(cluster: Cluster, plan: ReconcilePlan, target: Target, token: str | None,
              report: Callable[[Outcome], None] = lambda _outcome: None) -> list[Outcome]:
    definitions = [s.obj for s in plan.stubs if s.obj["kind"] == "CustomResourceDefinition"]
    cluster.apply(definitions)
    for crd in definitions:
        cluster.run(["kubectl", "wait", f"crd/{crd['metadata']['name']}", "--for=condition=established",
                     f"--timeout={cluster.timeout}s"])
    install_controller(cluster, plan, target, token)
    cluster.apply([s.obj for s in plan.stubs if s.obj["kind"] == "Namespace"], server_side=False)
    cluster.apply([s.obj for s in plan.stubs if s.obj["kind"] == "Secret"], server_side=False)
    cluster.apply(plan.apply)
    outcomes: list[Outcome] = []
    for source in plan.sources:
        outcomes.append(_fetched(cluster, source, target))
        report(outcomes[-1])
    failed: set[str] = {o.unit.name for o in outcomes if not o.ok}
    for wave in _waves(plan.awaited) if plan.controller == "argocd" else [plan.awaited]:
        if plan.controller == "argocd":
            cluster.apply([unit.obj for unit in wave])
        for unit in wave:
            outcomes.append(_await(cluster, unit, failed))
            report(outcomes[-1])
            if not outcomes[-1].ok:
                failed.add(unit.name)
    if failed:
        diagnose(cluster, plan, [o for o in outcomes if not o.ok])
    return outcomes
