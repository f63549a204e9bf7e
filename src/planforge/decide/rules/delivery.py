"""Delivery rules: GitOps tool, deployment strategy, Terraform state backend and locking, secrets manager."""
from __future__ import annotations

import re
from typing import Any

from planforge.decide import text as tx
from planforge.decide.answer_rules import patterns
from planforge.decide.context import Context
from planforge.decide.data import accepted_values, basic_cloud, keywords
from planforge.decide.rules import existing, renderers
from planforge.decide.rules.structure import INFRA_STRUCTURES
from planforge.decide.rules.statements import sentence_matches
from planforge.decide.rules.tools import line_choosing, lines_naming
from planforge.plan.model import Field

_ARGO_CD = r"argo\s*-?cd"
_FLUX = r"\bflux(?:\s?-?cd)?\b"
_GITOPS_TOOLS = {"argocd": _ARGO_CD, "flux": _FLUX}
_FLUX_VERSION = r"\bflux(?:\s?-?cd)?\s*(?:v(?:ersion)?\s*)?(\d+\.\d+(?:\.\d+)?)\b"
# A release tag the plan names (`release tag v1.2.0`, `git tag v2.0.0`, `tagged as 1.4.0`): production pins it
_RELEASE_TAG = (r"\b(?:release(?:\s+tag)?|version\s+tag|git\s+tag|tagged(?:\s+as)?)\s*[:=]?\s*`?"
                r"(v\d+(?:\.\d+){1,2}|\d+\.\d+\.\d+)(-[0-9A-Za-z.]+)?(?![\w.])")
_FIRST_RELEASE = "v0.1.0"
_UNSUPPORTED_BACKENDS = r"\bhcp\b|consul|\bpg\b|postgres|artifactory|\bhttp\b|kubernetes"
# S3's native lock file (`use_lockfile`, Terraform >= 1.10): asked for, it wins over a DynamoDB table named beside it
_S3_LOCKFILE = (r"use_lockfile|\blockfiles?\b|\b(?:s3|native|state)\s+lock\s*files?\b"
                r"|\bnative\s+(?:s3\s+)?(?:state\s+)?lock(?:ing|s)?\b|\bs3\s+native\s+lock")


def decide_delivery(c: Context, structure: str, d: dict[str, Any]) -> None:
    _gitops(c)
    _flux_structure(c, structure)
    existing.decide_flux_bootstrapped(c)
    if "flux_version" not in c.values:
        c.default("flux_version", "", "no Flux version in the plan: the bootstrap uses the latest Flux release")
    _release_tag(c)
    _strategy(c, structure)
    _state(c, structure, d)
    _secrets(c, structure, d)


def _gitops(c: Context) -> None:
    p = c.plan
    f = p.field("gitops")
    if f is not None and not f.unresolved:
        _gitops_field(c, f)
        return
    if f is not None:
        c.left_unresolved("gitops", "none", f)
        return
    found = {tool: _gitops_named(c, rx) for tool, rx in _GITOPS_TOOLS.items()}
    if found["argocd"] and found["flux"]:
        _both_tools(c, found["argocd"], found["flux"])
        return
    for tool, line in found.items():
        if line:
            c.from_line("gitops", tool, line)
            _flux_version(c, tool, line)
            return
    c.default("gitops", "none", "the plan names no GitOps tool")


def _gitops_field(c: Context, f: Field) -> None:
    """The GitOps field: Argo CD, Flux or none; another line choosing the other tool contradicts it."""
    text = f.plain.lower()
    named = [tool for tool, rx in _GITOPS_TOOLS.items() if tx.find(rx, text)]  # "Flux (not Argo CD)": Flux
    if len(named) == 2:
        _both_tools(c, f.line, f.line)
    elif named:
        tool = named[0]
        other = next(t for t in _GITOPS_TOOLS if t != tool)
        elsewhere = _gitops_named(c, _GITOPS_TOOLS[other])
        if elsewhere and elsewhere != f.line:
            lines = {tool: f.line, other: elsewhere}
            _both_tools(c, lines["argocd"], lines["flux"])
            return
        c.from_field("gitops", tool, f)
        _flux_version(c, tool, f.line)
    elif re.fullmatch(r"(n/?a|none|no|-)\.?", text) or text.startswith("none"):
        c.from_field("gitops", "none", f)
    else:
        c.problem(f, "gitops", f"unsupported GitOps tool {f.plain!r}; supported: {accepted_values('gitops')}",
                  "use ArgoCD, Flux or N/A")
        c.values["gitops"] = "none"


