"""Figures: the quantities a plan states (node counts, replica ranges, memory, RPO, ...), typed and normalized.

The reader hands every prose line, list item and table row outside code fences, the header, the Summary and
Complexity Tracking to `extract`; each clause of a line (cut at `,`, `;`, `|` and sentence ends) is searched for
numbers with a unit of data/figures.yaml, instance types and database engines. A figure keeps its line and the
words as written; `planforge.decide.rules.figures` decides where it lands.

Every pattern is bounded (no unbounded repeat can restart inside a run it scanned), so reading is linear in the
text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from planforge.plan import machines
from planforge.plan.environment_counts import in_environments, per_environment
from planforge.plan.figure_words import (
    APP_KINDS,
    COUNT_KINDS,
    WORD,
    Figure,
    Kind,
    Vocabulary,
    joined_environments,
    unit_entry,
    vocabulary,
)

__all__ = ["Figure", "Kind", "Source", "Vocabulary", "extract", "vocabulary"]

_NUM = r"(?<![\w.])(?P<{0}>\d{{1,9}}(?:\.\d{{1,6}})?)(?!\d)"
_UNIT_GAP = r"(?: ?[a-z%]{1,9})?"  # the unit written after the first number too: `2Gi-4Gi`, `3 nodes to 6`
_LOW_OPS = ("at least", "no less than", "more than", "over", "above", ">=", "≥", ">", "minimum", "min")
_HIGH_OPS = ("at most", "up to", "no more than", "less than", "under", "below", "<=", "≤", "<", "maximum", "max")
_OP = "|".join(re.escape(o) for o in sorted(_LOW_OPS + _HIGH_OPS, key=len, reverse=True))
_QUANTITY = re.compile(
    r"\bbetween (?:" + _NUM.format("b1") + _UNIT_GAP + r" and " + _NUM.format("b2") + r")"
    r"|\bmin(?:imum)?[:=]? ?" + _NUM.format("m1") + _UNIT_GAP + r" ?[/,]? ?(?:and )?max(?:imum)?[:=]? ?" + _NUM.format("m2") +
    r"|" + _NUM.format("r1") + _UNIT_GAP + r" ?(?:-|–|—|to|\.\.) ?" + _NUM.format("r2") +
    r"|(?:(?<![\w.])(?P<op>" + _OP + r")[:=]? ?)?" + _NUM.format("n"),
    re.I,
)
_UNIT = re.compile(r"(?P<gap> ?-? ?)(?P<unit>%|[a-zµ]{1,12})(?![a-z])", re.I)
# a comma ends a clause, but not inside a range written `min 2, max 10`
_CLAUSE_END = re.compile(r",(?!\s*(?i:max)(?:imum)?\b)|[;|]|\.(?:\s|$)|\s[-–—]\s")
_ENGINE = re.compile(
    r"\b(?P<engine>aurora(?:[ -](?:postgres(?:ql)?|mysql))?|postgres(?:ql)?|mysql|mariadb)\b"
    r"(?: ?(?:flexible ?)?(?:server|db|database|engine))?(?: ?v(?:ersion)? ?| )?(?P<version>\d{1,3}(?:\.\d{1,3})?)?(?![\d.]?\d)",
    re.I,
)

_NEGATED = re.compile(r"\b(?:no|not|without|instead of|rather than|replac\w{0,5}|migrat\w{0,5} from)\b[^,;]{0,30}$", re.I)


@dataclass(frozen=True)
class Source:
    """A line to read figures from, and its label (field label or first table cell) naming a subject."""

    line: int
    text: str
    label: str = ""
    # (offset in the text, plan line) of each line after the first of a source that joins several (a wrapped bullet)
    starts: tuple[tuple[int, int], ...] = ()

    def line_at(self, pos: int) -> int:
        return next((line for offset, line in reversed(self.starts) if offset <= pos), self.line)


def extract(sources: list[Source], names: set[str]) -> list[Figure]:
    """Every figure of the sources, in order. names: the apps and services the plan names (lowercase)."""
    out: list[Figure] = []
    subject_words = _subject_words(frozenset(names))
    for src in sources:
        text = re.sub(r"\s+", " ", src.text.replace("`", "").replace("**", ""))
        if subject_words.search(text) is None:
            subject_of = _no_subject  # no clause can name a subject: skip the word-by-word walks (1 MB lines)
        else:
            subject_of = _subject
        label_subject = _subject(src.label, names)
        line_subject = subject_of(text, names)
        # `Node Pools: prod Standard_D4s_v5, ...`: the label's words name the label's subject, not its first clause's
        head = _label_end(text, src.label)
        carried: tuple[str, str] | None = None  # the app an earlier clause of the sentence names
        # the app of the sentence's earlier clauses, kept over clauses naming only an environment (`web: 1 replica
        # in dev, 2 in staging, 4 in prod`)
        sentence_app: tuple[str, str] | None = None
        said: dict[str, re.Match[str]] = {}  # the recovery keyword of the sentence's previous clause
        storage_said: re.Match[str] | None = None  # a storage word of an earlier clause of the sentence
        # a log word of the row's label or the sentence so far (`Logging | ... 30-day retention`, `| Log retention | 30 days |`)
        label_logs = vocabulary().keywords["logs"].search(src.label)
        logs_said: re.Match[str] | None = label_logs
        # a metrics word of the row's label or the sentence so far (`kube-prometheus-stack | 15-day retention`)
        metrics_said = vocabulary().keywords["metrics"].search(src.label)
        # a recovery keyword of the row's label (`| RDS backup retention | 7 days | 35 days |`): every cell's
        label_said = {kind: m for kind in _RECOVERY_KINDS for m in [vocabulary().keywords[kind].search(src.label)]
                      if m is not None}
        # a storage word of the row's label (`| PostgreSQL storage | 64 GB | 256 GB |`): every cell's sizes are storage
        label_storage = vocabulary().keywords["storage"].search(src.label)
        count_said: str | None = None  # the count an earlier clause of the sentence gave (`1 to 2 tasks`)
        machine: tuple[str, str] | None = None  # the cluster or machine an earlier clause names (`cluster (4 OCPUs`)
        # the environment an earlier clause of the sentence opens with as its label (`dev: db.t4g.medium, single-AZ,
        # 20 GB`; not `GP_Standard_D2ds_v5 in prod, B_Standard_B1ms elsewhere`)
        env_said: tuple[str, str] | None = None
        skus = machines.APP_SERVICE_SKU if machines.APP_SERVICE_LINE.search(f"{text} {src.label}") else \
            machines.APP_SERVICE_PREMIUM
        counted: str | None = None  # the count a clause of its own names (`Replicas — dev: 1, test: 2`)
        for start, end, after_comma in _clauses(text):
            kept = said  # `prod keeps 30 days of backups; the other stages keep 7 days`: the others' clause keeps it
            if not after_comma:
                carried, said, storage_said, logs_said, count_said, machine = (None, label_said, label_storage, label_logs,
                                                                               counted, None)
                sentence_app = None
                env_said = None
            clause = text[start:end]
            bare = _BARE_COUNT.fullmatch(clause)
            counted = bare.group(1).lower() if bare else None
            if not clause.strip():
                continue
            own = subject = subject_of(clause if start >= head else text[head:end], names)
            if own[1] not in ("plan", "environment"):
                sentence_app = own if own[1] == "app" else None
            if own[1] != "plan":
                carried = own if own[1] == "app" else None
                env_said = own if own[1] == "environment" and _LABELLED.match(clause) else None
            elif _says_every(clause):
                carried = env_said = None
            else:
                subject = label_subject
                if subject[1] == "plan" and env_said is not None:
                    subject = env_said
            if subject[1] == "cluster" and label_subject[1] == "environment":
                subject = label_subject  # `| dev | t3.large | 2-4 nodes |`: the row's environment's nodes
            if subject[1] == "plan" and line_subject[1] == "cluster":
                subject = line_subject  # `4 CPU cores, 8GB RAM for Minikube`: the machine's figures
            machine = own if own[1] == "cluster" else machine
            if subject[1] == "plan" and machine is not None:
                subject = machine  # `OKE cluster (4 OCPUs, 24GB RAM)`: the cluster's memory, not a container's
            # `backups kept 35 days in production, 7 days in dev`: an environment's clause keeps the keyword before
            logs_said = vocabulary().keywords["logs"].search(clause) or logs_said
            metrics_said = vocabulary().keywords["metrics"].search(clause) or metrics_said
            # `backups kept 14 days in prod, 3 days elsewhere`: the other environments' clause keeps the keyword too
            env_clause = own[1] == "environment" or _SAYS_OTHERS.search(clause) is not None
            said = said or (kept if _SAYS_OTHERS.search(clause) else said)
            figures = _figures_of(clause, subject, src.line_at(start + len(clause) - len(clause.lstrip())), said if env_clause else {}, storage_said,
                                  (logs_said, metrics_said), count_said if env_clause else None, skus)
            count_said = next((f.kind for f in figures if f.kind in COUNT_KINDS), count_said)
            storage_said = vocabulary().keywords["storage"].search(clause) or storage_said
            said = {f.kind: m for f in figures if f.kind in _RECOVERY_KINDS
                    for m in [vocabulary().keywords[f.kind].search(clause)] if m is not None} or said
            if env_clause and label_subject[1] == "app":
                # `| checkout-web replicas | 1 | 3 |` under environment columns: the row's app, in the cell's environment
                # (`1/3 replicas in dev/prod`: each count in its own environment)
                figures = [replace(f, subject=label_subject[0], scope="app",
                                   environment=f.subject if f.scope == "environment" else own[0])
                           if f.kind in APP_KINDS else f for f in figures]
            # `web runs 3 replicas in prod, scaling to at most 6 in prod`: web's figures, in prod
            app = own if own[1] == "app" else sentence_app if own[1] == "environment" else None
            if app is not None and not _says_every(clause):
                figures = in_environments(clause, figures, app[0])
            if own[1] == "plan" and carried is not None and subject[1] != "app":
                # `ticketing-api memory request 2Gi, limit 4Gi`: the app of the sentence is the subject of its
                # later clauses that name no other
                figures = [replace(f, subject=carried[0], scope="app") if f.kind in APP_KINDS else f
                           for f in figures]
            out.extend([replace(f, every_environment=True) for f in figures] if _says_every(clause) else figures)
    return out


# a clause opening with its subject as a label (`dev: db.t4g.medium`, `dev/staging: 1-3 e2-standard-2`)
_LABELLED = re.compile(r"\s*[\w-]+(?:\s*[/+&]\s*[\w-]+)*\s*:")
# a count named right before its number, as a label (`Production nodes: 3-9 e2-standard-4`)
_COUNT_LABEL = re.compile(r"\b(?P<unit>nodes|tasks|replicas|instances)\s*+:\s*+$", re.I)
_BARE_COUNT = re.compile(r"\s*+(nodes|tasks|replicas|instances)\s*+:?\s*+", re.I)  # a count's name alone
# what may follow a bare count that takes the unit of the sentence's earlier clause (`2 to 4 in production`)
_CARRY_FOLLOWERS = ("", "in", "for", "on", "at")
_RECOVERY_KINDS = ("rpo", "rto", "retention", "uptime")
# how long backups, logs and metrics are kept: figures in days
_RETENTION_KINDS = ("retention", "log_retention", "metrics_retention", "trace_retention")


def _clauses(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, whether a comma ends the clause before it) of every clause."""
    bounds, pos, comma = [], 0, False
    for m in _CLAUSE_END.finditer(text):
        bounds.append((pos, m.start(), comma))
        pos, comma = m.end(), m.group(0) == ","
    bounds.append((pos, len(text), comma))
    return bounds


