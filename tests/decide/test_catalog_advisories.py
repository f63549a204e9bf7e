"""No chart of the component catalog is pinned to a release with a known, published vulnerability: each advisory
below names the first fixed chart release of every series it was fixed in; an older series, or an older release of a
fixed series, is vulnerable."""
from __future__ import annotations

import pytest

from planforge.decide.data import catalog

# chart -> (advisory, the first fixed chart version of each patched series)
ADVISORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    # IngressNightmare: unauthenticated remote code execution through the admission webhook
    # (controller v1.11.5 / v1.12.1)
    "ingress-nginx": ("CVE-2025-1974", ("4.11.5", "4.12.1")),
}


def numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.lstrip("v").split("-")[0].split("."))


def vulnerable(version: str, fixed: tuple[str, ...]) -> bool:
    """Older than the fix of its own series (major.minor), or of a series older than every fixed one."""
    pinned = numbers(version)
    same_series = [numbers(f) for f in fixed if numbers(f)[:2] == pinned[:2]]
    if same_series:
        return pinned < same_series[0]
    return pinned[:2] < min(numbers(f)[:2] for f in fixed)


@pytest.mark.parametrize("version,expected", [("4.11.3", True), ("4.10.9", True), ("4.12.0", True),
                                              ("4.11.5", False), ("4.12.1", False), ("4.13.0", False)])
def test_the_advisory_check_knows_affected_and_fixed_releases(version: str, expected: bool):
    assert vulnerable(version, ADVISORIES["ingress-nginx"][1]) is expected


@pytest.mark.parametrize("chart", sorted(ADVISORIES))
def test_no_catalog_chart_is_pinned_to_a_vulnerable_release(chart: str):
    entry = catalog().charts[chart]
    advisory, fixed = ADVISORIES[chart]
    assert not vulnerable(entry.version, fixed), f"{chart} {entry.version} is affected by {advisory}: pin {fixed}"
