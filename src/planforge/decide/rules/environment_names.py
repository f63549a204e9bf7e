"""Names a plan gives each environment's own resource (`Key Vault per environment: `kv-claims-dev`, `kv-claims-prod``,
`one project per environment: `nw-ledgerly-staging` and `nw-ledgerly-prod``): a backticked name is an environment's
when one of its dash-separated words names that environment, and a name with the environment as a placeholder
(`kv-tally-<env>`) is each one's."""
from __future__ import annotations

import re
from dataclasses import dataclass

from planforge.decide.context import Context
from planforge.decide.environments import environment_named

_NAME = re.compile(r"`([a-zA-Z][a-zA-Z0-9-]{1,40}[a-zA-Z0-9])`")
_PATTERN = re.compile(r"`([a-zA-Z][a-zA-Z0-9-]{0,30}(?:<env(?:ironment)?>|\{env(?:ironment)?\})[a-zA-Z0-9-]{0,30})`")
_PLACEHOLDER = re.compile(r"<env(?:ironment)?>|\{env(?:ironment)?\}")


@dataclass(frozen=True)
class EnvironmentName:
    """A name the plan gives one environment's resource, and where."""

    env: str
    name: str
    line: int
    words: str  # as written: the name, or its pattern


def environment_names(c: Context, text: str, line: int, valid: re.Pattern[str]) -> list[EnvironmentName]:
    """The names in `text` (plan line `line`) that are one environment's and `valid` accepts, in the order written."""
    environments = c.values.get("environments", [])
    found = [EnvironmentName(env, m.group(1), line, m.group(1)) for m in _NAME.finditer(text)
             for env in [_environment_of(m.group(1), environments)] if env is not None]
    found += [EnvironmentName(env, _PLACEHOLDER.sub(env, m.group(1)), line, m.group(1))
              for m in _PATTERN.finditer(text) for env in environments]
    return [n for n in found if valid.match(n.name)]


def _environment_of(name: str, environments: list[str]) -> str | None:
    """The environment one of the name's dash-separated words names, if any."""
    return next((env for word in name.lower().split("-") if (env := environment_named(word, environments))), None)