def _label_end(text: str, label: str) -> int:
    """Where the value starts when `text` opens with its field label and a colon (`Node Pools: ...`), else 0."""
    m = _label_rx(label).match(text) if label else None
    return m.end() if m else 0


@lru_cache(maxsize=1024)
def _label_rx(label: str) -> re.Pattern[str]:
    return re.compile(rf"\s*(?:[-*+]\s+)?{re.escape(label)}\s*:")


def _says_every(clause: str) -> bool:
    return bool(re.search(r"\b(?:per|each|every|all) (?:environment|env|cluster)s?\b", clause, re.I))


def _subject(text: str, names: set[str]) -> tuple[str, str]:
    """(subject, scope) a clause names: an app or service first (also as `frontends @ 2 replicas`), then a tenant,
    pool or region, then an environment, then the cluster."""
    v = vocabulary()
    env = scope = cluster = ""
    for m in WORD.finditer(text):
        w = m.group(0).lower()
        if w in names or (w.endswith("s") and w[:-1] in names):
            return (w if w in names else w[:-1]), "app"
        if text.startswith(" @", m.end()) or text.startswith("@", m.end()):
            return w.removesuffix("s"), "app"
        found = v.scopes.get(w, "")
        if found == "cluster":
            cluster = found
        else:
            scope = scope or found
        env = env or v.environments.get(w, "")
    if scope:
        return scope, scope
    if env and not _says_every(text):
        return "+".join(joined_environments(text)) or env, "environment"
    return (cluster, cluster) if cluster else ("", "plan")


