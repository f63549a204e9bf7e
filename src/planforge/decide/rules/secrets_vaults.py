"""The Key Vault of each environment's workload secrets, when the plan names them (`Key Vault per environment:
`kv-claims-dev`, `kv-claims-stg`, `kv-claims-prod``): `environment_sizing[].secrets_vault`, the vault the AKS root
creates and the ClusterSecretStore reads. A name is an environment's when one of its dash-separated words names
that environment, and a name with the environment as a placeholder (`kv-tally-<env>`) is each one's; names an AKS
root does not create (another structure, a store other than Key Vault) are reported."""
from __future__ import annotations

import re

from planforge.decide.answer_rules import patterns
from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.environments import environment_named
from planforge.decide.rules.tools import lines_naming

_NAME = re.compile(r"`([a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9])`")
# a name pattern with the environment as a placeholder (`kv-tally-<env>`): each environment's vault
_PATTERN = re.compile(r"`([a-zA-Z][a-zA-Z0-9-]{0,22}(?:<env(?:ironment)?>|\{env(?:ironment)?\})[a-zA-Z0-9-]{0,22})`")
_PLACEHOLDER = re.compile(r"<env(?:ironment)?>|\{env(?:ironment)?\}")


def decide_secrets_vaults(c: Context, structure: str) -> None:
    """Set `secrets_vault` of each environment a Key Vault name the plan gives names."""
    environments = c.values.get("environments", [])
    builds = (structure == "multi-tool" and c.values.get("cloud") == "azure"
              and c.values.get("secrets_manager") == "azure-key-vault")
    valid = patterns()["key_vault"].regex
    vaults: dict[str, str] = {}
    # `Each stage has a vault of its own: ...` where the secrets manager is Azure Key Vault
    said = r"\bkey\s*vaults?\b" + (r"|\bvaults?\b" if c.values.get("secrets_manager") == "azure-key-vault" else "")
    for line, _ in lines_naming(c.plan, said):
        raw = c.plan.lines[line - 1]
        named = [(m.group(1), next((e for word in m.group(1).lower().split("-")
                                    if (e := environment_named(word, environments))), None), m.group(1))
                 for m in _NAME.finditer(raw)]
        named += [(_PLACEHOLDER.sub(env, m.group(1)), env, m.group(1)) for m in _PATTERN.finditer(raw)
                  for env in environments]
        for name, env, words in named:
            if env is None or not valid.match(name) or vaults.get(env, name) != name:
                continue
            if not builds:
                c.unapplied(line, words, "no Key Vault of an environment's own is created here (the clusters' secrets "
                            "are read from the store the secrets manager answer names): create it, and point the "
                            "secret store at it")
                continue
            vaults[env] = name
            c.applied(line, words, f"environment_sizing.{env}.secrets_vault")
    if vaults:
        sizing: list[EnvironmentSizing] = c.values["environment_sizing"]
        c.values["environment_sizing"] = [s.model_copy(update={"secrets_vault": vaults[s.name]})
                                          if s.name in vaults else s for s in sizing]
