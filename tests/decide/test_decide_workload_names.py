"""A chart service takes the name, image, tag and port the plan states for it; a figure lands on the service its
sentence names, and a figure naming no service of the output is reported."""
from __future__ import annotations

from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

SHOP = (PLANS / "shop-chart.plan.md").read_text(encoding="utf-8")
GOAL = "**Performance Goals**: backend scales between 2 and 6 replicas"


def shop(goal: str):
    return decide(parse_text(SHOP.replace(GOAL, goal), "plan.md"))


def test_one_named_workload_is_the_service_with_its_image_tag_and_port():
    d = decide(parse_plan(PLANS / "legacy-chart.plan.md"))
    assert d.answers.chart_name == "legacy"
    [svc] = d.answers.services
    assert (svc.name, svc.image, svc.tag, svc.port) == ("legacy-api", "ghcr.io/acme/legacy-api", "2.0", 8080)
    assert d.provenance["services"].line == 7


def test_a_generic_word_before_the_image_names_no_workload():
    text = (PLANS / "legacy-chart.plan.md").read_text(encoding="utf-8").replace(
        "the legacy-api service (image", "the chart (image")
    [svc] = decide(parse_text(text, "plan.md")).answers.services
    assert svc.name == "legacy" and svc.tag == "2.0"


def test_figures_land_on_the_service_their_sentence_names():
    d = decide(parse_plan(PLANS / "shop-chart.plan.md"))
    backend, frontend = d.answers.services
    assert (backend.memory_request, backend.memory_limit) == ("256Mi", "512Mi")
    assert (frontend.min_replicas, frontend.max_replicas, frontend.memory_request, frontend.memory_limit) == (0, 0, "", "")
    # the backend's range is its own, and its volume pins it to one pod: reported, not moved to the frontend
    [pinned] = [n for n in d.not_applied if n.line == 17]
    assert pinned.text == "between 2 and 6 replicas" and "backend mounts a ReadWriteOnce" in pinned.why


def test_a_figure_after_the_service_name_or_before_it():
    backend, frontend = shop("**Performance Goals**: between 2 and 6 replicas for the frontend").answers.services
    assert (frontend.min_replicas, frontend.max_replicas) == (2, 6) and backend.max_replicas == 0


def test_a_figure_naming_no_service_of_the_output_is_reported():
    d = shop("**Performance Goals**: worker scales between 2 and 6 replicas")
    assert all(s.max_replicas == 0 for s in d.answers.services)
    [report] = [n for n in d.not_applied if n.line == 17]
    assert report.why.startswith("'worker' is not an application or chart service of the output (backend, frontend)")


def test_a_figure_naming_no_service_applies_to_every_one():
    d = shop("**Performance Goals**: scales between 2 and 6 replicas")
    backend, frontend = d.answers.services
    assert (frontend.min_replicas, frontend.max_replicas) == (2, 6)
    assert backend.max_replicas == 0  # its volume pins it


def test_each_clause_names_the_service_of_its_figure():
    d = decide(parse_text(SHOP.replace("**Constraints**: backend memory request 256Mi, limit 512Mi",
                                       "**Constraints**: memory limits (512Mi backend, 256Mi frontend)"), "plan.md"))
    backend, frontend = d.answers.services
    assert (backend.memory_limit, frontend.memory_limit) == ("512Mi", "256Mi")


def test_custom_applications_keep_the_image_tag_and_port_they_state():
    """`orders (image ghcr.io/acme/orders:2.3.1, port 9090)` in Custom Applications: the app gets that image, tag and
    port, not a default named after the project; an app stating none keeps the defaults."""
    text = (PLANS / "gitops-only-existing.plan.md").read_text().replace(
        "**Custom Applications**: orders (image ghcr.io/acme/orders, port 8080)",
        "**Custom Applications**: orders (image ghcr.io/acme/orders:2.3.1, port 9090), billing")
    apps = {a.name: a for a in decide(parse_text(text)).answers.apps}
    assert (apps["orders"].image, apps["orders"].tag, apps["orders"].port) == ("ghcr.io/acme/orders", "2.3.1", 9090)
    assert apps["billing"].image.endswith("/billing") and not apps["billing"].image.startswith("ghcr.io/acme/")


def test_custom_applications_listed_then_described_by_a_bullet_each():
    """The list of names over a bullet per application (an untuned GKE plan's shape): each app gets the image and
    port its bullet states, and the plan is not refused for names that are not DNS labels."""
    text = (PLANS / "gitops-only-existing.plan.md").read_text().replace(
        "**Custom Applications**: orders (image ghcr.io/acme/orders, port 8080)",
        "**Custom Applications**: orders, billing\n\n"
        "- orders (image `ghcr.io/acme/orders`, port 9090) is public at https://orders.example.com\n"
        "- billing (image `ghcr.io/acme/billing`, port 8081) is internal only: reachable only from orders\n")
    d = decide(parse_text(text))  # a refusal raises
    assert [(a.name, a.image, a.port) for a in d.answers.apps] == [
        ("orders", "ghcr.io/acme/orders", 9090), ("billing", "ghcr.io/acme/billing", 8081)]
