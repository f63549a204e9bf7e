"""Terraform's diagnostics: `terraform init -json` / `terraform validate -json` output turned into findings,
and init failures that only mean a provider or module is not available (the check is then skipped)."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from planforge.validate.base import Context, Finding, Severity
from planforge.validate.inputs import Bounds
from planforge.validate.terraform.cli import first_error
from planforge.validate.terraform.mirrors import describe, held_versions
from planforge.validate.terraform.rules import NAME

_PROVIDER_ADDR = re.compile(r"provider ((?:[\w.-]+/)?[\w.-]+/[\w.-]+)")
_PROVIDER_FAILURES = (
    "Failed to query available provider packages",
    "Failed to install provider",
    "Failed to resolve provider packages",
    "Incompatible provider version",
)
_READS_FILE = re.compile(r"\b(?:file\w*|templatefile)\s*\(")
_QUOTED = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_NO_MATCH = re.compile(r"no available releases match the given constraints ([^\n]+)")
_MODULE_FAILURES = ("Failed to download module", "Error accessing remote module registry", "Module not found")


def init_diagnostics(stdout: str) -> list[dict]:
    """Error diagnostics from `terraform init -json` (one JSON object per line)."""
    found = []
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        diag = event.get("diagnostic") if isinstance(event, dict) else None
        if isinstance(diag, dict) and diag.get("severity") == "error":
            found.append(diag)
    located = [d for d in found if d.get("range")]
    # "Terraform encountered problems during initialisation..." only introduces the located ones
    return located or found


def unavailable_reason(errors: list[dict], mirrors: list[Path]) -> str | None:
    """Why init could not install providers or modules (-> skipped), or None for a real error."""
    providers: dict[str, str | None] = {}  # address -> the version constraints no available release meets
    modules: list[str] = []
    for diag in errors:
        summary, detail = diag.get("summary", ""), diag.get("detail", "")
        if summary in _PROVIDER_FAILURES:
            constraint = _NO_MATCH.search(detail)
            for addr in _PROVIDER_ADDR.findall(detail) or ["(unknown)"]:
                full = addr if addr.count("/") == 2 else f"registry.terraform.io/{addr}"
                providers.setdefault(full, constraint.group(1).strip().rstrip(".") if constraint else None)
        elif summary in _MODULE_FAILURES:
            modules.append(detail.splitlines()[0] if detail else summary)
    if not providers and not modules:
        return None
    parts = [_provider_reason(p, c, mirrors) for p, c in providers.items()] + [f"module not available: {m}" for m in modules]
    return "; ".join(parts)


def _provider_reason(provider: str, constraint: str | None, mirrors: list[Path]) -> str:
    """"provider X not available (...)", naming the constraint and the mirrors' versions when no release met it."""
    where = describe(mirrors) if mirrors else "registry access"
    if constraint is None:
        return f"provider {provider} not available ({where})"
    unmet = f"provider {provider}: no release satisfies the version constraints {constraint}"
    if not mirrors:
        return f"{unmet} ({where})"
    held = held_versions(mirrors, provider)
    return f"{unmet}: the {where} {'have' if len(mirrors) > 1 else 'has'} {', '.join(held) if held else 'no release of it'}"


def plain_diagnostic(text: str) -> dict:
    """A diagnostic made of terraform's plain-text output (no JSON to read)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    summary = first_error(text) or (lines[0] if lines else "terraform failed")
    return {"severity": "error", "summary": summary, "detail": text.strip()}


def diagnostic_finding(diag: dict, root: Path, ctx: Context, root_files: list[Path],
                       module_bounds: Bounds | None = None) -> Finding:
    """A `terraform/validate` finding at the diagnostic's range (`root_files`: the root's files, for diagnostics without one;
    `module_bounds`: where the run's module sources may also be read, e.g. the enclosing git repository)."""
    severity = Severity.WARNING if diag.get("severity") == "warning" else Severity.ERROR
    summary = diag.get("summary") or "terraform diagnostic"
    detail = _withhold_read_values((diag.get("detail") or "").strip(), diag)
    rng = diag.get("range") or {}
    path = Path(os.path.normpath(root / rng["filename"])) if rng.get("filename") else None
    readable = ctx.bounds.inside(path) or (module_bounds is not None and module_bounds.inside(path)) if path else True
    if not readable:  # never a file outside what may be read: its text is not shown
        detail, rng = "", {}
        summary += " (in a file outside the validated paths: its text is not shown)"
    message = f"{summary}: {detail.splitlines()[0]}" if detail else summary
    if path is not None and rng:
        file = _display(ctx, path) if path.exists() else rng["filename"]
        start = rng.get("start") or {}
        line, column = start.get("line") or 1, start.get("column")
    else:  # no source range (rare: init-level problems): point at the root's first file
        file, line, column = ctx.display(root_files[0] if root_files else root), 1, None
    return Finding(NAME, "terraform/validate", severity, message, file, line, column, detail=detail or None)


def _withhold_read_values(detail: str, diag: dict) -> str:
    """`detail` without the quoted values of an expression that reads files, unless written in the expression:
    a value Terraform computed from a file's content is not shown (the path of a missing file is)."""
    code = str((diag.get("snippet") or {}).get("code") or "")
    if not _READS_FILE.search(code) or detail.startswith('Invalid value for "path" parameter'):
        return detail
    return _QUOTED.sub(lambda m: m.group(0) if m.group(1) in code else '"(a value read from a file: withheld)"', detail)


def _display(ctx: Context, path: Path) -> str:
    """`ctx.display`, but `../modules/x/main.tf` rather than an absolute path outside the root."""
    shown = ctx.display(path)
    return os.path.relpath(path, ctx.root.resolve()) if Path(shown).is_absolute() else shown
