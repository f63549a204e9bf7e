"""Static Terraform analysis with python-hcl2: no providers, no subprocess, fast.

python-hcl2 gives the structure (declared variables, locals, modules, tfvars keys) but
no source positions, so positions come from scanning the text. `mask_hcl` blanks
comments and literal string characters (keeping `${...}` interpolations and newlines),
so a regex over the masked text only ever matches real code, at its real offset.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planforge.validate.inputs import Bounds, InputError

TF_SUFFIXES = (".tf", ".tf.json")
TFVARS_SUFFIXES = (".tfvars", ".tfvars.json")
AUTO_TFVARS = ("terraform.tfvars", "terraform.tfvars.json")

_HEREDOC = re.compile(r"<<-?([A-Za-z_][\w-]*)\r?\n")
_REFERENCE = re.compile(r"(?<![\w.\-])(var|local|module)\.([A-Za-z_][\w-]*)")
_BLOCK_HEAD = r"(?m)^[ \t]*{kind}[ \t]+\"{name}\"[ \t]*(?:\"[^\"\n]*\"[ \t]*)?\{{"


# --------------------------------------------------------------------------- text


class _Frame:
    """One lexer state: code (optionally inside an interpolation), string or heredoc."""

    def __init__(self, kind: str, marker: str = "", interpolation: bool = False):
        self.kind = kind
        self.marker = marker
        self.interpolation = interpolation
        self.depth = 0


def mask_hcl(text: str) -> str:
    """`text` with comments and literal string characters replaced by spaces.

    Offsets and newlines are preserved; quotes, heredoc markers and the code inside
    `${...}` / `%{...}` stay, so references inside interpolations are still found.
    """
    out = list(text)
    n = len(text)
    stack = [_Frame("code")]
    i = 0

    def blank(start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        top = stack[-1]
        c = text[i]
        if top.kind == "code":
            if c == "#" or text.startswith("//", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                blank(i, end)
                i = end
            elif text.startswith("/*", i):
                end = text.find("*/", i + 2)
                end = n if end < 0 else end + 2
                blank(i, end)
                i = end
            elif c == '"':
                stack.append(_Frame("string"))
                i += 1
            elif c == "<" and (m := _HEREDOC.match(text, i)):
                stack.append(_Frame("heredoc", marker=m.group(1)))
                i = m.end()
            else:
                if c == "{":
                    top.depth += 1
                elif c == "}":
                    if top.interpolation and top.depth == 0:
                        stack.pop()
                        i += 1
                        continue
                    top.depth -= 1
                i += 1
            continue
        # string or heredoc body
        if top.kind == "heredoc" and (i == 0 or text[i - 1] == "\n"):
            end = text.find("\n", i)
            end = n if end < 0 else end
            if text[i:end].strip() == top.marker:
                stack.pop()
                i = end
                continue
        if top.kind == "string" and c == "\\":
            blank(i, i + 2)
            i += 2
        elif top.kind == "string" and c in '"\n':
            stack.pop()  # a newline ends an unterminated string: HCL strings are one line
            i += 1
        elif text.startswith("$${", i) or text.startswith("%%{", i):
            blank(i, i + 3)
            i += 3
        elif text.startswith("${", i) or text.startswith("%{", i):
            stack.append(_Frame("code", interpolation=True))
            i += 2
        else:
            blank(i, i + 1)
            i += 1
    return "".join(out)


class SourceText:
    """A file's text, its masked twin and offset -> (line, column) conversion."""

    def __init__(self, text: str):
        self.text = text
        self.masked = mask_hcl(text)
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of `offset`."""
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def block_span(self, kind: str, name: str) -> tuple[int, int] | None:
        """Offsets of the `{...}` body of block `kind "name" {` (first one), or None."""
        pattern = re.compile(_BLOCK_HEAD.format(kind=re.escape(kind), name=re.escape(name)))
        for m in pattern.finditer(self.text):
            if self.masked[m.end() - 1] != "{":
                continue  # inside a comment or a string
            return m.end() - 1, self.matching_brace(m.end() - 1)
        return None

    def matching_brace(self, open_offset: int) -> int:
        depth = 0
        for k in range(open_offset, len(self.masked)):
            ch = self.masked[k]
            if ch in "{[(":
                depth += 1
            elif ch in "}])":
                depth -= 1
                if depth == 0:
                    return k
        return len(self.masked)

    def block_line(self, kind: str, name: str) -> int:
        span = self.block_span(kind, name)
        return self.position(span[0])[0] if span else 1

    def attribute_line(self, key: str, start: int = 0, end: int | None = None, top_level: bool = False) -> int | None:
        """Line of `key =` between `start` and `end` (at brace depth 0 if `top_level`)."""
        pattern = re.compile(rf"(?m)^[ \t]*\"?{re.escape(key)}\"?[ \t]*[=:]")
        end = len(self.text) if end is None else end
        for m in pattern.finditer(self.text, start, end):
            if top_level and self._depth(m.start()) != 0:
                continue
            if "=" in self.masked[m.start(): m.end()] or ":" in self.masked[m.start(): m.end()]:
                return self.position(m.start())[0]
        return None

    def _depth(self, offset: int) -> int:
        segment = self.masked[:offset]
        return sum(segment.count(c) for c in "{[(") - sum(segment.count(c) for c in "}])")


# --------------------------------------------------------------------------- parsing


@dataclass
class SyntaxProblem:
    file: Path
    line: int
    column: int | None
    message: str


def _meta_free(value: Any) -> Any:
    """Drop python-hcl2's `__is_block__` / `__comments__` markers."""
    if isinstance(value, dict):
        return {k: _meta_free(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("__"))}
    if isinstance(value, list):
        return [_meta_free(v) for v in value]
    return value


