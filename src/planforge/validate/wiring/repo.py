"""What the wiring checks read from a repository: its Kubernetes objects (with the namespace each lands in),
its Terraform blocks (read statically with python-hcl2, positions from the text) and its Markdown docs."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterator

from planforge.validate.base import Context, Finding, Severity
from planforge.validate.flux.clusters import applied_files
from planforge.validate.inputs import Bounds, InputError, walk
from planforge.validate.manifests import (
    ManifestError,
    iter_manifest_files,
    join_path,
    line_of_path,
    load_documents,
    load_kustomization,
)
from planforge.validate.manifests.discovery import KUSTOMIZATION_NAMES
from planforge.validate.manifests.objects import ManifestObject
from planforge.validate.terraform.configs import SKIP_DIRS
from planforge.validate.terraform.hclconfig import parse_file
from planforge.validate.terraform.hcltext import SourceText
from planforge.validate.wiring.rules import NAME

FieldPath = list[str | int]
_BLOCK = re.compile(r'(?m)^[ \t]*(resource|data|module|terraform)((?:[ \t]+"[^"\n]*")*)[ \t]*\{')
_VARIABLE = re.compile(r'(?ms)^variable\s+"([^"]+)"\s*\{(.*?)^\}')
_DEFAULT = re.compile(r'(?m)^\s*default\s*=\s*"([^"]*)"')


@dataclass(eq=False)
class K8sObject(ManifestObject):
    """One Kubernetes object of a manifest file, with the namespaces it is applied in."""

    namespaces: set[str] = field(default_factory=set)  # metadata.namespace, else from kustomizations / Applications

    @property
    def group(self) -> str:
        api = str(self.obj.get("apiVersion", ""))
        return api.partition("/")[0] if "/" in api else ""

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    def sources(self, spec: tuple[str, ...] = ("spec",)) -> list[tuple[FieldPath, dict[str, Any]]]:
        """(path, source) of the mappings among an Argo CD Application's `source` and `sources` (below `spec`)."""
        base: FieldPath = list(spec)
        listed = self.field([*base, "sources"])
        found = [([*base, "source"], self.field([*base, "source"]))]
        found += [([*base, "sources", i], s) for i, s in enumerate(listed)] if isinstance(listed, list) else []
        return [(path, source) for path, source in found if isinstance(source, dict)]

    def annotations(self) -> dict[str, Any]:
        value = self.meta("annotations")
        return value if isinstance(value, dict) else {}

    def field(self, path: FieldPath) -> Any:
        value: Any = self.obj
        for part in path:
            if isinstance(part, int):
                value = value[part] if isinstance(value, list) and part < len(value) else None
            else:
                value = value.get(part) if isinstance(value, dict) else None
        return value

    def finding(self, rule: str, message: str, path: FieldPath, hint: str,
                severity: Severity = Severity.ERROR) -> Finding:
        line = line_of_path(self.doc, join_path(path)) if path else self.doc.line
        return Finding(NAME, rule, severity, f"{self.label}: {message}", self.display, line or self.doc.line,
                       hint=hint, doc_index=self.doc.doc_index, json_path=join_path(path) or None)


@dataclass(eq=False)
class TfBlock:
    """One top-level Terraform block: `resource "type" "name"`, `data`, `module "name"` or `terraform`."""

    kind: str
    labels: tuple[str, ...]
    body: dict[str, Any]
    path: Path
    display: str
    line: int
    text: str  # the block's source text ("" for .tf.json)

    @property
    def type(self) -> str:
        return self.labels[0] if self.labels else ""

    @property
    def name(self) -> str:
        return self.labels[-1] if self.labels else ""

    @property
    def address(self) -> str:
        return ".".join(([self.kind] if self.kind in ("module", "data", "terraform") else []) + list(self.labels))

    def line_of(self, needle: str) -> int:
        """Line of the first line of the block containing `needle` (the block's line when absent)."""
        for offset, text in enumerate(self.text.splitlines()):
            if needle in text:
                return self.line + offset
        return self.line

    def finding(self, rule: str, message: str, hint: str, needle: str = "") -> Finding:
        return Finding(NAME, rule, Severity.ERROR, f"{self.address}: {message}", self.display,
                       self.line_of(needle) if needle else self.line, hint=hint)