def _flux_structure(c: Context, structure: str) -> None:
    """Flux is generated for the structures with a Kubernetes side of their own (layout.yml's flux rows)."""
    if c.values.get("gitops") == "flux" and structure not in ("multi-tool", "multi-tenant", "helm-chart"):
        c.problem(c.plan.field("gitops"), "gitops",
                  f"Flux is generated for multi-tool, multi-tenant and helm-chart repositories, not {structure}",
                  "state the cluster in the Kubernetes field (e.g. `GKE 1.31`) for a multi-tool repository, "
                  "or use ArgoCD or N/A", line=c.provenance["gitops"].line)


def _gitops_named(c: Context, rx: str) -> int | None:
    """The first context field or Structure Decision naming the tool, else the first line choosing it."""
    hit = tx.first_hit(rx, [*c.plan.fields, c.plan.structure_decision])
    return hit.field.line if hit else line_choosing(c.plan, rx)


def _both_tools(c: Context, argo_line: int, flux_line: int) -> None:
    where = f"line {argo_line}" if argo_line == flux_line else f"lines {argo_line} (Argo CD) and {flux_line} (Flux)"
    c.problem(None, "gitops", f"contradiction: Argo CD and Flux are both named as the GitOps tool ({where}); "
              "one tool syncs a cluster", "keep one of them in the plan (the other as an alternative, if at all)",
              line=argo_line)
    c.values["gitops"] = "none"


def _flux_version(c: Context, tool: str, line: int) -> None:
    """The Flux version stated on the line choosing Flux (`Flux CD 2.3`, `Flux v2.3.0`): the bootstrap's CLI; a minor
    version is its first release (`2.3.0`: the install script looks a release up by its full version)."""
    if tool != "flux":
        return
    m = re.search(_FLUX_VERSION, c.line_text(line), re.I)
    if m is None:
        return
    version = m.group(1)
    if version.count(".") == 1:  # `Flux 2.4`: the install script takes a release, so the minor's first one
        c.stated("flux_version", f"{version}.0", line, m.group(0))  # the stated minor is carried, as its first release
        c.add_note("flux_version", f"Flux {version} is a minor version: its first release, {version}.0 (the Flux "
                   "install script takes a full release version)")
        return
    c.from_line("flux_version", version, line)


def _release_tag(c: Context) -> None:
    """The release tag production GitOps sources pin (Flux: start from): the first plan line naming one, else the
    first release."""
    line = line_choosing(c.plan, _RELEASE_TAG)
    m = re.search(_RELEASE_TAG, c.line_text(line), re.I) if line is not None else None
    if m is None:
        c.default("release_tag", _FIRST_RELEASE, f"no release tag in the plan: production starts at {_FIRST_RELEASE}, "
                  "the first release (tag it before the first production sync)")
        return
    c.from_line("release_tag", m.group(1) + (m.group(2) or ""), line)


# `both clusters reconcile from the `main` branch`, `all environments track main`, `prod follows main`
_PRODUCTION_ON_BRANCH = re.compile(
    r"\b(?:both|all|every|each)\s+(?:of\s+the\s+)?(?:clusters?|environments?)\b[\w ,]{0,30}?\b(?:reconciles?|syncs?|tracks?"
    r"|follows?|deploys?)\s+(?:from\s+)?(?:the\s+)?(main|master|trunk)(?:\s+branch)?\b"
    r"|\bprod(?:uction)?\b[\w ,]{0,30}?\b(?:reconciles?|syncs?|tracks?|follows?)\s+(?:from\s+)?(?:the\s+)?"
    r"(main|master|trunk)(?:\s+branch)?\b", re.I)


_GITOPS_BRANCH = re.compile(r"\bbranch\s*+:?\s*+`?(?:main|master|trunk)\b`?", re.I)


