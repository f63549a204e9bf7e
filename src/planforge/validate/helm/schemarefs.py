"""The `$ref`s of a chart's values.schema.json, checked before Helm reads them.

Helm (the CLI and the embedded SDK alike) validates values with a JSON-schema library that resolves
`$ref` itself: against `file:///values.schema.json`, with loaders for `file://`, `http://` and
`https://`. A schema in the repository could so make Helm read, and print, any file of the machine or
fetch a URL. Before a chart is linted or rendered, every `values.schema.json` of it (its subcharts',
packaged ones included) is read here, and every `$ref` (`$dynamicRef`, `$recursiveRef`) and `$schema`
resolved as Helm resolves it, through the `$id`s on the way: a JSON pointer (`#/...`), the JSON-schema
meta-schemas Helm has built in, and `file://` URLs inside the validated paths are allowed (those files
are checked in turn); anything else is an `input/outside-root` finding at the line of the `$ref`.
"""
from __future__ import annotations

import io
import json
import os
import re
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from planforge.validate.base import Context, Finding, Severity, Target
from planforge.validate.helm.charts import in_chart, missing_dependencies
from planforge.validate.inputs import NAME as INPUT
from planforge.validate.inputs import OUTSIDE_ROOT, TOO_COMPLEX, TOO_LARGE, Bounds, InputError, walk

SCHEMA_FILE = "values.schema.json"
HELM_BASE = "file:///values.schema.json"  # what Helm names the schema: relative $refs resolve against it
_REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "example"})  # values, not schemas
_METASCHEMA = re.compile(r"^https?://json-schema\.org/(?:schema|draft-0[467]/schema|draft/20(?:19-09|20-12)/"
                         r"(?:schema|meta/[a-z-]+))#?$")
_KEYWORD_AT = re.compile(r'"\$(?:ref|dynamicRef|recursiveRef|schema)"\s*:\s*')
_MAX_ARCHIVE_DEPTH = 3
HINT = ('define the schema in values.schema.json (under "$defs") and refer to it as "#/$defs/NAME"; trust a '
        "location outside with --allow-outside PATH")


def schema_ref_findings(target: Target, ctx: Context) -> list[Finding]:
    """`$ref`s and `$schema`s of the chart's values schemas (and its subcharts') that Helm would resolve
    outside the validated paths. Findings mean: Helm must not run on the chart."""
    findings: list[Finding] = []
    for directory in _chart_dirs(target.path, ctx.bounds):
        for schema in _walk(directory, SCHEMA_FILE):
            display = _display(target, schema)
            try:
                text = ctx.bounds.read_text(schema, display)
            except InputError as exc:
                findings.append(exc.finding(display))
                continue
            except (OSError, UnicodeDecodeError):
                continue  # Helm reports an unreadable schema
            findings += _SchemaCheck(ctx, display).document(text, HELM_BASE)
        for archive in _walk(directory / "charts", ".tgz"):
            findings += _archive_findings(archive, _display(target, archive), ctx, 0)
    return findings


def _chart_dirs(chart: Path, bounds: Bounds) -> list[Path]:
    """The chart and its `file://` dependencies inside the validated paths (Helm copies them in)."""
    dirs = [chart]
    for repository in missing_dependencies(chart).values():
        dependency = chart / repository.removeprefix("file://")
        if repository.startswith("file://") and dependency.is_dir() and bounds.inside(dependency):
            dirs.append(dependency)
    return dirs


def _walk(directory: Path, suffix: str) -> Iterator[Path]:
    for dirpath, dirnames, filenames in walk(directory):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        yield from (Path(dirpath) / f for f in sorted(filenames) if f.endswith(suffix))


def _display(target: Target, path: Path) -> str:
    return in_chart(target, os.path.relpath(path, target.path))


def _archive_findings(archive: Path | io.BytesIO, display: str, ctx: Context, depth: int) -> list[Finding]:
    """The schemas packaged in a subchart archive (and the archives it packages)."""
    findings: list[Finding] = []
    bounds = ctx.bounds
    budget = 4 * bounds.max_file_size  # uncompressed bytes read from one archive
    try:
        with tarfile.open(fileobj=archive if isinstance(archive, io.BytesIO) else None,
                          name=None if isinstance(archive, io.BytesIO) else str(archive), mode="r|gz") as tar:
            for member in tar:
                budget -= member.size
                if not member.isfile() or not member.name.endswith((SCHEMA_FILE, ".tgz")):
                    if budget >= 0:
                        continue
                where = f"{display} ({member.name})"
                if member.size > bounds.max_file_size or budget < 0:
                    findings.append(InputError(TOO_LARGE, f"{where} is too large to be checked: the chart is not "
                                               "linted nor rendered", display).finding())
                    break
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
                if member.name.endswith(".tgz"):
                    if depth < _MAX_ARCHIVE_DEPTH:
                        findings += _archive_findings(io.BytesIO(data), display, ctx, depth + 1)
                    continue
                checked = _SchemaCheck(ctx, display).document(data.decode("utf-8", "replace"), HELM_BASE)
                findings += [_in_archive(f, member.name) for f in checked]
    except (tarfile.TarError, OSError, EOFError):
        pass  # Helm reports an archive it cannot read
    return findings


