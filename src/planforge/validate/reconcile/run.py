"""Carry out a reconcile plan on the cluster of the current kubectl context: stub definitions, the GitOps controller,
the repository credential, the entry's objects, then one wait per unit. Every command is printed before it runs;
a credential only ever travels on standard input."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from planforge.errors import UsageError
from planforge.validate.reconcile.plan import GIT_SECRET, ReconcilePlan, Target, Unit

ARGO_CD_REPO = "https://argoproj.github.io/argo-helm"


@dataclass
class Outcome:
    unit: Unit
    ok: bool
    detail: str = ""


@dataclass
class Cluster:
    """The command-line tools a reconcile drives (kubectl; flux or helm)."""

    timeout: int
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

    def wait(self, kind: str, name: str, namespace: str, condition: str) -> subprocess.CompletedProcess[str]:
        return self.run(["kubectl", "-n", namespace, "wait", f"{kind}/{name}", f"--for={condition}",
                         f"--timeout={self.timeout}s"], check=False)


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
        if token:
            cluster.apply([_secret(GIT_SECRET, "flux-system", {"username": "git", "password": token})],
                          server_side=False)
        return
    version, values = plan.argocd_chart or ("", {})
    cluster.run(["helm", "upgrade", "--install", "argo-cd", "argo-cd", "--repo", ARGO_CD_REPO, "--version", version,
                 "--namespace", "argocd", "--create-namespace", "--values", "-", "--wait",
                 f"--timeout={cluster.timeout}s"], stdin=json.dumps(values))
    if token:
        cluster.apply([_secret(GIT_SECRET, "argocd", {"url": target.repository_url, "type": "git",
                                                      "username": "git", "password": token},
                               {"argocd.argoproj.io/secret-type": "repository"})], server_side=False)


def _await(cluster: Cluster, unit: Unit) -> Outcome:
    kind = unit.kind.lower()
    conditions = ["create"]
    if unit.kind != "Application":
        conditions.append("condition=ready")
    else:
        conditions.append("jsonpath={.status.sync.status}=Synced")
        if not unit.apply_only:
            conditions.append("jsonpath={.status.health.status}=Healthy")
    for condition in conditions:
        done = cluster.wait(kind, unit.name, unit.namespace, condition)
        if done.returncode != 0:
            return Outcome(unit, False, f"not {condition.split('=')[-1]} within {cluster.timeout} s: "
                                        f"{(done.stderr or done.stdout).strip()[:300]}")
    return Outcome(unit, True)


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


def reconcile(cluster: Cluster, plan: ReconcilePlan, target: Target, token: str | None) -> list[Outcome]:
    if plan.stubs:
        cluster.apply(plan.stubs)
        for stub in plan.stubs:
            cluster.run(["kubectl", "wait", f"crd/{stub['metadata']['name']}", "--for=condition=established",
                         f"--timeout={cluster.timeout}s"])
    install_controller(cluster, plan, target, token)
    cluster.apply(plan.apply)
    outcomes = [_await(cluster, unit) for unit in plan.awaited]
    failed = [o for o in outcomes if not o.ok]
    if failed:
        diagnose(cluster, plan, failed)
    return outcomes