# the repository the GitOps tool reconciles from, as a line names it (`repo https://github.com/acme/infra.git`,
# `reconcile from the main branch of https://github.com/acme/infra`, `Git repository: git@github.com:acme/infra.git`)
_REPO_WORDS = r"\b(?:repo(?:sitory)?|reconcil\w*|sync\w*)\b"
# a repository on a Git host, written without its scheme (`github.com/northwind/clinics-infra`)
_HOSTED_REPO = re.compile(r"(?<![\w./:@-])((?:github\.com|gitlab\.com|bitbucket\.org)/[A-Za-z0-9._-]+/[A-Za-z0-9._/-]*"
                          r"[A-Za-z0-9_-])")
_REPO_URL = re.compile(_REPO_WORDS + r"[^.;|]{0,60}?`?((?:https://|ssh://|git@)[A-Za-z0-9._/:@+-]*[A-Za-z0-9_/-])`?", re.I)


def decide_repo_url(c: Context) -> None:
    """Set `repo_url` from the first line naming the repository the GitOps tool reconciles from (Argo CD, Flux)."""
    if c.values.get("gitops") not in ("flux", "argocd"):
        return
    valid = patterns()["git_url"].regex
    named = [(line, m) for line, _ in lines_naming(c.plan, _REPO_WORDS)
             for m in [_REPO_URL.search(c.plan.lines[line - 1])] if m is not None]
    # a sentence wrapped over lines (`both clusters reconcile` / `from the main branch of https://...`)
    named += [(p.line_at(m.start(1)), m) for p, m in sentence_matches(c.plan, _REPO_URL)]
    for line, m in named:
        if valid.match(m.group(1)):
            c.stated("repo_url", m.group(1), line, m.group(1))
            return
    # the GitOps field naming a hosted repository without a scheme (`Flux v2 (bootstrapped against
    # `github.com/northwind/clinics-infra`, branch `main`)`): the HTTPS URL the bootstrap clones
    field = c.plan.field("gitops")
    m = _HOSTED_REPO.search(field.plain) if field is not None else None
    if m is not None and valid.match(f"https://{m.group(1)}"):
        c.stated("repo_url", f"https://{m.group(1)}", field.line, m.group(1))


def report_production_on_a_branch(c: Context) -> None:
    """Production's GitOps sources follow release tags: a sentence saying it follows the default branch is reported
    (`both clusters reconcile from the main branch`)."""
    if c.values.get("gitops") not in ("flux", "argocd"):
        return
    said = [(p.line_at(m.start()), m.group(0)) for p, m in sentence_matches(c.plan, _PRODUCTION_ON_BRANCH)]
    # the GitOps field naming the one branch every environment reconciles (`Argo CD ..., repo ..., branch `main``)
    field = c.plan.field("gitops")
    m = _GITOPS_BRANCH.search(field.plain) if field is not None else None
    if m is not None:
        said.append((field.line, m.group(0)))
    for line, words in sorted(said)[:1]:
        c.unapplied(line, words, f"production follows the release tags from "
                    f"{c.values.get('release_tag', _FIRST_RELEASE)} on (README: Releases), never a branch: a merge "
                    "reaches the other environments first; tag a commit to release it")


def _strategy(c: Context, structure: str) -> None:
    """Deployment Strategy of the specops template; every other plan gets Helm-first. A Terraform-only plan's
    strategy, and a strategy of N/A, choose nothing (no manifests are generated from it)."""
    f = c.plan.field("deployment_strategy")
    if f is None or f.unresolved or not c.plan.is_infra_template:
        c.default("deployment_strategy", "helm-first", "Helm-first with Kustomize fallback (constitution default)")
        return
    text = f.plain.lower()
    if re.search(r"helm", text):
        c.from_field("deployment_strategy", "helm-first", f)
    elif re.search(r"kustomize", text):
        c.from_field("deployment_strategy", "kustomize-only", f)
    elif re.search(r"raw|plain manifests|manifests", text):
        c.from_field("deployment_strategy", "raw-manifests", f)
    elif structure == "single-iac" or re.match(r"(?:n/?a|none|not applicable)\b", text):
        c.applied(f.line, f.plain, "deployment_strategy")
        c.default("deployment_strategy", "helm-first", f"the plan's strategy (line {f.line}) chooses no Kubernetes "
                  "manifests: " + ("a single-iac repository has none" if structure == "single-iac" else "Helm-first"))
    else:
        c.problem(f, "deployment_strategy",
                  f"unsupported deployment strategy {f.plain!r}; supported: {accepted_values('deployment_strategy')}",
                  "use one of the three template strategies")
        c.values["deployment_strategy"] = "helm-first"