def _no_subject(text: str, names: set[str]) -> tuple[str, str]:
    return "", "plan"


@lru_cache(maxsize=8)
def _subject_words(names: frozenset[str]) -> re.Pattern[str]:
    """Finds any text `_subject` could read a subject from: a name, a scope or environment word, or an `@`."""
    v = vocabulary()
    words = sorted({*names, *v.scopes, *v.environments}, key=len, reverse=True)
    return re.compile("@|" + "|".join(re.escape(w) for w in words), re.I)


_KEYWORD_REACH = 24  # characters around a number searched for the keyword that names it
_ENGINE_HINT = re.compile(r"postgres|sql|maria|aurora", re.I)
def _figures_of(clause: str, subject: tuple[str, str], line: int,
                said: dict[str, re.Match[str]] | None = None,
                storage_said: re.Match[str] | None = None,
                kept_said: tuple[re.Match[str] | None, re.Match[str] | None] = (None, None),
                count_said: str | None = None, skus: re.Pattern[str] = machines.APP_SERVICE_PREMIUM) -> list[Figure]:
    """The figures of one clause. Every pattern and keyword runs once over the clause (keywords are looked up
    per figure from that one search), so a clause costs time linear in its length. said: recovery keywords an
    earlier clause of the sentence gives a clause that names none; storage_said: a storage word of an earlier
    clause, for a size whose clause names neither storage nor memory (`PostgreSQL 16, 50 GB`); kept_said: a log word
    and a metrics word of the sentence so far, which make a retention the logs' or none; count_said: the
    count kind of an earlier clause, for an environment's bare count (`1 to 2 tasks in staging, 2 to 4 in
    production`); skus: the App Service plan SKUs the clause's line may name."""
    has_digit = re.search(r"\d", clause) is not None
    spelled = _spelled_counts(clause, subject, line)
    if not has_digit and _ENGINE_HINT.search(clause) is None:
        return spelled
    v = vocabulary()
    out: list[Figure] = spelled
    machine_spans: list[tuple[int, int]] = []  # instance names and the machine counts before them
    if has_digit or "standard_" in clause.lower():
        for m in [*machines.INSTANCE.finditer(clause), *skus.finditer(clause)]:
            out.append(Figure("instance_type", None, None, "", subject[0], subject[1], line, m.group(0), name=m.group(0)))
            machine_spans.append((m.start(), m.end()))
            nodes = machines.node_count(clause, m) if m.re is machines.INSTANCE else None
            if nodes is not None:
                start, end, low, high = nodes
                machine_spans.append((start, end))
                out.append(Figure("nodes", low, high, "count", subject[0], subject[1], line, clause[start:end]))
    engine_spans = []
    for m in _ENGINE.finditer(clause):
        engine_spans.append((m.start(), m.end()))
        if _NEGATED.search(clause, max(0, m.start() - 40), m.start()):
            continue  # `no MySQL`, `migrated from MySQL`
        out.append(Figure("database", None, None, "", "", "plan", line, m.group(0).strip(),
                          name=v.engines.get(re.sub(r"[\s-]+", " ", m.group("engine").lower()), ""),
                          version=m.group("version") or ""))
    if not has_digit:
        return out
    keywords = {name: rx.search(clause) for name, rx in v.keywords.items()}
    keywords["cpu_word"] = _CPU_WORD.search(clause)  # once per clause: a bare number can be CPU cores
    if said and not any(keywords[k] for k in _RECOVERY_KINDS):
        keywords.update(said)
    if storage_said is not None and not keywords["storage"] and not keywords["memory"]:
        keywords["storage"] = storage_said
    keywords["logs"] = keywords["logs"] or kept_said[0]
    keywords["metrics"] = keywords["metrics"] or kept_said[1]
    listed, list_spans = per_environment(clause, line)
    out.extend(listed)
    for m in _QUANTITY.finditer(clause):
        if any(s <= m.start() < e for s, e in engine_spans):
            continue  # `PostgreSQL 16`: a version, not a quantity
        if any(s <= m.start() < e for s, e in machine_spans):
            continue  # `3-6 e2-standard-4 nodes`: the machines' count, read above, and a digit of their name
        if any(s <= m.start() < e for s, e in list_spans):
            continue  # one of the numbers of `2/3/5 nodes in dev/staging/prod`
        fig = _quantity(clause, m, subject, line, keywords, count_said)
        if fig is not None:
            out.append(fig)
    return out


