"""Custom Applications written as a table under the field (`**Custom Applications**:` over `| App | Image | Port |`):
one application per row, named by its first cell, with what its other cells state, at the row's line. The table was
read as an empty field: every application was dropped with a warning."""
from __future__ import annotations

from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_text

STOREFRONT = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
APPS = "**Custom Applications**: orders-api, web-frontend\n"
TABLE = ("**Custom Applications**:\n\n| App | Image | Port | Health |\n|---|---|---|---|\n"
         "| orders-api | ghcr.io/acme/orders-api:1.2.0 | 8080 | /healthz |\n"
         "| `web-frontend` | ghcr.io/acme/web:2.0.1 | 3000 | / |\n")


def test_each_row_is_an_application_with_what_its_cells_state() -> None:
    text = STOREFRONT.replace(APPS, TABLE)
    plan = parse_text(text, "plan.md")
    rows = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith(("| orders-api", "| `web"))]
    assert [extra.line for extra in plan.custom_applications.extra_lines] == rows
    d = decide(plan)
    assert [(a.name, a.image, a.tag, a.port, a.health_path) for a in d.answers.apps] == [
        ("orders-api", "ghcr.io/acme/orders-api", "1.2.0", 8080, "/healthz"),
        ("web-frontend", "ghcr.io/acme/web", "2.0.1", 3000, "/")]
    assert not [w for w in d.warnings if "Custom Applications" in str(w)]
    assert {a.line for a in d.applied if a.text == "Port 8080"} == {rows[0]}


def test_a_table_elsewhere_is_no_application_list() -> None:
    """Only a table right under the empty field lists applications; one after a paragraph between is another table."""
    text = STOREFRONT.replace(APPS, "**Custom Applications**:\n\nSee below.\n\n" + TABLE.split("\n\n", 1)[1])
    assert decide(parse_text(text, "plan.md")).answers.apps == []


def test_a_bullet_under_the_field_is_cited_at_its_own_line() -> None:
    """`**Custom Applications**:` over a bullet per application: the first bullet's words were cited at the label's
    line."""
    text = STOREFRONT.replace(APPS, "**Custom Applications**:\n- orders-api: Go API, port 8080\n- web-frontend: UI\n")
    first = text.splitlines().index("- orders-api: Go API, port 8080") + 1
    d = decide(parse_text(text, "plan.md"))
    assert {a.line for a in d.applied if a.text == "port 8080"} == {first}


def test_a_semicolon_in_a_cell_keeps_the_rest_of_the_row_with_its_application() -> None:
    """`Notes` cells written as `...; health /actuator/health; no inbound port`: the clauses after a `;` were read
    as other sentences naming no application, and dropped (an untuned review)."""
    table = ("**Custom Applications**:\n\n| App | Image | Notes |\n|---|---|---|\n"
             "| orders-api | acr.azurecr.io/orders-api:2.3.0 | REST API; health path `/actuator/health`; port 8080 |\n"
             "| web-frontend | acr.azurecr.io/web:1.0.0 | consumer; no inbound port |\n")
    apps = {a.name: a for a in decide(parse_text(STOREFRONT.replace(APPS, table), "plan.md")).answers.apps}
    assert (apps["orders-api"].health_path, apps["orders-api"].port) == ("/actuator/health", 8080)
    assert apps["web-frontend"].inbound is False


def test_a_services_table_states_each_environments_replicas_and_requests_then_limits() -> None:
    """`| Replicas dev / prod | Requests → Limits |` over `| 1 / 3 | 100m/256Mi → 500m/512Mi |` (an untuned DOKS plan):
    production kept the default 2 replicas and each limit became its request, half what the plan states."""
    services = ("\n### Services\n\n| Service | Port | Replicas dev / prod | Requests → Limits |\n|---|---|---|---|\n"
                "| `orders-api` | 8080 | 1 / 3 | 100m/256Mi → 500m/512Mi |\n"
                "| `web-frontend` | 3000 | 2 / 4 | 250m/512Mi → 1 CPU/1Gi |\n")
    text = STOREFRONT.replace(APPS, APPS + services)
    apps = {a.name: a for a in decide(parse_text(text, "plan.md")).answers.apps}
    assert [(a.cpu_request, a.cpu_limit, a.memory_request, a.memory_limit) for a in apps.values()] == [
        ("100m", "500m", "256Mi", "512Mi"), ("250m", "1", "512Mi", "1Gi")]
    assert {name: a.environment_replicas for name, a in apps.items()} == {
        "orders-api": {"dev": (1, 1), "prod": (3, 3)}, "web-frontend": {"dev": (2, 2), "prod": (4, 4)}}


def test_request_and_limit_columns_split_at_a_slash() -> None:
    """`| CPU request / limit |` over `| 250m / 500m |` (an untuned EKS plan): the request became the limit and the
    request kept the default."""
    services = ("\n### Services\n\n| Service | Port | CPU request / limit | Memory request / limit |\n|---|---|---|---|\n"
                "| `orders-api` | 8080 | 250m / 500m | 256Mi / 512Mi |\n")
    apps = {a.name: a for a in decide(parse_text(STOREFRONT.replace(APPS, APPS + services), "plan.md")).answers.apps}
    a = apps["orders-api"]
    assert (a.cpu_request, a.cpu_limit, a.memory_request, a.memory_limit) == ("250m", "500m", "256Mi", "512Mi")


def test_replicas_stated_in_prose_anywhere_size_each_environment() -> None:
    """A sentence under the components table (no field label) sizing two applications per environment: it was not
    read at all, neither built nor reported; with a bold label, `3 replicas in prod` sized every environment."""
    prose = ("\nThe web-frontend runs dev 1 / staging 2 / prod 3 replicas, scaling to at most 6 in prod. "
             "orders-api: 1 replica in dev, 2 in staging, 4 in prod.\n")
    d = decide(parse_text(STOREFRONT.replace(APPS, APPS + prose), "plan.md"))
    apps = {a.name: a for a in d.answers.apps}
    assert apps["web-frontend"].environment_replicas == {"dev": (1, 1), "staging": (2, 2), "prod": (3, 6)}
    assert apps["orders-api"].environment_replicas == {"dev": (1, 1), "staging": (2, 2), "prod": (4, 4)}
    assert not [n for n in d.not_applied if "replica" in n.text]


def test_an_environments_count_restated_is_applied_and_another_is_reported() -> None:
    prose = ("\n**Sizing**: orders-api runs 2 replicas in prod. orders-api replicas: dev 1 / prod 2. "
             "orders-api runs 5 replicas in prod.\n")
    d = decide(parse_text(STOREFRONT.replace(APPS, APPS + prose), "plan.md"))
    assert {a.name: a.environment_replicas for a in d.answers.apps}["orders-api"] == {"prod": (2, 2), "dev": (1, 1)}
    assert [(n.text, n.why) for n in d.not_applied if "replica" in n.text] == [
        ("5 replicas", "orders-api runs 2-2 replicas in prod, stated first")]
