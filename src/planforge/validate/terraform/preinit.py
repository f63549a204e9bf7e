"""What `terraform init -backend=false` would write for an aggregate configuration, written without running it.

When every module of the aggregate is a local path and every provider comes from an unpacked filesystem
mirror (the first of the mirrors that holds its version, as init picks it), init does nothing but record the
module tree (`modules/modules.json` in the data directory), link each provider's mirror directory under
`providers/<host>/<namespace>/<type>/<version>/<os>_<arch>` and keep (or write) the dependency lock file.
`install` writes the same, after checking what init would check: the locked version of each required provider
satisfies every version constraint of the module tree and is in a mirror.

The lock file is written without hashes. `terraform validate` verifies the hashes of a lock file against
the linked package before anything else, hashing the whole package (the AWS provider is 700 MB: about a
second); `verify` makes the same check (the package's `h1:` hash is one the lock records) in a thread while
validate runs, and a mismatch discards that run for a real init. Without a repository lock file, the lock
written names the version init would select: init would record the hashes of that very package, so there is
nothing to verify.

Anything else (OpenTofu, a plugin cache instead of a mirror, a packed package, pre-release versions, a provider
the lock file lacks) makes `install` say why, and the caller runs `terraform init`; so it does when
`terraform validate` reports an init-related error (`init_needed`).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import posixpath
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from planforge.validate.inputs import walk
from planforge.validate.terraform.cli import cli_name
from planforge.validate.terraform.configs import ConfigTree
from planforge.validate.terraform.hclconfig import parse_file

LOCK_FILE = ".terraform.lock.hcl"
DEFAULT_HOST = "registry.terraform.io"
_OS = {"linux": "linux", "darwin": "darwin", "win32": "windows", "freebsd": "freebsd"}
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386", "i686": "386"}
_CONSTRAINT = re.compile(r"^(=|!=|>=|<=|>|<|~>)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$")
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_MAX_DEPTH = 32  # deeper module nesting than this is left to init (a cycle, most likely)

Version = tuple[int, int, int]


@dataclass
class Installed:
    """What `install` wrote over: the configuration's own lock file (None: it had none), restored by `undo`; and
    each linked package -> the `h1:` hashes the lock allows for it (`verify`)."""

    lock_text: str | None
    packages: dict[Path, set[str]] = field(default_factory=dict)


def install(configs: ConfigTree, calls: dict[str, tuple[str, Path]], directory: Path, mirrors: list[Path],
            binary: str, data_dir: Path) -> tuple[Installed | None, str | None]:
    """Write into `data_dir` and `directory`'s lock file what `terraform init -backend=false` would write for the
    configuration in `directory`, whose module calls are `calls` (name -> the local source it gives, the
    repository directory that source is a copy of). What was written over, else why init must run."""
    if cli_name(binary) != "terraform":
        return None, "the provider layout of OpenTofu's init is not written by planforge"
    if not mirrors:
        return None, "no provider mirror is configured (init installs from the registry or the plugin cache)"
    target = _platform()
    if target is None:
        return None, f"no Terraform platform name for {sys.platform}/{platform.machine()}"
    required, why = _requirements(configs, [root for _, root in calls.values()])
    if why:
        return None, why
    lock = directory / LOCK_FILE
    lock_text = lock.read_text(encoding="utf-8", errors="replace") if lock.is_file() else None
    locks, why = _locked(lock, lock_text) if lock_text is not None else _selected_versions(required, mirrors, target)
    if why:
        return None, why
    for provider, constraints in required.items():
        if provider not in locks:
            return None, f"the lock file has no entry for {provider}"
        if not all(satisfies(locks[provider][0], c) for c in constraints):
            return None, f"{provider} {_text(locks[provider][0])} does not satisfy {', '.join(sorted(constraints))}"
    installed = Installed(lock_text)
    packages: dict[str, Path] = {}
    for provider, (version, hashes) in sorted(locks.items()):
        package, why = _unpacked_package(mirrors, provider, _text(version), target)
        if package is None:
            return None, why
        packages[provider] = package
        if hashes and not any(h.startswith("h1:") for h in hashes):
            return None, f"the lock file records no h1: hash of {provider} (init checks the package otherwise)"
        if hashes:
            installed.packages[package] = {h for h in hashes if h.startswith("h1:")}
    manifest, why = module_manifest(configs, calls)
    if why:
        return None, why
    (data_dir / "modules").mkdir(parents=True, exist_ok=True)
    (data_dir / "modules" / "modules.json").write_text(json.dumps({"Modules": manifest}, separators=(",", ":")),
                                                       encoding="utf-8")
    for provider, (version, _) in locks.items():
        link = data_dir / "providers" / provider / _text(version) / target
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(packages[provider], target_is_directory=True)
    lock.write_text("".join(f'provider "{p}" {{\n  version = "{_text(v)}"\n}}\n' for p, (v, _) in sorted(locks.items())),
                    encoding="utf-8")
    return installed, None


def verify(installed: Installed) -> str | None:
    """Why a linked package does not match the hashes of the repository's lock file (init would refuse it), or None."""
    for package, allowed in installed.packages.items():
        try:
            if package_hash(package) not in allowed:
                return f"the mirror's package {package} does not match the lock file's checksums"
        except OSError as exc:
            return f"the mirror's package {package} cannot be read ({exc.strerror or exc})"
    return None


