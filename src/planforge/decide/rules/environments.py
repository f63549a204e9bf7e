"""The `environments` answer: the Target Environment list, else `N environments (a, b)`, else the environments the
plan's sentences and tree paths name. A name keeps the spelling a path of the plan gives it (decide/environments.py):
`environments/production/` makes `production`, whichever list named it; a prose word read as its conventional name
(`development` -> dev) is said in the Decisions."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context
from planforge.decide.data import defaults, keywords
from planforge.decide.environments import ENV_SUFFIX, env_kind, env_name, env_spelling, is_env_name, spelled
from planforge.decide.names import line_of, list_items
from planforge.plan.limits import limits
from planforge.plan.model import Field

_SHELL_META = re.compile(r"[`$|&<>\\]")  # shell metacharacters: a command, never an environment list
_ENV_PATH = re.compile(r"(?:^|/)(?:environments|envs|overlays|clusters|apps|inventories)/([^/]+)/$|values-([a-z0-9-]+)\.ya?ml$"
                       r"|(?:^|/)([a-z0-9-]+)\.tfvars$|(?:^|/)([a-z0-9]+)-values\.ya?ml$")
_ENV_BEFORE = re.compile(r"(?<![\w-])(?:environments?|envs?)\s*+(?::|,|\bare\b|\bnamed\b|\bcalled\b)?\s*+$", re.I)
_ENV_AFTER = re.compile(r"\s*+(?:environments?|envs?)(?![\w-])", re.I)


@dataclass(frozen=True)
class Mention:
    """Environments one plan line names outside the environments field: the words as written, the names they give,
    and whether they are a path (its spelling is the name) or prose (read as conventional names)."""

    line: int
    words: str
    names: list[str]
    path: bool


def decide_environments(c: Context) -> None:
    """`environments`: the listed words (Target Environment, else `N environments (...)`) as conventional names, else
    the names the other lines give; then each spelled as a path of the plan spells its kind."""
    p = c.plan
    f = p.field("target_environment")
    words: list[str] = []
    source: Field | None = None
    line: int | None = None
    if c.unsafe_source(f, "environments"):
        f = None
    if f is not None and re.fullmatch(r"(n/?a|none|-)\.?", f.plain.lower()):
        f = None
    if f is not None and not f.unresolved:
        listed = _environment_list(c, f)
        if listed is None:
            c.values["environments"] = []
            return
        words, source = listed, f
    if not words and (in_parentheses := _environments_in_parentheses(c)):
        words, source = in_parentheses
    sentences = _environments_in_sentences(c)
    tree = _environments_in_tree(c)
    elsewhere = [*sentences, *tree]
    paths = [m for m in [*tree, *sentences] if m.path]  # the tree's spelling first
    names = [_conventional(w) for w in words]
    readings = [(w, n) for w, n in zip(words, names) if w.lower() != n]
    if names:
        _report_other_environments(c, names, source, elsewhere)
    else:
        names = [n for m in elsewhere for n in m.names]
        readings = [(w, n) for m in elsewhere if not m.path for w, n in zip(tx.split_list(m.words), m.names)
                    if _bare(w) != n]
        line = elsewhere[0].line if elsewhere else None
        for m in sentences:  # a tree entry is its line's path, not words of a sentence
            c.applied(m.line, m.words, "environments")
    names, respelled = spelled([n for n in names if n], [n for m in paths for n in m.names])
    names = list(dict.fromkeys(names))
    if names and source is not None:
        c.from_field("environments", names, source)
    elif names:
        c.set("environments", names, Provenance(source="plan", line=line, text=tx.quote(c.line_text(line or 1))))
    else:
        c.default("environments", list(defaults()["environments"]), "no environments in the plan")
    written = {_bare(w) for w in words} | {_bare(w) for m in elsewhere if not m.path for w in tx.split_list(m.words)}
    _note_spellings(c, [(w, n) for w, n in readings if n in names], [(n, s) for n, s in respelled if s not in written],
                    paths)
    for n in c.values["environments"]:
        c.valid_name(source, "environments", "environment", n, line=c.provenance["environments"].line)
    limit = limits()["max_environments"]
    if len(c.values["environments"]) > limit:
        c.problem(source, "environments", f"{len(c.values['environments'])} environments; at most {limit} are supported",
                  "split the plan", line=c.provenance["environments"].line)


def _conventional(word: str) -> str:
    """A listed word as its environment name: an environment word as its conventional name, any other as written."""
    return keywords().environment_synonyms.get(_bare(word), word)


def _bare(word: str) -> str:
    return word.strip().strip("`*.").lower()


def _note_spellings(c: Context, readings: list[tuple[str, str]], respelled: list[tuple[str, str]],
                    paths: list[Mention]) -> None:
    """Say in the Decisions how the names were spelled: a path's spelling over a listed word, a prose word read as
    its conventional name."""
    notes = []
    for name, spelling in respelled:
        at = next(m.line for m in paths if spelling in m.names)
        notes.append(f"{spelling} as the path at line {at} spells it, not {name}")
    read = list(dict.fromkeys((w.lower(), n) for w, n in readings))
    if read:
        many = len(read) > 1
        notes.append(", ".join(f"{w} is named {n}" for w, n in read) +
                     f": the conventional name{'s' if many else ''}, no path of the plan spells {'them' if many else 'it'}")
    if notes:
        prov = c.provenance["environments"]
        c.provenance["environments"] = prov.model_copy(update={"note": "; ".join(notes)})


def _environment_list(c: Context, f: Field) -> list[str] | None:
    """The environments a Target Environment list names, as written (`Production environment` -> Production): each
    item an environment word or a name. Shell metacharacters, or an item that is neither (`rm -rf`, `/etc/passwd`,
    `on`), refuse the plan at the item's line (None): never dropped, split or replaced."""
    meta = _SHELL_META.search(f.plain)
    if meta:
        c.problem(f, "environments", f"shell metacharacter {meta.group(0)!r} in the environment list {f.plain!r}",
                  "list environment names only, e.g. dev, staging, production")
        return None
    words: list[str] = []
    valid = True
    for item in list_items(f.value):
        word = re.sub(tx.NOT_INSIDE_BLANKS + ENV_SUFFIX, "", item, flags=re.I)
        if word.lower() in keywords().environment_synonyms or \
                c.valid_name(f, "environments", "environment", word, line=line_of(f, item)):
            words.append(word)
        else:
            valid = False
    return words if valid else None