def _spelled_counts(clause: str, subject: tuple[str, str], line: int) -> list[Figure]:
    """Counts written as words before a unit whose dimension the vocabulary reads them for (`three AZs`)."""
    v = vocabulary()
    out = []
    for m in v.spelled_counts.finditer(clause):
        entry = unit_entry(m.group("unit").lower())
        if entry is not None and entry[0] in v.spelled_dimensions:
            n = float(v.spelled_values[m.group("word").lower()])
            out.append(Figure(entry[0], n, n, "count", subject[0], subject[1], line, m.group(0)))
    return out


def _bounds(m: re.Match[str]) -> tuple[float | None, float | None]:
    """(low, high) of a quantity match: a range, an open bound, or one value as both."""
    for a, b in (("b1", "b2"), ("m1", "m2"), ("r1", "r2")):
        if m.group(a) is not None:
            return float(m.group(a)), float(m.group(b))
    n = float(m.group("n"))
    op = (m.group("op") or "").lower()
    if op == "over" and _SPREAD.search(m.string, 0, m.start("op")):
        return n, n  # `spread over 3 availability zones`: across them, no lower bound
    if op in _LOW_OPS:
        return n, None
    if op in _HIGH_OPS:
        return None, n
    return n, n


_SPREAD = re.compile(r"\b(?:spread|spreads|distributed|split|balanced|replicated|striped)\s+$", re.I)
# `request 2Gi`, `limit: 1`, `limit of 1Gi`, `requests at least 256Mi` (the bound is in the quantity's match)
_ROLE_BEFORE = re.compile(r"\b(?P<role>request|limit)(?:s|ed)?(?: ?[:=]| of| is| to| at)? ?$", re.I)
# `2Gi memory limit`, `500m CPU request`, `250m limit`
_ROLE_AFTER = re.compile(r" ?(?:(?:memory|mem|ram|v?cpus?|cores?|millicores?) )?(?P<role>request|limit)s?\b", re.I)
# `35 days in prod`, `30 days (prod)`: the environment right after a recovery or retention figure
_ENV_AFTER = re.compile(r" (?:(?:in|for|on) (?:the )?|\()(?P<env>[a-z][a-z0-9-]{0,30})", re.I)
# a figure said of the environments the sentence names no figure for (`3 days elsewhere`)
_OTHERS = (r"\b(?:elsewhere|everywhere\s++else|otherwise|(?:in\s++)?(?:the\s++|all\s++)?other\s++(?:environments|stages|envs)"
           r"|in\s++every\s++other\s++(?:environment|stage))\b")
