"""Answers -> the system model: the units the decided system is made of, placed on their clusters.

The answers stay what the template renders from; the model says what those answers build, what each part
needs and what each part gives, so that the closure (model.closure) can add what is missing and every reader
(`plan show --json`, the README's Decisions, `plan check`) sees one description of the system.
"""
from __future__ import annotations

from dataclasses import dataclass

from planforge import layout
from planforge.decide.answers import Answers, Provenance
from planforge.decide.context import default_prov
from planforge.decide.data import catalog
from planforge.model import capabilities as caps
from planforge.model.units import Param, Placement, SystemModel, Unit

MANAGED = {"eks", "aks", "gke"}
ON_PREMISE = ("k3s_version", "rke2_version", "kubeadm_version")


@dataclass(frozen=True)
class _Site:
    """One cluster of the system: environment, region and cloud it serves, and who builds it."""

    name: str
    environment: str
    distribution: str
    built_by: str  # terraform | ansible | "" (exists outside this repository)
    path: str
    region: str = ""


def build_model(a: Answers, provenance: dict[str, Provenance]) -> SystemModel:
    """The units of the system these answers describe (before closure)."""
    prov = _lookup(provenance)
    data = a.model_dump(mode="json")
    where = layout.dirs(data)
    files = set(layout.files(data))
    sites = _sites(a, where)
    on_all = [s.name for s in sites]
    units: list[Unit] = [_cluster(s, a, prov) for s in sites]
    units += _terraform(a, data, where, prov)
    units += _cloudformation(a, where, prov)
    units += _pulumi(a, where, prov)
    units += _gitops(a, sites, where, prov)
    if a.secrets_manager != "none" and "cluster-secret-store" in files and on_all:
        units.append(Unit(kind="secret-store", name=a.secrets_manager, provenance=prov("secrets_manager"),
                          requires=caps.object_needs("external-secrets.io/ClusterSecretStore"),
                          params={"provider": Param(value=a.secrets_manager, provenance=prov("secrets_manager"))},
                          placement=Placement(environments=list(a.environments), clusters=on_all)))
    units += [component_unit(c.name, prov("components"), list(a.environments), on_all, c.version, c.namespace)
              for c in a.components]
    units += [component_unit(name, prov("installed_components"), list(a.environments), on_all, existing=True)
              for name in a.installed_components]
    units += _workloads(a, where, files, prov, sites)
    return SystemModel(units=units)


def _lookup(provenance: dict[str, Provenance]):
    def prov(name: str) -> Provenance:
        return provenance.get(name) or default_prov("model default")
    return prov


def _sites(a: Answers, where: dict[str, str]) -> list[_Site]:
    """Every cluster: per environment, per standby region and per further cloud when Terraform builds managed
    clusters; per environment when Ansible installs an on-premise one; else the clusters the repository deploys
    to, which exist outside it."""
    k8s = bool({"kubernetes", "argocd", "flux", "helm-chart"} & set(a.blueprints)) or a.on_premise
    if not k8s:
        return []
    out: list[_Site] = []
    terraform = "terraform" in a.blueprints
    if terraform and a.kubernetes_distribution in MANAGED:
        root = (where.get("tf_environments") or where.get("tf_live")
                or (f"{where['tf_shared']}/cluster" if where.get("tf_shared") else where["terraform"]))
        for env in a.environments:
            out.append(_Site(env, env, a.kubernetes_distribution, "terraform", f"{root}/{env}"
                             if where.get("tf_environments") else root, a.region))
            if env in a.regional_environments:
                out += [_Site(f"{env}-{r}", env, a.kubernetes_distribution, "terraform", root, r) for r in a.regions[1:]]
            managed = layout.load_layout()["managed_distribution"]
            out += [_Site(f"{env}-{cl}", env, managed[cl], "terraform", f"{where['terraform']}/{cl}", a.cloud_regions.get(cl, ""))
                    for cl in a.clouds[1:]]
    onprem = next((f.split("_")[0] for f in ON_PREMISE if getattr(a, f)), "")
    if onprem:
        suffix = "-onprem" if out else ""
        out += [_Site(f"{env}{suffix}", env, onprem, "ansible", where.get("ansible_inventories", "") + f"/{env}")
                for env in a.environments]
    if not out and a.structure == "helm-chart" and a.gitops == "none":
        # a chart installed by hand: one existing cluster per platform it supports
        out = [_Site(p, "", p, "", "") for p in a.platforms]
    if not out:
        distribution = a.kubernetes_distribution if a.kubernetes_distribution != "none" else (a.platforms or ["none"])[0]
        out = [_Site(env, env, distribution, "", "") for env in a.environments]
    return out


