"""The plan's structure tree is the layout: its directory names become the answer `paths`.

A top-level directory of the layout table (layout.yml `dirs` without a parent: terraform, kubernetes,
argocd, charts) is found by its last name anywhere in the plan's source tree (`infra/terraform/`,
`deploy/k8s/`, `gitops/argocd/`), and each child directly below it by its name (`envs/`, `modules/`,
`overlays/`); the vocabularies are data (data/tree_layout.yaml). Every found directory whose place
differs from the table's is one entry of `paths` (key -> path relative to its parent, as layout.yml
declares it). A directory of the tree inside a found one that planforge generates nothing for is
recorded as not applied, with its line.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from planforge import layout
from planforge.decide import text as tx
from planforge.decide.answer_rules import patterns
from planforge.decide.answers import Provenance, TreeFile
from planforge.decide.context import Context
from planforge.decide.data import load
from planforge.plan.model import TreePath


@lru_cache(maxsize=None)
def _vocabulary() -> dict[str, Any]:
    return load("tree_layout.yaml")


def decide_paths(c: Context) -> None:
    """`paths` from the tree; runs after the blueprints, when every answer the layout's conditions read is known."""
    table = layout.load_layout()
    present = layout.dirs({**c.values, "paths": {}}, table=table)
    entries = _directories(c.plan.source_paths)
    charts_at = {t.path.rpartition("/")[0] for t in c.plan.source_paths if t.path.endswith("/Chart.yaml")}
    terraform_like = _terraform_like(c.plan.source_paths)
    found = _found(entries, table["dirs"], present, charts_at, terraform_like)
    paths = {key: path for key, (path, _) in found.items() if path != table["dirs"][key]["path"]}
    others = _other_meaning(entries, found, table["dirs"], present)
    paths |= {key: _vocabulary()["described"][key]["elsewhere"] for key in others}
    if paths:
        lines = sorted({t.line for key, (_, t) in found.items() if key in paths} | {t.line for t in others.values()})
        c.set("paths", paths, Provenance(source="plan", line=lines[0], text=tx.quote(c.line_text(lines[0]))))
    else:
        c.default("paths", {}, "the layout's own directory names (the plan's tree names no other)")
    _decide_apps_in_base(c, entries, found, table)
    generated = layout.dirs({**c.values, "paths": paths}, table=table)
    notes = {t.path: _other_why(key, t, generated) for key, t in others.items()}
    _account(c, entries, found, generated, notes)


def _decide_apps_in_base(c: Context, entries: list[TreePath], found: dict[str, tuple[str, TreePath]],
                         table: dict[str, Any]) -> None:
    """`apps_in_base`: the tree names an application's directory right in the Kustomize base directory
    (`kubernetes/base/orders-api/`), so each application's base goes there and its overlays below each
    environment's overlay directory (`kubernetes/overlays/<env>/orders-api/`)."""
    app_base = table["nested"]["app_base"]
    holds = c.values.get("structure") == "multi-tool" and layout.holds(app_base, "multi-tool", layout.flags(c.values))
    base = found["k8s_base"][1].path if "k8s_base" in found and holds else None
    apps = {a.name for a in c.values.get("apps") or []}
    named = next((t for t in entries if base and t.path.startswith(base) and t.path[len(base):].rstrip("/") in apps), None)
    if named is None:
        c.default("apps_in_base", False, "each application keeps its own directory of base/ and overlays/")
        return
    c.set("apps_in_base", True, Provenance(source="plan", line=named.line, text=tx.quote(c.line_text(named.line))))


def _directories(paths: list[TreePath]) -> list[TreePath]:
    """The tree's directories, with the ones an entry implies (`helm/todo/` implies `helm/`) at that entry's line."""
    out: dict[str, TreePath] = {}
    for t in paths:
        parts = t.path.rstrip("/").split("/")
        for n in range(1, len(parts) + (1 if t.path.endswith("/") else 0)):
            path = "/".join(parts[:n]) + "/"
            out.setdefault(path, t if path == t.path else TreePath(path=path, name=parts[n - 1] + "/", depth=t.depth,
                                                                    line=t.line, comment=""))
    return list(out.values())


def _terraform_like(paths: list[TreePath]) -> list[str]:
    """Directories that are a Terraform root by their content, not their name (`infrastructure/` holding
    `modules/` and `.tf` files), shallowest first."""
    tf_files = [t.path for t in paths if t.path.endswith(".tf")]
    roots = {t.path.rstrip("/").rpartition("/")[0] for t in paths if t.path.rstrip("/").endswith("/modules")}
    return sorted((r for r in roots if r and any(f.startswith(r + "/") for f in tf_files)), key=lambda r: r.count("/"))


