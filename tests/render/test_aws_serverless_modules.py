"""The AWS serverless library modules (ecs-fargate, registry), which no layout renders yet: rendered by the module
template tree exactly as a generated repository would hold them (main.tf carrying identity.tf and security.tf, the
provider pins of versions.tf), they initialise from the provider mirror and pass their own `terraform test` under the
mocked provider."""
from __future__ import annotations

from pathlib import Path

import jinja2
from cloud_roots import assert_module_tests_pass
from testlib import REPO, require_tool

MODULE_TREE = REPO / "blueprints" / "{% yield module from tf_modules %}{{ module.dir }}{% endyield %}"
LIBRARIES = ("ecs-fargate", "registry")


def render_module(library: str, modules: Path) -> None:
    """Render the module tree for the AWS library folder `library` into `modules/<library>/`."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(REPO), undefined=jinja2.StrictUndefined)
    module = {"source": f"modules/aws/{library}", "library": library, "cloud": "aws", "dir": library}
    for template in MODULE_TREE.rglob("*.jinja"):
        relative = template.relative_to(MODULE_TREE).as_posix().replace("{{ module.library }}", library)
        target = modules / library / relative.removesuffix(".jinja")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(environment.from_string(template.read_text()).render(module=module, terraform_version="1.6"))


def test_rendered_modules_pass_their_terraform_tests(tf_mirror: Path, tmp_path: Path) -> None:
    require_tool("terraform")
    modules = tmp_path / "modules"
    for library in LIBRARIES:
        render_module(library, modules)
    main = (modules / "ecs-fargate" / "main.tf").read_text()
    assert 'resource "aws_iam_role" "execution"' in main and 'resource "aws_lb" "this"' in main
    runs = tmp_path / "runs"
    runs.mkdir()
    assert_module_tests_pass(modules, LIBRARIES, tf_mirror, "hashicorp", runs)
