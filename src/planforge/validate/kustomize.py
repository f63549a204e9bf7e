"""Kustomize validator: build every kustomization root and validate what it produces.

A kustomization root is a directory with `kustomization.yaml`, `kustomization.yml` or
`Kustomization` whose kind is not `Component` (components only build inside an overlay).
Each root is built with a `kustomize` binary when one is on PATH, else `kubectl kustomize`.
A build failure is a `kustomize/build` finding on the kustomization file, at the line of the
entry the error names when it can be found. The documents a build produces are loaded like
plain manifests (`manifests.load_text`) and go to `Context.validate_documents` (schemas and policy).

Roots that need the network are reported as skipped, never as passed: `helmCharts`
(`--enable-helm` downloads charts) and remote resources (`https://`, `file://`, `git::`, `github.com/...`).
"""
from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path
from typing import Any

import yaml

from planforge.errors import UsageError
from planforge.validate.base import Check, Context, Document, Finding, Severity, Status, Target
from planforge.validate.inputs import TOO_COMPLEX, TOO_LARGE, InputError, default_hint, outside_finding, walk
from planforge.validate.manifests import (
    KUSTOMIZE_DIRECTORY_FIELDS,
    ManifestError,
    TooComplex,
    check_yaml,
    inline_patches,
    kustomization_references,
    load_kustomization,
    load_text,
    remote_references,
    safe_load,
)
from planforge.validate.toolenv import which
from planforge.validate.tools import (
    ToolOutputTooLarge,
    ToolTimeout,
    kustomize_ceiling_mib,
    out_of_memory,
    output_limit,
    run_tool,
)

NAME = "kustomize"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "__pycache__"}
_RESOURCE_FIELDS = ("resources", "bases", "components")
# Fields whose files kustomize reads as data, not as YAML it parses.
_RAW_FIELDS = ("configMapGenerator", "secretGenerator", "helmGlobals")
RULES = {
    "kustomize/build": "the kustomization does not build (missing resource, bad patch, invalid field)",
    "kustomize/timeout": "the build did not finish within the timeout",
    "kustomize/memory": "the build reached its memory ceiling (an input that expands in memory) and was stopped",
    "kustomize/deprecated": "the kustomization uses a deprecated field (`kustomize edit fix` updates it)",
}


def find_kustomization(directory: Path) -> Path | None:
    """The kustomization file of a directory, in kustomize's order of preference."""
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    return None


def build_command(directory: Path) -> list[str]:
    """`kustomize build DIR` when a kustomize binary is on PATH, else `kubectl kustomize DIR`.

    With `--load-restrictor LoadRestrictionsRootOnly` (kustomize's default, spelled out so no
    configuration can relax it): files a kustomization names must be inside its directory.
    """
    restrict = ["--load-restrictor", "LoadRestrictionsRootOnly"]
    if kustomize := which("kustomize"):
        return [kustomize, "build", *restrict, str(directory)]
    if kubectl := which("kubectl"):
        return [kubectl, "kustomize", *restrict, str(directory)]
    raise UsageError("neither kustomize nor kubectl is on PATH: install kubectl "
                     "(https://kubernetes.io/docs/tasks/tools/) or leave kustomize out of --only.")


def network_reason(kustomization: dict[str, Any], directory: Path | None = None,
                   seen: set[Path] | None = None, ctx: Context | None = None) -> str | None:
    """Why building this kustomization would need the network, or None.

    With `directory`, local bases and components it refers to are looked at too: a build
    fails as soon as any of them inflates a Helm chart or pulls a remote resource.
    """
    if charts := _entries(kustomization, "helmCharts"):
        names = ", ".join(str(c.get("name")) for c in charts if isinstance(c, dict))
        return (f"uses helmCharts ({names}): building it needs --enable-helm, which downloads charts "
                "from the network")
    entries = [r for f in _RESOURCE_FIELDS for r in _entries(kustomization, f) if isinstance(r, str)]
    remote = list(dict.fromkeys(remote_references(kustomization)))
    if remote:
        return f"references remote resources ({', '.join(remote)}): building it needs the network"
    if directory is None:
        return None
    seen = seen if seen is not None else {directory.resolve()}
    for entry in entries:
        child = (directory / entry).resolve()
        if child in seen or not child.is_dir():
            continue
        seen.add(child)
        child_file = find_kustomization(child)
        reason = network_reason(_load(child_file, ctx), child, seen, ctx) if child_file else None
        if reason:
            return reason if "(via " in reason else f"{reason} (via {entry})"
    return None


def entry_line(text: str, error: str) -> int | None:
    """Line of the kustomization entry a kustomize error names (`from 'missing.yaml'`, `path(patch.yaml)`)."""
    named = re.findall(r"'([^'\s]+)'", error) + re.findall(r"\bpath\(([^)\s]+)\)", error)
    for number, line in enumerate(text.splitlines(), start=1):
        entry = re.sub(r"^\s*(-\s*)?(path:\s*)?", "", line).strip().strip("'\"")
        if not entry or entry.endswith(":"):
            continue
        for name in named:
            if name == entry or name.endswith("/" + entry.lstrip("./")) and "/" + entry.lstrip("./") != "/":
                return number
    return None


