"""`wiring/storageclass-missing`: a claim whose StorageClass nothing provides, or whose provisioner has no driver
running, stays Pending (and its pod with it). Read: the `storageClassName` of a PersistentVolumeClaim, of a
StatefulSet's `volumeClaimTemplates`, and `storageClassName` / `storageClass` values of a catalog chart an Argo CD
Application or Flux HelmRelease deploys; the StorageClasses the repository defines (manifests, Terraform
`kubernetes_storage_class`); the classes the cluster's distribution creates and the CSI drivers nothing but an
install provides (`data/storage.yaml`). Judged only when the repository says which distribution its cluster runs
(`installs`), and that distribution is in the table. A claim naming no class takes the cluster's default one: on a
distribution that marks none default (EKS clusters created at 1.30 or later, RKE2, kubeadm; EKS judged only when the
repository creates the cluster) it stays Pending unless the repository defines a default class."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Iterator

from planforge.decide.data import load
from planforge.validate.base import Finding
from planforge.validate.wiring.identity import deployed_components
from planforge.validate.wiring.installs import block_distributions, helm_install_chart, installed, words
from planforge.validate.wiring.repo import FieldPath, K8sObject, Repository, walk_values
from planforge.validate.wiring.secrets import helm_values
from planforge.validate.wiring.tfvalues import TerraformValues

RULE = "wiring/storageclass-missing"
CHART_KEYS = ("storageClassName", "storageClass")  # chart values naming the class of the chart's claims
TERRAFORM_CLASSES = ("kubernetes_storage_class", "kubernetes_storage_class_v1")
_NO_CLASS = ("", "-")  # the cluster's default class; "-" is Helm charts' way of saying no class
DEFAULT_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
# Terraform text that defines a default class: the annotation, or the EBS CSI add-on's own default class
_TERRAFORM_DEFAULTS = (DEFAULT_ANNOTATION, "defaultStorageClass")


@dataclass(frozen=True)
class Distribution:
    name: str
    classes: dict[str, str]  # class -> provisioner
    add: str
    has_default: bool | None  # None: not judged
    created_only: bool  # a missing default is judged only on a cluster the repository creates


@dataclass(frozen=True)
class Driver:
    name: str
    provisioners: frozenset[str]
    installs: tuple[str, ...]
    add: str


@cache
def table() -> tuple[dict[str, Distribution], list[Driver]]:
    """`data/storage.yaml`: the distributions' classes, the drivers to install."""
    data = load("storage.yaml")
    distributions = {key: Distribution(str(e["name"]), dict(e.get("classes") or {}), " ".join(str(e["add"]).split()),
                                       (e["default"] is not None) if "default" in e else None,
                                       bool(e.get("created_only")))
                     for key, e in data["distributions"].items()}
    drivers = [Driver(str(e["name"]), frozenset(e["provisioners"]), tuple(e["installs"]), " ".join(str(e["add"]).split()))
               for e in data["drivers"].values()]
    return distributions, drivers


def _named(value: Any) -> bool:
    return isinstance(value, str) and value not in _NO_CLASS and "${" not in value and "{{" not in value


def _references(repo: Repository) -> Iterator[tuple[K8sObject, FieldPath, str]]:
    """(object, path, class) of every StorageClass name a claim or a catalog chart's values give."""
    for obj in repo.objects:
        if obj.kind == "PersistentVolumeClaim" and not obj.group:
            yield obj, ["spec", "storageClassName"], obj.field(["spec", "storageClassName"])
        elif obj.kind == "StatefulSet" and isinstance(obj.field(["spec", "volumeClaimTemplates"]), list):
            for index, _template in enumerate(obj.field(["spec", "volumeClaimTemplates"])):
                path: FieldPath = ["spec", "volumeClaimTemplates", index, "spec", "storageClassName"]
                yield obj, path, obj.field(path)
    for obj, _component, chart, _values in deployed_components(repo):
        source = chart[:-1] if obj.kind == "Application" else []
        for where, values in helm_values(obj):
            if where[:len(source)] == source:
                yield from ((obj, [*where, *p], v) for p, key, v in walk_values(values) if key in CHART_KEYS)


def _defined(repo: Repository) -> dict[str, tuple[Any, Any]]:
    """class -> (where it is defined, its provisioner) of the StorageClasses of the repository."""
    found: dict[str, tuple[Any, Any]] = {}
    for obj in repo.of_kind("StorageClass"):
        if obj.group == "storage.k8s.io" and isinstance(obj.name, str):
            found.setdefault(obj.name, (obj, obj.field(["provisioner"])))
    for block in repo.tf("resource", *TERRAFORM_CLASSES):
        metadata = block.body.get("metadata")
        metadata = metadata[0] if isinstance(metadata, list) and metadata else metadata
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if _named(name):
            found.setdefault(name, (block, block.body.get("storage_provisioner")))
    return found


def _installed_names(repo: Repository) -> set[str]:
    """Names a driver install may carry: keys and string values of Terraform resources, module calls and variable
    defaults (an `aws_eks_addon` `addon_name`, a `helm_release` `chart`, a module's `cluster_addons` key), charts
    and add-ons of the manifests (an Argo CD or Flux chart, an eksctl `addons` entry), `helm install` charts of the
    docs, and words of README/docs lines saying something is installed already."""
    values = TerraformValues(repo)
    bodies: list[Any] = [b.body for b in repo.blocks if b.kind in ("resource", "module")]
    bodies += [written[0] for directory in repo.tf_dirs for written in values.defaults(directory).values()]
    names = {str(x) for body in bodies for _p, key, value in walk_values(body) for x in (key, value)
             if isinstance(x, str)}
    names |= {v for o in repo.objects for _p, key, v in walk_values(o.obj) if key in ("chart", "name")
              and isinstance(v, str)}
    for line in (line for _display, text in repo.docs for line in text.splitlines()):
        chart = helm_install_chart(line)
        names |= {chart.rsplit("/", 1)[-1]} if chart else set()
        names |= set(re.findall(r"[\w.-]+", line)) if words().controller_documented.search(line) else set()
    return names


