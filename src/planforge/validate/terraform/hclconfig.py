"""One Terraform configuration directory as python-hcl2 sees it: declarations, references, syntax problems.

No providers, no subprocess: `scan_config_dir` parses every `.tf` / `.tf.json` file of a directory
and records what the static checks need, with lines found in the text (`hcltext.SourceText`).
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planforge.validate.inputs import Bounds, InputError
from planforge.validate.manifests.limits import TooComplex, loads_json
from planforge.validate.terraform import hclcache
from planforge.validate.terraform.hcltext import SourceText

TF_SUFFIXES = (".tf", ".tf.json")

_REFERENCE = re.compile(r"(?<![\w.\-])(var|local|module)\.([A-Za-z_][\w-]*)")


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
    """Parse an HCL or JSON Terraform file; return its body (shared by the callers: read it, do not change it)
    or the syntax problem. Cached by content: identical files parse once, and a later run reads the parse
    back (`hclcache`)."""
    body, problem = _parse_text(path.name.endswith(".json"), text)
    return body, SyntaxProblem(path, *problem) if problem else None


@functools.lru_cache(maxsize=4096)
def _parse_text(is_json: bool, text: str) -> hclcache.Parsed:
    if is_json:
        try:
            data = loads_json(text)
        except json.JSONDecodeError as exc:
            return None, (exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")
        except TooComplex as exc:
            return None, (1, 1, f"{exc} (input/too-complex): not read")
        if not isinstance(data, dict):
            return None, (1, 1, "a Terraform JSON file must hold an object")
        return data, None
    stored = hclcache.load(text)
    if stored is not None:
        return stored
    parsed = _parse_hcl(text)
    hclcache.store(text, parsed)
    return parsed


def _parse_hcl(text: str) -> hclcache.Parsed:
    import hcl2
    from hcl2.utils import SerializationOptions

    try:
        data = hcl2.loads(text, serialization_options=SerializationOptions(with_comments=False, strip_string_quotes=True))
    except Exception as exc:  # lark raises several types; all carry line/column when known
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        if not isinstance(line, int) or line < 1:
            line, column = text.count("\n") + 1, None
        return None, (line, column if isinstance(column, int) and column > 0 else None, _syntax_message(exc))
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


@dataclass
class Declared:
    file: Path
    line: int


@dataclass
class Variable(Declared):
    required: bool
    sensitive: bool = False


@dataclass
class ModuleCall(Declared):
    source: str
    source_line: int

    @property
    def is_local(self) -> bool:
        return self.source.startswith(("./", "../")) or self.source in (".", "..")


@dataclass
class Output(Declared):
    sensitive: bool  # declares `sensitive` (whatever its value)


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
    outputs: dict[str, Output] = field(default_factory=dict)
    required_providers: dict[str, str] = field(default_factory=dict)  # local name -> its requirement, as JSON
    has_import: bool = False  # `import` blocks: allowed in a root module only

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


def _required_providers(body: dict[str, Any]) -> dict[str, str]:
    raw = body.get("terraform")
    found: dict[str, str] = {}
    for terraform in raw if isinstance(raw, list) else [raw]:
        blocks = terraform.get("required_providers") if isinstance(terraform, dict) else None
        for block in blocks if isinstance(blocks, list) else [blocks]:
            if isinstance(block, dict):
                found.update({name: json.dumps(spec, sort_keys=True, default=str) for name, spec in block.items()})
    return found


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
            line = json_key_line(text, name) if is_json else src.block_line("variable", name)
            config.variables[name] = Variable(file, line, required="default" not in inner, sensitive="sensitive" in inner)
        for name in _locals(body):
            line = (json_key_line(text, name) if is_json else src.attribute_line(name)) or 1
            config.locals[name] = Declared(file, line)
        for name, inner in _blocks(body, "module"):
            source = inner.get("source")
            if not isinstance(source, str):
                continue
            if is_json:
                line = source_line = json_key_line(text, name)
            else:
                span = src.block_span("module", name)
                line = src.position(span[0])[0] if span else 1
                source_line = (src.attribute_line("source", *span) if span else None) or line
            config.modules[name] = ModuleCall(file, line, source=source, source_line=source_line)
        for name, inner in _blocks(body, "output"):
            line = json_key_line(text, name) if is_json else src.block_line("output", name)
            config.outputs[name] = Output(file, line, "sensitive" in inner)
        config.required_providers.update(_required_providers(body))
        config.has_import |= bool(body.get("import"))
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


def json_key_line(text: str, key: str) -> int:
    """Line of the first `"key":` of a JSON text (1 when absent)."""
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
