"""`wiring/architecture-mismatch`: AWS instances whose processor cannot run the image they are given: a Graviton
(arm64) instance type with an x86_64 image, or an x86_64 type with an arm64 one. EKS refuses such a node group, EC2
such an instance. Read from Terraform: an `aws_eks_node_group`'s `instance_types` (else its launch template's
`instance_type`) and `ami_type`; an `aws_launch_template`'s or `aws_instance`'s `instance_type` and the image its
`image_id` / `ami` reads (a public SSM parameter or an `aws_ami` data source naming its architecture); the
`eks_managed_node_groups` / `self_managed_node_groups` of a module call (terraform-aws-modules/eks). Values are
followed through variables (`tfvalues`); the patterns are `data/architectures.yaml`. AKS and GKE pick the node
image from the VM size themselves: nothing to compare there."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Iterator

from planforge.decide.data import load
from planforge.validate.base import Finding, Severity
from planforge.validate.wiring.repo import Repository, TfBlock
from planforge.validate.wiring.rules import NAME
from planforge.validate.wiring.tfvalues import Literal, Scope, TerraformValues

RULE = "wiring/architecture-mismatch"
ARM64, X86_64 = "arm64", "x86_64"
_REFERENCE = re.compile(r"^\$\{data\.(aws_ssm_parameter|aws_ami)\.([\w-]+)\.(?:value|insecure_value|id|image_id)\}$")
_TEMPLATE = re.compile(r"^\$\{aws_launch_template\.([\w-]+)\.(?:id|name)\}$")
_NODE_GROUP_MAPS = {"eks_managed_node_groups": "eks_managed_node_group_defaults",
                    "self_managed_node_groups": "self_managed_node_group_defaults"}


@dataclass(frozen=True)
class Patterns:
    """`data/architectures.yaml`."""

    instance_type: re.Pattern[str]
    arm64_instance_type: re.Pattern[str]
    ami_types: dict[str, re.Pattern[str]]
    ami_type_names: tuple[str, ...]
    image_names: dict[str, re.Pattern[str]]


@cache
def patterns() -> Patterns:
    data = load("architectures.yaml")
    return Patterns(re.compile(data["instance_type"]), re.compile(data["arm64_instance_type"]),
                    {k: re.compile(v) for k, v in data["ami_types"].items()}, tuple(data["ami_type_names"]),
                    {k: re.compile(v) for k, v in data["image_names"].items()})


def instance_architecture(instance_type: str) -> str | None:
    """arm64 or x86_64 for an EC2 instance type name, None for anything else."""
    known = patterns()
    if not known.instance_type.match(instance_type):
        return None
    return ARM64 if known.arm64_instance_type.match(instance_type) else X86_64


def _named(text: str, table: dict[str, re.Pattern[str]]) -> str | None:
    """The one architecture a name says (None when it says none, or both)."""
    found = {architecture for architecture, pattern in table.items() if pattern.search(text)}
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class Image:
    """An image's architecture and where it is said."""

    architecture: str
    what: str  # "ami_type AL2023_x86_64_STANDARD", "the image of SSM parameter /aws/service/..."
    place: str
    ami_type: str | None = None


def _ami_type(value: Literal | None) -> Image | None:
    if value is None or len(value.strings) != 1:
        return None
    name = value.strings[0]
    architecture = _named(name, patterns().ami_types)
    return Image(architecture, f"ami_type {name}", value.place, name) if architecture else None


def _ssm_image(values: TerraformValues, source: TfBlock, scope: Scope) -> Image | None:
    """The image of a public SSM parameter whose name says its architecture."""
    name = values.argument(source, "name", scope)
    if name is None or len(name.strings) != 1:
        return None
    architecture = _named(name.strings[0], patterns().image_names)
    return Image(architecture, f"the image of SSM parameter {name.strings[0]}", name.place) if architecture else None


def _ami_image(values: TerraformValues, source: TfBlock, scope: Scope) -> Image | None:
    """The image of an `aws_ami` data source filtered on its `architecture`, or on a name that says it."""
    exact = {ARM64: re.compile(f"^{ARM64}$"), X86_64: re.compile(f"^{X86_64}$")}
    filters = source.body.get("filter")
    for item in (i for i in (filters if isinstance(filters, list) else []) if isinstance(i, dict)):
        found = values.resolve(item.get("values"), scope, source.display, source.line)
        table = exact if item.get("name") == "architecture" else patterns().image_names
        architecture = _named(found.strings[0], table) if found and len(found.strings) == 1 else None
        if architecture and found:
            return Image(architecture, f"the image of {source.address} with {item.get('name')} {found.strings[0]}",
                         found.place)
    return None


