"""Air-gapped on-premise hosts (`air-gapped`, `no internet egress`): k3s or RKE2 comes from the plan's mirror of its
release artifacts, its system images from the release's air-gap image archive, and every image from the plan's
registry. kubeadm is told what its hosts would need (a package mirror and a registry for its images). Patterns:
data/onprem.yaml."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context
from planforge.decide.rules.onprem import pattern
from planforge.decide.rules.statements import passages


def decide_airgap(c: Context) -> None:
    """`airgap`, `artifact_mirror`, `registry_mirror` from the plan's air-gap statement; runs after decide_k3s."""
    c.default("airgap", False, "the plan does not say the hosts have no internet egress")
    c.default("artifact_mirror", "", "no air-gapped hosts: k3s comes from its GitHub releases")
    c.default("registry_mirror", "", "no air-gapped hosts: images come from their own registries")
    found = _statement(c)
    if found is None:
        return
    line, words, sentence = found
    if not c.values.get("on_premise"):
        c.unapplied(line, words, "planforge builds air-gapped installs for on-premise k3s hosts; a cloud network's "
                                 "egress is its NAT gateway or firewall (see the network module)")
        return
    distribution = "k3s" if c.values.get("k3s_version") else "RKE2" if c.values.get("rke2_version") else ""
    if not distribution:
        c.unapplied(line, words, "planforge builds air-gapped installs for k3s and RKE2; kubeadm's hosts install "
                                 "kubelet, kubeadm and kubectl from pkgs.k8s.io and containerd from the distribution: "
                                 "point apt at your package mirror, and containerd (config_path) and kubeadm's "
                                 "imageRepository at your registry")
        return
    mirror = _first(pattern("artifact_mirror"), sentence, c)
    registry = _first(pattern("registry_mirror"), sentence, c)
    if mirror is None or registry is None:
        missing = " and ".join(w for w, v in ((f"a mirror of the {distribution} release artifacts", mirror),
                                               ("a registry for the images", registry)) if v is None)
        example = distribution.lower()
        c.problem(None, "airgap", f"the hosts have no internet egress ({words!r}) but the plan does not name {missing}",
                  f"name them in that sentence, e.g. `{distribution} releases from the mirror "
                  f"https://artifacts.example.com/{example} and images from the registry registry.example.com:5000` "
                  f"(the mirror keeps GitHub's layout: <mirror>/<release>/<asset>)", line=line)
        return
    c.set("airgap", True, _cited(c, line))
    c.set("artifact_mirror", mirror[0].rstrip("/"), _cited(c, mirror[1]))
    c.set("registry_mirror", registry[0], _cited(c, registry[1]))
    c.applied(line, words, "airgap")
    c.unapplied(line, words, "the components' Helm charts, Argo CD's own Application included, come from their "
                             "upstream chart repositories: mirror them and point each Application's repoURL at the "
                             "mirror (only the first install of Argo CD comes from the mirror; the Ansible README, "
                             "\"Air-gapped hosts\")")


def _cited(c: Context, line: int) -> Provenance:
    return Provenance(source="plan", line=line, text=tx.quote(c.line_text(line)))


def _statement(c: Context) -> tuple[int, str, str] | None:
    """The first air-gap statement: its line, its words and its sentence."""
    rx = re.compile(pattern("airgap"), re.I)
    for p in passages(c.plan):
        m = rx.search(p.text)
        if m:
            return p.line_at(m.start()), m.group(0), tx.sentence_at(p.text, m.start(), m.end())
    return None


def _first(rx: str, sentence: str, c: Context) -> tuple[str, int] | None:
    """The group of `rx` in the statement's sentence, else in the plan's statement sections: (value, line)."""
    compiled = re.compile(rx, re.I)
    m = compiled.search(sentence)
    if m:
        return m.group(1).lower(), _line_of(c, m.group(1))
    for p in passages(c.plan):
        m = compiled.search(p.text)
        if m:
            return m.group(1).lower(), p.line_at(m.start(1))
    return None


def _line_of(c: Context, words: str) -> int:
    return next((n for n, raw in enumerate(c.plan.lines, 1) if words.lower() in raw.lower()), 0)
