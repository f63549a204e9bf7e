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
from planforge.decide.answers import Provenance
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
    if paths:
        lines = sorted({t.line for key, (_, t) in found.items() if key in paths})
        c.set("paths", paths, Provenance(source="plan", line=lines[0], text=tx.quote(c.line_text(lines[0]))))
    else:
        c.default("paths", {}, "the layout's own directory names (the plan's tree names no other)")
    _account(c, entries, found, layout.dirs({**c.values, "paths": paths}, table=table))


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
            full[key] = path
            found[key] = (path if parent is None else name, t)
            break
    return found


def _portable(path: str) -> bool:
    """Whether the answer rules accept `path` as a layout path (else the tree's directory is left as it is)."""
    rule = patterns()["dir_path"]
    return bool(rule.regex.search(path)) and (rule.max is None or len(path) <= rule.max)


def _account(c: Context, entries: list[TreePath], found: dict[str, tuple[str, TreePath]], generated: dict[str, str]) -> None:
    """Each tree directory inside a found one, or beside a nested one (`infra/platform/` beside `infra/terraform/`):
    applied (a layout directory, one of its items, a directory of its blueprint) or not applied.
    `generated`: the repository's directories (layout.dirs with the plan's paths)."""
    full = {key: t.path.rstrip("/") for key, (_, t) in found.items()}
    items = _items(c)
    for key, (_, t) in found.items():
        c.applied(t.line, t.path, f"paths.{key}")
    parents = {p.rpartition("/")[0] for p in full.values() if "/" in p}
    reported: list[str] = []
    for t in entries:
        path = t.path.rstrip("/")
        if path in full.values() or any(t.path.startswith(r) for r in reported):
            continue  # a found directory, or below a directory already reported
        if path in parents:
            c.applied(t.line, t.path, "paths")
        elif any(path.startswith(p + "/") for p in full.values()):
            why = _inside(path, full, items, generated)
            if why:
                reported.append(t.path)
                c.unapplied(t.line, t.path, why)
            else:
                c.applied(t.line, t.path, "paths")
        elif any(path.startswith(p + "/") for p in parents):
            reported.append(t.path)
            beside = ", ".join(f"{p}/" for p in sorted(full.values()) if p.rpartition("/")[0] == path.rpartition("/")[0])
            c.unapplied(t.line, t.path, f"planforge generates no such directory (beside {beside})")


def _inside(path: str, full: dict[str, str], items: dict[str, set[str]], generated: dict[str, str]) -> str:
    """Why a tree directory inside a found one is not generated ('' when it is)."""
    kinds = _vocabulary()["items"]
    head, _, name = path.rpartition("/")
    owner = next((k for k, p in full.items() if p == head), None)
    if owner is not None and (name in items.get(kinds.get(owner, ""), ()) or name in _fixed_below().get(owner, ())):
        return ""
    if _below_item(path, full, items):
        return ""  # inside an environment, tenant, module, app or chart directory: its files are the blueprint's
    where = max((k for k, p in full.items() if path.startswith(p + "/")), key=lambda k: len(full[k]))
    return (f"planforge generates no such directory in {full[where]}/ "
            f"(it has: {_generated_below(where, generated, items)})")


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


def _below_item(path: str, full: dict[str, str], items: dict[str, set[str]]) -> bool:
    kinds = _vocabulary()["items"]
    return any(path.startswith(f"{full[k]}/{name}/") for k in full if k in kinds for name in items.get(kinds[k], ()))


def _generated_below(key: str, generated: dict[str, str], items: dict[str, set[str]]) -> str:
    """The directories the repository has directly below layout directory `key`, for a not-applied reason."""
    root = generated[key]
    below = {p[len(root) + 1:].split("/")[0] for p in generated.values() if p.startswith(root + "/")}
    below |= set(_fixed_below().get(key, ()))
    kind = _vocabulary()["items"].get(key)
    below |= set(items.get(kind, ())) if kind else set()
    return ", ".join(f"{n}/" for n in sorted(below)) or "nothing below it"