def _found(entries: list[TreePath], dirs: dict[str, Any], present: dict[str, str],
           charts_at: set[str], terraform_like: list[str]) -> dict[str, tuple[str, TreePath]]:
    """key -> (its path relative to its parent as the plan writes it, the tree entry), for the directories this
    plan's repository has. A directory holding a Chart.yaml (`charts_at`) is a chart, never the charts directory;
    the Terraform root is found by name, else by content (`terraform_like`)."""
    vocab = _vocabulary()
    found: dict[str, tuple[str, TreePath]] = {}
    full: dict[str, str] = {}  # key -> the plan's full path of the directory
    for key, d in dirs.items():
        if not present.get(key):
            continue
        parent = d.get("parent")
        names = vocab["roots"].get(key) if parent is None else vocab["children"].get(key)
        if not names or (parent is not None and parent not in full):
            continue
        for t in entries:
            path = t.path.rstrip("/")
            head, _, name = path.rpartition("/")
            inside_found = parent is None and any(path.startswith(p + "/") for p in full.values())
            by_content = key == "terraform" and path in terraform_like[:1]
            if (name.lower() not in names and not by_content) or inside_found:
                continue
            if parent is not None and head != full[parent]:
                continue
            if parent is None and (not _portable(path) or path in charts_at):
                continue
            if parent is not None and not _described_as(key, name, t.comment):
                continue
            full[key] = path
            found[key] = (path if parent is None else name, t)
            break
    return found


def _described_as(key: str, name: str, comment: str) -> bool:
    """Whether a tree child's comment allows it to be layout directory `key` (data: tree_layout.yaml `described`)."""
    rule = _vocabulary().get("described", {}).get(key)
    if rule is None:
        return True
    says = any(w in comment.lower() for w in rule["words"])
    return says or (not comment and name.lower() not in rule["by_comment_only"])


def _other_meaning(entries: list[TreePath], found: dict[str, tuple[str, TreePath]], dirs: dict[str, Any],
                   present: dict[str, str]) -> dict[str, TreePath]:
    """key -> the tree directory that has the layout directory's own name under its parent but, by its comment,
    another meaning (`bootstrap/  # installs Argo CD`): planforge's directory must go elsewhere."""
    out: dict[str, TreePath] = {}
    for key in _vocabulary().get("described", {}):
        d = dirs[key]
        if key in found or not present.get(key) or d.get("parent") not in found:
            continue
        at = f"{found[d['parent']][1].path.rstrip('/')}/{d['path']}/"
        clash = next((t for t in entries if t.path == at), None)
        if clash is not None:
            out[key] = clash
    return out


def _other_why(key: str, t: TreePath, generated: dict[str, str]) -> str:
    """The not-applied reason of a tree directory whose meaning is not the layout directory of its name."""
    what = f"the plan's {t.name.rstrip('/')}/ {t.comment.strip()}" if t.comment else f"the plan's {t.path}"
    argo = (f"planforge's Argo CD bootstrap is {generated['argocd_bootstrap']}/; "
            if generated.get("argocd_bootstrap") and re.search(r"argo", t.comment, re.I) else "")
    return f"{what}: {argo}{_vocabulary()['described'][key]['label']} is {generated[key]}/"


def _build_sources(c: Context, path: str) -> bool:
    """Whether a tree directory holds, is or is inside a build context of the delivery workflow (the services'
    sources: the application team's, read by the workflow, not generated)."""
    contexts = [b.context for b in c.values.get("builds") or [] if b.context != "."]
    return any(ctx == path or ctx.startswith(path + "/") or path.startswith(ctx + "/") for ctx in contexts)


def _portable(path: str) -> bool:
    """Whether the answer rules accept `path` as a layout path (else the tree's directory is left as it is)."""
    rule = patterns()["dir_path"]
    return bool(rule.regex.search(path)) and (rule.max is None or len(path) <= rule.max)


