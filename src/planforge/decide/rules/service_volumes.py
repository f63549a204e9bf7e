"""A chart service's or Kustomize application's own volume (docs/decisions.md "Service volumes"): a sentence naming a
PersistentVolumeClaim, PVC or persistent volume, or a sized cell of a table's Storage column, gives the service it
names a claim (`volume_size`) mounted where it says (`volume_path`); a service with a ReadWriteOnce volume, or a job
scheduled on Kubernetes, then runs one pod."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answer_rules import patterns
from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.decide.data import keywords
from planforge.decide.rules.statements import Passage, passages
from planforge.decide.rules.table_rows import labelled_rows

_SERVER_LIKE = re.compile(r"backend|api|server")
_GROUPS = ("services", "apps")  # chart services, Kustomize applications


def decide_service_volumes(c: Context) -> None:
    """A sentence naming a PersistentVolumeClaim / PVC / persistent volume gives a chart service or a Kustomize
    application a volume: the one the sentence names; in a Storage/Database field also the only one, else the
    first backend/api/server-like one. A field or sentence naming a database server speaks of the data store's
    storage, not a service's. The size is the sentence's quantity, else 1Gi."""
    vocab = keywords().service_volume
    names_rx = re.compile(vocab["names"], re.I)
    server_rx = re.compile(vocab["database_server"], re.I)
    fields = [f for f in c.plan.fields if f.key in ("storage", "database") and not f.unresolved]
    field_lines = {ln: bool(server_rx.search(f.plain)) for f in fields for ln in f.lines}
    groups = {g: [s.model_copy() for s in c.values.get(g, [])] for g in _GROUPS}
    workloads = [(g, s) for g in _GROUPS for s in groups[g]]
    cited: dict[str, list[str]] = {g: [] for g in _GROUPS}
    for p in passages(c.plan):
        for start, end in tx.sentence_bounds(p.text):
            sentence = p.text[start:end]
            m = names_rx.search(sentence)
            if m is None or server_rx.search(sentence):
                continue
            line = p.line_at(start + m.start())
            if field_lines.get(line):
                continue
            owner = _volume_owner(sentence, workloads, line in field_lines)
            if owner is not None and not owner[1].volume_size:
                cited[owner[0]].append(_give_volume(c, owner[0], owner[1], p, start, end, line, m.group(0)))
    for group, owner, p, start, end in _storage_cells(c, workloads):
        if not owner.volume_size:
            cited[group].append(_give_volume(c, group, owner, p, start, end, p.line_at(start), p.text[start:end]))
    for group, notes in cited.items():
        if notes:
            c.values[group] = groups[group]
            c.add_note(group, *notes)


def _storage_cells(c: Context, workloads: list[tuple[str, Service]]) -> list[tuple[str, Service, Passage, int, int]]:
    """The sized cells of a Storage (Volume, Disk, PVC) column in a table row whose first cell names an application
    or chart service (`| billing-api | ... | 10 GiB, mounted at /var/lib/uploads |`): (group, owner, the labelled
    row, the cell's bounds). A data store's row, or a cell with no size (`-`, `none`), gives none."""
    size = re.compile(keywords().service_volume["size"], re.I)
    server = re.compile(keywords().service_volume["database_server"], re.I)
    storage_column = re.compile(rf"(?:^|\| )(?:{keywords().service_volume['column']}): ", re.I)
    by_name = {s.name.lower(): (g, s) for g, s in workloads}
    out = []
    for p in labelled_rows(c.plan):
        first = p.text.split(" | ", 1)[0].split(": ", 1)[-1].strip("` ").lower()
        column = storage_column.search(p.text)
        if first not in by_name or column is None:
            continue
        start, end = column.end(), p.text.find(" | ", column.end())
        end = len(p.text) if end < 0 else end
        cell = p.text[start:end]
        if size.search(cell) and not server.search(cell):
            out.append((*by_name[first], p, start, end))
    return out


def _give_volume(c: Context, group: str, owner: Service, p: Passage, start: int, end: int, line: int,
                 words: str) -> str:
    """Set the owner's volume_size from the quantity of the sentence p.text[start:end] (else 1Gi), record the
    words applied; the provenance note."""
    vocab = keywords().service_volume
    size = re.compile(vocab["size"], re.I).search(p.text, start, end)
    owner.volume_size = f"{size.group(1)}{vocab['units'][size.group(2).lower()]}" if size else "1Gi"
    c.applied(line, words, f"{group}.{owner.name}.volume_size")
    if size:
        c.applied(p.line_at(size.start()), size.group(0), f"{group}.{owner.name}.volume_size")
    mount = re.compile(vocab["mount"], re.I).search(p.text, start, end)
    if mount:
        _give_mount_path(c, group, owner, mount.group(1), p.line_at(mount.start(1)))
    return (f"{owner.name}: a {owner.volume_size} PersistentVolumeClaim from plan line {line}"
            + ("" if size else " (no size stated: 1Gi)") + (f", mounted at {owner.volume_path}" if owner.volume_path else ""))


def _give_mount_path(c: Context, group: str, owner: Service, path: str, line: int) -> None:
    """The volume's mount path when it is one the answer rules take (absolute, portable names, not /tmp); else
    reported, and the volume stays at /data."""
    rule = patterns()["mount_path"]
    if rule.regex.fullmatch(path) and len(path) <= (rule.max or len(path)):
        owner.volume_path = path
        c.applied(line, path, f"{group}.{owner.name}.volume_path")
    else:
        c.unapplied(line, path, f"{owner.name}'s volume is mounted at /data: {path} is not {rule.what}")


def _volume_owner(sentence: str, workloads: list[tuple[str, Service]],
                  storage_field: bool) -> tuple[str, Service] | None:
    """The (group, service) a volume sentence names first; in a Storage/Database field, else the only one, else
    the first backend/api/server-like one."""
    named = [(m.start(), w) for w in workloads
             if (m := re.search(rf"(?<![\w-]){re.escape(w[1].name)}(?![\w-])", sentence, re.I))]
    if named:
        return min(named, key=lambda x: x[0])[1]
    if not storage_field:
        return None
    if len(workloads) == 1:
        return workloads[0]
    return next((w for w in workloads if _SERVER_LIKE.search(w[1].name)), None)


def pin_volume_replicas(c: Context) -> None:
    """A service with a (ReadWriteOnce) volume runs one pod in every environment and never autoscales: a replica
    figure that raised it above 1 is reported as not applied (and no longer as applied when it was the service's
    own). So does a job scheduled on Kubernetes: a CronJob runs it one run at a time. Runs after the figures."""
    on_kubernetes = c.values.get("compute", "vms") == "vms"
    for group in _GROUPS:
        items = [s.model_copy() for s in c.values.get(group, [])]
        pinned = [s for s in items if s.volume_size or (s.schedule and on_kubernetes)]
        for svc in pinned:
            if svc.replicas > 1 or svc.max_replicas > 1 or any(high > 1 for _l, high in svc.environment_replicas.values()):
                why = (f"{svc.name} is a job a CronJob runs on its schedule, one run at a time" if svc.schedule else
                       f"{svc.name} mounts a ReadWriteOnce PersistentVolumeClaim: it runs one pod in every environment, "
                       "without autoscaling")
                _report_pinned(c, group, svc.name, [s.name for s in items if s.name != svc.name], why)
            svc.replicas = svc.prod_replicas = 1
            svc.min_replicas = svc.max_replicas = 0
            svc.environment_replicas = {}
        if pinned:
            c.values[group] = items


def _report_pinned(c: Context, group: str, name: str, others: list[str], why: str) -> None:
    """The replica figures applied to `name`: its own, else the plan-wide ones (on lines naming no other service
    of its group; they stay applied to the others)."""
    replicas = [(key, answer) for key, answer in c.applied_phrases.items()
                if answer.startswith(f"{group}.") and "replicas" in answer]
    own = [key for key, answer in replicas if answer.startswith(f"{group}.{name}.")]
    labels = {key for key, answer in replicas if answer.endswith(".environment_replicas")}  # a row's label
    for line, words in own:
        del c.applied_phrases[(line, words)]
    plan_wide = [key for key, _ in replicas if not any(o in c.line_text(key[0]).lower() for o in others)]
    for line, words in [key for key in own or plan_wide if key not in labels]:
        c.unapplied(line, words, why)