def _cluster(s: _Site, a: Answers, prov) -> Unit:
    origin = prov("on_premise" if s.built_by == "ansible" else
                  "existing_clusters" if a.existing_clusters else "kubernetes_distribution")
    return Unit(kind="cluster", name=s.name, path=s.path, existing=not s.built_by, provenance=origin,
                provides=[f"cluster:{s.name}", *caps.built_in(s.distribution)], requires=_node_autoscaler(s, a),
                params={"distribution": Param(value=s.distribution, provenance=origin),
                        "kubernetes_version": Param(value=a.kubernetes_version, provenance=prov("kubernetes_version"))},
                placement=Placement(environments=[s.environment] if s.environment else list(a.environments),
                                    regions=[s.region] if s.region else []))


def _node_autoscaler(s: _Site, a: Answers) -> list[str]:
    """A managed cluster Terraform builds has node groups with a minimum and a maximum size: something must resize
    them. Asked of each environment's primary cluster: the values of what the closure installs name that cluster, so
    a standby region's or another cloud's cluster goes without it (the GitOps sites leave it out there), and so does
    a multi-tenant Argo CD platform, one set of Applications every environment's cluster syncs."""
    scaled = s.built_by == "terraform" and s.distribution in caps.scaled_node_groups()
    shared_platform = a.structure == "multi-tenant" and a.gitops == "argocd"
    return ["node-autoscaler"] if scaled and s.name == s.environment and not shared_platform else []


def _terraform(a: Answers, data: dict, where: dict[str, str], prov) -> list[Unit]:
    """The Terraform module library and the roots that apply it (one per environment, or the shared stacks)."""
    if "terraform" not in a.blueprints:
        return []
    out = [Unit(kind="terraform-module", name=f"{m['cloud']}/{m['name']}", path=m["dir"], provenance=prov("cloud"),
                provides=[f"module:{m['cloud']}/{m['name']}"])
           for m in layout.terraform_modules(data)]
    backend = prov("state_backend")
    if where.get("tf_bootstrap"):
        out.append(Unit(kind="terraform-root", name="bootstrap", path=where["tf_bootstrap"], provenance=backend,
                        provides=["state-backend"]))
    needs_state = ["state-backend"] if where.get("tf_bootstrap") else []
    if where.get("tf_environments"):
        out += [Unit(kind="terraform-root", name=env, path=f"{where['tf_environments']}/{env}", requires=needs_state,
                     provenance=prov("environments"), placement=Placement(environments=[env]))
                for env in a.environments]
    for key in ("tf_live", "tf_shared", "tf_tenants"):
        if where.get(key):
            out.append(Unit(kind="terraform-root", name=key.removeprefix("tf_"), path=where[key], requires=needs_state,
                            provenance=prov("terraform_roots" if key == "tf_live" else "tenants"),
                            placement=Placement(environments=list(a.environments))))
    return out


def _cloudformation(a: Answers, where: dict[str, str], prov) -> list[Unit]:
    """The CloudFormation bootstrap stack (the bucket nested templates are uploaded to) and each environment's
    stack of the root template, with its parameter file."""
    if "cloudformation" not in a.blueprints:
        return []
    root = where["cloudformation"]
    out = [Unit(kind="cloudformation-stack", name="bootstrap", path=f"{root}/bootstrap.yaml", provenance=prov("iac_tool"),
                provides=["template-bucket"])]
    out += [Unit(kind="cloudformation-stack", name=env, path=f"{where['cfn_parameters']}/{env}.json",
                 requires=["template-bucket"], provenance=prov("environments"),
                 params={"template": Param(value=f"{root}/main.yaml", provenance=prov("iac_tool"))},
                 placement=Placement(environments=[env]))
            for env in a.environments]
    return out


def _pulumi(a: Answers, where: dict[str, str], prov) -> list[Unit]:
    """Each environment's Pulumi stack of the one program, with its configuration file."""
    if "pulumi" not in a.blueprints:
        return []
    root = where["pulumi"]
    return [Unit(kind="pulumi-stack", name=env, path=f"{root}/Pulumi.{env}.yaml", provenance=prov("environments"),
                 params={"program": Param(value=f"{root}/__main__.py", provenance=prov("iac_tool")),
                         "backend": Param(value=a.state_backend, provenance=prov("state_backend"))},
                 placement=Placement(environments=[env]))
            for env in a.environments]