def _account(c: Context, entries: list[TreePath], found: dict[str, tuple[str, TreePath]], generated: dict[str, str],
             notes: dict[str, str]) -> None:
    """Each tree directory: applied (a found layout directory, the parent of one, one of its items, a directory
    of its blueprint or of the repository's fixed frame) or not applied with its line; a directory inside a
    reported one is reported too. `generated`: the repository's directories (layout.dirs with the plan's paths);
    `notes`: the reasons already known for some tree directories."""
    full = {key: t.path.rstrip("/") for key, (_, t) in found.items()}
    items = _items(c)
    for key, (_, t) in found.items():
        c.applied(t.line, t.path, f"paths.{key}")
    parents = {p.rpartition("/")[0] for p in full.values() if "/" in p}
    reported: list[str] = []
    for t in entries:
        path = t.path.rstrip("/")
        if path in full.values():
            continue
        if _build_sources(c, path):
            c.applied(t.line, t.path, "builds")  # the delivery workflow builds from it
            continue
        outer = next((r for r in reported if t.path.startswith(r)), None)
        why = (f"inside {outer}, which planforge does not generate" if outer
               else notes.get(t.path) or _why(c, path, full, parents, items, generated))
        if why:
            reported.append(t.path)
            c.unapplied(t.line, t.path, why)
        else:
            c.applied(t.line, t.path, "paths")
    _files(c, reported)
    if "unused_database_module" in layout.flags(c.values) and "tf_modules" in full:
        _uninstantiated_database(c, entries, full["tf_modules"])


# a file the plan's tree marks as there already (`docker-compose.yml  # Existing - NOT modified`)
_EXISTING = re.compile(r"\b(?:existing|exists|already|not modified|unchanged|untouched)\b", re.I)


def _files(c: Context, reported: list[str]) -> None:
    """The tree's files: one inside a reported directory is covered by that directory's note, one in a build context
    is the application team's source, one the tree marks as there already is left to the repository; the others
    are the files a render must show (Decided.tree_files; render.tree_files reports the ones it does not write)."""
    for t in c.plan.source_paths:
        if t.path.endswith("/") or any(t.path.startswith(r) for r in reported):
            continue
        if _build_sources(c, t.path.rpartition("/")[0]):
            c.applied(t.line, t.path, "builds")
        elif _EXISTING.search(t.comment):
            c.applied(t.line, t.path, "existing")
        else:
            c.tree_files.append(TreeFile(line=t.line, path=t.path))


def _uninstantiated_database(c: Context, entries: list[TreePath], modules_dir: str) -> None:
    """The plan's database module directory, generated while no root instantiates it (the plan names no engine)."""
    for m in layout.terraform_modules({**c.values, "paths": {}}):
        t = next((t for t in entries if t.path == f"{modules_dir}/{m['name']}/"), None)
        if m["library"] == "database" and t is not None:
            c.unapplied(t.line, t.path, f"the plan names no database engine, so planforge's database module {t.path} "
                        "is generated but no root instantiates it; state the engine (e.g. PostgreSQL 16) to get one")


def _why(c: Context, path: str, full: dict[str, str], parents: set[str], items: dict[str, set[str]],
         generated: dict[str, str]) -> str:
    """Why a tree directory that is not a found layout directory is not generated ('' when it is)."""
    if path in parents or _in_frame(path, generated) or _generated_item(path, generated, items):
        return ""
    if any(path.startswith(p + "/") for p in full.values()):
        return _inside(c, path, full, items, generated)
    if any(path.startswith(p + "/") for p in parents):
        beside = ", ".join(f"{p}/" for p in sorted(full.values()) if p.rpartition("/")[0] == path.rpartition("/")[0])
        if beside:
            return f"planforge generates no such directory (beside {beside})"
    workloads = {s.name for s in [*(c.values.get("services") or []), *(c.values.get("apps") or [])]}
    if path.rpartition("/")[2] in workloads:
        return (f"the {path.rpartition('/')[2]} workload's source: planforge deploys its image and generates no "
                "source directory")
    tops = sorted({p.split("/")[0] + "/" for p in generated.values() if p} | {d.split("/")[0] + "/" for d in _frame()})
    return f"planforge generates no such directory (the repository's top-level directories: {', '.join(tops)})"


def _generated_item(path: str, generated: dict[str, str], items: dict[str, set[str]]) -> bool:
    """An item directory (an environment, tenant, app ...) directly below a directory the repository generates, though
    the tree does not name that directory as planforge's (Flux's `clusters/<env>/`)."""
    kinds = _vocabulary()["items"]
    head, _, name = path.rpartition("/")
    return any(p == head and name in items.get(kinds.get(key, ""), ()) for key, p in generated.items() if p)


def _in_frame(path: str, generated: dict[str, str]) -> bool:
    """A directory the repository has whatever the tree says: the frame's own (`.github/workflows`) or a
    layout directory, or one above it, at this very path."""
    return path in _frame() or any(p == path or p.startswith(path + "/") for p in generated.values() if p)


