"""`wiring/kubernetes-end-of-life`: the Kubernetes minor version a repository pins for an EKS, AKS or GKE cluster is
past (or within `warning_days` of) the end of its standard support, a warning, or past the end of its extended
support, an error: the provider then upgrades the cluster itself. The calendar is `data/kubernetes_support.yaml`;
the date compared with is `Repository.today`."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Iterator

from planforge.validate.base import Finding, Severity
from planforge.validate.manifests import line_of_path
from planforge.validate.wiring.installs import block_distributions
from planforge.validate.wiring.repo import Repository, TfBlock
from planforge.validate.wiring.rules import NAME, vocabulary
from planforge.validate.wiring.tfvalues import root_of
from planforge.yamlio import package_data

RULE = "wiring/kubernetes-end-of-life"
DATE_VARIABLE = "PLANFORGE_SUPPORT_DATE"  # YYYY-MM-DD: compare with that date instead of today
VERSION_NAMES = ("kubernetes_version", "cluster_version")  # variables and module arguments that pin it
# The attribute of each cluster resource that pins the control plane's version.
_RESOURCE_VERSION = {"aws_eks_cluster": "version", "azurerm_kubernetes_cluster": "kubernetes_version",
                     "google_container_cluster": "min_master_version"}
_ASSIGNMENT = re.compile(r'(?m)^[ \t]*(kubernetes_version|cluster_version)[ \t]*=[ \t]*"([^"\n]*)"')
_MINOR = re.compile(r"^v?1\.(\d{1,3})(?:\.\d+)?(?:[-+][\w.+-]*)?$")


@dataclass(frozen=True)
class Support:
    """One minor version's support on one distribution."""

    standard: date
    extended: date


@dataclass(frozen=True)
class Calendar:
    """`data/kubernetes_support.yaml`: one distribution's name, what its extended support is, its versions."""

    name: str
    extended: str
    versions: dict[int, Support]  # minor -> support


@dataclass(frozen=True)
class Pin:
    """A Kubernetes version written for a cluster of `distribution`."""

    minor: int
    written: str
    distribution: str
    display: str
    line: int
    where: str  # "variable \"kubernetes_version\" default", "module.eks cluster_version", ...


def _date_setting() -> tuple[date | None, str]:
    """`PLANFORGE_SUPPORT_DATE` as a date (None when unset or not a date), and its text."""
    text = os.environ.get(DATE_VARIABLE, "").strip()
    try:
        return (date.fromisoformat(text) if text else None), text
    except ValueError:
        return None, text


def support_date() -> date:
    """The date support calendars are compared with: `PLANFORGE_SUPPORT_DATE` (to see which versions will be out of
    support by then), else today."""
    return _date_setting()[0] or date.today()


@cache
def calendars() -> tuple[int, dict[str, Calendar]]:
    """(warning days, calendar per distribution)."""
    data = package_data("kubernetes_support.yaml")
    found = {name: Calendar(str(entry["name"]), str(entry["extended"]),
                            {_minor(v): Support(d["standard"], d["extended"]) for v, d in entry["versions"].items()})
             for name, entry in data["distributions"].items()}
    return int(data["warning_days"]), found


def _minor(value: Any) -> int:
    """The minor of a written version ("1.30", "1.30.4", "v1.30.4-eks-..."); -1 for anything else (a YAML float
    1.30 is 1.3, so only strings count)."""
    match = _MINOR.match(value.strip()) if isinstance(value, str) else None
    return int(match.group(1)) if match else -1


def _directory_distributions(repo: Repository, directory: Path) -> set[str]:
    """The distributions of the clusters a Terraform directory creates, itself or through its modules."""
    return {d for block in repo.tf_dirs.get(directory, []) for d in block_distributions(block)}


def _tfvars_pins(repo: Repository) -> tuple[list[Pin], set[tuple[Path, str]]]:
    """The versions the roots' .tfvars set, and the (root, variable) pairs they set."""
    pins, overridden = [], set()
    for path in repo.tfvars():
        text = repo.read(path)
        if text is None:
            continue
        root = root_of(repo, path)
        for match in _ASSIGNMENT.finditer(text):
            overridden.add((root, match.group(1)))
            if _minor(match.group(2)) < 0:
                continue  # "latest", an interpolation: nothing to judge
            line = text.count("\n", 0, match.start(2)) + 1
            display = str(path.relative_to(repo.root.resolve()))
            pins += [Pin(_minor(match.group(2)), match.group(2), d, display, line, match.group(1))
                     for d in _directory_distributions(repo, root)]
    return pins, overridden


def _block_pins(block: TfBlock) -> Iterator[Pin]:
    """A cluster resource's version attribute, a cluster module call's version argument, as literals."""
    names = [_RESOURCE_VERSION[block.type]] if block.kind == "resource" and block.type in _RESOURCE_VERSION else \
        list(VERSION_NAMES) if block.kind == "module" else []
    for name in names:
        value = block.body.get(name)
        if isinstance(value, str) and _minor(value) >= 0:
            for distribution in block_distributions(block):
                yield Pin(_minor(value), value, distribution, block.display, block.line_of(f"{name} "),
                          f"{block.address} {name}")


