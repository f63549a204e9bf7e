"""release_tag: the Git tag production GitOps sources pin, from the first plan line naming a release tag."""
from __future__ import annotations

import pytest

from testlib import line_of, PLANS
from planforge.decide import decide
from planforge.plan import parse_text

ARGO = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
ALWAYS = "never kubectl apply"


def test_no_release_tag_in_the_plan_pins_the_first_release():
    d = decide(parse_text(ARGO, "p.md"))
    assert d.answers.release_tag == "v0.1.0"
    assert d.provenance["release_tag"].line is None
    assert "first release" in d.provenance["release_tag"].note


@pytest.mark.parametrize(("words", "tag"), [
    ("production ships the release tag v1.4.0", "v1.4.0"),
    ("prod deploys `git tag 2.0.0-rc.1`", "2.0.0-rc.1"),
    ("production runs release v3.2", "v3.2"),
    ("each deploy is tagged as 1.0.7", "1.0.7"),
])
def test_a_line_naming_a_release_tag_decides_it_with_its_line(words: str, tag: str):
    text = ARGO.replace(ALWAYS, f"{ALWAYS}; {words}")
    d = decide(parse_text(text, "p.md"))
    assert d.answers.release_tag == tag
    assert d.provenance["release_tag"].line == line_of(text, words)


@pytest.mark.parametrize("words", ["git tag v1.x.x starts a release", "image tag 1.2.3", "release 2 of the API",
                                   "Helm 3.14 release notes"])
def test_words_that_name_no_release_tag_keep_the_default(words: str):
    d = decide(parse_text(ARGO.replace(ALWAYS, f"{ALWAYS}; {words}"), "p.md"))
    assert d.answers.release_tag == "v0.1.0"
