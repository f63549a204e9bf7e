"""Which directories are Terraform roots and which are modules (the rules of docs/discovery.md, "Terraform")."""
from __future__ import annotations

from pathlib import Path

from planforge.validate.base import Context, Target
from planforge.validate.inputs import walk
from planforge.validate.terraform.configs import SKIP_DIRS, ConfigTree
from planforge.validate.terraform.fingerprint import config_fingerprint
from planforge.validate.terraform.hclconfig import TF_SUFFIXES, tftest_module_sources
from planforge.validate.terraform.rules import MODULE, NAME, ROOT
from planforge.validate.terraform.tfvars import tfvars_files


def discover_targets(configs: ConfigTree, ctx: Context) -> list[Target]:
    """Every configuration directory under `ctx.root` as a root or module target.

    `extra` holds why (`why`), the `fingerprint` of roots and of modules no root uses (`standalone`),
    and for roots the displays of the roots with the same fingerprint (`identical_roots`).
    """
    root = ctx.root.resolve()
    dirs = _walk_config_dirs(root)
    referenced: set[Path] = set()
    for d in dirs:
        referenced.update(configs.config(d).local_module_dirs().values())
        referenced.update(tftest_module_sources(d, configs.bounds))
    targets: list[Target] = []
    for d in dirs:
        config = configs.config(d)
        own_tfvars = any(p.parent == d for p in tfvars_files(d))
        if config.has_backend or own_tfvars:
            kind, why = ROOT, "backend configuration" if config.has_backend else "tfvars file"
        elif d in referenced:
            kind, why = MODULE, "referenced as a local module source"
        elif _under_modules_dir(d, root):
            kind, why = MODULE, "under a modules/ directory"
        else:
            kind, why = ROOT, "not referenced by any configuration"
        targets.append(Target(NAME, kind, d, ctx.display(d), {"why": why}))
    roots = [t for t in targets if t.kind == ROOT]
    covered = {m for t in roots for m in configs.module_tree(t.path)}
    groups: dict[str, list[str]] = {}
    for t in roots:
        t.extra["fingerprint"] = config_fingerprint(configs, t.path)
        groups.setdefault(t.extra["fingerprint"], []).append(t.display)
    for t in targets:
        if t.kind == ROOT:
            t.extra["identical_roots"] = groups[t.extra["fingerprint"]]
        elif t.path not in covered:
            t.extra["standalone"] = True  # no root uses it: validate it on its own
            t.extra["fingerprint"] = config_fingerprint(configs, t.path)
    return targets


def _walk_config_dirs(root: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS)
        if any(f.endswith(TF_SUFFIXES) for f in filenames):
            found.append(Path(dirpath).resolve())
    return found


def _under_modules_dir(path: Path, root: Path) -> bool:
    """True for a/modules/x (and below), but not for a/modules/x/examples/y."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = path.parts
    if "modules" not in parts:
        return False
    after = parts[len(parts) - 1 - parts[::-1].index("modules"):]
    return "examples" not in after
