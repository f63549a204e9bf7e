"""The input limits of data/limits.yaml, and the linear scans the reader uses instead of backtracking regexes.

Every pattern applied to plan text must run in time linear in the text: the helpers here replace the
`<!--.*?-->` and `[text](target)` regexes, which rescan the rest of the text from every `<!--` or `[`.
"""
from __future__ import annotations

from functools import lru_cache

from planforge.yamlio import package_data


@lru_cache(maxsize=None)
def limits() -> dict[str, int]:
    return package_data("limits.yaml")


def strip_comments(text: str) -> str:
    """Remove `<!-- ... -->` comments; an unclosed `<!--` stays (as `re.sub(r"<!--.*?-->", "", text, flags=re.S)`)."""
    start = text.find("<!--")
    if start < 0:
        return text
    out, pos = [], 0
    while start >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break  # no `-->` after this `<!--`, so none after any later one either
        out.append(text[pos:start])
        pos = end + 3
        start = text.find("<!--", pos)
    out.append(text[pos:])
    return "".join(out)


def replace_links(text: str) -> str:
    """`[text](target)` -> `text`, as `re.sub(r"\\[([^\\]]*)\\]\\([^)]*\\)", r"\\1", text)` but in linear time."""
    out, pos, search = [], 0, 0
    while True:
        start = text.find("[", search)
        if start < 0:
            break
        close = text.find("]", start + 1)
        if close < 0:
            break  # no `]` after this `[`: no link can follow
        if text.startswith("(", close + 1):
            end = text.find(")", close + 2)
            if end < 0:
                break  # no `)` after this `](`: no later link can close either
            # the match starts at the first `[` after the previous link whose `]` is this one
            out.append(text[pos:start])
            out.append(text[start + 1 : close])
            pos = search = end + 1
            continue
        search = close + 1  # every `[` before this `]` fails the same way
    out.append(text[pos:])
    return "".join(out)


def drop_parenthesized(text: str, repl: str = " ") -> str:
    """Replace every `(...)` (up to the first `)`) with repl, as `re.sub(r"\\([^)]*\\)", repl, text)`, linearly."""
    out, pos = [], 0
    while True:
        start = text.find("(", pos)
        if start < 0:
            break
        end = text.find(")", start + 1)
        if end < 0:
            break
        out.append(text[pos:start])
        out.append(repl)
        pos = end + 1
    out.append(text[pos:])
    return "".join(out)