def _in_archive(finding: Finding, member: str) -> Finding:
    """A finding of a schema packaged in an archive: at the archive, naming the member."""
    finding.message = f"{member}: {finding.message}"
    finding.line = None
    return finding


class _SchemaCheck:
    """One schema file and the files its `$ref`s lead to."""

    def __init__(self, ctx: Context, display: str):
        self.bounds: Bounds = ctx.bounds
        self.shown: Callable[[Path], str] = ctx.display
        self.display = display  # the file whose $refs are being checked
        self.seen: set[str] = set()
        self.findings: list[Finding] = []

    def document(self, text: str, url: str) -> list[Finding]:
        """Check the schema `text` Helm knows as `url`; the findings of it and of the files it refers to."""
        self.seen.add(url)
        try:
            schema = json.loads(text)
            self._node(schema, (url,), url, _keyword_lines(text))
        except ValueError:
            pass  # Helm cannot load it: it refers to nothing
        except RecursionError:
            self.findings.append(InputError(TOO_COMPLEX, f"{self.display} nests too deeply to be checked: the chart "
                                            "is not linted nor rendered", self.display).finding())
        return self.findings

    def _node(self, node: Any, bases: tuple[str, ...], url: str, lines: dict[str, int]) -> None:
        if isinstance(node, list):
            for item in node:
                self._node(item, bases, url, lines)
            return
        if not isinstance(node, dict):
            return
        for key in ("$id", "id"):
            if isinstance(node.get(key), str):  # every base an $id may set (each draft reads them differently)
                bases = tuple(dict.fromkeys([*bases, *(urljoin(b, node[key]) for b in bases)]))[:16]
        schema = node.get("$schema")
        if isinstance(schema, str) and not _METASCHEMA.match(schema):
            self._refuse("$schema", schema, lines, " is not a JSON-schema meta-schema Helm knows: Helm would load it")
        for keyword in _REF_KEYWORDS:
            if isinstance(node.get(keyword), str):
                self._ref(keyword, node[keyword], bases, url, lines)
        for key, value in node.items():
            if key not in _DATA_KEYWORDS:
                self._node(value, bases, url, lines)

    def _ref(self, keyword: str, ref: str, bases: tuple[str, ...], url: str, lines: dict[str, int]) -> None:
        if ref.startswith("#"):
            return  # a JSON pointer or anchor in the same document
        for base in bases:
            target = urljoin(base, ref).partition("#")[0]
            if target == url or target in self.seen or _METASCHEMA.match(target):
                continue
            parts = urlsplit(target)
            if parts.scheme == "urn":
                continue  # Helm resolves no URN to a file
            path = unquote(parts.path) if parts.scheme == "file" and parts.netloc in ("", "localhost") else None
            if path is None or not self._inside(path):
                where = "" if target == ref else f" resolves to {target} (Helm resolves it against {base}) and"
                self._refuse(keyword, ref, lines, f"{where} reads outside the validated paths")
                return
            self._follow(target, path)

    def _inside(self, path: str) -> bool:
        try:
            return self.bounds.inside(os.path.realpath(path))
        except ValueError:  # a NUL byte
            return False

    def _follow(self, target: str, path: str) -> None:
        """Check a schema file a `$ref` leads to (inside the validated paths)."""
        self.seen.add(target)
        try:
            text = self.bounds.read_text(path, path)
        except InputError as exc:
            self.findings.append(exc.finding(self.display))
            return
        except (OSError, UnicodeDecodeError):
            return  # Helm cannot load it either
        referring, self.display = self.display, self.shown(Path(path))
        self.document(text, target)
        self.display = referring

    def _refuse(self, keyword: str, value: str, lines: dict[str, int], why: str) -> None:
        self.findings.append(Finding(
            INPUT, OUTSIDE_ROOT, Severity.ERROR, f"{keyword} {value!r}{why}: the chart is not linted nor rendered",
            self.display, lines.get(value), hint=HINT))


def _keyword_lines(text: str) -> dict[str, int]:
    """The line of each `$ref` / `$schema` value (its first occurrence)."""
    lines: dict[str, int] = {}
    decoder = json.JSONDecoder()
    for m in _KEYWORD_AT.finditer(text):
        try:
            value, _ = decoder.raw_decode(text, m.end())
        except ValueError:
            continue
        if isinstance(value, str):
            lines.setdefault(value, text.count("\n", 0, m.start()) + 1)
    return lines