# --------------------------------------------------------------------------- state
def _state(c: Context, structure: str, d: dict[str, Any]) -> None:
    c.default("tfc_organization", "", "the state is not kept in HCP Terraform")
    if structure not in INFRA_STRUCTURES or c.values.get("existing_clusters"):
        c.default("state_backend", "none", "no Terraform in this plan")
        c.default("state_locking", "none", "no Terraform in this plan")
        return
    if renderers.decide_state(c):
        return
    f = c.plan.field("state_backend")
    if f is not None and f.unresolved:
        c.values["state_backend"] = "none"
        c.values["state_locking"] = "none"
    elif f is not None:
        _state_from_field(c, f)
    elif not _state_from_context(c):
        _default_state(c, d)
    _s3_compatible_state(c)
    _note_lockfile_version(c)


def _s3_compatible_state(c: Context) -> None:
    """The S3 backend of DigitalOcean (a Spaces bucket) or Oracle Cloud (Object Storage's S3-compatible API) keeps
    state but cannot lock it: no locking, said in the decision and the Terraform README."""
    basic = basic_cloud(c.values.get("cloud", "none"))
    if basic is None or c.values.get("state_backend") != "s3":
        return
    if c.values.get("state_locking") != "none":
        c.values["state_locking"] = "none"
        c.add_note("state_locking", f"none: {basic['state']}: apply each root from one place at a time, or keep the "
                   "state in HCP Terraform (State Backend: Terraform Cloud), which locks it")
    version = str(c.values.get("terraform_version", ""))
    if c.values.get("iac_tool") == "terraform" and "terraform_version" in c.provenance and \
            re.fullmatch(r"\d+\.\d+(\.\d+)?", version) and \
            tuple(int(x) for x in (version.split(".") + ["0"])[:3]) < (1, 6, 3):
        c.add_note("terraform_version", f"the roots require >= 1.6.3: the S3 backend's skip_s3_checksum, which "
                   f"{basic['name']}'s S3-compatible store needs, exists from 1.6.3, so {version} cannot run them")


def _note_lockfile_version(c: Context) -> None:
    """S3 native locking (use_lockfile) exists from Terraform (and OpenTofu) 1.10: the roots then require 1.10 and CI
    installs it, whatever older version the plan names; the version's decision says so."""
    version = str(c.values.get("terraform_version", ""))
    if c.values.get("state_locking") != "lockfile" or not re.fullmatch(r"\d+\.\d+(\.\d+)?", version) or \
            tuple(int(x) for x in version.split(".")[:2]) >= (1, 10) or "terraform_version" not in c.provenance:
        return
    c.add_note("terraform_version", f"the roots require >= 1.10 and CI installs 1.10.0: S3 native locking "
               f"(use_lockfile), the state locking decided, exists from 1.10, so {version} cannot run them")


def _state_from_field(c: Context, f: Field) -> None:
    text = f.plain.lower()
    if tx.find(keywords().terraform_cloud, text):  # not `S3 (not Terraform Cloud)`
        _terraform_cloud(c, f)
        return
    backend = None
    if not re.search(_UNSUPPORTED_BACKENDS, text):
        backend = _backend_of(text, c.values.get("terraform_version", "1.6"))
    if backend is None:
        c.problem(f, "state_backend", f"unsupported state backend {f.plain!r}; supported: {accepted_values('state_backend')}",
                  "use the remote state of the plan's cloud")
        c.values.update(state_backend="none", state_locking="none")
        return
    c.from_field("state_backend", backend[0], f)
    c.from_field("state_locking", backend[1], f)
    # the field's first clause names the backend (`S3 bucket with DynamoDB locking`): what it says is built
    c.applied(f.line, re.split(r"[,;(]", f.plain)[0].strip(), "state_backend")