def _gitops(a: Answers, sites: list[_Site], where: dict[str, str], prov) -> list[Unit]:
    """One GitOps entry per cluster (its destination), and Flux's bootstrap on each cluster (existing when the
    plan says Flux runs there already)."""
    if a.gitops == "none" or not sites:
        return []
    origin = prov("gitops")
    flux = prov("flux_bootstrapped") if a.flux_bootstrapped else origin
    out: list[Unit] = []
    for s in sites:
        if a.gitops == "flux":
            out.append(Unit(kind="controller", name=f"flux@{s.name}", provenance=flux, provides=list(caps.bootstrap("flux")),
                            path="" if a.flux_bootstrapped else f"{where.get('flux_clusters', '')}/{s.name}",
                            existing=a.flux_bootstrapped,
                            params={"install": Param(value="bootstrapped already" if a.flux_bootstrapped
                                                     else "flux bootstrap", provenance=flux)},
                            placement=Placement(environments=[s.environment], clusters=[s.name])))
            needs = ["crd:kustomize.toolkit.fluxcd.io/Kustomization"]
            path = f"{where.get('flux_clusters', '')}/{s.name}"
        else:
            needs = ["controller:argo-cd", *caps.object_needs("argoproj.io/Application")]
            path = f"{where.get('argocd_apps', '')}/{s.name}"
        out.append(Unit(kind="gitops-entry", name=s.name, path=path, provenance=origin, requires=needs,
                        params={"destination": Param(value=s.name, provenance=origin)},
                        placement=Placement(environments=[s.environment], clusters=[s.name],
                                            regions=[s.region] if s.region else [])))
    return out


def component_unit(name: str, origin: Provenance, environments: list[str], clusters: list[str],
                   version: str = "", namespace: str = "", existing: bool = False) -> Unit:
    """A catalog component on these clusters: it gives its CRDs and `provides`, and needs cert-manager's
    certificates when the catalog says it does."""
    entry = catalog().charts.get(name)
    return Unit(kind="component", name=name, provenance=origin, existing=existing,
                provides=list(entry.capabilities()) if entry else [],
                requires=list(caps.needs_of(entry)) if entry else [],
                params={"version": Param(value=version or (entry.version if entry else ""), provenance=origin),
                        "namespace": Param(value=namespace or (entry.namespace if entry else ""), provenance=origin)},
                placement=Placement(environments=environments, clusters=clusters))


def _workloads(a: Answers, where: dict[str, str], files: set[str], prov, sites: list[_Site]) -> list[Unit]:
    """First-party applications (Kustomize apps, chart services) and what their objects need from the cluster.
    A chart's HorizontalPodAutoscaler is on where its platform values turn it on (every platform but minikube)."""
    out: list[Unit] = []
    clusters = [s.name for s in sites]
    autoscaled = [s.name for s in sites if a.structure != "helm-chart" or s.distribution != "minikube"]
    base = where.get("k8s_apps") or where.get("charts") or ""
    secrets = "app-externalsecret" in files
    for field, services in (("apps", a.apps), ("services", a.services)):
        origin = prov(field)
        for svc in services:
            needs, only_on = [], {}
            if svc.autoscaled() and not svc.volume_size:
                hpa = caps.object_needs("autoscaling/HorizontalPodAutoscaler")
                needs += list(hpa)
                only_on.update({c: autoscaled for c in hpa})
            if secrets:
                needs += caps.object_needs("external-secrets.io/ExternalSecret")
            if a.dapr:
                needs += ["dapr-sidecar-injector", *caps.object_needs("dapr.io/Component")]
                if a.kafka != "none":
                    needs.append(f"kafka-broker:{a.kafka}")
            out.append(Unit(kind="k8s-app" if field == "apps" else "chart", name=svc.name,
                            path=f"{base}/{svc.name}" if base else "", provenance=origin, requires=needs,
                            only_on=only_on,
                            params={"image": Param(value=f"{svc.image}:{svc.tag}", provenance=origin),
                                    "replicas": Param(value=[svc.min_replicas or svc.replicas,
                                                             svc.max_replicas or svc.prod_replicas], provenance=origin)},
                            placement=Placement(environments=list(a.environments), clusters=clusters)))
    return out