@lru_cache(maxsize=None)
def _frame() -> frozenset[str]:
    """The template's directories outside the layout table (no Jinja in their path): `.github/workflows`."""
    from planforge.render.template import shipped_template_dir

    root = shipped_template_dir() / "blueprints"
    return frozenset(d.relative_to(root).as_posix() for d in root.rglob("*")
                     if d.is_dir() and "{" not in d.relative_to(root).as_posix())


def _inside(c: Context, path: str, full: dict[str, str], items: dict[str, set[str]], generated: dict[str, str]) -> str:
    """Why a tree directory inside a found one is not generated ('' when it is)."""
    kinds = _vocabulary()["items"]
    head, _, name = path.rpartition("/")
    owner = next((k for k, p in full.items() if p == head), None)
    if owner == "tf_modules":
        return _module_why(c, name, head)
    placed = {first for place in _places(c, owner) for first in _expand(place[:1], _names(items))} if owner else set()
    if owner is not None and (name in items.get(kinds.get(owner, ""), ()) or name in _fixed_below().get(owner, ())
                              or name in placed):
        return ""
    item = _item_of(path, full, items)
    if item is not None:
        key, root, rest = item
        below = _below_item(c, key, items)
        if rest in below:
            return ""
        listed = ", ".join(f"{d}/" for d in sorted(b for b in below if "/" not in b)) or "no directory"
        return f"planforge generates no such directory in {root}/ (it has: {listed})"
    where = max((k for k, p in full.items() if path.startswith(p + "/")), key=lambda k: len(full[k]))
    return (f"planforge generates no such directory in {full[where]}/ "
            f"(it has: {_generated_below(where, generated, items)})")


def _module_why(c: Context, name: str, modules_dir: str) -> str:
    """Why the plan's module directory `name` is not generated as it stands ('' when it is): the catalog module
    doing its work under another name (`networking` -> `vpc`), or none."""
    generated = {m["name"]: m["library"] for m in layout.terraform_modules({**c.values, "paths": {}})}
    aliases = _vocabulary()["module_aliases"]
    doing = [m for m, library in sorted(generated.items()) if name.lower() in aliases.get(library, ())]
    if name in generated:
        return ""
    if doing:
        return (f"a module directory keeps the catalog's name: planforge's {generated[doing[0]]} module doing this is "
                f"{modules_dir}/{doing[0]}/")
    listed = ", ".join(f"{m}/" for m in sorted(generated)) or "none"
    return f"the module catalog has no {name} module (the modules generated in {modules_dir}/: {listed})"


@lru_cache(maxsize=None)
def _fixed_below() -> dict[str, frozenset[str]]:
    """The directories a blueprint always has below a layout directory (`{{ dirs.k8s_base }}/policies`)."""
    from planforge.render.template import shipped_template_dir

    out: dict[str, frozenset[str]] = {}
    for top in (shipped_template_dir() / "blueprints").iterdir():
        m = re.fullmatch(r"\{\{ dirs\.(\w+) \}\}", top.name)
        if m and top.is_dir():
            out[m.group(1)] = frozenset(d.name for d in top.iterdir() if d.is_dir() and "{" not in d.name)
    return out


# A template directory name that exists when an optional file does: {% if 'chart-tests' in files %}tests{% endif %}
_OPTIONAL = re.compile(r"\{% if '([\w-]+)' in files %\}([^{]*)\{% endif %\}")


@lru_cache(maxsize=None)
def _fixed_below_item() -> dict[str, tuple[tuple[str, str], ...]]:
    """The directories a blueprint has below each item of a layout directory (`{{ dirs.charts }}/<chart>/templates`):
    key -> (path below the item, the optional file it needs or ''), from the template's own directory names."""
    from planforge.render.template import shipped_template_dir

    out: dict[str, list[tuple[str, str]]] = {}
    for top in (shipped_template_dir() / "blueprints").iterdir():
        m = re.fullmatch(r"\{\{ dirs\.(\w+) \}\}", top.name)
        if not (m and top.is_dir()):
            continue
        for item in (d for d in top.iterdir() if d.is_dir() and d.name.startswith("{% yield")):
            for d in (d for d in item.rglob("*") if d.is_dir()):
                parts = [_OPTIONAL.sub(r"\2", part) for part in d.relative_to(item).parts]
                needs = "".join(o.group(1) for part in d.relative_to(item).parts for o in _OPTIONAL.finditer(part))
                out.setdefault(m.group(1), []).append(("/".join(parts), needs))
    return {k: tuple(v) for k, v in out.items()}


