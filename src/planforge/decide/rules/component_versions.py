"""A version the plan states for a catalog component it installs (`cert-manager 1.14.x`, `Dapr 1.12+`,
`ingress-nginx 4.x`), read against the chart version planforge pins: credited where the pin is one the plan admits,
else reported with the pin. A later patch of the pinned release line (`chart 4.11.7` beside 4.11.5) replaces the
pin; an earlier one (`chart 4.11.3`) is reported, since it lacks the fixes the pin carries (ingress-nginx 4.11.5 fixes
CVE-2025-1974), and so is any other version, the pin kept: the component's values (includes/k8s/values) are written for that release
line, and a chart release the plan only bounds is not one planforge can name offline. A version whose major
number is not the pinned chart's may be the application's (`Argo CD 2.12` beside the argo-cd chart 7.x): unless the
catalog says the chart's versions are the application's (`app_versions: same`), it is reported as either."""
from __future__ import annotations

import re
from functools import cache

from planforge.decide.answers import Component
from planforge.decide.context import Context
from planforge.decide.data import catalog
from planforge.decide.rules.statements import passages
from planforge.decide.rules.tool_versions import admits
from planforge.plan.model import plain

# a component's names (group 1), then a version with tool_versions' groups (2: `>=` or `v`, 3-5: the numbers, 6: `+`):
# `1.14.x`, `4.x`, `1.12+`, `>= 1.12`, `v1.16.1`, `chart 58.2.1`; not `30s`, `1.2.3-rc1`
# (`ingress-nginx (chart 4.10.1)`, `external-secrets operator 0.9.x`)
_VERSION = r"(?:\s++(?:operator|controller))?\s*+\(?(?:helm\s++)?(?:chart\s++)?(>=|≥|v)?\s*(\d{1,6})(?:\.(\d{1,6}|[x*]))?(?:\.(\d{1,6}|[x*]))?(\+)?(?![\w.*-])"

# a chart version in a components row's Notes (`chart 4.11.3`, `chart v1.16.1`)
_NOTES_CHART = re.compile(r"(?<![\w.-])(?:helm\s+)?chart\s+v?\d{1,6}\.\d{1,6}\.\d{1,6}(?![\w.-])", re.I)


@cache
def _mention(names: tuple[str, ...]) -> re.Pattern[str]:
    """A component's names (each word joined to the next by at most one space, dot or hyphen), then a version."""
    words = ["[\\s._-]?".join(re.escape(w) for w in re.split(r"[\s._-]+", n) if w) for n in names]
    return re.compile(rf"(?<![\w-])({'|'.join(sorted(words, key=len, reverse=True))}){_VERSION}", re.I)


def decide_component_versions(c: Context) -> None:
    """Credit or report every stated version of a catalog component the plan installs, in the sections statements
    are read from (a research task naming `ArgoCD 2.8+` states nothing)."""
    read = passages(c.plan)
    # and the components rows outside them, in any section (`| ingress-nginx | ingress-nginx 4.11.2 |`)
    lines = {line for p in read for _, line in p.starts}
    rows = [row for row in c.plan.components if row.line not in lines]
    for comp in c.values.get("components", []):
        entry = catalog().chart(comp.name)
        if entry is None:
            continue
        mention = _mention(entry.names)
        for p in read:
            for m in mention.finditer(p.text):
                _judge(c, comp, entry.app_versions_same, p.line_at(m.start()), m)
        for row in rows:
            for m in mention.finditer(plain(row.text)):
                _judge(c, comp, entry.app_versions_same, row.line, m)
        # a Version column (`| ingress-nginx | Yes | 4.11.2 |`) or a chart version in the Notes (`| ingress-nginx |
        # Yes | chart 4.11.3, 2 replicas in prod |`): the words, read after the row's component
        for row in c.plan.components:
            said = row.version or next((n.group(0) for n in _NOTES_CHART.finditer(plain(row.notes))), "")
            m = mention.fullmatch(f"{row.name} {said}") if said else None
            if m is not None:
                _judge(c, comp, entry.app_versions_same, row.line, m, said.rstrip("+"))


def _exact(m: re.Match[str]) -> bool:
    """Whether the stated version is one release (`4.11.3`, `v1.16.1`): no bound, no wildcard."""
    return bool(m.group(5) and m.group(5).isdigit() and m.group(4).isdigit() and not m.group(6)
                and m.group(2) not in (">=", "≥"))


def _judge(c: Context, comp: Component, app_versions_same: bool, line: int, m: re.Match[str],
           words: str = "") -> None:
    if not (m.group(2) or m.group(4) or m.group(5)):
        return  # a bare number states no version: `cert-manager `0`` is a sync wave
    # as the coverage scan's clause ends (`Dapr 1.12`), so it is known as reported
    words = words or m.group(0).rstrip("+")
    pin = tuple(int(p) for p in re.findall(r"\d+", comp.version)[:3])
    stated = m.group(0)[m.end(1) - m.start():].strip().lstrip("(")
    if admits(m, pin):
        c.applied(line, words, "components")
    elif _exact(m) and (int(m.group(3)), int(m.group(4))) == pin[:2]:
        release = tuple(int(m.group(i)) for i in (3, 4, 5))
        if release < pin:
            # an earlier patch of the pinned line (`chart 4.11.3` beside 4.11.5) lacks the fixes the pin carries
            # (ingress-nginx 4.11.5 fixes CVE-2025-1974): never installed in its place
            c.unapplied(line, words, f"planforge pins the {comp.chart} chart {comp.version}, a later patch of the "
                                     f"same release line: it carries security and bug fixes {stated} lacks")
            return
        # a later patch of the pinned line: the same release line's values, the plan's release installed
        comp.version = ("v" if comp.version.startswith("v") else "") + ".".join(m.group(i) for i in (3, 4, 5))
        c.applied(line, words, "components")
    elif app_versions_same or int(m.group(3)) == pin[0]:
        c.unapplied(line, words, f"planforge pins the {comp.chart} chart {comp.version}, outside {stated}: the "
                                 "component's values are written for that release")
    else:
        c.unapplied(line, words, f"planforge pins the {comp.chart} chart {comp.version} and writes its values for that "
                                 f"release; {stated} names another major version: if it is the chart's, that line is "
                                 f"not the pin; if it is the application's, chart {comp.version}'s appVersion says "
                                 "which release it installs")
