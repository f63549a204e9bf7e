"""The secrets manager entry applications read when the plan names it (`portal-api and report-nightly read the
database connection string from the Secrets Manager secret harbourline/<env>/portal-db`; `the Secret Manager
secret ledger-db-credentials`, one entry every environment reads).

A sentence that names an entry after a secret word (`secret`, `entry`, `stored under`; data/keywords.yaml
`app_secret_entry`) gives the Kustomize applications it names, else the only one, `secret_key`: the entry, each
environment placeholder (`<env>`, `<environment>`, `{env}`, `${env}`) as `{env}`. Their ExternalSecrets read it
and the cluster's External Secrets identity may read it. An entry naming one environment's path, one that is not
an entry the answer rules take, a sentence naming no application among several, a second entry for an application
(its ExternalSecret reads the first), or a repository where no application reads a secrets manager (no External
Secrets store, charts, tenants' applications) is reported.

An entry the sentence says holds one value (`reads the connection string from ...`; `single_value`) is synced as one
variable, `secret_value_key` (DATABASE_URL; a variable the sentence names wins), in the stores that hold plain strings:
External Secrets cannot read such an entry as a JSON object. Vault's entries are always maps of keys."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answer_rules import patterns
from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.decide.data import catalog, keywords
from planforge.decide.rules.app_secrets import VARIABLE
from planforge.decide.rules.statements import passages
from planforge.layout import load_layout


def decide_app_secret_keys(c: Context, structure: str) -> None:
    """Set `secret_key` of the applications a sentence says read a named secrets manager entry."""
    apps: list[Service] = list(c.values.get("apps") or [])
    vocab = keywords().app_secret_entry
    entry_rx, env_rx = re.compile(vocab["entry"], re.I), re.compile(vocab["environment"], re.I)
    reads = structure == "multi-tool" and c.values.get("secrets_manager") in load_layout()["external_secret_stores"]
    keys: dict[str, str] = {}
    value_keys: dict[str, str] = {}
    for p in passages(c.plan):
        for start, end in tx.sentence_bounds(p.text):
            sentence = p.text[start:end]
            m = next((m for m in entry_rx.finditer(p.text, start, end) if _entry(m.group(1), sentence)), None)
            if m is None:
                continue
            line, words = p.line_at(m.start(1)), m.group(1)
            named = [a.name for a in apps if re.search(rf"(?<![\w-]){re.escape(a.name)}(?![\w-])", sentence, re.I)]
            owners = named or ([apps[0].name] if len(apps) == 1 else [])
            key = env_rx.sub("{env}", words)
            why = _why_not(c, words, key, owners, reads)
            if why:
                c.unapplied(line, words, why)
                continue
            for name in owners:
                if keys.get(name, key) != key:
                    c.unapplied(line, words, f"{name}'s ExternalSecret reads one entry, the first the plan names "
                                f"for it ({keys[name].replace('{env}', '<env>')}): put these keys in that entry")
                    continue
                keys[name] = key
                c.applied(line, words, f"apps.{name}.secret_key")
                held = _value_key(c, p.text, start, m.start(), end)
                if held:
                    value_keys[name] = held[0]
                    c.applied(p.line_at(held[1]), held[2], f"apps.{name}.secret_value_key")
    if keys:
        c.values["apps"] = [a.model_copy(update={"secret_key": keys[a.name],
                                                 "secret_value_key": value_keys.get(a.name, "")})
                            if a.name in keys else a for a in apps]


def _value_key(c: Context, text: str, start: int, entry: int, end: int) -> tuple[str, int, str] | None:
    """The variable the entry at `entry` of the sentence `text[start:end]` holds one value of, where its words stand
    and the words: the variable the sentence names, else the one the single value named before the entry becomes.
    None for an object of several values, or in a store of maps (Vault)."""
    vocab = keywords().app_secret_entry
    # `Secrets Manager` names the store, not what it holds
    before = re.sub(vocab["store"], lambda m: " " * len(m.group()), text[start:entry], flags=re.I)
    if c.values.get("secrets_manager") == "vault" or re.search(vocab["several_values"], before, re.I):
        return None
    named = {m.group(1): m.start(1) for m in VARIABLE.finditer(text, start, end)}
    if len(named) > 1:
        return None
    if named:
        [(variable, at)] = named.items()
        return variable, at, variable
    held = [(key, m) for key, rx in vocab["single_value"].items() if (m := re.search(rx, before, re.I))]
    return (held[0][0], start + held[0][1].start(), held[0][1].group()) if len(held) == 1 else None


def _entry(words: str, sentence: str) -> bool:
    """Whether `words` after a secret word name an entry: no file, no component, and a plain name only in a
    sentence naming the store."""
    vocab = keywords().app_secret_entry
    if re.search(vocab["not_entry"], words, re.I) or catalog().mentioned(words):
        return False
    plain = "/" not in words and not re.search(vocab["environment"], words, re.I)
    return not plain or re.search(vocab["store"], sentence, re.I) is not None


def _why_not(c: Context, words: str, key: str, owners: list[str], reads: bool) -> str:
    """Why the entry `words` (as `key`) cannot be the entry of `owners`, or ""."""
    if not reads:
        return ("no application of this repository reads a secrets manager entry (its applications' Secrets come from "
                "a Kubernetes Secret or a chart's values): create the Secret from this entry yourself")
    if not owners:
        return "the sentence names none of the applications: name the ones that read this entry"
    environments = set(c.values.get("environments") or [])
    if environments & set(key.split("/")):
        return "the entry names one environment: write <env> where each environment's entry differs"
    rule = patterns()["store_key"]
    if not rule.regex.fullmatch(key) or len(key) > (rule.max or len(key)):
        return f"{words} is not {rule.what}"
    return ""