def _missing_driver(provisioner: Any, drivers: list[Driver], names: set[str]) -> Driver | None:
    driver = next((d for d in drivers if isinstance(provisioner, str) and provisioner in d.provisioners), None)
    return driver if driver is not None and not names & set(driver.installs) else None


def _driver_findings(defined: dict[str, tuple[Any, Any]], drivers: list[Driver], names: set[str]) -> list[Finding]:
    """The repository's StorageClasses whose provisioner needs a driver nothing installs."""
    findings = []
    for name, (where, provisioner) in sorted(defined.items()):
        driver = _missing_driver(provisioner, drivers, names)
        if driver is None:
            continue
        message = f"provisions with {provisioner} ({driver.name}), which nothing in the repository installs: every " \
                  "claim on it stays Pending"
        findings.append(where.finding(RULE, message, ["provisioner"], driver.add) if isinstance(where, K8sObject)
                        else where.finding(RULE, f"StorageClass {name} {message}", driver.add, "storage_provisioner"))
    return findings


def _unnamed_claims(repo: Repository) -> Iterator[tuple[K8sObject, FieldPath]]:
    """(object, path) of the claims that name no class (a PersistentVolumeClaim, a StatefulSet's claim template):
    they take the cluster's default class. `storageClassName: ""` asks for no class at all, not the default. A claim
    an overlay may give a class is left out: a patch object of the same kind and name naming one, or a Kustomization
    whose inline patches name both the object and storageClassName."""
    patched = {(o.kind, o.name) for o in repo.objects if "storageClassName" in str(o.obj.get("spec"))}
    inline = [str(o.obj) for o in repo.of_kind("Kustomization") if "storageClassName" in str(o.obj)]
    for obj in repo.objects:
        if (obj.kind, obj.name) in patched or any(str(obj.name) in text for text in inline):
            continue
        if obj.kind == "PersistentVolumeClaim" and not obj.group:
            yield obj, ["spec"]
        elif obj.kind == "StatefulSet" and isinstance(obj.field(["spec", "volumeClaimTemplates"]), list):
            for index, _template in enumerate(obj.field(["spec", "volumeClaimTemplates"])):
                yield obj, ["spec", "volumeClaimTemplates", index, "spec"]


def _defines_default(repo: Repository) -> bool:
    return any(str(obj.annotations().get(DEFAULT_ANNOTATION, "")).lower() == "true"
               for obj in repo.of_kind("StorageClass")) or any(
        needle in block.text for block in repo.blocks for needle in _TERRAFORM_DEFAULTS)


def _default_findings(repo: Repository, distributions: set[str], known: dict[str, Distribution]) -> list[Finding]:
    """Claims naming no class on a cluster with no default class."""
    created = {d for b in repo.blocks if b.kind in ("resource", "module") for d in block_distributions(b)}
    without = [known[d] for d in sorted(distributions) if known[d].has_default is False
               and (not known[d].created_only or d in created)]
    if not without or _defines_default(repo):
        return []
    cluster = without[0]
    return [obj.finding(RULE, f"names no StorageClass, so it takes the cluster's default one, and {cluster.name} marks "
                        "no class default (nor does the repository): the claim stays Pending, and its pod with it",
                        path, f"define a default class, {cluster.add.format(name='<name>')}, annotated {DEFAULT_ANNOTATION}: "
                        '"true"; or name a class the cluster has in storageClassName')
            for obj, path in _unnamed_claims(repo)]


def check_storage_classes(repo: Repository) -> list[Finding]:
    references = [(obj, path, name) for obj, path, name in _references(repo) if _named(name)]
    defined = _defined(repo)
    known, drivers = table()
    unnamed = next(_unnamed_claims(repo), None)
    distributions = installed(repo).distributions if references or defined or unnamed else set()
    if not distributions or not distributions <= set(known):
        return []
    clusters = [known[d] for d in sorted(distributions)]
    built_in = {name: provisioner for cluster in clusters for name, provisioner in cluster.classes.items()}
    names = _installed_names(repo)
    shown, has = " and ".join(c.name for c in clusters), ", ".join(sorted(built_in)) or "none"
    findings = _driver_findings(defined, drivers, names) + _default_findings(repo, distributions, known)
    for obj, path, name in (r for r in references if r[2] not in defined):
        driver = _missing_driver(built_in.get(name), drivers, names)
        if name in built_in and driver is not None:
            findings.append(obj.finding(
                RULE, f"claims StorageClass {name}, which {shown} creates with provisioner {built_in[name]}, served "
                f"by {driver.name}, which nothing in the repository installs: the claim stays Pending", path,
                driver.add))
        elif name not in built_in:
            findings.append(obj.finding(
                RULE, f"claims StorageClass {name}, which the repository does not define and {shown} does not "
                f"create (it has: {has}): the claim stays Pending, and its pod with it", path,
                f"define {clusters[0].add.format(name=name)}; or claim a class the cluster has ({has})"))
    return findings
