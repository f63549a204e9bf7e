"""`wiring/placeholder-reference`: a value the cluster fetches or serves is a placeholder (CHANGE-ME, REPLACE_ME,
an `example.invalid` host): an Argo CD `repoURL` or a Flux source `url` (nothing syncs), a container image (the pod
never pulls), an Ingress, Certificate or route hostname (nothing resolves, no certificate is issued). A warning, an
error with `--strict`; a value a README or docs/ line lists as set by you is accepted (`placeholders`). The
repository's own Git URL that `planforge new` left a placeholder (`.planforge.yaml` `repo_url` holds the same
value) stays a warning with `--strict`: generation warned about it and the README's Placeholder note lists it."""
from __future__ import annotations

from typing import Any, Iterator

from planforge.validate.argocd import normalize_repo_url, own_repo_urls
from planforge.validate.base import Finding, Severity
from planforge.validate.policy.workloads import POD_SPEC_PATHS, containers
from planforge.validate.wiring.placeholders import documented_placeholders
from planforge.validate.wiring.repo import FieldPath, K8sObject, Repository
from planforge.validate.wiring.rules import vocabulary

RULE = "wiring/placeholder-reference"
_FLUX_SOURCES = ("GitRepository", "OCIRepository", "HelmRepository", "Bucket")
_ROUTES = ("HTTPRoute", "GRPCRoute", "TLSRoute")
_WHAT = {"source": "GitOps source URL", "image": "image", "host": "hostname"}
_CONSEQUENCE = {"source": "the controller cannot fetch it, nothing syncs",
                "image": "the pod cannot pull it and never starts",
                "host": "nothing resolves it and no certificate can be issued for it"}
_FIX = {"source": "set the URL of the repository the controller fetches from",
        "image": "set the image your CI pushes (registry/name:tag)",
        "host": "set the DNS name this cluster serves"}


def _sources(obj: K8sObject) -> Iterator[tuple[FieldPath, Any]]:
    if obj.kind in ("Application", "ApplicationSet"):
        spec = ("spec", "template", "spec") if obj.kind == "ApplicationSet" else ("spec",)
        yield from ((path + ["repoURL"], source.get("repoURL")) for path, source in obj.sources(spec))
        generators = obj.field(["spec", "generators"]) if obj.kind == "ApplicationSet" else None
        for i, generator in enumerate(generators if isinstance(generators, list) else []):
            git = generator.get("git") if isinstance(generator, dict) else None
            if isinstance(git, dict):
                yield ["spec", "generators", i, "git", "repoURL"], git.get("repoURL")
    elif obj.kind in _FLUX_SOURCES and obj.group.endswith("toolkit.fluxcd.io"):
        yield ["spec", "url"], obj.field(["spec", "url"])


def _images(obj: K8sObject) -> Iterator[tuple[FieldPath, Any]]:
    spec = POD_SPEC_PATHS.get(obj.kind)
    pod = obj.field(list(spec)) if spec is not None else None
    if spec is not None and isinstance(pod, dict):
        for group, index, container in containers(pod):
            yield [*spec, group, index, "image"], container.get("image")


def _hosts(obj: K8sObject) -> Iterator[tuple[FieldPath, Any]]:
    listed: list[tuple[FieldPath, Any]] = []
    if obj.kind == "Ingress":
        listed += [(["spec", "rules", i, "host"], r.get("host")) for i, r in enumerate(_list(obj, "spec", "rules"))
                   if isinstance(r, dict)]
        for i, tls in enumerate(_list(obj, "spec", "tls")):
            hosts = tls.get("hosts") if isinstance(tls, dict) else None
            listed += [(["spec", "tls", i, "hosts", j], h) for j, h in enumerate(hosts if isinstance(hosts, list) else [])]
    elif obj.kind == "Certificate" and obj.group == "cert-manager.io":
        listed += [(["spec", "dnsNames", i], h) for i, h in enumerate(_list(obj, "spec", "dnsNames"))]
        listed.append((["spec", "commonName"], obj.field(["spec", "commonName"])))
    elif obj.kind in _ROUTES:
        listed += [(["spec", "hostnames", i], h) for i, h in enumerate(_list(obj, "spec", "hostnames"))]
    yield from listed


def _list(obj: K8sObject, *path: str) -> list[Any]:
    value = obj.field(list(path))
    return value if isinstance(value, list) else []


def _fields(obj: K8sObject) -> Iterator[tuple[str, FieldPath, Any]]:
    yield from (("source", path, value) for path, value in _sources(obj))
    yield from (("image", path, value) for path, value in _images(obj))
    yield from (("host", path, value) for path, value in _hosts(obj))


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and "${" not in value and "{{" not in value and bool(
        vocabulary().placeholder_markers.search(value))


def _own_url_hint(obj: K8sObject, value: str) -> str:
    """How to set this repository's own Git URL, left a placeholder because it was generated without --repo-url."""
    where = ("the Flux GitRepository `url` under clusters/" if obj.kind in _FLUX_SOURCES else
             "every Argo CD `repoURL` and AppProject `sourceRepos` entry under argocd/")
    return (f"`{value}` stands for this repository's Git URL (generated without --repo-url): replace it with the "
            f"repository's clone URL in {where} and in `repo_url` of .planforge.yaml, or regenerate with `planforge "
            "new PLAN DIR --repo-url URL` (the README's Placeholder note)")


def check_references(repo: Repository) -> list[Finding]:
    accepted = documented_placeholders(repo)
    own = own_repo_urls(repo.root, repo.bounds)
    severity = Severity.ERROR if repo.strict else Severity.WARNING
    findings = []
    for obj in repo.objects:
        for what, path, value in _fields(obj):
            if not _is_placeholder(value) or value in accepted:
                continue
            if what == "source" and normalize_repo_url(value) in own:  # generation warned, the README says so
                findings.append(obj.finding(RULE, f"this repository's Git URL {value!r} is still the placeholder "
                                            f"planforge wrote: {_CONSEQUENCE[what]}", path, _own_url_hint(obj, value),
                                            Severity.WARNING))
                continue
            hint = f"{_FIX[what]}; a value you set on purpose later: list `{value}` in the README as set by you"
            findings.append(obj.finding(RULE, f"the {_WHAT[what]} {value!r} is a placeholder: {_CONSEQUENCE[what]}",
                                        path, hint, severity))
    return findings
