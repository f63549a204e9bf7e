"""Terraform variable files (`.tfvars`, `.tfvars.json`): which a root has, their keys, and their checks."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from planforge.validate.base import Context, Finding, Severity
from planforge.validate.inputs import Bounds, InputError
from planforge.validate.terraform.hclconfig import TF_SUFFIXES, ConfigDir, SyntaxProblem, json_key_line, parse_file
from planforge.validate.terraform.hcltext import SourceText
from planforge.validate.terraform.rules import NAME

TFVARS_SUFFIXES = (".tfvars", ".tfvars.json")
AUTO_TFVARS = ("terraform.tfvars", "terraform.tfvars.json")


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
        return [TfvarsKey(k, path, json_key_line(text, k)) for k in body], None
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


def tfvars_findings(config: ConfigDir, ctx: Context) -> list[Finding]:
    """A root's tfvars checks: keys no variable declares, and required variables an environment leaves unset
    (each tfvars file passed with -var-file is an environment; auto-loaded ones are shared by all)."""
    findings: list[Finding] = []
    auto_keys: set[str] = set()
    auto_files: list[Path] = []
    env_files: list[tuple[Path, set[str]]] = []  # passed with -var-file: each one is an environment
    for path in tfvars_files(config.path):
        try:
            keys, problem = read_tfvars(path, ctx.bounds)
        except InputError:
            continue  # reported with the directory's input findings
        if problem:
            findings.append(Finding(NAME, "terraform/syntax", Severity.ERROR, problem.message, ctx.display(path),
                                    problem.line, problem.column))
            continue
        for key in keys:
            if key.name not in config.variables:
                findings.append(Finding(
                    NAME, "terraform/tfvars-undeclared", Severity.ERROR,
                    f'"{key.name}" is set but no variable declares it: Terraform would silently ignore the value',
                    ctx.display(path), key.line, hint=f'declare `variable "{key.name}"` in the root module or remove the line',
                ))
        if path.parent == config.path and is_auto_tfvars(path):
            auto_files.append(path)
            auto_keys.update(k.name for k in keys)
        else:
            env_files.append((path, {k.name for k in keys}))
    required = sorted(name for name, var in config.variables.items() if var.required)
    for path, keys in env_files:
        also = f" nor in {', '.join(p.name for p in auto_files)}" if auto_files else ""
        for name in required:
            if name not in keys and name not in auto_keys:
                findings.append(Finding(
                    NAME, "terraform/tfvars-missing-required", Severity.ERROR,
                    f'required variable "{name}" (no default) is not set in this environment\'s {path.name}{also}: '
                    f"`terraform plan -var-file={ctx.display(path)}` would prompt for it",
                    ctx.display(path), 1, hint=f"set `{name} = ...` in {path.name} or give the variable a default",
                ))
    if auto_files and not env_files:  # with environment files, terraform.tfvars holds what they share
        names = ", ".join(p.name for p in auto_files)
        for name, var in sorted(config.variables.items()):
            if var.required and name not in auto_keys:
                findings.append(Finding(
                    NAME, "terraform/tfvars-missing-required", Severity.ERROR,
                    f'required variable "{name}" (no default) is not set in {names}',
                    ctx.display(var.file), var.line, hint=f"set `{name} = ...` in {auto_files[0].name} or give the variable a default",
                ))
    return findings
