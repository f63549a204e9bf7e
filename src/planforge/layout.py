"""The layout table (`layout.yml` at the template root) read in Python.

The same file feeds copier.yml's computed values (`blueprints`, `flags`, `dirs`, `nested`,
`files`, `lists`, `tf_modules`, `tf_stacks`, `tf_roots`); this module answers the same questions for
planforge itself, so the blueprints a plan gets and the Terraform modules a cloud gets are
declared once. Conditions follow the table's header: `structures`, `when`, `unless`, `any`.

Computed values are never answers: Copier recomputes them on every copy and update, and a
value passed as data would override the table, so `copier_data` leaves them out.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from planforge import conditions
from planforge.yamlio import parse

LAYOUT_FILE = "layout.yml"
# copier.yml questions computed from the table (`when: false`): never passed as data.
COMPUTED = ("blueprints", "flags", "dirs", "nested", "files", "lists", "tf_modules", "tf_stacks", "tf_roots",
            "platform_envs", "component_site", "database_charts", "app_namespaces", "database_names")


def layout_path(template_dir: Path | None = None) -> Path:
    if template_dir is None:
        from planforge.render.template import shipped_template_dir

        template_dir = shipped_template_dir()
    return Path(template_dir) / LAYOUT_FILE


@lru_cache(maxsize=8)
def _load(path: Path) -> dict[str, Any]:
    return parse(path.read_text(encoding="utf-8"))


def load_layout(template_dir: Path | None = None) -> dict[str, Any]:
    """The parsed table of the shipped template (or of TEMPLATE_DIR)."""
    return _load(layout_path(template_dir))


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _one(condition: Mapping[str, Any], structure: str, flags: set[str]) -> bool:
    structures = condition.get("structures")
    return ((structures is None or structure in structures)
            and all(f in flags for f in _names(condition.get("when")))
            and not any(f in flags for f in _names(condition.get("unless"))))


def holds(entry: Mapping[str, Any], structure: str, flags: set[str]) -> bool:
    """Whether a table entry's conditions hold (the rule of includes/layout.jinja)."""
    alternatives = entry.get("any")
    if alternatives is not None and not any(_one(c, structure, flags) for c in alternatives):
        return False
    return _one(entry, structure, flags)


def blueprints(structure: str, gitops: str = "none", iac_tool: str = "terraform", ansible: bool = False, *,
               existing_clusters: bool = False, table: Mapping[str, Any] | None = None) -> list[str]:
    """The blueprints (top-level directories) of a structure with this gitops choice, plus the Ansible blueprint
    when the plan has an Ansible tree, less those `blueprints_left_out` leaves out for these answers."""
    table = table or load_layout()
    answers = {"structure": structure, "gitops": gitops, "iac_tool": iac_tool, "ansible": ansible,
               "existing_clusters": existing_clusters}
    chosen = [*table["blueprints"][structure], *(table["iac"].get(iac_tool) or []), *(table["gitops"].get(gitops) or []),
              *(table["ansible"] if ansible else [])]
    left_out = table["blueprints_left_out"]
    return [b for b in chosen if b not in left_out or not conditions.holds(left_out[b], answers, table)]


def flags(answers: Mapping[str, Any], *, table: Mapping[str, Any] | None = None) -> set[str]:
    """The flags that hold for these answers (layout.yml `flags`, copier.yml `flags`). Answers left out are
    unset; the blueprints are computed from the structure when the answers do not name them."""
    table = table or load_layout()
    a = dict(answers)
    if not a.get("blueprints"):
        a["blueprints"] = blueprints(a["structure"], a.get("gitops", "none"), a.get("iac_tool", "terraform"),
                                     bool(a.get("ansible")), existing_clusters=bool(a.get("existing_clusters")),
                                     table=table)
    return {name for name, condition in table["flags"].items() if conditions.holds(condition, a, table)}


def terraform_modules(answers: Mapping[str, Any], *, table: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
    """Terraform modules of the answers' clouds: [{name, source, library, cloud, dir}] (copier.yml `tf_modules`).

    `name` is the directory under the cloud's modules directory, `source` the library folder in the
    template (modules/<cloud>/<library>), `dir` the module's directory in the repository: below
    dirs.tf_modules for the primary cloud, below nested.tf_cloud_modules for another cloud of a
    multi-cloud plan; none where that directory is absent."""
    table = table or load_layout()
    on = flags(answers, table=table)
    cloud, structure = answers.get("cloud", "none"), answers["structure"]
    where = dirs(answers, table=table)
    row = table["nested"]["tf_cloud_modules"]
    others = list(answers.get("clouds") or [])[1:] if where[row["parent"]] and holds(row, structure, on) else []
    bases = {cloud: where["tf_modules"], **{cl: f"{where[row['parent']]}/{row['path'].replace('{cloud}', cl)}"
                                             for cl in others}}
    return [{"name": m["name"], "source": f"modules/{cl}/{m['source']}", "library": m["source"], "cloud": cl,
             "dir": f"{base}/{m['name']}"}
            for cl, base in bases.items() if base
            for m in table["terraform_modules"].get(cl) or [] if holds(m, structure, on)]


def dirs(answers: Mapping[str, Any], *, table: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Every directory of the table: its path in the generated repository, '' when absent. The answer
    `paths` (the plan's tree) replaces a directory's `path` relative to its parent."""
    table = table or load_layout()
    on = flags(answers, table=table)
    out: dict[str, str] = {}
    for name, d in table["dirs"].items():
        parent = out[d["parent"]] if d.get("parent") else ""
        present = (parent or not d.get("parent")) and holds(d, answers["structure"], on)
        path = (answers.get("paths") or {}).get(name, d["path"])
        out[name] = (f"{parent}/" if parent else "") + path if present else ""
    return out


def files(answers: Mapping[str, Any], *, table: Mapping[str, Any] | None = None) -> list[str]:
    """The optional files that exist for these answers (copier.yml `files`)."""
    table = table or load_layout()
    on = flags(answers, table=table)
    return [name for name, f in table["files"].items() if holds(f, answers["structure"], on)]


def copier_data(answers: Any) -> dict[str, Any]:
    """The data planforge passes to Copier: the answers without the computed values."""
    data = answers.to_copier_data() if hasattr(answers, "to_copier_data") else dict(answers)
    return {k: v for k, v in data.items() if k not in COMPUTED}
