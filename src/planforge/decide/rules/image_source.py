"""Where the plan says its images come from, when the output cannot carry it: a registry named without the
repository the images live in (`Images come from ECR in the shared tooling account`), and images pinned by digest
(the Kustomize overlays pin each image's tag). Either is reported at its line with the edit that carries it; a registry whose
repository the plan spells out (`.../payments/<service>`) is the images' own (rules/workloads)."""
from __future__ import annotations

import re
from functools import lru_cache

from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.decide.data import keywords
from planforge.decide.rules.statements import passages

@lru_cache(maxsize=1)
def _registry() -> re.Pattern[str]:
    """A registry named as where the images come from (`Images come from ECR`, `ECR images`; keywords.yaml)."""
    names = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(keywords().image_registries, key=len, reverse=True))
    return re.compile(rf"\bimages?\b[^.;]{{0,60}}?\b(?P<registry>{names})\b|\b(?P<registry2>{names})\b[^.;]{{0,40}}?\bimages?\b",
                      re.I)


_DIGEST = re.compile(r"\b(?:pinned|pins?|referenced|deployed)\s+by\s+(?:image\s+)?digests?\b|\bimage\s+digests?\b", re.I)


def report_image_source(c: Context, structure: str) -> None:
    """Report a registry named for the images whose repository the Kustomize applications' images are not in, and a
    digest pin (a chart's values take a digest: rules of the helm-chart structure)."""
    apps: list[Service] = list(c.values.get("apps") or [])
    if not apps or structure != "multi-tool":
        return
    for p in passages(c.plan, every_section=True):
        for m in _registry().finditer(p.text):
            registry = m.group("registry") or m.group("registry2")
            # a repository the passage spells out is the images' own, or reported with its placeholder (workloads)
            if not _in(registry, p.text) and not any(_in(registry, a.image) for a in apps):
                c.unapplied(p.line_at(m.start()), m.group(0), f"the plan names no {registry} repository (registry host "
                            f"and path): the overlays pull {apps[0].image} and its like; set `newName` of each image in "
                            "every environment's overlay `images` to its repository there, and let the nodes pull "
                            "from it")
        for m in _DIGEST.finditer(p.text):
            c.unapplied(p.line_at(m.start()), m.group(0), "the overlays pin each image by tag (`newTag`): to deploy by "
                        "digest, set `digest` in each image of every environment's overlay `images` (it wins over the "
                        "tag)")


def _in(registry: str, image: str) -> bool:
    """Whether `image` (or a text) names a repository of the registry the plan names."""
    hosts = {name.lower(): host for name, host in keywords().image_registries.items()}
    return hosts[re.sub(r"\s+", " ", registry.lower())] in image