def _environments_in_parentheses(c: Context) -> tuple[list[str], Field] | None:
    """`3 environments (dev, staging, prod)` in any context field: the words as written."""
    p = c.plan
    for fld in [*p.fields, p.structure_decision]:
        if fld is None or fld.unresolved:
            continue
        inside = tx.in_parentheses(r"environments?\s*+:?\s*+\(", fld.plain)
        if inside is not None:
            cand = tx.split_list(inside)
            if cand and all(is_env_name(env_name(w)) for w in cand):
                return [env_spelling(w) for w in cand], fld
    return None


def _environments_in_tree(c: Context) -> list[Mention]:
    """Environments named by tree paths (`environments/<env>/`, Flux's `clusters/<env>/` and `apps/<env>/`,
    `values-<env>.yaml`, `<env>-values.yaml`, `<env>.tfvars`), each spelled as its path spells it."""
    found: list[Mention] = []
    for t in c.plan.source_paths:
        m = _ENV_PATH.search(t.path)
        if m:
            n = env_spelling(next(g for g in m.groups() if g))
            if is_env_name(n):
                found.append(Mention(t.line, t.name, [n], path=True))
    return found


@lru_cache(maxsize=None)
def _env_words() -> re.Pattern[str]:
    """A path naming an environment (`envs/prod`, `values-prod.yaml`, `prod-values.yaml`) or a run of environment
    words (`dev and prod`, `development, staging`). Each item is one word of the vocabulary, so a run is scanned
    once."""
    words = "|".join(sorted((re.escape(w) for w in keywords().environment_synonyms), key=len, reverse=True))
    item = rf"(?<![\w-])(?:{words})(?![\w-])"
    return re.compile(rf"(?<![\w-])(?:environments/|envs/|overlays/|values-)(?P<path>{words})(?![\w-])"
                      rf"|(?<![\w/-])(?P<before>{words})-values\.ya?ml(?![\w-])"
                      rf"|(?P<list>{item}(?:\s*+(?:,|/|&|\band\b|\bor\b)\s*+{item})*+)", re.I)


def _environments_in_sentences(c: Context) -> list[Mention]:
    """Environments a sentence names (`environments dev and prod`, `in one environment, prod`, `dev and prod
    environments`, `values-prod.yaml`, `envs/prod`), not negated. Next to the singular `environment` a run names one
    environment (`Development/testing environment` is dev)."""
    from planforge.decide.rules.statements import passages  # statements imports the layout; scope runs first

    found: list[Mention] = []
    for p in passages(c.plan):
        for m in _env_words().finditer(p.text):
            if not tx.not_negated_at(p.text, m.start()):
                continue
            path = m.group("path") or m.group("before")
            if path:
                found.append(Mention(p.line_at(m.start()), m.group(0), [env_spelling(path)], path=True))
                continue
            word = _ENV_BEFORE.search(p.text, max(0, m.start() - 24), m.start()) or _ENV_AFTER.match(p.text, m.end())
            if word is None:
                continue
            names = [env_name(w) for w in tx.split_list(m.group(0))]
            singular = not re.search(r"(?:environments|envs)(?![\w-])", word.group(0), re.I)
            found.append(Mention(p.line_at(m.start()), m.group(0), names[:1] if singular else names, path=False))
    return found


def _report_other_environments(c: Context, names: list[str], source: Field | None, elsewhere: list[Mention]) -> None:
    """The environments field wins: other lines naming an environment it does not list are reported (a line
    spelling a listed one otherwise, `production/` for prod, names that one)."""
    where = f"{source.label} (line {source.line})" if source is not None else "the plan"
    kinds = {env_kind(n) for n in names}
    reported: set[int] = set()
    for m in elsewhere:
        extra = [n for n in m.names if env_kind(n) not in kinds]
        if extra and m.line not in reported:
            reported.add(m.line)
            c.unapplied(m.line, m.words, f"environment {', '.join(extra)} is not among the environments {where} "
                                         f"lists ({', '.join(names)}); the repository follows that list")
