"""Who reaches a cluster's namespaces besides its administrators: each cluster root takes `cluster_access` and
hands it to its module, and the variable's description names exactly the groups the repository's RoleBindings
bind (none did: the groups were reachable by no one). EKS: IAM principals join those Kubernetes groups (access
entries) or are cluster admins. AKS (Azure RBAC, where a RoleBinding naming a group by name grants nothing):
Entra groups by object ID get view, edit or admin at their namespaces."""
from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest
import yaml
from render_helpers import PLANS, generate

GROUP_LIST = re.compile(r"the RoleBindings name \(?([^)]+)\)")


def rolebinding_groups(repo: Path) -> set[str]:
    return {subject["name"] for path in repo.rglob("*.yaml") if "kubernetes" in path.parts
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc and doc.get("kind") == "RoleBinding"
            for subject in doc.get("subjects", []) if subject.get("kind") == "Group"}


@pytest.mark.parametrize(("plan", "module", "argument"), [
    ("aws-eks-argocd", "eks", "access_entries"), ("multi-tenant-saas", "eks", "access_entries"),
    ("aks-argocd-keyvault", "aks", "namespace_access")])
def test_each_cluster_root_maps_identities_to_the_rolebindings_groups(plan: str, module: str, argument: str,
                                                                      tmp_path: Path) -> None:
    repo = generate(PLANS / f"{plan}.plan.md", tmp_path / "repo", "https://github.com/acme/platform.git")
    groups = rolebinding_groups(repo)
    assert groups, "the repository binds no group"
    roots = [p.parent for p in (repo / "terraform").rglob("main.tf")
             if "modules" not in p.parts and f'module "{module}"' in p.read_text()]
    assert roots
    for root in roots:
        call = next(m[f'"{module}"'] for m in hcl2.loads((root / "main.tf").read_text())["module"] if f'"{module}"' in m)
        assert call[argument] == "${var.cluster_access}", root
        variable = next(v['"cluster_access"'] for v in hcl2.loads((root / "variables.tf").read_text())["variable"]
                        if '"cluster_access"' in v)
        assert variable["default"] == {}
        named = set(GROUP_LIST.search(variable["description"]).group(1).split(", "))
        assert named == groups, root