def pins(repo: Repository) -> list[Pin]:
    """Every Kubernetes version the repository pins for a cluster whose distribution it names."""
    found, overridden = _tfvars_pins(repo)
    for block in repo.blocks:
        found.extend(_block_pins(block))
    for path, name, default, line in repo.variable_defaults():
        if name in VERSION_NAMES and _minor(default) >= 0 and (path.parent, name) not in overridden:
            found += [Pin(_minor(default), default, d, repo.tf_displays[path], line, f'variable "{name}" default')
                      for d in _directory_distributions(repo, path.parent)]
    for obj in repo.of_kind("ClusterConfig"):
        version = obj.meta("version")
        if obj.group == "eksctl.io" and _minor(version) >= 0:
            line = line_of_path(obj.doc, "metadata.version") or obj.doc.line or 1
            found.append(Pin(_minor(version), str(version), "eks", obj.display, line,
                             "eksctl ClusterConfig metadata.version"))
    return found


def _documented(repo: Repository, minor: int) -> bool:
    """A README or docs/ line names `1.<minor>` in backticks and says the cluster runs on extended support."""
    words = vocabulary().extended_support_documented
    return any(f"`1.{minor}`" in line and words.search(line) for _d, text in repo.docs for line in text.splitlines())


def _supported(calendar: Calendar, today: date, warning: timedelta) -> str:
    """The minor versions in standard support beyond the warning window, for the hint."""
    return ", ".join(f"1.{m}" for m, s in sorted(calendar.versions.items()) if s.standard - warning > today) or \
        "the newest the provider offers"


def _judge(pin: Pin, calendar: Calendar, today: date, warning: timedelta) -> tuple[Severity, str] | None:
    """(severity, what is wrong) of `pin` on `today`, None when it is supported (or newer than the calendar)."""
    support = calendar.versions.get(pin.minor)
    oldest = min(calendar.versions)
    version = f"{calendar.name} 1.{pin.minor}"
    if support is None:
        if pin.minor > oldest:
            return None
        return Severity.ERROR, (f"{version} is older than every version of the support calendar: out of support; "
                                f"1.{oldest}'s extended support ended on {calendar.versions[oldest].extended}")
    if today > support.extended:
        return Severity.ERROR, (f"{version}'s extended support ended on {support.extended}: {calendar.name} upgrades "
                                "the cluster itself, outside this repository")
    if today > support.standard:
        return Severity.WARNING, (f"{version}'s standard support ended on {support.standard}: only "
                                  f"{calendar.extended} covers it, until {support.extended}")
    if today >= support.standard - warning:
        return Severity.WARNING, (f"{version}'s standard support ends on {support.standard}, in "
                                  f"{(support.standard - today).days} days")
    return None


def version_support(distribution: str, version: str, today: date) -> tuple[Severity, str] | None:
    """(severity, what is wrong) of Kubernetes `version` ("1.30") on `distribution` (eks, aks, gke) on `today`;
    None when it is supported, newer than the calendar, or of a distribution the calendar does not hold (the
    plan reader warns with it when a plan pins such a version)."""
    calendar = calendars()[1].get(distribution)
    if calendar is None or _minor(version) < 0:
        return None
    pin = Pin(_minor(version), version, distribution, "", 0, "")
    return _judge(pin, calendar, today, timedelta(days=calendars()[0]))


def extended_support(distribution: str, version: str, today: date) -> Support | None:
    """The support of Kubernetes `version` on `distribution` when, on `today`, only the provider's extended support
    covers it (standard support over, extended not): a cluster must opt in to create it (GKE's Extended channel,
    AKS's long-term support). None otherwise."""
    calendar = calendars()[1].get(distribution)
    support = calendar.versions.get(_minor(version)) if calendar else None
    return support if support and support.standard < today <= support.extended else None


def check_end_of_life(repo: Repository) -> list[Finding]:
    days, known = calendars()
    warning = timedelta(days=days)
    findings = []
    setting, text = _date_setting()
    if text and setting is None:
        findings.append(Finding(NAME, RULE, Severity.WARNING, f"{DATE_VARIABLE}={text!r} is not a date: support "
                                f"is compared with today ({repo.today})", hint=f"write {DATE_VARIABLE}=YYYY-MM-DD"))
    for pin in pins(repo):
        calendar = known.get(pin.distribution)
        judged = _judge(pin, calendar, repo.today, warning) if calendar else None
        if calendar is None or judged is None or (judged[0] is Severity.WARNING and _documented(repo, pin.minor)):
            continue
        severity, message = judged
        findings.append(Finding(
            NAME, RULE, severity, f"{pin.where} {pin.written!r}: {message}", pin.display, pin.line,
            hint=f"upgrade one minor version at a time to one in standard support "
            f"({_supported(calendar, repo.today, warning)}) and set it here; staying on extended support on purpose: "
            f"a README line naming `1.{pin.minor}` and saying it runs on extended support (or long-term support) "
            "accepts the warning, never the error"))
    return findings