def parse_file(path: Path, text: str) -> tuple[dict[str, Any] | None, SyntaxProblem | None]:
    """Parse an HCL or JSON Terraform file; return its body or the syntax problem."""
    if path.name.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            return None, SyntaxProblem(path, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")
        if not isinstance(data, dict):
            return None, SyntaxProblem(path, 1, 1, "a Terraform JSON file must hold an object")
        return data, None
    import hcl2
    from hcl2.utils import SerializationOptions

    try:
        data = hcl2.loads(text, serialization_options=SerializationOptions(with_comments=False, strip_string_quotes=True))
    except Exception as exc:  # lark raises several types; all carry line/column when known
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        if not isinstance(line, int) or line < 1:
            line, column = text.count("\n") + 1, None
        return None, SyntaxProblem(path, line, column if isinstance(column, int) and column > 0 else None, _syntax_message(exc))
    return _meta_free(data), None


def _syntax_message(exc: Exception) -> str:
    """A one-line message from a lark exception (the token or character it stopped at)."""
    token = getattr(exc, "token", None)
    if token is not None:
        text = str(token).strip() or "end of line"
        return f"syntax error: unexpected {text[:30]!r}" if text != "end of line" else "syntax error: unexpected end of line"
    char = getattr(exc, "char", None)
    if char is not None:
        return f"syntax error: unexpected character {char!r}"
    first = str(exc).strip().splitlines()
    return f"syntax error: {first[0]}" if first else f"syntax error ({type(exc).__name__})"


# --------------------------------------------------------------------------- directory model


@dataclass
class Declared:
    file: Path
    line: int


@dataclass
class Variable(Declared):
    required: bool


@dataclass
class ModuleCall(Declared):
    source: str
    source_line: int

    @property
    def is_local(self) -> bool:
        return self.source.startswith(("./", "../")) or self.source in (".", "..")


@dataclass
class Reference:
    kind: str  # var | local | module
    name: str
    file: Path
    line: int
    column: int


@dataclass
class ConfigDir:
    """Everything the static checks need about one directory of .tf files."""

    path: Path
    files: list[Path] = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)
    locals: dict[str, Declared] = field(default_factory=dict)
    modules: dict[str, ModuleCall] = field(default_factory=dict)
    references: list[Reference] = field(default_factory=list)
    syntax: list[SyntaxProblem] = field(default_factory=list)
    refused: list[tuple[Path, InputError]] = field(default_factory=list)  # files not read (input bounds)
    has_backend: bool = False
    has_provider: bool = False

    def local_module_dirs(self) -> dict[str, Path]:
        """Module name -> resolved directory of every local `source`."""
        return {name: (self.path / call.source).resolve() for name, call in self.modules.items() if call.is_local}


