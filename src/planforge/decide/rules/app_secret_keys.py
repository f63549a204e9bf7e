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
variable (DATABASE_URL; a variable the sentence names wins), in the stores that hold plain strings: External Secrets
cannot read such an entry as a JSON object. Vault's entries are always maps of keys. An application reads any number of
such entries (`secret_values`, one per variable) beside its one JSON entry.

A bullet under a secrets heading that opens with an entry (`### Secrets` over `- ledger/<env>/api-db-password —
password of the ledger_api user, consumed by ledger-api as DB_PASSWORD`) states the same, its words after the entry.
A Kubernetes Secret name it gives that is not the application's `<app>-secrets` is reported.

A table of entries (`| Secrets Manager entry | Holds | Consumed by |` over `| shop/dev/stripe-api-key,
shop/prod/stripe-api-key | the Stripe key as a plain string | checkout-worker, env STRIPE_API_KEY |`) states the same
per row: the entry (one per environment, written once with `{env}` where they differ), the applications the row names
and the one variable it names."""
from __future__ import annotations

import re
from dataclasses import dataclass

from planforge.decide import text as tx
from planforge.decide.answer_rules import patterns
from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.decide.data import catalog, keywords
from planforge.decide.environments import environment_named, is_env_name
from planforge.decide.rules.app_secrets import VARIABLE
from planforge.decide.rules.app_statements import subject_of
from planforge.decide.rules.statements import Passage, passages
from planforge.layout import load_layout
from planforge.plan.model import plain


def decide_app_secret_keys(c: Context, structure: str) -> None:
    """Set `secret_key` of the applications a sentence says read a named secrets manager entry."""
    apps: list[Service] = list(c.values.get("apps") or [])
    vocab = keywords().app_secret_entry
    entry_rx, env_rx = re.compile(vocab["entry"], re.I), re.compile(vocab["environment"], re.I)
    reads = structure == "multi-tool" and c.values.get("secrets_manager") in load_layout()["external_secret_stores"]
    read = _Read({}, {})
    for p in passages(c.plan, every_section=True):  # a `## Secrets` section of its own too
        subject = subject_of(p.text, [a.name for a in apps])  # a bullet about one application: its sentences' owner
        for start, end in tx.sentence_bounds(p.text):
            sentence = p.text[start:end]
            m = next((m for m in entry_rx.finditer(p.text, start, end) if _entry(m.group(1), sentence)), None)
            listed = _listed_entry(c, p) if m is None and start == 0 else None
            m = m or listed
            if m is None:
                continue
            line, words = p.line_at(m.start(1)), m.group(1)
            owners = _owners(apps, sentence) or ([subject] if subject else [])
            # a listed entry's words follow it (`- ledger/<env>/api-db-password — password of ..., consumed by ...`)
            held = _value_key(c, p.text, m.end(1), end, end) if listed else _value_key(c, p.text, start, m.start(), end)
            value = (held[0], p.line_at(held[1]), held[2]) if held else None
            _assign(c, read, (line, words, env_rx.sub("{env}", words)), owners, value, reads)
            _secret_name(c, p, start, end, owners)
    for row in _entry_rows(c, apps):
        _assign(c, read, row.entry, row.owners, row.value, reads)
    if read.objects or read.values:
        c.values["apps"] = [a.model_copy(update={"secret_key": read.objects.get(a.name, ""),
                                                 "secret_values": read.values.get(a.name, {})})
                            if a.name in read.objects or a.name in read.values else a for a in apps]


@dataclass
class _Read:
    """The entries read so far, by application: its JSON entry, and its one-value entries by variable."""

    objects: dict[str, str]
    values: dict[str, dict[str, str]]


def _assign(c: Context, read: _Read, entry: tuple[int, str, str], owners: list[str],
            value: tuple[str, int, str] | None, reads: bool) -> None:
    """Give `owners` the entry (line, words, key): one holding the one value `value` (variable, line, words) is synced
    as that variable, another is the application's JSON entry (the first the plan names: a second is reported)."""
    line, words, key = entry
    why = _why_not(c, words, key, owners, reads)
    if why:
        c.unapplied(line, words, why)
        return
    for name in owners:
        if value is not None:
            variable, at, said = value
            held = read.values.setdefault(name, {})
            if held.get(variable, key) != key:
                c.unapplied(line, words, f"{name}'s {variable} is read from {held[variable].replace('{env}', '<env>')}, "
                            "the entry the plan names first for it: name one entry per variable")
                continue
            held[variable] = key
            c.applied(line, words, f"apps.{name}.secret_values")
            c.applied(at, said, f"apps.{name}.secret_values")
        elif read.objects.get(name, key) != key:
            c.unapplied(line, words, f"{name}'s ExternalSecret reads one entry of several values, the first the plan "
                        f"names for it ({read.objects[name].replace('{env}', '<env>')}): put these keys in that entry")
        else:
            read.objects[name] = key
            c.applied(line, words, f"apps.{name}.secret_key")


def _owners(apps: list[Service], text: str) -> list[str]:
    """The applications `text` names, else the only one."""
    named = tx.names_in([a.name for a in apps], text)
    return named or ([apps[0].name] if len(apps) == 1 else [])


