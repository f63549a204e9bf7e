"""Delivery pipeline rules: whether the plan asks for CI/CD of its applications, and how each image is built.

A plan that asks for a CI/CD pipeline (on GitHub Actions, or naming no CI tool: the repository's own checks run on
GitHub Actions) gets `delivery: github-actions`: a workflow that builds each application's image once, pushes it and
deploys that digest to each environment in order: with `helm upgrade` for the charts of a helm-chart repository
without a GitOps tool, by committing the digest to each environment's overlays for the applications of a multi-tool
repository Argo CD or Flux deliver. Elsewhere the line is reported with what to do instead.
"""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Build, Provenance
from planforge.decide.context import Context
from planforge.decide.data import defaults
from planforge.decide.rules.tools import line_choosing
from planforge.layout import load_layout
from planforge.plan.model import TreePath

_GITHUB_ACTIONS = r"\bgithub\s+actions?\b|\bgha\b"
# a pipeline that delivers: a deploy, delivery or release pipeline, images built and pushed
_DELIVERS = (r"\b(?:deploy(?:ment)?|delivery|release)\s+(?:pipelines?|workflows?)\b"
             r"|\bbuild(?:s|ing)?,?\s+(?:test(?:s|ing)?,?\s+)?(?:and\s+)?push(?:es|ing)?\b")
# what a line asks of a pipeline beside GitHub Actions: CI/CD or delivery
_CI_CD = rf"\bci\s*/\s*cd\b|{_DELIVERS}"
# a pipeline asked for without naming the CI tool: not one that only runs tests (`CI/CD pipeline tests on Minikube`)
_CI_CD_PIPELINE = (r"\bci\s*/\s*cd\s+(?:pipelines?|workflows?)\b(?!\s+(?:tests?|checks?|runs?\s+tests?)\b)"
                   rf"|{_DELIVERS}")
_CI_CD_LABEL = r"ci\s*/\s*cd|ci|cd|pipelines?|delivery"
_OTHER_CI = (r"\bgitlab(?:\s+ci)?\b|\bjenkins\b|\bazure\s+(?:devops|pipelines)\b|\bcircle\s*ci\b|\bbitbucket\s+pipelines\b"
             r"|\btekton\b|\btravis\b|\bbuildkite\b|\bcloud\s+build\b|\bcodepipeline\b")
# a workflow file of the plan's tree that builds or deploys (`.github/workflows/deploy-production.yml`)
_DELIVERY_WORKFLOW = re.compile(r"(?:^|/)\.github/workflows/[^/]*(?:deploy|build|release|cd|delivery|publish)[^/]*\.ya?ml$",
                                re.I)
_DOCKERFILE = re.compile(r"(?:^|/)(?:Dockerfile(?:\.[\w.-]+)?|[\w.-]+\.Dockerfile)$", re.I)


def decide_pipeline(c: Context, structure: str) -> None:
    """`delivery` and `builds` (one per chart service when the workflow is generated)."""
    line = _asked(c)
    if line is None:
        c.default("delivery", "none", "the plan asks for no CI/CD pipeline of its applications")
        c.default("builds", [], "no delivery workflow")
        return
    other = line_choosing(c.plan, _OTHER_CI)
    if other is not None and line_choosing(c.plan, _GITHUB_ACTIONS) is None:
        c.unapplied(other, c.line_text(other), "planforge generates delivery workflows for GitHub Actions only: "
                    "build, push and deploy the images in this CI yourself")
        _none(c, other, "a CI tool other than GitHub Actions")
        return
    why = _not_deployable(c, structure)
    if why:
        c.unapplied(line, c.line_text(line), why)
        _none(c, line, why)
        return
    c.stated("delivery", "github-actions", line, c.line_text(line))
    default_images = f"{defaults()['image_registry']}/{c.values['project_name']}/"
    workloads = c.values["services"] if structure == "helm-chart" else c.values["apps"]
    builds = [_build(c, s.name, "" if s.image == default_images + s.name else s.image) for s in workloads]
    c.set("builds", [b for b, _ in builds], _builds_provenance(c, builds))
    local = [p for p in c.values.get("platforms", []) if p in load_layout()["local_platforms"]]
    if local:
        c.unapplied(line, c.line_text(line), f"an environment on {', '.join(local)} gets no deploy job: CI cannot "
                    "reach a cluster on your machine, so install the chart there with helm (README, \"Delivery\")")


def _asked(c: Context) -> int | None:
    """The line asking for CI/CD of the applications: a CI/CD field that is not `none`, GitHub Actions or a CI/CD
    pipeline, else a delivery workflow the plan's tree names."""
    field = next((f for f in c.plan.fields if re.fullmatch(_CI_CD_LABEL, f.label.strip(), re.I)), None)
    if field is not None and not field.unresolved:
        return None if re.match(r"(?:none|n/?a|no|-)(?!\w)", field.plain.strip(), re.I) else field.line
    for pattern in (rf"(?:{_GITHUB_ACTIONS}).{{0,80}}(?:{_CI_CD})|(?:{_CI_CD}).{{0,80}}(?:{_GITHUB_ACTIONS})",
                    _CI_CD_PIPELINE):
        line = line_choosing(c.plan, pattern)
        if line is not None:
            return line
    return next((t.line for t in c.plan.source_paths if _DELIVERY_WORKFLOW.search(t.path)), None)


