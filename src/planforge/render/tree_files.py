"""The plan's tree files the repository lacks, reported at their line (README "Not applied").

decide lists the files the plan's tree names where planforge generates files (`Decided.tree_files`); whether a
render writes one is the template's to say, so they are checked against the paths a render of the answers writes
(`planforge.render.listing`). A file the repository lacks is reported with what its directory holds instead."""
from __future__ import annotations

from planforge.decide import text as tx
from planforge.decide.answers import Decided, NotApplied
from planforge.decide.coverage import vocabulary
from planforge.render.listing import rendered_paths
from planforge.render.source import TemplateSource

_SHOWN = 8  # a directory's entries named in a reason


def account_tree_files(decided: Decided, template: TemplateSource) -> Decided:
    """`decided` with each tree file the render does not write added to its not-applied list, and without the
    generic notes on the comments of those it writes (`hpa.yaml # Horizontal Pod Autoscaler`: the file is there,
    its comment no statement the repository leaves out)."""
    if not decided.tree_files:
        return decided
    rendered = rendered_paths(decided.answers, template)
    notes = [NotApplied(line=f.line, text=tx.quote(f.path), why=tx.safe_text(missing_why(f.path, rendered)))
             for f in decided.tree_files if f.path not in rendered]
    written = {f.line for f in decided.tree_files if f.path in rendered}
    kept = [n for n in decided.not_applied if n.line not in written or not _generic(n.why)]
    if not notes and len(kept) == len(decided.not_applied):
        return decided
    merged = sorted([*kept, *notes], key=lambda n: n.line)
    answers = decided.answers.model_copy(update={"not_applied": merged})
    return decided.model_copy(update={"answers": answers, "not_applied": merged})


def _generic(why: str) -> bool:
    """Whether `why` is coverage's reason for words no rule reads (data/coverage.yaml `line_why`)."""
    head, _, tail = vocabulary().line_why.partition("{term}")
    return why.startswith(head) and tail.split("{term}")[-1] in why


def missing_why(path: str, rendered: frozenset[str]) -> str:
    """Why the tree's file `path` is not in the repository: what its directory, or the nearest one the repository
    has, holds instead."""
    head, _, name = path.rpartition("/")
    where = head
    while where and not _entries(where, rendered):
        where = where.rpartition("/")[0]
    held = _entries(where, rendered)
    listed = ", ".join(held[:_SHOWN]) + (f" and {len(held) - _SHOWN} more" if len(held) > _SHOWN else "")
    prefix = f"{head}/" if head else ""
    below = sorted(r.rpartition("/")[0] + "/" for r in rendered if r.startswith(prefix) and r.rpartition("/")[2] == name)
    if below:  # `infra/main.tf` while the roots are `infra/live/`: say where it is
        shown = ", ".join(below[:_SHOWN]) + (f" and {len(below) - _SHOWN} more" if len(below) > _SHOWN else "")
        return f"planforge writes {name} in {shown}, not in {head + '/' if head else 'the top level'}"
    kind = next((e for e in held if name.endswith(("-" + e, "_" + e))), None) if where == head else None
    if kind:  # `backend-deployment.yaml` beside `deployment.yaml`
        return f"planforge writes one {kind} in {head}/ for every workload, not a file per workload"
    if where == head:
        place = f"in {head}/" if head else "at the repository's top level"
        return f"planforge generates no {name} {place} (it has there: {listed})"
    nearest = f"{where}/" if where else "the repository's top level"
    return f"planforge generates no {head}/ directory ({nearest} has: {listed})"


def _entries(directory: str, rendered: frozenset[str]) -> list[str]:
    """The files and directories (`name/`) directly in `directory` ('' the top level) of the rendered paths."""
    prefix = f"{directory}/" if directory else ""
    below = {p[len(prefix):] for p in rendered if p.startswith(prefix)}
    return sorted({b.split("/")[0] + ("/" if "/" in b else "") for b in below})