def _data_image(values: TerraformValues, block: TfBlock, argument: str, scope: Scope) -> Image | None:
    """The image an `image_id` / `ami` reads from a data source of the same directory."""
    reference = _REFERENCE.match(str(block.body.get(argument, "")))
    source = next((b for b in values.repo.tf_dirs.get(block.path.parent, []) if reference and b.kind == "data"
                   and b.type == reference.group(1) and b.name == reference.group(2)), None)
    if source is None:
        return None
    return _ssm_image(values, source, scope) if source.type == "aws_ssm_parameter" else \
        _ami_image(values, source, scope)


def _mismatch(owner: str, types: Literal | None, image: Image | None) -> Finding | None:
    if types is None or image is None:
        return None
    wrong = [t for t in types.strings if instance_architecture(t) not in (None, image.architecture)]
    if not wrong:
        return None
    processor = "arm64, AWS Graviton" if image.architecture == X86_64 else "x86_64"
    return Finding(
        NAME, RULE, Severity.ERROR, f"{owner}: instance type {', '.join(wrong)} ({processor}) is given {image.what} "
        f"({image.architecture}, {image.place}): EC2 boots no image of another architecture, so the instances are "
        "never created", types.display, types.line, hint=_hint(image))


def _hint(image: Image) -> str:
    wanted = ARM64 if image.architecture == X86_64 else X86_64
    if image.ami_type is not None:
        other = image.ami_type.replace("_x86_64", "_ARM_64") if wanted == ARM64 else \
            image.ami_type.replace("_ARM_64", "_x86_64")
        if other in patterns().ami_type_names:
            theirs = "Graviton" if wanted == ARM64 else "x86_64"
            example = "x86_64 instance types, e.g. m7i," if wanted == ARM64 else "Graviton instance types, e.g. m7g,"
            return f"give {theirs} instance types ami_type {other} (or {example} to {image.ami_type})"
    return f"give it an {wanted} image (e.g. the {wanted} variant of the SSM parameter or AMI name), or an instance " \
           f"type of the image's architecture ({image.architecture})"


def _node_groups(values: TerraformValues) -> Iterator[Finding]:
    """`aws_eks_node_group`: `instance_types` (else its launch template's `instance_type`) against `ami_type`."""
    for group in values.repo.tf("resource", "aws_eks_node_group"):
        template = _launch_template(values.repo, group)
        for scope in values.scopes(group.path.parent):
            types = values.argument(group, "instance_types", scope)
            if types is None and template is not None:
                types = values.argument(template, "instance_type", scope)
            found = _mismatch(group.address, types, _ami_type(values.argument(group, "ami_type", scope)))
            if found:
                yield found


def _launch_template(repo: Repository, group: TfBlock) -> TfBlock | None:
    templates = group.body.get("launch_template")
    template = templates[0] if isinstance(templates, list) and templates else templates
    named = _TEMPLATE.match(str(template.get("id") or template.get("name") or "")) if isinstance(template, dict) \
        else None
    return next((b for b in repo.tf_dirs.get(group.path.parent, []) if named and b.kind == "resource"
                 and b.type == "aws_launch_template" and b.name == named.group(1)), None)


def _instances(values: TerraformValues) -> Iterator[Finding]:
    """`aws_launch_template` (`image_id`) and `aws_instance` (`ami`) against their `instance_type`."""
    for block in values.repo.tf("resource", "aws_launch_template", "aws_instance"):
        argument = "ami" if block.type == "aws_instance" else "image_id"
        for scope in values.scopes(block.path.parent):
            image = _data_image(values, block, argument, scope)
            found = _mismatch(block.address, values.argument(block, "instance_type", scope), image)
            if found:
                yield found


def _module_groups(values: TerraformValues) -> Iterator[Finding]:
    """The node groups a module call describes as a map (terraform-aws-modules/eks), over its defaults."""
    for call in values.repo.tf("module"):
        for key, defaults_key in _NODE_GROUP_MAPS.items():
            groups, defaults = call.body.get(key), call.body.get(defaults_key)
            for name, group in (groups.items() if isinstance(groups, dict) else []):
                merged: dict[str, Any] = {**(defaults if isinstance(defaults, dict) else {}),
                                          **(group if isinstance(group, dict) else {})}
                yield from _module_group(values, call, f"{call.address} {key}.{name}", merged)


def _module_group(values: TerraformValues, call: TfBlock, owner: str, group: dict[str, Any]) -> Iterator[Finding]:
    line = call.line_of(owner.rsplit(".", 1)[-1])
    for scope in values.scopes(call.path.parent):
        types = values.resolve(group.get("instance_types", group.get("instance_type")), scope, call.display, line)
        image = _ami_type(values.resolve(group.get("ami_type"), scope, call.display, line))
        found = _mismatch(owner, types, image)
        if found:
            yield found


def check_architectures(repo: Repository) -> list[Finding]:
    values = TerraformValues(repo)
    return [*_node_groups(values), *_instances(values), *_module_groups(values)]