@dataclass
class Repository:
    root: Path
    objects: list[K8sObject] = field(default_factory=list)
    blocks: list[TfBlock] = field(default_factory=list)
    tf_dirs: dict[Path, list[TfBlock]] = field(default_factory=dict)
    tf_texts: dict[Path, str] = field(default_factory=dict)  # resolved .tf path -> its text
    tf_displays: dict[Path, str] = field(default_factory=dict)  # resolved .tf path -> as findings name it
    docs: list[tuple[str, str]] = field(default_factory=list)  # (display, text) of README / docs Markdown
    generated_secrets: set[str] = field(default_factory=set)  # kustomize secretGenerator names
    files: list[Path] = field(default_factory=list)  # every file inside the bounds (hidden and skipped dirs aside)
    bounds: Bounds | None = None  # what may be read (default: root)
    strict: bool = False  # --strict: findings that are warnings otherwise are errors
    today: date = field(default_factory=date.today)  # the date support calendars are compared with

    def __post_init__(self) -> None:
        if self.bounds is None:
            self.bounds = Bounds.of([self.root])

    def dir_text(self, directory: Path | None) -> str:
        """The text of a Terraform directory's files (locals included: `port = local.is_postgres ? 5432 : 3306`)."""
        return "\n".join(text for path, text in sorted(self.tf_texts.items()) if path.parent == directory)

    def of_kind(self, *kinds: str) -> list[K8sObject]:
        return [o for o in self.objects if o.kind in kinds]

    def tf(self, kind: str, *types: str) -> list[TfBlock]:
        return [b for b in self.blocks if b.kind == kind and (not types or b.type in types)]

    def variable_defaults(self) -> Iterator[tuple[Path, str, str, int]]:
        """(resolved .tf path, variable name, default, line of the default) of every string variable default."""
        for path, text in self.tf_texts.items():
            for var in _VARIABLE.finditer(text):
                default = _DEFAULT.search(var.group(2))
                if default:
                    yield path, var.group(1), default.group(1), text.count("\n", 0, var.start(2) + default.start(1)) + 1

    def read(self, path: Path) -> str | None:
        """A file's text within the bounds (None when it cannot be read)."""
        try:
            return (self.bounds or Bounds.of([self.root])).read_text(path, errors="replace")
        except (InputError, OSError):
            return None

    def tfvars(self) -> list[Path]:
        """The roots' own .tfvars, and a workspaces root's envs/<env>.tfvars."""
        root = self.root.resolve()
        return sorted({p for d in self.tf_dirs for p in [*d.glob("*.tfvars"), *d.glob("*/*.tfvars")]
                       if p.is_relative_to(root)})


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _tf_blocks(path: Path, display: str, text: str) -> list[TfBlock]:
    body, problem = parse_file(path, text)
    if problem or body is None:
        return []  # syntax errors are the terraform validator's findings
    if path.name.endswith(".json"):
        return [TfBlock(kind, (t, n), inner if isinstance(inner, dict) else {}, path, display, 1, "")
                for kind in ("resource", "data") for item in _items(body.get(kind))
                for t, named in item.items() if isinstance(named, dict) for n, inner in named.items()]
    src = SourceText(text)
    bodies = _bodies(body)
    blocks = []
    for m in _BLOCK.finditer(text):
        if src.masked[m.end() - 1] != "{":
            continue
        labels = tuple(re.findall(r'"([^"\n]*)"', m.group(2)))
        end = src.matching_brace(m.end() - 1)
        queue = bodies.get((m.group(1), labels), [])
        blocks.append(TfBlock(m.group(1), labels, queue.pop(0) if queue else {}, path, display,
                              src.position(m.start())[0], text[m.start(): end + 1]))
    return blocks


def _items(raw: Any) -> list[dict[str, Any]]:
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    return [i for i in items if isinstance(i, dict)]


