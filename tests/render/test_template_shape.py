"""The shape of the Copier template: measures over its template files, each a function of a list of paths.

- forwarders: a file whose whole body is one include (or an import and one macro call) of a fixed template, so
  it only forwards to a body shared with other files. An include whose name is built from the unit's attributes
  (`'includes/terraform/' ~ root.family ~ '/main.tf.jinja'`, `'includes/terraform/' ~ cloud ~ '/...'`) chooses a
  body by name and is no forwarder.
- cloud branches: a comparison of the cloud with a cloud's name (`cloud == 'aws'`, `cloud != 'azure'`; not
  `cloud != 'none'`, whether there is a cloud) outside the per-cloud includes (includes/terraform/<cloud>/): a
  per-cloud body is an include chosen by the cloud's name.
- long files: more than LONGEST lines.

Each scope (a list of paths) is checked against every measure: the Terraform roots, and the whole template (every
file under blueprints/ and includes/, copier.yml and layout.yml).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
import yaml
from testlib import REPO

LONGEST = 600
_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_SET = re.compile(r"\{%-?\s*set\s.*?-?%\}", re.S)
_LITERAL = r"""(?:'[^'~]*'|"[^"~]*")"""
_LITERALS = rf"(?:{_LITERAL}|\[\s*{_LITERAL}(?:\s*,\s*{_LITERAL})*\s*\])"
_INCLUDE = re.compile(rf"\{{%-?\s*include\s+{_LITERALS}(?:\s+ignore missing)?(?:\s+(?:with|without) context)?\s*-?%\}}")
_IMPORT_CALL = re.compile(rf"\{{%-?\s*import\s+{_LITERAL}\s+as\s+(\w+)(?:\s+with context)?\s*-?%\}}"
                          r"\s*\{\{-?\s*\1\.\w+\(.*\)\s*-?\}\}", re.S)
_CLOUD_BRANCH = re.compile(r"""\bcloud\s*[!=]=\s*['"](\w+)['"]|['"](\w+)['"]\s*[!=]=\s*cloud\b""")


def _clouds(root: Path) -> list[str]:
    return yaml.safe_load((root / "layout.yml").read_text(encoding="utf-8"))["terraform_clouds"]


def terraform_root_templates(root: Path = REPO) -> list[Path]:
    """Every template file of the Terraform roots: the roots' yield directory, the terraform directory's README,
    the bodies under includes/terraform/ and the values of includes/terraform.jinja."""
    blueprints = root / "blueprints"
    dirs = [d for d in blueprints.iterdir() if d.is_dir() and ("from tf_roots" in d.name or d.name == "{{ dirs.terraform }}")]
    found = [p for d in dirs for p in d.rglob("*.jinja")]
    found += (root / "includes" / "terraform").rglob("*.jinja")
    return sorted(found + [root / "includes" / "terraform.jinja"])


def whole_template(root: Path = REPO) -> list[Path]:
    """Every template file of the template: the files under blueprints/ and includes/, copier.yml and layout.yml."""
    found = [p for d in ("blueprints", "includes") for p in (root / d).rglob("*") if p.is_file()]
    return sorted(found + [root / "copier.yml", root / "layout.yml"])


def forwarders(paths: Iterable[Path]) -> list[Path]:
    """The files whose whole body is one include or import-and-call of a fixed template."""
    found = []
    for path in paths:
        body = _SET.sub("", _COMMENT.sub("", path.read_text(encoding="utf-8"))).strip()
        if body and (_INCLUDE.fullmatch(body) or _IMPORT_CALL.fullmatch(body)):
            found.append(path)
    return found


def cloud_branches(paths: Iterable[Path], root: Path = REPO) -> list[str]:
    """`file:line` of every comparison of the cloud with a cloud's name outside includes/terraform/<cloud>/."""
    clouds = set(_clouds(root))
    per_cloud = [root / "includes" / "terraform" / cloud for cloud in clouds]
    found = []
    for path in paths:
        if any(path.is_relative_to(d) for d in per_cloud):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(set(m.groups()) & clouds for m in _CLOUD_BRANCH.finditer(line)):
                found.append(f"{path.relative_to(root)}:{number}")
    return found


