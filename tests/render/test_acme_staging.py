"""Environments the plan puts on Let's Encrypt's staging server get their Ingress certificates from the ClusterIssuer
letsencrypt-staging, which the repository defines beside letsencrypt; the others keep letsencrypt."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_text
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

APPS = "**Custom Applications**: orders-api, web-frontend"
ROUTED = (APPS + "\n\nRouting: `shop.example.com/api → orders-api`, `/ → web-frontend`, over HTTPS. Production serves "
          "`shop.example.com`, staging serves `staging.shop.example.com`; dev = `dev.shop.example.com`.\n")


def _decided(statement: str):
    text = (PLANS / "aws-eks-flux.plan.md").read_text(encoding="utf-8").replace(APPS, ROUTED + statement + "\n")
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw == statement)
    return decide(parse_text(text, "plan.md")), line


@pytest.mark.parametrize("statement, expected", [
    ("Staging uses the Let's Encrypt staging issuer.", ["staging"]),
    ("Certificates outside production come from the staging server of Let's Encrypt.", ["dev", "staging"]),
    ("dev and staging use Let's Encrypt staging.", ["dev", "staging"]),
])
def test_the_environments_a_line_puts_on_the_staging_server(statement: str, expected: list[str]):
    decided, line = _decided(statement)
    assert decided.answers.acme_staging_environments == expected
    assert decided.provenance["acme_staging_environments"].line == line


def test_an_environments_table_row_naming_an_issuer_per_environment():
    """`| cert-manager issuer | letsencrypt-staging | letsencrypt-prod |` (an untuned DOKS plan): every environment got the
    production issuer."""
    row = "| cert-manager issuer | `letsencrypt-staging` | `letsencrypt-staging` | `letsencrypt-prod` |"
    table = "| Setting | dev | staging | prod |\n|---|---|---|---|\n" + row + "\n"
    text = (PLANS / "aws-eks-flux.plan.md").read_text(encoding="utf-8").replace(APPS, ROUTED + "\n" + table)
    decided = decide(parse_text(text, "plan.md"))
    assert decided.answers.acme_staging_environments == ["dev", "staging"]
    assert decided.provenance["acme_staging_environments"].line == text.splitlines().index(row) + 1


def test_their_ingresses_name_the_staging_issuer_the_repository_defines(tmp_path: Path):
    decided, _ = _decided("Staging uses the Let's Encrypt staging issuer.")
    dest = tmp_path / "repo"
    render_new(decided.answers, dest, resolve_template(None, None), init_git=False)
    issuers = {d["metadata"]["name"]: d["spec"]["acme"]["server"]
               for d in yaml.safe_load_all(next(dest.glob("**/base/cluster-issuer.yaml")).read_text()) if d}
    assert issuers == {"letsencrypt": "https://acme-v02.api.letsencrypt.org/directory",
                       "letsencrypt-staging": "https://acme-staging-v02.api.letsencrypt.org/directory"}
    for env, issuer in (("dev", "letsencrypt"), ("staging", "letsencrypt-staging"), ("prod", "letsencrypt")):
        ingress = next(yaml.safe_load_all(next(dest.glob(f"**/apps/orders-api/overlays/{env}/ingress.yaml")).read_text()))
        assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == issuer, env


def test_a_chart_repository_reports_the_line():
    text = (PLANS / "helm-chart-payments.plan.md").read_text(encoding="utf-8")
    text = text.replace("## Project Structure", "Staging uses the Let's Encrypt staging issuer.\n\n## Project Structure", 1)
    decided = decide(parse_text(text, "plan.md"))
    assert decided.answers.acme_staging_environments == []
    assert [n for n in decided.not_applied if n.text.lower().startswith("let's encrypt staging")]