_OTHERS_AFTER = re.compile(r"\s*+" + _OTHERS, re.I)
_SAYS_OTHERS = re.compile(_OTHERS, re.I)
_CPU_WORD = re.compile(r"\bv?cpus?\b|\bcores?\b|\bmillicores?\b", re.I)
_ROLE_REACH = 24  # characters before a number searched for the request/limit word naming it


# the quantity a `/` pairs a number with (`Requests 100m/256Mi`: 256Mi is a request too)
_PAIRED = re.compile(r"(?<![\w.])\d{1,6}(?:\.\d{1,3})? ?[a-z]{0,5} ?/ ?$", re.I)


def _role(clause: str, start: int, end: int) -> tuple[str, int, int] | None:
    """The `request` or `limit` word naming a number (just before it, else just after its unit, else the one naming
    the quantity a `/` pairs it with): the word and where it stands; bounded windows."""
    window = max(0, start - _ROLE_REACH)
    before = _ROLE_BEFORE.search(clause[window:start])
    if before is not None:
        return before.group("role").lower(), window + before.start(), window + before.end()
    after = _ROLE_AFTER.match(clause, end) if end < len(clause) else None
    if after is not None:
        return after.group("role").lower(), after.start(), after.end()
    paired = _PAIRED.search(clause, max(0, start - 12), start)
    return _role(clause, paired.start(), paired.start()) if paired is not None else None


