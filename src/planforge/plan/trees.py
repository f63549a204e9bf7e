"""The directory trees of a plan's Project Structure code fences, bounded in depth and name length."""
from __future__ import annotations

import re

from planforge.errors import Problem
from planforge.plan.limits import limits
from planforge.plan.markdown_blocks import Block
from planforge.plan.model import Plan, SourceLine, StructureTree, TreePath

_MAX_NAME = 255  # NAME_MAX: a longer tree entry is not a file name
# linear in the line: a whitespace run is matched only where it starts (`(?<!\s)`)
_TREE_COMMENT = re.compile(r"(?<!\s)\s+#\s?(.*)$|(?<!\s)\s{2,}(?:←|<-)\s*(.*)$")
_TREE_CHARS = "│├└─┬┼|`+- \t\u00a0"
# a tree drawn from the author's machine: its root is where the repository sits there, not a directory in it
_FILESYSTEM_ROOT = re.compile(r"^(?:[A-Za-z]:[\\/]|/|~/)")


def read_trees(plan: Plan, blocks: list[Block]) -> None:
    max_depth = limits()["max_tree_depth"]
    for b in blocks:
        if b.kind != "fence" or "structure" not in b.section.lower():
            continue
        if b.info and b.info.split()[0].lower() not in ("text", "txt", "plain", "tree", "plaintext", "bash", "sh", "console", ""):
            continue
        tree = StructureTree(heading=b.subsection or b.section, line=b.start)
        stack: list[tuple[int, str]] = []
        for src in b.lines:
            raw = src.text.rstrip()
            stripped = raw.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                if re.search(r"\boption\s+\d", stripped, re.I):
                    tree.options.append(SourceLine(src.line, raw))
                continue
            k = _name_start(raw)
            body = raw[k:]
            comment = ""
            cm = _TREE_COMMENT.search(body)
            if cm:
                comment = (cm.group(1) or cm.group(2) or "").strip()
                body = body[: cm.start()]
            name = body.strip()
            if not name or name.startswith("[") or " " in name.strip("/") and not name.endswith("/"):
                continue  # a placeholder or a line of prose; a directory (`name/`) is kept as written
            indent = k
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if len(stack) >= max_depth or len(name) > _MAX_NAME:
                plan.problems.append(Problem(
                    message=f"directory tree nested deeper than {max_depth} levels" if len(stack) >= max_depth else
                    f"a tree entry of {len(name)} characters is not a file name (at most {_MAX_NAME})",
                    file=plan.source, line=src.line, field="Project Structure", hint="show the real directory layout"))
                break
            if not stack and name.endswith("/") and _FILESYSTEM_ROOT.match(name):
                continue  # `D:\web-todo/`: its entries are the repository's top level
            parent = "".join(s[1] if s[1].endswith("/") else s[1] + "/" for s in stack)
            path = parent + name
            tree.paths.append(TreePath(path=path, name=name, depth=len(stack), line=src.line, comment=comment))
            if name.endswith("/"):
                stack.append((indent, name))
        plan.trees.append(tree)


def _name_start(raw: str) -> int:
    """Where a tree line's entry starts after its connector (`├── `, `|-- `): a name that starts with `-`
    (`├── -a/`) keeps it, so that it is refused as written rather than read as another name."""
    k = 0
    while k < len(raw) and raw[k] in _TREE_CHARS:
        k += 1
    space = max(raw.rfind(" ", 0, k), raw.rfind("\t", 0, k), raw.rfind("\u00a0", 0, k))
    glued = raw[space + 1:k]
    if glued and set(glued) == {"-"} and raw[:space].strip():
        return space + 1
    return k

