"""Each environment's Azure flexible server takes the size its column states, rounded up to a size the server
offers (`| PostgreSQL storage | 64 GB | 100 GB | 256 GB |`), and the roots validate with the real azurerm provider."""
from __future__ import annotations

import re
from pathlib import Path

from render_helpers import generate, plan_variant
from testlib import PLANS

from planforge.validate.base import Settings, Severity
from planforge.validate.runner import run_validation

TABLE = """
### Environments

| Setting | dev | staging | prod |
|---------|-----|---------|------|
| PostgreSQL storage | 64 GB | 100 GB | 256 GB |

## Deployment Components"""


def test_each_flexible_server_takes_its_environments_size(tmp_path: Path, packed_tf_mirror: Path) -> None:
    plan = plan_variant(tmp_path, PLANS / "aks-argocd-keyvault.plan.md", **{"\n## Deployment Components": TABLE})
    repo = generate(plan, tmp_path / "repo", "https://github.com/acme/storefront.git")
    sizes = {env: re.search(r"(?m)^db_storage_mb\s+= (\d+)", (repo / f"terraform/environments/{env}/terraform.tfvars")
                            .read_text(encoding="utf-8")).group(1) for env in ("dev", "staging", "prod")}
    assert sizes == {"dev": "65536", "staging": "131072", "prod": "262144"}
    checks = run_validation([repo], Settings(strict=True, terraform_plugin_mirrors=[packed_tf_mirror], jobs=2),
                            only=["terraform"])
    assert [c for c in checks if c.name == "validate" and c.status.name == "PASSED"], checks
    assert not [f for c in checks for f in c.findings if f.severity is Severity.ERROR]