@dataclass(frozen=True)
class _EntryRow:
    """A row of a table of entries: the entry (line, words, key), who reads it and the variable of its one value."""

    entry: tuple[int, str, str]
    owners: list[str]
    value: tuple[str, int, str] | None


def _entry_rows(c: Context, apps: list[Service]) -> list[_EntryRow]:
    """The rows of the plan's tables of entries (a column headed like `Secrets Manager entry` whose cells name
    entries) that name an application."""
    vocab = keywords().app_secret_entry
    column_rx, one_rx = re.compile(vocab["column"], re.I), re.compile(vocab["one_value"], re.I)
    out = []
    for table in c.plan.tables:
        header = [plain(cell) for cell in table.rows[0][1]] if table.rows else []
        column = next((k for k, cell in enumerate(header) if column_rx.search(cell)), None)
        for line, cells in table.rows[1:] if column is not None else []:
            if column >= len(cells):
                continue
            words = plain(cells[column])
            rest = " | ".join(plain(cell) for k, cell in enumerate(cells) if k != column)
            mapped = _MAPPED.match(words)
            if mapped is not None:  # `scheduler-db-url → env DATABASE_URL`: the entry, synced as that variable
                words, rest = mapped.group(1), f"{rest} | {mapped.group(2)}"
            owners = tx.names_in([a.name for a in apps], rest)
            key = _folded(c, words)
            if not owners or key is None:
                continue
            variables = list(dict.fromkeys(VARIABLE.findall(rest)))
            value = None
            if len(variables) == 1:
                value = (variables[0], line, variables[0])
            elif variables:
                c.unapplied(line, ", ".join(variables), f"{words} is read as a JSON object whose keys become the "
                            "Secret's as they are stored: store them under these names")
            elif one_rx.search(rest):
                held = [(variable, m) for variable, rx in vocab["single_value"].items() if (m := re.search(rx, rest, re.I))]
                value = (held[0][0], line, held[0][1].group()) if len(held) == 1 else None
            out.append(_EntryRow((line, words, key), owners, value))
    return out


# a cell naming an entry and the variable it becomes (`scheduler-db-url → env DATABASE_URL`)
_MAPPED = re.compile(r"^\s*(\S+)\s*(?:→|->|=>)\s*(?:(?:env(?:ironment)?(?:\s+var(?:iable)?)?|as)\s+)?(" + VARIABLE.pattern
                     + r")\s*$")


def _folded(c: Context, words: str) -> str | None:
    """The one entry a cell lists (`shop/dev/stripe-api-key, shop/prod/stripe-api-key`: shop/{env}/stripe-api-key),
    an environment's name standing for each; None when the cell names no entry or entries that differ otherwise."""
    vocab = keywords().app_secret_entry
    parts = [part.strip() for part in re.split(r",|;|\band\b", words) if part.strip()]
    if not parts or not all(re.fullmatch(vocab["name"], part) for part in parts):
        return None
    environments = c.values.get("environments") or []
    named: set[str] = set()

    def one(token: str) -> str:
        env = environment_named(token, environments) if is_env_name(token) else None
        if env is None:
            return token
        named.add(env)
        return "{env}"

    folded = {re.sub(r"[A-Za-z0-9]+", lambda m: one(m.group()), re.sub(vocab["environment"], "{env}", part, flags=re.I))
              for part in parts}
    if len(folded) != 1:
        return None
    return folded.pop() if len(named) > 1 or len(parts) == 1 and "{env}" in parts[0] else parts[0]


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


# the Kubernetes Secret a sentence says an entry is synced into (`(Kubernetes Secret ledger-api-db)`)
_SECRET_NAME = re.compile(r"\bKubernetes\s++Secret\s++`?([a-z0-9][a-z0-9.-]*+)", re.I)


def _secret_name(c: Context, p: Passage, start: int, end: int, owners: list[str]) -> None:
    """Report a Secret name the sentence gives that is not the one its application's ExternalSecret writes."""
    m = _SECRET_NAME.search(p.text, start, end)
    if m is not None and len(owners) == 1 and m.group(1) != f"{owners[0]}-secrets":
        c.unapplied(p.line_at(m.start()), m.group(0), f"{owners[0]}'s entries are synced into one Secret, "
                    f"{owners[0]}-secrets, which its Deployment reads: use that name where you refer to it")


def _listed_entry(c: Context, p: Passage) -> re.Match[str] | None:
    """The entry a bullet under a secrets heading opens with (`### Secrets` over `- ledger/<env>/api-db-password —
    password of the ledger_api user, consumed by ledger-api as DB_PASSWORD`), else None."""
    vocab = keywords().app_secret_entry
    m = re.match(r"[-*+]\s++(" + vocab["name"] + r")\s++(?:—|–|-|:)\s", p.text)
    if m is None or ("/" not in m.group(1) and not re.search(vocab["environment"], m.group(1), re.I)):
        return None
    heading = next((raw for raw in reversed(c.plan.lines[:p.starts[0][1] - 1]) if raw.lstrip().startswith("#")), "")
    return m if re.search(r"\bsecrets?\b", heading, re.I) and _entry(m.group(1), p.text) else None


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