def _not_deployable(c: Context, structure: str) -> str:
    """Why the workflow cannot deliver this repository's applications ("" when it can)."""
    gitops = c.values.get("gitops", "none")
    if structure == "multi-tool" and gitops != "none":
        return _gitops_not_deliverable(c)
    if structure != "helm-chart":
        return ("the delivery workflow (build, push, deploy per environment) is generated for helm-chart "
                "repositories and for multi-tool repositories delivered by Argo CD or Flux; here build and push "
                "the images in your CI and set each environment's image where this repository deploys it")
    if gitops != "none":
        where = "the Argo CD Application's values" if gitops == "argocd" else "the Flux HelmRelease's values"
        return ("with a GitOps tool the cluster pulls what Git says: build and push the images in CI and update "
                f"each environment's image in Git ({where}); planforge generates no image-update workflow")
    if not c.values.get("services"):
        return "the plan deploys upstream charts only: there is no image of its own to build"
    return ""


def _gitops_not_deliverable(c: Context) -> str:
    """Why the workflow cannot pin the applications' images in Git for Argo CD or Flux ("" when it can): it writes
    each built digest into the applications' per-environment overlays, which raw manifests do not have."""
    if c.values.get("deployment_strategy") == "raw-manifests":
        return ("with raw manifests the applications have no per-environment overlay to pin a built image in: "
                "build and push the images in your CI and set each environment's image in Git")
    if not c.values.get("apps"):
        return "the plan deploys upstream charts only: there is no image of its own to build"
    return ""


def _none(c: Context, line: int, why: str) -> None:
    c.default("delivery", "none", f"plan line {line} asks for CI/CD, reported as not applied: {why}")
    c.default("builds", [], "no delivery workflow")


def _build(c: Context, name: str, image: str) -> tuple[Build, int | None]:
    """The Dockerfile and build context of one service: a Dockerfile of the tree in the service's directory
    (`services/chat-api/Dockerfile`) or named for it (`docker/backend/Dockerfile`, `backend.Dockerfile`), else the
    directory of the tree named like the service; else `<name>/Dockerfile`. It pushes to the image the plan states
    (`image`), else to the GitHub owner's registry (""). Returns the line it was read from."""
    paths = c.plan.source_paths
    directory = _source_directory(paths, name)
    dockerfile = next((t for t in paths if _DOCKERFILE.search(t.path) and _names(t, name, directory)), None)
    if dockerfile is not None:
        context = directory.path.rstrip("/") if directory else dockerfile.path.rpartition("/")[0] or "."
        return Build(name=name, context=context, dockerfile=dockerfile.path, image=image), dockerfile.line
    if directory is not None:
        context = directory.path.rstrip("/")
        return Build(name=name, context=context, dockerfile=f"{context}/Dockerfile", image=image), directory.line
    return Build(name=name, context=name, dockerfile=f"{name}/Dockerfile", image=image), None


# the directories of a tree that hold manifests, not a service's source (`k8s/base/web/` beside `services/web/`)
_MANIFEST_DIRS = re.compile(r"(?:^|/)(?:k8s|kubernetes|manifests|deploy|charts?|helm|overlays|base|argocd|clusters|gitops)/",
                            re.I)


def _source_directory(paths: list[TreePath], name: str) -> TreePath | None:
    """The tree's directory of service `name`'s source: of the directories named like it, one whose comment names a
    Dockerfile, else one outside the manifest directories, else the first."""
    named = [t for t in paths if t.path.endswith("/") and _last(t) == name]
    return min(named, key=lambda t: (re.search(r"\bdockerfile\b", t.comment, re.I) is None,
                                     _MANIFEST_DIRS.search(t.path) is not None), default=None)


def _last(t: TreePath) -> str:
    return t.path.rstrip("/").rpartition("/")[2]


def _names(t: TreePath, name: str, directory: TreePath | None) -> bool:
    """Whether the Dockerfile path t belongs to service `name`."""
    parent, _, file = t.path.rpartition("/")
    if directory is not None and t.path.startswith(directory.path):
        return True
    return parent.rpartition("/")[2] == name or file.lower() in (f"{name}.dockerfile", f"dockerfile.{name}")


def _builds_provenance(c: Context, builds: list[tuple[Build, int | None]]) -> Provenance:
    stated = [ln for _, ln in builds if ln is not None]
    unstated = [b.name for b, ln in builds if ln is None]
    note = ("the plan's tree names no directory or Dockerfile for " + ", ".join(unstated) +
            ": each is built from <name>/Dockerfile") if unstated else None
    if stated:
        return Provenance(source="plan", line=stated[0], text=tx.quote(c.line_text(stated[0])), note=note)
    return Provenance(source="default", note=note)