def _terraform_cloud(c: Context, f: Field) -> None:
    """HCP Terraform (Terraform Cloud) keeps the state and locks it itself; its organization is stated in the field
    or on another plan line naming HCP Terraform ("TFC org acme")."""
    c.from_field("state_backend", "terraform-cloud", f)
    c.from_field("state_locking", "native", f)
    kw = keywords()
    lines = [(f.line, f.plain)] + [(n, t) for n, t in enumerate(c.plan.lines, 1)
                                    if n != f.line and re.search(kw.terraform_cloud, t, re.I)]
    for line, text in lines:
        m = re.search(kw.tfc_organization, text, re.I)
        if m:
            c.stated("tfc_organization", m.group(1), line, m.group(0))
            return
    c.problem(f, "tfc_organization", f"{f.plain!r} names no HCP Terraform organization to keep the state in",
              "name it in the field, e.g. `Terraform Cloud (organization acme)`")
    c.values["tfc_organization"] = ""


def _state_from_context(c: Context) -> bool:
    """A context field that speaks of state (`S3 for remote state ... DynamoDB for state locking`)."""
    p = c.plan
    hit = tx.first_hit(r"\bs3\b|dynamodb|\bgcs\b|azure blob|azure storage|storage account|azurerm|state backend",
                       [*p.fields, p.structure_decision])
    backend = _backend_of(hit.field.plain.lower(), c.values.get("terraform_version", "1.6")) if hit else None
    if hit and backend and "state" in hit.field.plain.lower():
        c.from_field("state_backend", backend[0], hit.field)
        c.from_field("state_locking", backend[1], hit.field)
        return True
    return False


def _default_state(c: Context, d: dict[str, Any]) -> None:
    cloud = c.values.get("cloud", "none")
    dflt = d["state_backends"].get(cloud)
    if dflt:
        c.default("state_backend", dflt["backend"], f"remote state of {cloud} (data/defaults.yaml)")
        c.default("state_locking", dflt["locking"], f"state locking of {cloud} (data/defaults.yaml)")
    else:
        c.default("state_backend", "none", "no cloud, local state")
        c.default("state_locking", "none", "no cloud, local state")


def _backend_of(text: str, tf_version: str) -> tuple[str, str] | None:
    """(backend, locking) a text names. S3 locks with its lock file when the text asks for it (or rules DynamoDB
    out), with a DynamoDB table the text names, else with DynamoDB before Terraform 1.10 and the lock file from 1.10."""
    if re.search(r"\bs3\b|\bspaces\b|\bobject storage\b", text):
        if re.search(_S3_LOCKFILE, text):
            return "s3", "lockfile"
        if tx.find(r"dynamodb", text):
            return "s3", "dynamodb"
        if "dynamodb" in text:  # "no DynamoDB": the lock file
            return "s3", "lockfile"
        major_minor = tuple(int(x) for x in tf_version.split(".")[:2])
        return ("s3", "lockfile") if major_minor >= (1, 10) else ("s3", "dynamodb")
    if re.search(r"azure blob|azure storage|storage account|azurerm|blob storage", text):
        return "azurerm", "native"
    if re.search(r"\bgcs\b|google cloud storage|cloud storage bucket", text):
        return "gcs", "native"
    if re.search(r"\blocal\b|\bnone\b|n/a", text):
        return "none", "none"
    return None


# --------------------------------------------------------------------------- secrets
def _secrets(c: Context, structure: str, d: dict[str, Any]) -> None:
    p = c.plan
    f = p.field("secrets_management")
    if f is not None and not f.unresolved:
        _secrets_from_field(c, f)
        return
    if f is not None:
        c.left_unresolved("secrets_manager", "none", f)
        return
    for fld in [*p.fields, p.structure_decision]:
        if fld is None or fld.unresolved or not re.search(r"secret|vault", fld.plain, re.I):
            continue
        name = _secrets_of(fld.plain.lower())
        if name and (name != "kubernetes" or re.search(r"kubernetes secrets?|k8s secrets?", fld.plain, re.I)):
            c.from_field("secrets_manager", name, fld)
            _vault_address(c, fld, name)
            return
    cloud = c.values.get("cloud", "none") if structure in INFRA_STRUCTURES else "none"
    c.default("secrets_manager", d["secrets_managers"].get(cloud, "kubernetes"),
              f"no secrets manager in the plan; default for {cloud if cloud != 'none' else 'Kubernetes'} (data/defaults.yaml)")


