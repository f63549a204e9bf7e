"""A table of the plan's services (`| Service | Port | Probes | ... |`) states each one's port and probe paths as a
sentence would: its cells are read with their column headers."""
from __future__ import annotations

from testlib import PLANS

from planforge.decide import decide
from planforge.decide.rules.table_rows import labelled_rows
from planforge.plan import parse_text

SERVICES = """
### Services

| Service | Port | Probes | Image |
|---|---|---|---|
| `orders-api` | 8080 | liveness `GET /healthz`, readiness `GET /ready` | ECR `orders-api` |
| `web` | 3000 | HTTP `GET /` | ECR `web` |
| `broken` | row | with too many | cells | here |
"""

TRACKED = """
| Violation | Why Needed | Simpler Alternative Rejected Because |
|-----------|------------|--------------------------------------|
| orders-api on port 9999 | legacy clients | none |
"""


def _plan() -> str:
    text = (PLANS / "aws-eks-flux.plan.md").read_text()
    text = text.replace("## Project Structure", SERVICES + "\n## Project Structure", 1)
    return text.replace("## Complexity Tracking", "## Complexity Tracking\n" + TRACKED, 1)


def test_each_row_is_read_with_its_headers_and_tracked_rows_are_not() -> None:
    rows = [p.text for p in labelled_rows(parse_text(_plan(), "plan.md"))]
    assert "Service: orders-api | Port: 8080 | Probes: liveness GET /healthz, readiness GET /ready | " \
           "Image: ECR orders-api" in rows
    assert not [r for r in rows if "broken" in r or "9999" in r]


def test_a_services_table_states_ports_and_probe_paths() -> None:
    text = _plan()
    assert "**Custom Applications**" in text
    text = text.replace(text[text.index("**Custom Applications**"):].split("\n", 1)[0],
                        "**Custom Applications**: orders-api, web")
    apps = {a.name: a for a in decide(parse_text(text, "plan.md")).answers.apps}
    assert (apps["orders-api"].port, apps["orders-api"].health_path, apps["orders-api"].ready_path) == (
        8080, "/healthz", "/ready")
    assert (apps["web"].port, apps["web"].health_path, apps["web"].ready_path) == (3000, "/", "")