def _clean_error(stderr: str) -> str:
    """kubectl wraps errors as `E1122 ... run.go:72] "command failed" err="..."` (or `err=<...>` over
    several lines); keep the error text."""
    text = stderr.strip()
    match = re.search(r'err="(.*)"\s*$', text, flags=re.S) or re.search(r"err=<\s*(.*?)\s*>\s*$", text, flags=re.S)
    if match:
        text = match[1].replace('\\"', '"')
    return re.sub(r"^Error: ", "", text).strip()


def deprecations(stderr: str, text: str, file: str) -> list[Finding]:
    """Warnings for the deprecated fields kustomize names (`# Warning: 'commonLabels' is deprecated. ...`)
    that this kustomization itself uses (those of its bases are reported on the bases)."""
    findings = []
    for field_name, advice in re.findall(r"Warning: '(\w+)' is deprecated\.\s*([^\n]*)", stderr):
        match = re.search(rf"(?m)^{field_name}\s*:", text)
        if match:
            findings.append(Finding(NAME, "kustomize/deprecated", Severity.WARNING, f"'{field_name}' is deprecated",
                                    file, text.count("\n", 0, match.start()) + 1,
                                    hint=advice.strip() or "run `kustomize edit fix`"))
    return findings


def summarize(error: str, root: Path) -> str:
    """The gist of a kustomize error, with paths relative to the validated root."""
    missing = re.search(r"accumulating resources from '([^']+)'.*no such file or directory", error, flags=re.S)
    if missing:
        return f"resource {missing[1]!r} does not exist"
    patch = re.search(r"failed to get the patch file from path\(([^)]+)\).*no such file or directory", error, flags=re.S)
    if patch:
        return f"patch file {patch[1]!r} does not exist"
    return error.replace(str(root.resolve()) + "/", "").replace(str(root) + "/", "")


def input_findings(directory: Path, ctx: Context, seen: set[str] | None = None) -> list[Finding]:
    """What the build must not read: the kustomization file, or a path it names (recursively through
    local bases and components), resolving outside the validated paths, or not a regular file, or too large.

    Each finding points at the kustomization line that names the path. Nothing outside is opened.
    """
    seen = seen if seen is not None else set()
    key = os.path.realpath(directory)
    if key in seen:
        return []
    seen.add(key)
    kustomization = find_kustomization(directory)
    if kustomization is None:
        return []
    file = ctx.display_as_written(kustomization)
    try:
        text = ctx.bounds.read_text(kustomization, file, errors="replace")
    except InputError as exc:
        return [exc.finding(file)]
    except OSError:
        return []  # the build reports it
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        if isinstance(exc, TooComplex):
            return [too_complex(file, exc)]
        return []  # the build reports the syntax error
    data = data if isinstance(data, dict) else {}
    findings = [too_complex(file, exc, "an inline patch") for exc in map(_complexity, inline_patches(data)) if exc]
    for field_name, ref in kustomization_references(data):
        path = directory / ref
        line = reference_line(text, ref)
        if not ctx.bounds.inside(path):
            findings.append(outside_finding(file, line, f"{field_name} entry {ref!r}"))
            continue
        try:
            info = ctx.bounds.check(path, f"{field_name} entry {ref!r}")
        except InputError as exc:
            findings.append(exc.finding(file, line))
            continue
        if info is not None and stat.S_ISDIR(info.st_mode) and field_name in KUSTOMIZE_DIRECTORY_FIELDS:
            findings.extend(input_findings(path, ctx, seen))
        elif info is not None and stat.S_ISREG(info.st_mode) and field_name not in _RAW_FIELDS:
            findings.extend(_file_complexity(path, ctx))
    return findings


def too_complex(file: str, exc: TooComplex, what: str | None = None) -> Finding:
    """`input/too-complex` on a file kustomize would read (the build does not run)."""
    where = f" ({what})" if what else ""
    return InputError(TOO_COMPLEX, f"{file}{where}: YAML too complex to load: {exc}; not built", file,
                      exc.line if what is None else None).finding()


def _complexity(text: str) -> TooComplex | None:
    try:
        check_yaml(text)
    except TooComplex as exc:
        return exc
    return None


def _file_complexity(path: Path, ctx: Context) -> list[Finding]:
    """A file the build parses as YAML, checked with planforge's limits: kustomize expands aliases without any."""
    shown = ctx.display_as_written(path)
    try:
        exc = _complexity(ctx.bounds.read_text(path, shown, errors="replace"))
    except InputError as refused:
        return [refused.finding(shown)]
    except OSError:
        return []  # the build reports it
    return [too_complex(shown, exc)] if exc else []


