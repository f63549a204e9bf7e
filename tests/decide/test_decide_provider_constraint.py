"""A constraint the plan states for its cloud's Terraform provider is pinned as stated where the modules allow it,
credited where planforge's own pin lies within it, and reported with what the modules need otherwise; never
replaced silently, never reported as "a version planforge pins itself"."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from testlib import PLANS, line_of

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_text

SINGLE = (PLANS / "aws-single-iac.plan.md").read_text(encoding="utf-8")
IAC = "**IaC Tools**: Terraform 1.6  "


def _stating(plan: str, anchor: str, words: str) -> str:
    text = plan.replace(anchor, f"{anchor}\n**Primary Dependencies**: {words}", 1)
    assert text != plan
    return text


def _notes(d, text: str, words: str) -> list:
    return [n for n in d.not_applied if n.line == line_of(text, words)]


@pytest.mark.parametrize("words", ["AWS Provider (~> 5.0), hashicorp/aws", "`hashicorp/aws` provider >= 4.0",
                                   "AWS provider 5.x"])
def test_a_constraint_the_pin_lies_within_is_credited_and_the_pin_kept(words: str) -> None:
    text = _stating(SINGLE, IAC, words)
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.provider_constraint == ""
    assert _notes(d, text, words) == []


@pytest.mark.parametrize(("words", "pinned"), [("AWS Provider (~> 5.60)", "~> 5.60"),
                                               ("hashicorp/aws >= 5.40, < 6.0", ">= 5.40, < 6.0"),
                                               ("AWS provider ~> 5.100.0", "~> 5.100.0")])
def test_a_narrower_constraint_is_pinned_as_stated(words: str, pinned: str, tmp_path: Path) -> None:
    text = _stating(SINGLE, IAC, words)
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.provider_constraint == pinned
    assert d.provenance["provider_constraint"].line == line_of(text, words)
    assert _notes(d, text, words) == []
    plan = tmp_path / "plan.md"
    plan.write_text(text, encoding="utf-8")
    assert main(["new", str(plan), str(tmp_path / "repo"), "--no-git"]) == 0
    terraform = tmp_path / "repo" / "terraform"
    pins = {path.relative_to(terraform).as_posix(): path.read_text() for path in terraform.rglob("versions.tf")}
    assert len(pins) > 5 and all(f'version = "{pinned}"' in body for body in pins.values()), pins
    readme = (tmp_path / "repo" / "README.md").read_text()
    assert f"- **provider_constraint**: {pinned} — plan.md:{line_of(text, words)}:" in readme


@pytest.mark.parametrize(("plan", "anchor", "words", "why"), [
    ("aws-single-iac", IAC, "AWS Provider (~> 4.0)", "the modules need aws ~> 5.0"),
    ("aws-single-iac", IAC, "AWS Provider (~> 5.60.0)", "the shipped lock files hold aws 5.100.0"),
    ("aws-single-iac", IAC, "AWS Provider (>= 5.80, < 5.20)", "admits no aws release"),
    ("gcp-cloud-run", "**IaC Tools**:", "`hashicorp/google` provider (~> 5.x)", "the modules need google ~> 6.11 (GKE's DNS-based"),
    ("aks-argocd-keyvault", "**IaC Tools**:", "azurerm (~> 3.0)", "the modules need azurerm ~> 4.42"),
])
def test_a_constraint_the_modules_cannot_meet_is_reported_with_why(plan: str, anchor: str, words: str, why: str) -> None:
    source = (PLANS / f"{plan}.plan.md").read_text(encoding="utf-8")
    line = next(raw for raw in source.splitlines() if raw.startswith(anchor))
    text = _stating(source, line, words)
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.provider_constraint == ""
    notes = _notes(d, text, words)
    assert [n.why for n in notes if why in n.why] and not [n for n in notes if "pins itself" in n.why], notes


def test_a_wider_azurerm_constraint_keeps_the_modules_floor() -> None:
    """`azurerm (~> 4.x)`: every release the pin ~> 4.42 admits is one the plan admits."""
    source = (PLANS / "aks-argocd-keyvault.plan.md").read_text(encoding="utf-8")
    line = next(raw for raw in source.splitlines() if raw.startswith("**IaC Tools**:"))
    text = _stating(source, line, "Terraform providers `azurerm` (~> 4.x)")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.provider_constraint == ""
    assert _notes(d, text, "azurerm") == []


def test_a_pinned_constraint_validates_with_the_shipped_lock(tmp_path: Path, tf_mirror: Path) -> None:
    """terraform init and validate accept the stated pin with the lock file planforge ships beside it."""
    words = "AWS Provider (~> 5.60)"
    plan = tmp_path / "plan.md"
    plan.write_text(_stating(SINGLE, IAC, words), encoding="utf-8")
    assert main(["new", str(plan), str(tmp_path / "repo"), "--no-git"]) == 0
    report = tmp_path / "report.json"
    code = main(["validate", str(tmp_path / "repo"), "--strict", "--fail-on-skip", "--only", "terraform",
                 "--terraform-plugin-mirror", str(tf_mirror), "--format", "json", "-o", str(report)])
    summary = json.loads(report.read_text())["summary"]
    assert code == 0 and summary["errors"] == 0 and summary["skipped"] == 0, summary


@pytest.mark.parametrize(("stated", "releases", "written"), [
    ("~> 5.0", ((5, 0, 0), (6, 0, 0)), "~> 5.0"), ("5.x", ((5, 0, 0), (6, 0, 0)), "~> 5.0"),
    ("5.60.x", ((5, 60, 0), (5, 61, 0)), "~> 5.60.0"), ("~> 5.60.0", ((5, 60, 0), (5, 61, 0)), "~> 5.60.0"),
    ("~> 5", ((5, 0, 0), (1 << 30, 0, 0)), ">= 5.0"), ("5", ((5, 0, 0), (6, 0, 0)), "~> 5.0"),
    (">= 4.0, < 6", ((4, 0, 0), (6, 0, 0)), ">= 4.0, < 6.0"), ("= 5.31.0", ((5, 31, 0), (5, 31, 1)), "= 5.31.0"),
])
def test_constraints_read_as_terraform_reads_them(stated: str, releases: tuple, written: str) -> None:
    from planforge.decide.rules.providers import _interval, _normalised

    assert (_interval(stated), _normalised(stated)) == (releases, written)


def test_a_number_after_the_constraint_is_not_part_of_it() -> None:
    words = "AWS provider 5.x, 3 availability zones"
    text = _stating(SINGLE, IAC, words)
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.provider_constraint == ""
    assert not [n for n in _notes(d, text, words) if "provider" in n.text.lower()]  # `5.x` alone: credited