def _quantity(clause: str, m: re.Match[str], subject: tuple[str, str], line: int,
              keywords: dict[str, re.Match[str] | None], count_said: str | None = None) -> Figure | None:
    v = vocabulary()
    u = _UNIT.match(clause, m.end())
    unit = u.group("unit").lower() if u is not None else ""
    entry = unit_entry(unit)
    label = _COUNT_LABEL.search(clause, max(0, m.start() - 24), m.start()) if entry is None else None
    if entry is None and count_said is not None and (unit in _CARRY_FOLLOWERS or unit in v.environments):
        # `2 to 4 in production` after `1 to 2 tasks in staging`; `3 prod` after `2 replicas dev`: the environment
        # belongs to its words (`2 in staging, 2 in prod`: two figures, each at its own words)
        after = _ENV_AFTER.match(clause, m.end())
        entry = (count_said, 1.0)
        end = after.end() if after is not None and after.group("env").lower() in v.environments else m.end()
    elif label is not None:
        entry, end = unit_entry(label.group("unit").lower()), m.end()  # `Production nodes: 3-9 e2-standard-4`
    elif entry is None:
        # `cpu request 2 limit 1`: a bare number a request or limit word names, in a clause about CPU, is cores
        if m.group("n") is None or keywords.get("cpu_word") is None or \
                _ROLE_BEFORE.search(clause[max(0, m.start() - _ROLE_REACH):m.start()]) is None:
            return None
        entry, end = ("cpu", 1000.0), m.end()
    else:
        end = u.end()  # type: ignore[union-attr]
    dim, factor = entry
    if dim == "time" and factor >= 1440:
        dim = "days"  # a retention is stated in days or weeks
    low, high = _bounds(m)
    if dim == "millicores" and (u.group("gap") or not keywords["cpu"]):  # type: ignore[union-attr]
        dim, factor = "time", 1.0  # `5m` without a CPU word (after RPO/RTO, a timeout), or `5 m`: minutes
    if dim == "memory" and keywords["storage"] and keywords["memory"] and _nearer(clause, m.start(), end, "storage", "memory"):
        keywords = {**keywords, "memory": None}  # `pod with PersistentVolumeClaim (5Gi)`: the claim's size
    if dim in ("time", "days") and keywords["rpo"] and keywords["rto"]:
        # `RPO 15 min / RTO 4 h`: each figure is the objective whose keyword stands nearer it
        far = "rto" if _nearer(clause, m.start(), end, "rpo", "rto") else "rpo"
        keywords = {**keywords, far: None}
    kind, unit_name = _kind(keywords, dim, subject, unit.startswith(("mi", "gi", "ki", "ti")))
    if kind is None:
        return None
    if kind in _RETENTION_KINDS:
        factor /= 1440
    elif kind == "storage":
        factor /= 1024
    scale = (lambda x: None if x is None else round(x * factor, 3))  # noqa: E731
    start = m.start()
    if kind in ("memory", "cpu") and m.group("n") is not None:
        role = _role(clause, start, end)
        if role is not None:
            # `request 2Gi` is the request only, `1Gi memory limit` the limit only
            word, role_start, role_end = role
            stated = high if high is not None else low
            low, high = (stated, None) if word == "request" else (None, stated)
            if role_start < start:
                start = role_start
            else:
                end = role_end
    others = _OTHERS_AFTER.match(clause, end) if kind in _RETENTION_KINDS else None
    before = _SAYS_OTHERS.search(clause, 0, start) if kind in _RETENTION_KINDS else None  # `the other stages keep 7 days`
    if others is not None:
        end = others.end()  # `3 days elsewhere`: its words, not the keyword of the figure before it
    elif kind in ("rpo", "rto", "uptime", *_RETENTION_KINDS):
        # the keyword beside the number belongs to its words (`RPO 5 minutes`, `99.95% uptime`): a bounded window
        words = vocabulary().keywords["retention" if kind in _RETENTION_KINDS else kind]
        kw = words.search(clause, max(0, start - _KEYWORD_REACH), end + _KEYWORD_REACH)
        if kw is not None:
            start, end = min(start, kw.start()), max(end, kw.end())
    if (kind in _RECOVERY_KINDS or kind in _RETENTION_KINDS) and subject[1] in ("environment", "plan"):
        # `35 days in prod and 7 days in dev`: the environment right after a figure is its own
        after = _ENV_AFTER.match(clause, end)
        env = v.environments.get(after.group("env").lower(), "") if after is not None else ""
        subject = (env, "environment") if env else ("", "others") if others or before else subject
    return Figure(kind, scale(low), scale(high), unit_name, subject[0], subject[1], line, clause[start:end].strip())