def _blocks(body: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    """(label, body) pairs of `kind "label" {}` blocks, for HCL (list of dicts) and JSON (dict) shapes."""
    raw = body.get(kind)
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    pairs = []
    for item in items:
        if isinstance(item, dict):
            for label, inner in item.items():
                pairs.append((label, inner if isinstance(inner, dict) else {}))
    return pairs


def _locals(body: dict[str, Any]) -> list[str]:
    raw = body.get("locals")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    return [k for item in items if isinstance(item, dict) for k in item]


def _has_backend(body: dict[str, Any]) -> bool:
    raw = body.get("terraform")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    return any(isinstance(t, dict) and ("backend" in t or "cloud" in t) for t in items)


def _excluded_spans(src: SourceText) -> list[tuple[int, int]]:
    """`moved` / `removed` blocks name addresses that may no longer exist: not references."""
    spans = []
    for m in re.finditer(r"(?m)^[ \t]*(moved|removed)[ \t]*\{", src.masked):
        spans.append((m.start(), src.matching_brace(m.end() - 1)))
    return spans


def scan_config_dir(path: Path, bounds: Bounds | None = None) -> ConfigDir:
    """Read every .tf / .tf.json file of `path` (not subdirectories) within `bounds` (default: `path`).

    Files the bounds refuse (a symlink leading outside, a FIFO, a file too large) are listed in
    `refused`, unread.
    """
    bounds = bounds or Bounds.of([path])
    config = ConfigDir(path=path)
    config.files = sorted(p for p in path.iterdir() if p.name.endswith(TF_SUFFIXES) and not p.is_dir())
    for file in list(config.files):
        try:
            text = bounds.read_text(file, file.name, errors="replace")
        except InputError as exc:
            config.refused.append((file, exc))
            config.files.remove(file)
            continue
        except OSError as exc:  # a dangling symlink, no permission
            config.syntax.append(SyntaxProblem(file, 1, None, f"cannot read the file: {exc.strerror or exc}"))
            continue
        body, problem = parse_file(file, text)
        if problem:
            config.syntax.append(problem)
            continue
        assert body is not None
        is_json = file.name.endswith(".json")
        src = SourceText(text)
        for name, inner in _blocks(body, "variable"):
            line = _json_key_line(text, name) if is_json else src.block_line("variable", name)
            config.variables[name] = Variable(file, line, required="default" not in inner)
        for name in _locals(body):
            line = (_json_key_line(text, name) if is_json else src.attribute_line(name)) or 1
            config.locals[name] = Declared(file, line)
        for name, inner in _blocks(body, "module"):
            source = inner.get("source")
            if not isinstance(source, str):
                continue
            if is_json:
                line = source_line = _json_key_line(text, name)
            else:
                span = src.block_span("module", name)
                line = src.position(span[0])[0] if span else 1
                source_line = (src.attribute_line("source", *span) if span else None) or line
            config.modules[name] = ModuleCall(file, line, source=source, source_line=source_line)
        config.has_backend |= _has_backend(body)
        config.has_provider |= bool(body.get("provider"))
        if not is_json:
            excluded = _excluded_spans(src)
            for m in _REFERENCE.finditer(src.masked):
                if any(a <= m.start() <= b for a, b in excluded):
                    continue
                line, column = src.position(m.start())
                config.references.append(Reference(m.group(1), m.group(2), file, line, column))
    return config


def _json_key_line(text: str, key: str) -> int:
    m = re.search(rf"\"{re.escape(key)}\"\s*:", text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def tftest_module_sources(directory: Path, bounds: Bounds | None = None) -> list[Path]:
    """Local module directories used by `run { module { source = ... } }` in .tftest.hcl files
    (test files the bounds refuse are not read)."""
    bounds = bounds or Bounds.of([directory])
    found = []
    for test in sorted([*directory.glob("*.tftest.hcl"), *directory.glob("tests/*.tftest.hcl")]):
        try:
            text = bounds.read_text(test, errors="replace")
        except (OSError, InputError):
            continue
        for m in re.finditer(r"source\s*=\s*\"(\.\.?/[^\"]*)\"", text):
            found.append((directory / m.group(1)).resolve())
    return found


# --------------------------------------------------------------------------- tfvars


@dataclass
class TfvarsKey:
    name: str
    file: Path
    line: int


def read_tfvars(path: Path, bounds: Bounds | None = None) -> tuple[list[TfvarsKey], SyntaxProblem | None]:
    """The top-level keys of a .tfvars / .tfvars.json file with their lines (InputError when `bounds`
    refuse the file)."""
    try:
        text = (bounds or Bounds.of([path.parent])).read_text(path, path.name, errors="replace")
    except OSError as exc:
        return [], SyntaxProblem(path, 1, None, f"cannot read the file: {exc.strerror or exc}")
    body, problem = parse_file(path, text)
    if problem:
        return [], problem
    assert body is not None
    if path.name.endswith(".json"):
        return [TfvarsKey(k, path, _json_key_line(text, k)) for k in body], None
    src = SourceText(text)
    return [TfvarsKey(k, path, src.attribute_line(k, top_level=True) or 1) for k in body], None


def is_auto_tfvars(path: Path) -> bool:
    """Files Terraform loads without `-var-file`."""
    return path.name in AUTO_TFVARS or path.name.endswith((".auto.tfvars", ".auto.tfvars.json"))


def tfvars_files(directory: Path) -> list[Path]:
    """tfvars in `directory` and in its subdirectories that hold no .tf files (e.g. envs/, environments/)."""
    found = [p for p in directory.iterdir() if not p.is_dir() and p.name.endswith(TFVARS_SUFFIXES)]
    for sub in sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if any(f.name.endswith(TF_SUFFIXES) for f in sub.iterdir() if f.is_file()):
            continue
        found += [p for p in sub.iterdir() if not p.is_dir() and p.name.endswith(TFVARS_SUFFIXES)]
    return sorted(found)