def undo(installed: Installed, directory: Path, data_dir: Path) -> None:
    """Put the data directory and lock file back as they were before `install`, for a real init."""
    shutil.rmtree(data_dir, ignore_errors=True)
    lock = directory / LOCK_FILE
    if installed.lock_text is None:
        lock.unlink(missing_ok=True)
    else:
        lock.write_text(installed.lock_text, encoding="utf-8")


def package_hash(package: Path) -> str:
    """Terraform's `h1:` hash of an unpacked provider package (Go's dirhash.Hash1 of its files)."""
    root = package.resolve()
    files = sorted(os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/") for d, _, fs in walk(root) for f in fs)
    summary = hashlib.sha256()
    for name in files:
        digest = hashlib.sha256()
        with (root / name).open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        summary.update(f"{digest.hexdigest()}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode()


def init_needed(stdout: str) -> str | None:
    """Why the output of a `terraform validate -json` run without init shows that init was needed, or None."""
    try:
        diagnostics = json.loads(stdout).get("diagnostics", [])
    except (ValueError, AttributeError):
        return "terraform validate printed no JSON"
    for diag in diagnostics:
        text = f"{diag.get('summary', '')}\n{diag.get('detail', '')}"
        if "terraform init" in text or (diag.get("severity") == "error" and not diag.get("range")):
            return f"terraform validate without init reported: {diag.get('summary', '')}"
    return None


def module_manifest(configs: ConfigTree, calls: dict[str, tuple[str, Path]]) -> tuple[list[dict[str, str]], str | None]:
    """The records of `modules.json` as init writes them (sorted by key; `Dir` relative to the configuration),
    or why they cannot be written."""
    dirs = {"": "."}
    todo = [(name, source, root) for name, (source, root) in calls.items()]
    records = [{"Key": "", "Source": "", "Dir": "."}]
    while todo:
        key, source, directory = todo.pop()
        if key.count(".") >= _MAX_DEPTH:
            return [], "the module tree is nested too deeply"
        source = local_source(source)
        dirs[key] = posixpath.normpath(posixpath.join(dirs[key.rpartition(".")[0]], source))
        records.append({"Key": key, "Source": source, "Dir": dirs[key]})
        for name, call in configs.config(directory).modules.items():
            if not call.is_local:
                return [], f"module {name} is not a local path"
            todo.append((f"{key}.{name}", call.source, (directory / call.source).resolve()))
    return sorted(records, key=lambda r: r["Key"]), None


def local_source(raw: str) -> str:
    """A local module source as Terraform records it: slashes, cleaned, `./` in front unless it starts `../`."""
    clean = posixpath.normpath(raw.replace("\\", "/"))
    return clean if clean.startswith("../") else f"./{clean}"


def satisfies(version: Version, constraint: str) -> bool:
    """Whether `version` meets one constraint that `_requirements` accepted (`~> 5.0`, `>= 1.2.3`, ...)."""
    match = _CONSTRAINT.match(constraint.strip())
    assert match is not None
    op, parts = match.group(1) or "=", [int(p) for p in match.groups()[1:] if p is not None]
    bound = (*parts, 0, 0)[:3]
    if op == "~>":
        upper = (bound[0], bound[1] + 1, 0) if len(parts) == 3 else (bound[0] + 1, 0, 0)
        return bound <= version < upper
    return {"=": version == bound, "!=": version != bound, ">": version > bound, ">=": version >= bound,
            "<": version < bound, "<=": version <= bound}[op]


def _understood(constraint: str) -> bool:
    """Constraints `satisfies` reads as Terraform does: a partial version only where zero-filling it is exact."""
    match = _CONSTRAINT.match(constraint.strip())
    return match is not None and (match.group(4) is not None or (match.group(1) or "=") in ("~>", ">=", "<"))


def _requirements(configs: ConfigTree, roots: list[Path]) -> tuple[dict[str, set[str]], str | None]:
    """Provider address -> the version constraints of the roots' module trees, or why they cannot be read."""
    required: dict[str, set[str]] = {}
    for directory in {d for root in roots for d in configs.module_tree(root)}:
        for name, raw in configs.config(directory).required_providers.items():
            spec = json.loads(raw)
            spec = {"version": spec} if isinstance(spec, str) else spec if isinstance(spec, dict) else {}
            source = str(spec.get("source") or f"hashicorp/{name}").lower()
            parts = source.split("/")
            if len(parts) not in (2, 3):
                return {}, f"provider source {source!r} is not understood"
            address = "/".join([DEFAULT_HOST, *parts] if len(parts) == 2 else parts)
            constraints = [c.strip() for c in str(spec.get("version") or "").split(",") if c.strip()]
            if not all(_understood(c) for c in constraints):
                return {}, f"the version constraint {spec.get('version')!r} of {address} is not understood"
            required.setdefault(address, set()).update(constraints)
    return required, None


def _locked(lock: Path, text: str) -> tuple[dict[str, tuple[Version, list[str]]], str | None]:
    """Provider address -> locked version and hashes, or why the lock file cannot be read."""
    body, problem = parse_file(lock, text)
    if body is None or problem is not None:
        return {}, "the lock file does not parse"
    locks: dict[str, tuple[Version, list[str]]] = {}
    raw = body.get("provider")
    for item in raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []:
        for address, block in item.items():
            match = _VERSION.match(str(block.get("version", ""))) if isinstance(block, dict) else None
            hashes = block.get("hashes", []) if isinstance(block, dict) else None
            if match is None or not isinstance(hashes, list):
                return {}, f"the lock file's entry of {address} is not a plain release with a list of hashes"
            locks[address.strip('"').lower()] = (_version(match), [str(h) for h in hashes])
    return locks, None


def _selected_versions(required: dict[str, set[str]], mirrors: list[Path],
                       target: str) -> tuple[dict[str, tuple[Version, list[str]]], str | None]:
    """Provider address -> the newest version in the mirrors meeting its constraints, as init selects it without a
    lock file (from the versions of every mirror together), or why it cannot be told."""
    versions: dict[str, tuple[Version, list[str]]] = {}
    for provider, constraints in required.items():
        entries = [e for m in mirrors if (m / provider).is_dir() for e in (m / provider).iterdir()]
        matches = [_VERSION.match(e.name) for e in entries]
        if not entries or not all(matches) or not all((e / target).is_dir() for e in entries):
            return {}, f"the mirrors do not hold {provider} as unpacked releases for {target} only"
        fitting = [v for v in (_version(m) for m in matches if m) if all(satisfies(v, c) for c in constraints)]
        if not fitting:
            return {}, f"the mirrors have no release of {provider} that satisfies {', '.join(sorted(constraints))}"
        versions[provider] = (max(fitting), [])
    return versions, None


def _unpacked_package(mirrors: list[Path], provider: str, version: str, target: str) -> tuple[Path | None, str]:
    """The package init would install `provider` `version` from: the first mirror's that holds that release for
    `target`, when it is unpacked (init links it); else why init must run (it unpacks a packed one)."""
    name = provider.rsplit("/", 1)[-1]
    for mirror in mirrors:
        package = mirror / provider / version / target
        if package.is_dir():
            return package, ""
        if (mirror / provider / f"terraform-provider-{name}_{version}_{target}.zip").is_file():
            return None, f"the mirror {mirror} holds {provider} {version} packed (init unpacks it)"
    return None, f"no mirror has an unpacked package of {provider} {version} for {target}"


def _version(match: re.Match[str]) -> Version:
    major, minor, patch = (int(g) for g in match.groups())
    return major, minor, patch


def _text(version: Version) -> str:
    return ".".join(map(str, version))


def _platform() -> str | None:
    """Terraform's name of this platform (`linux_amd64`), or None."""
    os_name = _OS.get(sys.platform) or next((v for k, v in _OS.items() if sys.platform.startswith(k)), None)
    arch = _ARCH.get(platform.machine().lower())
    return f"{os_name}_{arch}" if os_name and arch else None
