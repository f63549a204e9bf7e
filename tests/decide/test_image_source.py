"""A registry named for the images without their repository, and images pinned by digest, are reported at their
lines with the edit that carries them (the Kustomize overlays pull planforge's default images, pinned by tag)."""
from __future__ import annotations

from testlib import FIXTURES

from planforge.decide import decide
from planforge.plan import parse_text

LEDGER = (FIXTURES / "reviewed/aws-eks-ledger.plan.md").read_text(encoding="utf-8")
SAID = ("Images\ncome from ECR in the shared tooling account and are pinned by digest in the overlays.")


def _reported(text: str) -> dict[str, str]:
    return {n.text: n.why for n in decide(parse_text(text, "plan.md")).not_applied}


def test_a_registry_without_its_repository_and_a_digest_pin_are_reported() -> None:
    assert SAID in LEDGER
    reported = _reported(LEDGER)
    assert "newName" in reported["Images come from ECR"] and "ghcr.io/ledger-platform/ledger-api" in reported[
        "Images come from ECR"]
    assert "set digest in each image" in reported["pinned by digest"]


def test_a_registry_whose_repository_the_plan_names_is_the_images_own() -> None:
    text = LEDGER.replace(SAID, "Images\ncome from ECR (`123456789012.dkr.ecr.eu-west-1.amazonaws.com/ledger/<service>`).")
    d = decide(parse_text(text, "plan.md"))
    assert {a.image for a in d.answers.apps} == {f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/ledger/{n}"
                                                 for n in ("ledger-api", "ledger-web", "ledger-reconciler")}
    assert not [n for n in d.not_applied if "ECR" in n.text]