def _bodies(body: dict[str, Any]) -> dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]]:
    """python-hcl2's block bodies by (kind, labels), in file order."""
    found: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
    for kind in ("resource", "data"):
        for item in _items(body.get(kind)):
            for type_, named in item.items():
                for name, inner in (named.items() if isinstance(named, dict) else []):
                    found.setdefault((kind, (type_, name)), []).append(inner if isinstance(inner, dict) else {})
    for item in _items(body.get("module")):
        for name, inner in item.items():
            found.setdefault(("module", (name,)), []).append(inner if isinstance(inner, dict) else {})
    for item in _items(body.get("terraform")):
        found.setdefault(("terraform", ()), []).append(item)
    return found


def _namespaces_from_kustomizations(ctx: Context, files: set[Path], secrets: set[str]) -> dict[Path, set[str]]:
    """file -> namespaces a kustomization with `namespace:` sets on the objects it applies (and the names of
    its secretGenerator Secrets, added to `secrets`)."""
    result: dict[Path, set[str]] = {}
    for file in sorted(files):
        if file.name not in KUSTOMIZATION_NAMES:
            continue
        try:
            data = load_kustomization(file, ctx.bounds)
        except (ManifestError, InputError, OSError):
            continue
        for generator in (data.get("secretGenerator") or []) if isinstance(data, dict) else []:
            if isinstance(generator, dict) and isinstance(generator.get("name"), str):
                secrets.add(generator["name"])
        namespace = data.get("namespace") if isinstance(data, dict) else None
        if isinstance(namespace, str) and namespace:
            for applied in applied_files(file.parent, ctx.bounds):
                result.setdefault(applied, set()).add(namespace)
    return result


def load_repository(ctx: Context, today: date | None = None) -> Repository:
    """Read every manifest, Terraform file and Markdown doc of the validated root (`today`: the date support
    calendars are compared with, the real one by default)."""
    repo = Repository(ctx.root, bounds=ctx.bounds, strict=ctx.settings.strict, today=today or date.today())
    all_files = [p for p in _walk(ctx.root) if ctx.bounds.inside(p)]
    repo.files = all_files
    for path in iter_manifest_files(ctx.root, ctx.settings):
        path = Path(path)
        try:
            docs = load_documents(path, display=ctx.display(path), bounds=ctx.bounds)
        except (ManifestError, InputError):
            continue  # unparsable manifests are the schemas validator's findings
        repo.objects.extend(K8sObject(d, path.resolve(), ctx.display(path)) for d in docs if isinstance(d.obj, dict))
    by_kustomization = _namespaces_from_kustomizations(ctx, {p.resolve() for p in all_files}, repo.generated_secrets)
    for obj in repo.objects:
        namespace = obj.meta("namespace")
        obj.namespaces = {namespace} if isinstance(namespace, str) and namespace else \
            set(by_kustomization.get(obj.path, set()))
    for path in all_files:
        if path.name.endswith((".tf", ".tf.json")):
            try:
                text = ctx.bounds.read_text(path, errors="replace")
            except (InputError, OSError):
                continue
            blocks = _tf_blocks(path.resolve(), ctx.display(path), text)
            repo.tf_texts[path.resolve()] = text
            repo.tf_displays[path.resolve()] = ctx.display(path)
            repo.blocks.extend(blocks)
            repo.tf_dirs.setdefault(path.parent.resolve(), []).extend(blocks)
        elif path.suffix.lower() == ".md" and (path.name.lower().startswith("readme") or "docs" in
                                               path.relative_to(ctx.root).parts):
            try:
                repo.docs.append((ctx.display(path), ctx.bounds.read_text(path, errors="replace")))
            except (InputError, OSError):
                continue
    return repo


def walk_values(value: Any, path: FieldPath | None = None) -> Iterator[tuple[FieldPath, Any, Any]]:
    """Every (path, key, value) of mappings nested in `value` (lists included)."""
    path = path or []
    if isinstance(value, dict):
        for key, inner in value.items():
            yield path + [key], key, inner
            yield from walk_values(inner, path + [key])
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from walk_values(inner, path + [index])
