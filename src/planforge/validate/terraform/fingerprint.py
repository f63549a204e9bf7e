"""What `terraform validate` sees of a root, as a hash: roots with the same hash validate once."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from planforge.validate.inputs import walk
from planforge.validate.terraform.configs import SKIP_DIRS, ConfigTree
from planforge.validate.terraform.hclconfig import TF_SUFFIXES
from planforge.validate.terraform.hcltext import SourceText


def config_fingerprint(configs: ConfigTree, path: Path) -> str:
    """Hash of .tf content (backend blocks removed), other non-tfvars files, and the local module tree."""
    digest = hashlib.sha256()
    for directory in configs.module_tree(path):
        digest.update(b"\0dir\0" + os.path.relpath(directory, path).encode())
        for file in _tree_files(directory):
            rel = file.relative_to(directory)
            name = rel.name
            if _outside_fingerprint(name):
                continue
            if configs.bounds is not None and not configs.readable(file):
                digest.update(b"\0refused\0" + str(rel).encode())  # its findings depend on it, never its content
                continue
            data = file.read_bytes()
            if name.endswith(".tf"):
                data = _strip_backend(data.decode("utf-8", errors="replace")).encode()
            digest.update(b"\0file\0" + str(rel).encode() + b"\0" + data)
    return digest.hexdigest()


def _outside_fingerprint(name: str) -> bool:
    """Files that cannot change what `terraform validate` reports: variable values, backend
    settings (`*.tfbackend`, `backend-prod.hcl`: any `.hcl` but tests and mocks), docs, dotfiles."""
    if name.endswith((".tftest.hcl", ".tfmock.hcl")) or name == ".terraform.lock.hcl":
        return False
    return name.endswith((".tfvars", ".tfvars.json", ".tfbackend", ".hcl", ".md")) or name.startswith(".")


def _tree_files(directory: Path) -> list[Path]:
    """Files of a configuration directory and its non-configuration subdirectories (templates, tests)."""
    found = []
    for dirpath, dirnames, filenames in walk(directory):
        here = Path(dirpath)
        if here != directory and any(f.endswith(TF_SUFFIXES) for f in filenames):
            dirnames[:] = []
            continue  # a nested configuration: in the tree only if a module source points at it
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        found += [here / f for f in sorted(filenames)]
    return found


def _strip_backend(text: str) -> str:
    """Drop `backend "x" {...}` and `cloud {...}` blocks: they do not change what validate checks."""
    src = SourceText(text)
    spans = []
    for block in re.finditer(r"(?m)^[ \t]*terraform[ \t]*\{", src.masked):
        end = src.matching_brace(block.end() - 1)
        for m in re.finditer(r"\b(?:backend[ \t]+\"[^\"\n]*\"|cloud)[ \t]*\{", src.masked[:end]):
            if m.start() > block.end():
                spans.append((m.start(), src.matching_brace(m.end() - 1) + 1))
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    return text