def _secrets_from_field(c: Context, f: Field) -> None:
    text = f.plain.lower()
    if re.fullmatch(r"(n/?a|none)\.?", text):
        c.from_field("secrets_manager", "none", f)
        return
    name = _secrets_of(text)
    if name is None:
        c.problem(f, "secrets_manager", f"unsupported secrets manager {f.plain!r}; supported: {accepted_values('secrets_management')}",
                  "name a supported secrets manager")
        c.values["secrets_manager"] = "none"
        return
    c.from_field("secrets_manager", name, f)
    _vault_address(c, f, name)
    _others_named(c, f, name)
    _created_by_terraform(c, f, name)
    _oracle_only(c, f, name)


def _oracle_only(c: Context, f: Field, name: str) -> None:
    """OCI Vault is read by External Secrets on OKE as a workload identity of the cluster: on no other cloud."""
    clouds = c.values.get("clouds") or [c.values.get("cloud", "none")]
    if name == "oci-vault" and "oci" not in clouds:
        c.problem(f, "secrets_manager", f"OCI Vault is Oracle Cloud's secrets manager, and this repository builds on "
                  f"{', '.join(clouds)}: External Secrets reads it as a workload identity of an OKE cluster",
                  "name the secrets manager of the plan's cloud, or HashiCorp Vault")


def _created_by_terraform(c: Context, f: Field, name: str) -> None:
    """`Kubernetes Secrets created by Terraform`: no root writes into a cluster (no kubernetes provider); the README
    lists each Secret with the command that creates it from the roots' outputs."""
    m = re.search(r"\b(?:created|written|managed|generated)\s+(?:by|with|from|in)\s+(?:terraform|opentofu)\b", f.plain, re.I)
    if name == "kubernetes" and m is not None:
        c.unapplied(f.line, m.group(0), "no Terraform root writes into a cluster (no kubernetes provider): the README "
                    "lists each Secret with the command that creates it, from the roots' outputs where they hold it")


def _vault_address(c: Context, f: Field, name: str) -> None:
    """Vault: the secret stores ship a placeholder address the user sets (the README lists it as set by you)."""
    if name == "vault":
        c.warn(f, "secrets_manager", "HashiCorp Vault: the generated secret stores point at "
               "https://vault.example.invalid:8200 until you set your Vault's address there (the README lists it "
               "under 'Values set by you')")


def _others_named(c: Context, f: Field, chosen: str) -> None:
    """Report the secrets managers the field names beside the one chosen (`Kubernetes Secrets + Azure Key Vault
    (optional)`): only the chosen one is generated."""
    patterns = keywords().secrets_patterns
    taken = tx.find(patterns[chosen], f.plain)
    spans = [taken[1]] if taken is not None else []  # words read already (`Vault` of `Azure Key Vault`)
    for name, rx in patterns.items():
        hit = tx.find(rx, f.plain)
        if name in (chosen, "kubernetes") or hit is None or any(_overlap(hit[1], s) for s in spans):
            continue
        spans.append(hit[1])
        c.unapplied(f.line, hit[1].group(0), f"{hit[1].group(0)} named beside the secrets manager chosen ({chosen}), "
                    "which is the only one generated")


def _overlap(a: re.Match[str], b: re.Match[str]) -> bool:
    return a.start() < b.end() and b.start() < a.end()


def _secrets_of(text: str) -> str | None:
    """The secrets manager named first in text (data/keywords.yaml secrets_patterns)."""
    best: tuple[int, str] | None = None
    for name, rx in keywords().secrets_patterns.items():
        hit = tx.find(rx, text)
        if hit and (best is None or hit[0] < best[0]):
            best = (hit[0], name)
    return best[1] if best else None
