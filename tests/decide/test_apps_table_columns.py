"""A Custom Applications field that lists its applications over a table of them (`**Custom Applications**: web, api`
then `| Application | Kind | Port | Replicas | Route | Storage | Schedule |`) is read row by row, as a table under an
empty field is: the Route column is each application's Ingress path and host (with TLS where cert-manager runs), a
Replicas column's leading count is its replicas (`2-6 (HPA on CPU)`, `1 in dev, 3 in prod`), a Schedule column's cron
expression makes a CronJob, and a volume `mounted at /data` is no route. Before, the rows were read as prose: the
mount path became a route on any host, the counts and the schedule were lost and the job ran as a Deployment."""
from __future__ import annotations

import pytest
from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_text

EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
FIELD = "**Custom Applications**: orders-api, web-frontend\n"
SUMMARY_END = "base with per-environment overlays.\n"
TABLE = """**Custom Applications**: web-frontend, orders-api, report-nightly

| Application | Kind | Container Port | Replicas | Route | Storage | Schedule |
|-------------|------|----------------|----------|-------|---------|----------|
| web-frontend | Deployment (public web UI) | 3000 | 2-6 (HPA on CPU) | `/` on shop.example.com | none | - |
| orders-api | Deployment (REST API) | 8080 | 1 in dev, 3 in prod | `/api` on shop.example.com | none | - |
| report-nightly | CronJob (batch report) | - | 1 run | none | none | `0 3 * * *` (03:00 UTC daily) |

Both routes are served over HTTPS with certificates from Let's Encrypt.
"""


def apps(text: str) -> dict[str, dict]:
    assert FIELD in EKS
    d = decide(parse_text(EKS.replace(FIELD, text), "plan.md"))
    return {a.name: a.model_dump() for a in d.answers.apps}


def test_each_column_of_the_rows_reaches_its_application() -> None:
    got = apps(TABLE)
    assert list(got) == ["web-frontend", "orders-api", "report-nightly"]
    web, api, job = got["web-frontend"], got["orders-api"], got["report-nightly"]
    assert (web["port"], web["min_replicas"], web["max_replicas"]) == (3000, 2, 6)
    assert (web["ingress_path"], web["ingress_host"], web["ingress_tls"]) == ("/", "shop.example.com", True)
    assert (api["port"], api["environment_replicas"]) == (8080, {"dev": (1, 1), "prod": (3, 3)})
    assert (api["ingress_path"], api["ingress_host"]) == ("/api", "shop.example.com")
    assert (job["schedule"], job["inbound"], job["ingress_path"]) == ("0 3 * * *", False, "")


def test_a_volume_mount_path_is_no_route_and_pins_the_replicas() -> None:
    text = TABLE.replace("| 1 in dev, 3 in prod | `/api` on shop.example.com | none |",
                         "| 1 in dev, 3 in prod | `/api` on shop.example.com | 20 GiB persistent volume for uploads, mounted at /data |")
    d = decide(parse_text(EKS.replace(FIELD, text), "plan.md"))
    [api] = [a for a in d.answers.apps if a.name == "orders-api"]
    assert (api.volume_size, api.ingress_path, api.environment_replicas, api.prod_replicas) == ("20Gi", "/api", {}, 1)
    assert api.volume_path == "/data"
    why = {n.text: n.why for n in d.not_applied if n.text in ("1", "3 in prod")}
    assert why == {w: "orders-api mounts a ReadWriteOnce PersistentVolumeClaim: it runs one pod in every environment, "
                      "without autoscaling" for w in ("1", "3 in prod")}


@pytest.mark.parametrize("listed", ["web-frontend, orders-api", "web-frontend, orders-api, report-nightly, billing"])
def test_a_list_that_is_not_the_rows_names_keeps_its_own_meaning(listed: str) -> None:
    """A subset of the rows' names still describes those rows; a name the table lacks makes the table something
    else (the list is the field's own value)."""
    got = apps(TABLE.replace("web-frontend, orders-api, report-nightly", listed))
    assert ("billing" in got) == ("billing" in listed)


