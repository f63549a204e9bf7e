"""A version constraint the plan states for the primary cloud's Terraform provider (`AWS Provider (~> 5.0)`,
`azurerm (~> 4.x)`), against the pin of includes/terraform/providers.yaml (`~> <floor>`):

- the pin lies within the stated constraint: kept, and the line is credited (it is what the plan asks);
- the stated constraint lies within the pin's range and admits the release of the shipped lock file: it is
  the pin (`provider_constraint`), in every root and module of the cloud;
- otherwise the line is reported with what the modules need (their floor and why, or the locked release).

Only Terraform and OpenTofu roots pin providers; another cloud's provider, and one named with no
constraint, are left to the coverage scan."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from planforge.decide.context import Context
from planforge.yamlio import template_data

Version = tuple[int, int, int]
_TOP: Version = (1 << 30, 0, 0)
# One constraint as plans write it: `~> 5.0`, `>= 4.42`, `5.x`, `(~> 5.x)`, `= 5.31.0`.
_CONSTRAINT = r"(~>|>=|<=|!=|=|>|<|≥|≤)?\s*v?(\d+)(?:\.(\d+|x))?(?:\.(\d+|x))?\b"
# A provider name, then a constraint list (`AWS Provider (~> 5.0)`, `hashicorp/google` provider (~> 5.x), `azurerm ~> 4.x, < 5`).
# after the first constraint, only one with an operator continues the list (`5.x, 3 zones` is `5.x` alone)
_NEXT = r"(?:~>|>=|<=|!=|=|>|<|≥|≤)\s*v?\d+(?:\.(?:\d+|x)){0,2}\b"
_AFTER_NAME = (r"[\s`'\"(:,]*(?:providers?[\s`'\"(:,]*)?(?:version\s+)?(" + _CONSTRAINT + r"(?:\s*,\s*"
               + _NEXT + r")*)")


@dataclass(frozen=True)
class Provider:
    cloud: str
    local: str
    source: str
    floor: Version
    why: str
    names: str


@cache
def providers() -> dict[str, Provider]:
    """includes/terraform/providers.yaml of the shipped template."""

    raw = template_data("includes/terraform/providers.yaml")
    return {cloud: Provider(cloud, p["local"], p["source"], _version(p["floor"]), p["why"], p["names"])
            for cloud, p in raw.items()}


@cache
def locked_release(cloud: str) -> Version | None:
    """The provider release the shipped lock file of a cloud holds (modules/<cloud>/terraform.lock.hcl), if any."""
    from planforge.render.template import shipped_template_dir

    lock = Path(shipped_template_dir() / "modules" / cloud / "terraform.lock.hcl")
    found = re.search(r'^\s*version\s*=\s*"(\d+\.\d+\.\d+)"', lock.read_text(encoding="utf-8"), re.M) \
        if lock.is_file() else None
    return _version(found.group(1)) if found else None


def decide_provider_constraint(c: Context) -> None:
    """`provider_constraint` from the first line stating one for the primary cloud's provider, or that line credited
    or reported."""
    cloud = (c.values.get("clouds") or [c.values.get("cloud")])[0]
    c.default("provider_constraint", "", "no constraint in the plan for the cloud's Terraform provider; every root "
              "and module pins the oldest release the modules need, within its major version")
    provider = providers().get(str(cloud))
    if provider is None or c.values.get("iac_tool") not in ("terraform", "opentofu"):
        return
    for number, text in enumerate(c.plan.lines, start=1):
        for name in re.finditer(provider.names, text, re.I):
            stated = re.match(_AFTER_NAME, text[name.end():], re.I)
            if stated:
                end = name.end() + stated.end()
                end += text[end:end + 1] == ")"  # `(~> 5.0)` whole
                _judge(c, provider, number, text[name.start():end], stated.group(1))
                return


def _judge(c: Context, provider: Provider, line: int, said: str, stated: str) -> None:
    pinned = (provider.floor, (provider.floor[0] + 1, 0, 0))
    wanted = _interval(stated)
    locked = locked_release(provider.cloud)
    constraint = _normalised(stated)
    if wanted is None:
        c.unapplied(line, said, f"planforge reads {provider.local} constraints made of ~>, >=, >, <=, < and = only; "
                                f"every root and module pins ~> {_shown(provider.floor)}")
    elif wanted[1] <= wanted[0]:
        c.unapplied(line, said, f"{constraint} admits no {provider.local} release; every root and module pins "
                                f"~> {_shown(provider.floor)}")
    elif wanted[0] <= pinned[0] and pinned[1] <= wanted[1]:
        c.applied(line, said, "provider_constraint")  # the pin admits only releases the plan admits
    elif not (pinned[0] <= wanted[0] and wanted[1] <= pinned[1]):
        c.unapplied(line, said, f"the modules need {provider.local} ~> {_shown(provider.floor)} ({provider.why}) and "
                                f"{constraint} does not lie within it, so every root and module pins "
                                f"~> {_shown(provider.floor)}")
    elif locked is not None and not wanted[0] <= locked < wanted[1]:
        c.unapplied(line, said, f"the shipped lock files hold {provider.local} {'.'.join(map(str, locked))}, which {constraint} "
                                f"excludes; every root and module pins ~> {_shown(provider.floor)}")
    else:
        c.stated("provider_constraint", constraint, line, said)


def _version(text: str) -> Version:
    parts = [int(p) for p in re.findall(r"\d+", text)][:3]
    return (*parts, 0, 0, 0)[:3]  # type: ignore[return-value]


def _shown(version: Version) -> str:
    return ".".join(str(p) for p in (version[:2] if version[2] == 0 else version))


def _parts(match: re.Match[str]) -> tuple[str, list[int]]:
    """An operator and the numbers before the first `x`: `5.x` is `~> 5.0` (any 5), `5.60.x` is `~> 5.60.0`."""
    op, numbers = match.group(1) or "", []
    for part in match.groups()[1:]:
        if part is None or part == "x":
            if part == "x":
                op = op or "~>"
                numbers.append(0)  # pessimistic where the x stood: `5.x` is `~> 5.0`, `5.60.x` is `~> 5.60.0`
            break
        numbers.append(int(part))
    return {"≥": ">=", "≤": "<="}.get(op, op), numbers


def _interval(stated: str) -> tuple[Version, Version] | None:
    """The releases a constraint list admits, as [low, high) (empty when high <= low); None for one this reader does
    not take (`!=`)."""
    low, high = (0, 0, 0), _TOP
    for match in re.finditer(_CONSTRAINT, stated):
        op, numbers = _parts(match)
        v = _version(".".join(map(str, numbers)))
        if op == "~>" or (not op and len(numbers) < 3):
            # only the rightmost part given may grow: `~> 5.60.0` < 5.61, `~> 5.0` < 6, and `~> 5` has no bound
            upper = ((v[0], v[1] + 1, 0) if len(numbers) >= 3 else (v[0] + 1, 0, 0) if len(numbers) == 2 or not op
                     else _TOP)  # a bare `5` is the major version 5
            low, high = max(low, v), min(high, upper)
        elif op in ("", "="):
            low, high = max(low, v), min(high, (v[0], v[1], v[2] + 1))
        elif op in (">=", ">"):
            low = max(low, v if op == ">=" else (v[0], v[1], v[2] + 1))
        elif op in ("<", "<="):
            high = min(high, v if op == "<" else (v[0], v[1], v[2] + 1))
        else:
            return None
    return low, high


def _normalised(stated: str) -> str:
    """The constraint as Terraform writes it: `5.x` and `~> 5.x` are `~> 5.0`, a bare `5.31` is `~> 5.31`."""
    out = []
    for match in re.finditer(_CONSTRAINT, stated):
        op, numbers = _parts(match)
        if not op:
            op = "~>" if len(numbers) < 3 else "="
        elif op == "~>" and len(numbers) == 1:
            op = ">="  # `~> 5`: only the major given, which may grow
        out.append(f"{op} {'.'.join(map(str, numbers + [0] * (2 - len(numbers))))}")
    return ", ".join(out)
