"""`wiring/security-group-description`: security group and rule descriptions EC2 refuses at apply (docs/wiring.md).

`tests/fixtures/wiring/descriptions` holds descriptions EC2 takes: a template whose interpolation is not judged, a
variable's default followed from its module, every punctuation EC2 allows, an inline ingress rule. `BREAKS` breaks
each kind once: an apostrophe, a typographic dash in an inline rule, a root's tfvars value reaching a module's rule
through two variables, and a description over 255 characters.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from testlib import FIXTURES, edit_file, validate_wiring

GOOD = FIXTURES / "wiring" / "descriptions"
RULE = "wiring/security-group-description"
LONG = " (the mirrors of every distribution the hosts run)" * 5
BREAKS = [  # (file, old, new): new None writes old as a new file
    ("modules/tasks/main.tf", "their port from the load balancer only", "the load balancer's port only"),
    ("network/main.tf", "SSH from the office (203.0.113.0/24)", "SSH from the office – 203.0.113.0/24"),
    ("network/main.tf", "& the package mirrors", "& the package mirrors" + LONG),
    ("environments/prod/main.tf", '  vpc_id = "vpc-12345678"\n',
     '  vpc_id = "vpc-12345678"\n\n  rule_description = var.rule_description\n'),
    ("environments/prod/variables.tf", 'variable "rule_description" {\n  type = string\n}\n', None),
    ("environments/prod/terraform.tfvars", 'rule_description = "Port 8080 from the load balancer → tasks"\n', None),
]


def test_descriptions_ec2_takes_pass(tmp_path: Path) -> None:
    assert validate_wiring(GOOD, tmp_path, 0) == []


def test_each_refused_description_is_named_where_it_is_written(tmp_path: Path) -> None:
    root = Path(shutil.copytree(GOOD, tmp_path / "repo"))
    for file, old, new in BREAKS:
        edit_file(root / file, old, new)
    got = {(f["file"], f["line"]): f for f in validate_wiring(root, tmp_path, 1) if f["rule"] == RULE}
    assert set(got) == {("modules/tasks/main.tf", 3), ("environments/prod/terraform.tfvars", 1),
                        ("network/main.tf", 7), ("network/main.tf", 18)}
    assert {f["severity"] for f in got.values()} == {"error"}
    apostrophe = got[("modules/tasks/main.tf", 3)]["message"]
    assert apostrophe.startswith("aws_security_group.tasks: the description \"Tasks of ${var.name}: the load "
                                 "balancer's port only, any egress.\" has characters outside EC2's set (\"'\")")
    arrow = got[("environments/prod/terraform.tfvars", 1)]["message"]
    assert arrow.startswith("aws_vpc_security_group_ingress_rule.from_load_balancer: the rule description") and "'→'" in arrow
    assert "'–'" in got[("network/main.tf", 7)]["message"]
    assert "characters (at most 255)" in got[("network/main.tf", 18)]["message"]
    assert "letters, digits, spaces" in got[("network/main.tf", 18)]["hint"]
