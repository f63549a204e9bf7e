"""Terraform state: the S3 backend names the KMS key built for state; every root commits a lock file."""
from __future__ import annotations

import re
from pathlib import Path

from planforge.validate.base import Finding, Severity
from planforge.validate.inputs import InputError
from planforge.validate.wiring.repo import Repository, TfBlock
from planforge.validate.wiring.rules import NAME, vocabulary

LOCK_FILE = ".terraform.lock.hcl"
_LOCK_PROVIDER = re.compile(r'(?ms)^provider\s+"([^"]+)"\s*\{(.*?)^\}')


def _backends(block: TfBlock) -> list[tuple[str, dict]]:
    found = []
    for item in block.body.get("backend") or []:
        if isinstance(item, dict):
            found.extend((k, v) for k, v in item.items() if isinstance(v, dict))
    return found


def check_state_key(repo: Repository) -> list[Finding]:
    """`wiring/state-kms-key`: a KMS key for state exists (its Terraform name or description says state), and an
    S3 backend with encrypt = true does not name a kms_key_id."""
    keys = [b for b in repo.tf("resource", "aws_kms_key") if "state" in b.name.lower()
            or "state" in str(b.body.get("description", "")).lower()]
    if not keys:
        return []
    findings = []
    for block in repo.tf("terraform"):
        for kind, config in _backends(block):
            if kind == "s3" and config.get("encrypt") is True and not config.get("kms_key_id"):
                findings.append(block.finding(
                    "wiring/state-kms-key", f"the S3 backend encrypts state with the bucket's default key, not the "
                    f"key {keys[0].address} ({keys[0].display}) creates for state",
                    f"add kms_key_id = \"<ARN or alias of {keys[0].address}>\" (e.g. alias/...-tfstate) to the backend",
                    "encrypt"))
    return findings


def _required_providers(repo: Repository, directory: Path, seen: set[Path]) -> set[str]:
    """Registry addresses (registry.terraform.io/ns/name) the configuration in `directory` and its local modules require."""
    if directory in seen:
        return set()
    seen.add(directory)
    found: set[str] = set()
    for block in repo.tf_dirs.get(directory, []):
        if block.kind == "terraform":
            for item in block.body.get("required_providers") or []:
                for _name, spec in (item.items() if isinstance(item, dict) else []):
                    source = spec.get("source") if isinstance(spec, dict) else None
                    if isinstance(source, str):
                        parts = source.lower().split("/")
                        found.add("/".join((["registry.terraform.io"] if len(parts) == 2 else []) + parts))
        elif block.kind == "module" and str(block.body.get("source", "")).startswith("."):
            found |= _required_providers(repo, (directory / str(block.body["source"])).resolve(), seen)
    return found


def _documented_without_lock(repo: Repository, root: Path) -> bool:
    """A Markdown file under docs/, or a README in the root's directory or above it, says no lock file is committed."""
    said = vocabulary().lock_not_committed
    return any((Path(display).parts[0] == "docs" or root == Path(display).parent or Path(display).parent in root.parents)
               and said.search(text) for display, text in repo.docs)


def _roots(repo: Repository) -> list[Path]:
    roots = []
    for directory, blocks in sorted(repo.tf_dirs.items()):
        # a directory of variables only (no block the reader keeps) has no provider to lock
        if blocks and (any(b.kind == "terraform" and _backends(b) for b in blocks) or any(directory.glob("*.tfvars"))):
            roots.append(directory)
    return roots


def check_lock_files(repo: Repository) -> list[Finding]:
    """`wiring/lock-file`."""
    findings = []
    for directory in _roots(repo):
        blocks = repo.tf_dirs[directory]
        lock = directory / LOCK_FILE
        shown = str(Path(blocks[0].display).parent / LOCK_FILE)
        hint = ("run `terraform providers lock -platform=linux_amd64 -platform=darwin_arm64` in the root and commit "
                f"{LOCK_FILE}")
        try:
            text = repo.bounds.read_text(lock, errors="replace") if lock.is_file() else None
        except (InputError, OSError):
            text = None
        if text is None and _documented_without_lock(repo, Path(blocks[0].display).parent):
            continue
        if text is None:
            findings.append(Finding(NAME, "wiring/lock-file", Severity.ERROR,
                                    f"the Terraform root {Path(blocks[0].display).parent} has no committed {LOCK_FILE}: "
                                    "provider versions and checksums are not pinned", shown, None, hint=hint))
            continue
        locked = {m.group(1).lower(): m for m in _LOCK_PROVIDER.finditer(text)}
        for provider in sorted(_required_providers(repo, directory, set())):
            entry = locked.get(provider)
            if entry is None or "h1:" not in entry.group(2) or "zh:" not in entry.group(2):
                what = "does not lock" if entry is None else "has no h1: and zh: hashes for"
                line = text.count("\n", 0, entry.start()) + 1 if entry else None
                findings.append(Finding(NAME, "wiring/lock-file", Severity.ERROR, f"{LOCK_FILE} {what} {provider}",
                                        shown, line, hint=hint))
    return findings