@pytest.mark.parametrize("mount, path, reported", [
    ("mounted at /data/uploads", "/data/uploads", False), ("mount path: `/var/lib/orders`", "/var/lib/orders", False),
    ("mounted at /tmp", "", True), ("mounted at /srv/.cache", "", True)])
def test_the_volumes_mount_path_is_the_one_the_row_states(mount: str, path: str, reported: bool) -> None:
    """A path the answer rules refuse (the pod's own /tmp, a `..` part) leaves the volume at /data, reported."""
    text = TABLE.replace("| 1 in dev, 3 in prod | `/api` on shop.example.com | none |",
                         f"| 1 in dev, 3 in prod | `/api` on shop.example.com | 20 GiB persistent volume, {mount} |")
    d = decide(parse_text(EKS.replace(FIELD, text), "plan.md"))
    [api] = [a for a in d.answers.apps if a.name == "orders-api"]
    assert (api.volume_size, api.volume_path, api.ingress_path) == ("20Gi", path, "/api")
    assert any(a.answer == "apps.orders-api.volume_path" for a in d.applied) == (not reported)
    assert [n.why.split(":")[0] for n in d.not_applied if "mounted at /data" in n.why] == (
        ["orders-api's volume is mounted at /data"] if reported else [])


def test_a_sentence_restating_a_routed_path_is_not_reported() -> None:
    """`the ingress controller sends /api to the API` names no application, but the row routes /api to orders-api:
    the Ingress carries what the sentence says. A sentence also naming a path no row routes stays reported."""
    prose = ("The web UI and the API share one public hostname; the ingress\ncontroller sends `/api` to the API and "
             "`/admin` to the back office.\n")
    def summarised(text: str) -> str:
        return EKS.replace(FIELD, TABLE).replace(SUMMARY_END, f"{SUMMARY_END}\n{text}")

    restated = summarised(prose.replace(" and `/admin` to the back office", ""))
    d = decide(parse_text(restated, "plan.md"))
    line = restated.splitlines().index("controller sends `/api` to the API.") + 1
    assert (line, "/api", "apps.orders-api.ingress_path") in {(a.line, a.text, a.answer) for a in d.applied}
    assert not [n for n in d.not_applied if n.line in (line - 1, line)]
    d = decide(parse_text(summarised(prose), "plan.md"))
    assert [n.line for n in d.not_applied if "/api" in n.text] == [line - 1]  # with /admin, which no route carries


HOST_FIRST = """**Custom Applications**: web-frontend, orders-api

| Application | Kind | Container Port | Replicas | Route | Storage | Schedule |
|-------------|------|----------------|----------|-------|---------|----------|
| web-frontend | Deployment | 8080 | 2 | shop.example.com `/` | - | - |
| orders-api | Deployment | 9000 | 1 | shop.example.com `/api` | 10 GiB, mounted at /var/lib/uploads | - |
"""


def test_a_route_cell_naming_the_host_first_and_a_storage_cell_without_a_volume_word() -> None:
    """`shop.example.com /api` routes /api (not the host's root) and `10 GiB, mounted at /var/lib/uploads` under a
    Storage column is the application's volume: before, the path was dropped (two Ingresses on one host and /) and the
    size became a 10Gi memory request and limit."""
    got = apps(HOST_FIRST)
    web, api = got["web-frontend"], got["orders-api"]
    assert (web["ingress_path"], web["ingress_host"]) == ("/", "shop.example.com")
    assert (api["ingress_path"], api["ingress_host"]) == ("/api", "shop.example.com")
    assert (api["volume_size"], api["volume_path"], api["memory_request"], api["memory_limit"]) == (
        "10Gi", "/var/lib/uploads", "", "")
    assert apps(HOST_FIRST.replace("10 GiB, mounted at /var/lib/uploads", "-"))["orders-api"]["volume_size"] == ""

