"""The Key Vault of each environment's workload secrets, when the plan names them (`Key Vault per environment:
`kv-claims-dev`, `kv-claims-stg`, `kv-claims-prod``): `environment_sizing[].secrets_vault`, the vault the AKS root
creates and the ClusterSecretStore reads. A name is an environment's when one of its dash-separated words names
that environment, and a name with the environment as a placeholder (`kv-tally-<env>`) is each one's; names an AKS
root does not create (another structure, a store other than Key Vault) are reported."""
from __future__ import annotations

from planforge.decide.answer_rules import patterns
from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.rules.environment_names import environment_names
from planforge.decide.rules.tools import lines_naming


def decide_secrets_vaults(c: Context, structure: str) -> None:
    """Set `secrets_vault` of each environment a Key Vault name the plan gives names."""
    builds = (structure == "multi-tool" and c.values.get("cloud") == "azure"
              and c.values.get("secrets_manager") == "azure-key-vault")
    valid = patterns()["key_vault"].regex
    vaults: dict[str, str] = {}
    # `Each stage has a vault of its own: ...` where the secrets manager is Azure Key Vault
    said = r"\bkey\s*vaults?\b" + (r"|\bvaults?\b" if c.values.get("secrets_manager") == "azure-key-vault" else "")
    for line, _ in lines_naming(c.plan, said):
        for named in environment_names(c, c.plan.lines[line - 1], line, valid):
            env, name, words = named.env, named.name, named.words
            if vaults.get(env, name) != name:
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