def long_files(paths: Iterable[Path], longest: int = LONGEST) -> list[str]:
    """`file: lines` of every file over `longest` lines."""
    counts = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in paths}
    return [f"{path}: {n}" for path, n in counts.items() if n > longest]


MEASURES: dict[str, Callable[[list[Path]], list]] = {
    "forwarders": forwarders,
    "cloud branches": cloud_branches,
    "long files": long_files,
}
SCOPES: dict[str, Callable[[], list[Path]]] = {
    "terraform roots": terraform_root_templates,
    "whole template": whole_template,
}


@pytest.mark.parametrize("scope", sorted(SCOPES))
@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_template_scope_has_none(scope: str, measure: str) -> None:
    paths = SCOPES[scope]()
    assert len(paths) > 20, f"the {scope} scope found too few files: {paths}"
    assert MEASURES[measure](paths) == []


def test_every_terraform_root_file_is_one_template_of_the_roots_directory() -> None:
    """One yield directory renders every Terraform root; no other blueprint directory holds a root's files."""
    blueprints = REPO / "blueprints"
    roots = [d.name for d in blueprints.iterdir() if "tf_roots" in d.name]
    assert roots == ["{% yield root from tf_roots %}{{ root.dir }}{% endyield %}"]
    others = [d.name for d in blueprints.iterdir() if re.search(r"\btf_(?!modules)", d.name) and d.name not in roots]
    assert others == []


def test_measures_find_what_they_measure(tmp_path: Path) -> None:
    """Each measure reports a file made to have what it measures, and not the same file without it."""
    (tmp_path / "layout.yml").write_text("terraform_clouds: [aws, azure, gcp]\n")
    own = tmp_path / "includes" / "terraform" / "aws"
    own.mkdir(parents=True)
    files = {
        "forward.tf.jinja": "{#- a body -#}\n{%- set env = root.env -%}\n{% include 'includes/terraform/body.jinja' %}",
        "call.tf.jinja": "{% import 'includes/k8s.jinja' as k8s with context %}{{ k8s.manifest(app, env) }}\n",
        "dispatch.tf.jinja": "{% include 'includes/terraform/' ~ root.family ~ '/main.tf.jinja' %}",
        "branch.tf.jinja": "a\n{%- if cloud == 'aws' %}x{% endif %}\n{{ 'y' if 'gcp' != cloud }}\n",
        "lookup.tf.jinja": "{{ {'aws': 'eks'}.get(cloud, 'aks') }} {% if primary_cloud %}{% endif %}\n"
                           "{{ 'x' if cloud != 'none' }}\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (own / "main.tf.jinja").write_text("{% if cloud == 'aws' %}{% endif %}\n")
    paths = sorted(tmp_path.glob("*.jinja")) + [own / "main.tf.jinja"]
    assert [p.name for p in forwarders(paths)] == ["call.tf.jinja", "forward.tf.jinja"]
    assert cloud_branches(paths, tmp_path) == ["branch.tf.jinja:2", "branch.tf.jinja:3"]
    (tmp_path / "long.tf.jinja").write_text("x\n" * (LONGEST + 1))
    assert long_files([tmp_path / "long.tf.jinja", tmp_path / "lookup.tf.jinja"]) == [f"{tmp_path / 'long.tf.jinja'}: {LONGEST + 1}"]


def test_every_terraform_file_of_a_library_module_is_rendered() -> None:
    """A module's files are rendered by one template tree: main.tf carries main.tf and the module's other .tf files
    (identity.tf, security.tf), variables.tf and outputs.tf their own; a file the tree does not name would be dropped
    from every generated repository (its resources silently missing)."""
    tree = REPO / "blueprints" / "{% yield module from tf_modules %}{{ module.dir }}{% endyield %}"
    rendered = {p.name.removesuffix(".jinja") for p in tree.glob("*.tf.jinja")}
    main = (tree / "main.tf.jinja").read_text()
    for path in (REPO / "modules").glob("*/*/*.tf"):
        assert path.name in rendered or f"'/{path.name}'" in main, f"{path}: no template renders it"