def _nearer(clause: str, start: int, end: int, kind: str, other: str) -> bool:
    """Whether a `kind` keyword of the clause stands nearer the figure at start..end than any `other` keyword."""
    def distance(name: str) -> int:
        return min((max(k.start() - end, start - k.end(), 0) for k in vocabulary().keywords[name].finditer(clause)),
                   default=len(clause))
    return distance(kind) < distance(other)


def _kind(keywords: dict[str, re.Match[str] | None], dim: str, subject: tuple[str, str], binary: bool = False) -> tuple[str | None, str]:
    """The figure kind of a dimension in its clause, and its normalized unit; (None, "") when the clause does not
    say what a time or percentage is."""
    if dim in ("nodes", "namespaces", "tasks", "zones"):
        return dim, "count"
    if dim == "instances" and subject[1] == "environment":
        return "instances", "count"  # `1 to 20 instances in production`: of what, the compute says (decide)
    if dim in ("replicas", "instances", "pods"):
        if dim == "replicas" or subject[1] == "app":
            return "replicas", "count"
        return ("pods", "count") if dim == "pods" else (None, "")
    if dim in ("cpu", "millicores"):
        return "cpu", "millicores"
    if dim == "memory":
        if keywords["other_size"]:
            return None, ""
        if keywords["storage"] and not keywords["memory"]:
            return "storage", "GiB"
        return ("memory", "Mi") if binary or keywords["memory"] else (None, "")
    if dim == "time":
        for kind in ("rpo", "rto"):
            if keywords[kind]:
                return kind, "minutes"
        return None, ""
    if dim == "days":
        if keywords["metrics"] and not keywords["backups"] and not keywords["logs"]:
            # how long metrics or traces are kept: the monitoring stack's or the tracing backend's, no backup's
            traces = vocabulary().keywords["traces"].fullmatch(keywords["metrics"].group(0))
            return ("trace_retention" if traces else "metrics_retention"), "days"
        if keywords["logs"] and not keywords["backups"]:
            return "log_retention", "days"  # how long logs are kept: no backup retention
        return ("retention", "days") if keywords["retention"] and not keywords["rpo"] \
            and not keywords["rto"] else _kind(keywords, "time", subject)
    if dim == "percent" and keywords["uptime"]:
        return "uptime", "percent"
    return None, ""