def reference_line(text: str, ref: str) -> int | None:
    """Line of the first entry of a kustomization that names `ref`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if ref in line:
            return number
    return None



class KustomizeValidator:
    """Build each kustomization root; its output goes to schema and policy validation."""

    name = NAME

    def discover(self, ctx: Context) -> list[Target]:
        ignore = [re.compile(p) for p in ctx.settings.ignore_filename_patterns]
        targets = []
        for dirpath, dirnames, _ in walk(ctx.root):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            directory = Path(dirpath)
            kustomization = find_kustomization(directory)
            if kustomization is None or any(
                    p.search(str(kustomization)) or p.search(ctx.display(kustomization)) for p in ignore):
                continue
            if _load(kustomization, ctx).get("kind") == "Component":
                continue  # built only as part of the overlays that use it
            targets.append(Target(NAME, "kustomization", directory, ctx.display(directory),
                                  {"file": ctx.display(kustomization)}))
        return targets

    def run(self, target: Target, ctx: Context) -> list[Check]:
        start = time.monotonic()
        kustomization = find_kustomization(target.path)
        file = target.extra.get("file") or (ctx.display(kustomization) if kustomization else target.display)
        refused = input_findings(target.path, ctx)
        if refused:  # neither planforge nor kustomize reads past the validated paths
            return [Check(NAME, "build", target.display, Status.FAILED, refused, time.monotonic() - start)]
        data = _load(kustomization, ctx) if kustomization else {}
        reason = network_reason(data, target.path, ctx=ctx)
        if reason:
            return [Check(NAME, "build", target.display, Status.SKIPPED, reason=reason)]
        command = build_command(target.path.resolve())  # no tool: a tool error (exit 2), like terraform
        tool = f"{Path(command[0]).name} {command[1]}"

        def failed(rule: str, message: str, line: int | None, detail: str | None) -> list[Check]:
            finding = Finding(NAME, rule, Severity.ERROR, message, file, line, detail=detail,
                              hint="fix the entry the error names (paths are relative to the kustomization)")
            return [Check(NAME, "build", target.display, Status.FAILED, [finding], time.monotonic() - start, tool)]

        ceiling = kustomize_ceiling_mib(ctx.settings)
        try:
            done = run_tool(command, timeout=ctx.settings.timeout, cwd=ctx.workdir if ctx.workdir.is_dir() else None,
                            memory_mib=ceiling, max_output=output_limit(ctx.settings))
        except ToolTimeout:
            return failed("kustomize/timeout", f"build timed out after {ctx.settings.timeout:g}s", None, None)
        except ToolOutputTooLarge as exc:
            return [Check(NAME, "build", target.display, Status.FAILED, [Finding(
                "input", TOO_LARGE, Severity.ERROR, f"kustomize build {exc}: the output was not read", file,
                hint=default_hint(TOO_LARGE))], time.monotonic() - start, tool)]
        if done.returncode != 0 and out_of_memory(done.stderr):
            return failed("kustomize/memory", f"build stopped at its {ceiling} MiB memory ceiling: an input expands "
                                              "too much in memory (aliases, generators or patches)", None, None)
        if done.returncode != 0 and "--enable-helm" in done.stderr:
            return [Check(NAME, "build", target.display, Status.SKIPPED, duration=time.monotonic() - start,
                          tool=tool, reason="inflates a Helm chart: building it needs --enable-helm, which "
                                            "downloads charts from the network")]
        if done.returncode != 0:
            error = _clean_error(done.stderr)
            text = _text(kustomization, ctx)
            return failed("kustomize/build", f"kustomize build failed: {summarize(error, ctx.root)}",
                          entry_line(text, error), done.stderr.strip())
        try:
            docs = rendered_documents(done.stdout, file, f"kustomize build {target.display}")
        except ManifestError as exc:
            return failed("kustomize/build", f"kustomize produced unparsable output: {exc.message}", None, None)
        text = _text(kustomization, ctx)
        checks = [Check(NAME, "build", target.display, Status.PASSED, deprecations(done.stderr, text, file),
                        time.monotonic() - start, tool)]
        if docs:
            checks.extend(ctx.validate_documents(docs, f"kustomize build {target.display}"))
        return checks


def rendered_documents(output: str, file: str, origin: str) -> list[Document]:
    """The objects a build printed, loaded like plain manifests and attributed to the kustomization `file`.

    Their lines are left out: a position in the build output is no position in the kustomization.
    """
    docs = [doc for doc in load_text(output, file, origin=origin) if doc.obj is not None]
    for doc in docs:
        doc.line, doc.source = None, None
    return docs


def _load(path: Path, ctx: Context | None = None) -> dict[str, Any]:
    """The kustomization as a dict ({} when unreadable, refused or unparsable: the build or the input check reports it)."""
    return load_kustomization(path, ctx.bounds if ctx is not None else None)


def _text(kustomization: Path | None, ctx: Context) -> str:
    if kustomization is None:
        return ""
    try:
        return ctx.bounds.read_text(kustomization, errors="replace")
    except (OSError, InputError):
        return ""


def _entries(kustomization: dict[str, Any], field: str) -> list[Any]:
    """A list field of a kustomization; a wrongly typed one is the build's finding, not a crash."""
    value = kustomization.get(field)
    return value if isinstance(value, list) else []
