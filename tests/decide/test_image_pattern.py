"""The image repository a plan states for every workload (`pushed to ECR `<registry>/payments/<service>``): each
application's image is that repository with its name, and the Decisions no longer call it planforge's default.
Before, every image was ghcr.io/<project>/<app>, which nothing pushes to."""
from __future__ import annotations

import pytest
from testlib import PLANS

from planforge.decide import decide
from planforge.plan import parse_text

EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
FIELD = "**Custom Applications**: orders-api, web-frontend\n"


def images(sentence: str) -> dict[str, str]:
    assert FIELD in EKS
    d = decide(parse_text(EKS.replace(FIELD, f"{FIELD}\n{sentence}\n"), "plan.md"))
    return {a.name: a.image for a in d.answers.apps}


@pytest.mark.parametrize("sentence, repository", [
    ("Images are pushed to ECR `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/<service>`.",
     "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/"),
    ("Each app's image lives at registry.acme.io:5000/platform/{app}.", "registry.acme.io:5000/platform/"),
])
def test_every_application_takes_the_stated_repository(sentence: str, repository: str) -> None:
    assert images(sentence) == {"orders-api": repository + "orders-api", "web-frontend": repository + "web-frontend"}


def test_a_repository_without_a_name_placeholder_is_no_pattern() -> None:
    assert images("The base image is registry.acme.io/platform/python.")["orders-api"].startswith("ghcr.io/")


def test_one_repository_per_environment_is_reported() -> None:
    """`acrclaimsdev.azurecr.io/claims/<app>` in dev, `acrclaimsprod.azurecr.io/claims/<app>` in prod: before, the dev
    registry became every environment's, production's too."""
    sentence = ("Images are pushed to the environment's registry (`acrshopdev.azurecr.io/shop/<app>` in dev, "
                "`acrshopprod.azurecr.io/shop/<app>` in prod).")
    assert FIELD in EKS
    d = decide(parse_text(EKS.replace(FIELD, f"{FIELD}\n{sentence}\n"), "plan.md"))
    assert all(a.image.startswith("ghcr.io/") for a in d.answers.apps)
    assert {n.text for n in d.not_applied if "one image repository per environment" in n.why} == {
        "acrshopdev.azurecr.io/shop/<app>", "acrshopprod.azurecr.io/shop/<app>"}
