"""Who reaches an EKS cluster besides its creator: each environment root takes `cluster_access` (IAM principals
with the Kubernetes groups the RoleBindings name, or cluster admin) and hands it to the eks module's access
entries, whose description names exactly the groups the repository's RoleBindings bind (none did: the groups
were reachable by no one)."""
from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest
import yaml
from render_helpers import PLANS, generate

GROUP_LIST = re.compile(r"the RoleBindings name ([^)]+)\)")


def rolebinding_groups(repo: Path) -> set[str]:
    return {subject["name"] for path in repo.rglob("*.yaml") if "kubernetes" in path.parts
            for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc and doc.get("kind") == "RoleBinding"
            for subject in doc.get("subjects", []) if subject.get("kind") == "Group"}


@pytest.mark.parametrize("plan", ["aws-eks-argocd", "multi-tenant-saas"])
def test_each_eks_root_maps_principals_to_the_rolebindings_groups(plan: str, tmp_path: Path) -> None:
    repo = generate(PLANS / f"{plan}.plan.md", tmp_path / "repo", "https://github.com/acme/platform.git")
    groups = rolebinding_groups(repo)
    assert groups, "the repository binds no group"
    roots = [p.parent for p in (repo / "terraform").rglob("main.tf")
             if "modules" not in p.parts and 'module "eks"' in p.read_text()]
    assert roots
    for root in roots:
        module = next(m['"eks"'] for m in hcl2.loads((root / "main.tf").read_text())["module"] if '"eks"' in m)
        assert module["access_entries"] == "${var.cluster_access}", root
        variable = next(v['"cluster_access"'] for v in hcl2.loads((root / "variables.tf").read_text())["variable"]
                        if '"cluster_access"' in v)
        assert variable["default"] == {}
        named = set(GROUP_LIST.search(variable["description"]).group(1).split(", "))
        assert named == groups, root