def _items(c: Context) -> dict[str, set[str]]:
    """The names each kind of item directory takes (data/tree_layout.yaml `items`)."""
    v = c.values
    per_service = v.get("chart_layout") == "per-service"
    chart = {s.name for s in v.get("services") or []} if per_service else {v.get("chart_name") or ""}
    return {
        "environments": set(v.get("environments") or []),
        "tenants": set(v.get("tenants") or []),
        "stacks": {s["name"] for s in layout.load_layout()["shared_stacks"]},
        "modules": {m["name"] for m in layout.terraform_modules({**v, "paths": {}})},
        "apps": {a.name for a in v.get("apps") or []},
        "components": {comp.name for comp in v.get("components") or []},
        "charts": chart - {""},
    }


def _item_of(path: str, full: dict[str, str], items: dict[str, set[str]]) -> tuple[str, str, str] | None:
    """(layout key, the item's directory, the path below it) when `path` is inside an item directory
    (an environment, tenant, module, app or chart of a found layout directory)."""
    kinds = _vocabulary()["items"]
    for key in (k for k in full if k in kinds):
        for name in items.get(kinds[key], ()):
            root = f"{full[key]}/{name}"
            if path.startswith(root + "/"):
                return key, root, path[len(root) + 1:]
    return None


def _below_item(c: Context, key: str, items: dict[str, set[str]]) -> set[str]:
    """The directories planforge generates below one item of layout directory `key`: the blueprint's own
    and the table's `nested` places (`{app}/base`, `{app}/overlays/{env}`), each with its parents."""
    files = set(layout.files({**c.values, "paths": {}}))
    out = {rest for rest, needs in _fixed_below_item().get(key, ()) if not needs or needs in files}
    for place in _places(c, key):
        for rest in _expand(place[1:], _names(items)):
            parts = rest.split("/")
            out |= {"/".join(parts[:n]) for n in range(1, len(parts) + 1)}
    return out


def _places(c: Context, key: str) -> list[list[str]]:
    """The path parts of every `nested` place the repository has directly in layout directory `key` (`in_base`
    instead of the table's own place when the answer `apps_in_base` is set)."""
    table = layout.load_layout()
    values = {**c.values, "paths": {}}
    on = layout.flags(values, table=table)
    out = []
    for name, entry in table["nested"].items():
        place = entry["in_base"] if c.values.get("apps_in_base") and "in_base" in entry else entry
        if place["parent"] == key and name in _nested_dirs() and layout.holds(entry, values["structure"], on):
            out.append(place["path"].split("/"))
    return out


def _names(items: dict[str, set[str]]) -> dict[str, set[str]]:
    """The names each placeholder of a `nested` path takes."""
    return {"env": items["environments"], "app": items["apps"], "tenant": items["tenants"],
            "component": items["components"]}


@lru_cache(maxsize=None)
def _nested_dirs() -> frozenset[str]:
    """The `nested` places the template yields as directories (`argocd_components` yields files)."""
    from planforge.render.template import shipped_template_dir

    root = shipped_template_dir() / "blueprints"
    return frozenset(m.group(1) for d in root.iterdir() if d.is_dir()
                     for m in [re.fullmatch(r"\{% yield \w+ from nested\.(\w+) %\}.*\{% endyield %\}", d.name)] if m)


def _expand(parts: list[str], names: dict[str, set[str]]) -> list[str]:
    """`overlays/{env}` -> `overlays/dev`, `overlays/prod` (a placeholder takes each of its item names)."""
    out = [""]
    for part in parts:
        m = re.fullmatch(r"\{(\w+)\}", part)
        choices = sorted(names.get(m.group(1), ())) if m else [part]
        out = [f"{o}/{ch}" if o else ch for o in out for ch in choices]
    return out


def _generated_below(key: str, generated: dict[str, str], items: dict[str, set[str]]) -> str:
    """The directories the repository has directly below layout directory `key`, for a not-applied reason."""
    root = generated[key]
    below = {p[len(root) + 1:].split("/")[0] for p in generated.values() if p.startswith(root + "/")}
    below |= set(_fixed_below().get(key, ()))
    kind = _vocabulary()["items"].get(key)
    below |= set(items.get(kind, ())) if kind else set()
    return ", ".join(f"{n}/" for n in sorted(below)) or "nothing below it"
