"""Credential-like text is replaced by `<redacted>` before parsing, with a warning naming its line, its kind
and the fix; references, placeholders, hashes, public keys and prose are not credentials."""
from __future__ import annotations

import pytest
import yaml

from testlib import FIXTURES, PLANS, REAL_PLANS, REPO, SEEDS
from planforge.plan import parse_plan, parse_text

KINDS = yaml.safe_load((FIXTURES / "credentials" / "kinds.yaml").read_text(encoding="utf-8"))
FIX = "it was not copied; remove it from the plan and keep it in a secret store, referenced by name"


def _warning(line: int, kinds: str) -> str:
    return (f"p.md:{line}: a credential-like value ({kinds}) — {FIX} (e.g. an ExternalSecret or "
            "`${{ secrets.NAME }}`)")


def test_the_samples_cover_at_least_fifteen_kinds():
    assert len({k["kind"] for k in KINDS}) >= 15


@pytest.mark.parametrize("sample", KINDS, ids=lambda k: f"{k['kind']}: {k['text'][:24]}")
def test_each_kind_is_redacted_and_warned_at_its_line(sample):
    text = f"# Plan\n\n**Constraints**: see\n\n```text\n{sample['text']}\n```\nafter\n"
    plan = parse_text(text, "p.md")
    assert sample["secret"] not in "\n".join(plan.lines)
    assert len(plan.warnings) == 1 and plan.warnings[0].startswith("p.md:6: a credential-like value (")
    assert sample["kind"] in plan.warnings[0].split("(", 1)[1].split(")", 1)[0]
    assert plan.lines[-2:] == ["after", ""] and "<redacted>" in plan.lines[5]


@pytest.mark.parametrize("line,kind,kept", [
    ("**Constraints**: key AKIAIOSFODNN7EXAMPLE in CI", "AWS access key id", "**Constraints**: key <redacted> in CI"),
    ("- session ASIAY34FZKBOKMUTVV7A", "AWS access key id", "- session <redacted>"),
    ("db password=hunter2, user=app", "password= assignment", "db password=<redacted>, user=app"),
    ('export API_KEY="sk12345678"', "api_key= assignment", 'export API_KEY="<redacted>"'),
    ("client_secret: 8f3Kq9Lm2Nx7Pz4Rw6Tb1Vc", "client_secret: assignment", "client_secret: <redacted>"),
    ("gh ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 x", "GitHub token", "gh <redacted> x"),
    ("| app | Yes | DATABASE_URL=postgresql://app:Pg5ecret@db:5432/app |", "URL with a password",
     "| app | Yes | DATABASE_URL=postgresql://app:<redacted>@db:5432/app |"),
    ("creds: postgresql://app:p@ss@db/app", "URL with a password", "creds: postgresql://app:<redacted>@db/app"),
    ("AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE12 and AKIAZ3MHALF4EXAMPLE7",
     "AWS secret access key, AWS access key id", "AWS_SECRET_ACCESS_KEY: <redacted> and <redacted>"),
])
def test_credentials_are_redacted_with_a_warning_at_their_line(line, kind, kept):
    plan = parse_text(f"# Plan\n\n{line}\n", "p.md")
    assert plan.lines[2] == kept
    assert plan.warnings == [_warning(3, kind)]


@pytest.mark.parametrize("key", [k for k in KINDS if k.get("block")], ids=lambda k: k["text"].split("\n")[0])
def test_a_private_key_block_is_redacted_from_begin_to_end(key):
    """Header lines (`Proc-Type:`, `Version:`) and the blank line before the body of an encrypted PEM or a PGP
    block do not end it: everything up to END goes, the fence and the text after it stay."""
    block = key["text"].split("\n")
    plan = parse_text("# Plan\n\n```\n" + key["text"] + " and a token ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8\n```\nafter\n",
                      "p.md")
    body = plan.lines[3:3 + len(block)]
    assert all(line in ("<redacted>", "") for line in body[:-1]), body
    assert body[-1] == "<redacted> and a token <redacted>"
    assert plan.lines[3 + len(block):] == ["```", "after", ""]
    end = 3 + len(block)
    assert plan.warnings == [_warning(4, "private key"), _warning(end, "GitHub token")]


def test_a_private_key_block_without_end_is_redacted_up_to_the_first_line_that_is_not_key_material():
    plan = parse_text("# Plan\n\n```\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIByIbyb0dy\n\nAwEHoUQDQgAEbody2\n```\n"
                      "## Next\n", "p.md")
    assert plan.lines[3:9] == ["<redacted>", "<redacted>", "", "<redacted>", "```", "## Next"]
    assert plan.warnings == [_warning(4, "private key")]


@pytest.mark.parametrize("line", [
    '--from-literal=OPENAI_API_KEY="<key>"', "password: ${{ secrets.GITHUB_TOKEN }}", 'api-key="$OPENAI_API_KEY"',
    "**Token**: JWT issued by Auth0", "Secret: app-secrets", "**Secrets Management**: AWS Secrets Manager",
    "token: [TOKEN]", "password=****", "Secret: `k8s/secrets/db-credentials.yaml` holds the references",
    "manage_master_user_password = true", "postgresql://app:<password>@db:5432/app",
    "DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app", "ssh://git@github.com/acme/infra.git",
    "https://github.com/acme/infra/commit/3f786850e387550fdab836ed7e6dc881de23001b",
    "image: ghcr.io/acme/api@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    'hashes = ["h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0=", "zh:9f86d081884c7d659a2feaa0c55ad015"]',
    "integrity sha512-Xk9Lm3Nv8Qp2Rw7Tz4Yb6Hc1Jd5Fg0Ks9Pl2Mn7Vb4Xc8Zq3Wr6Ty1Ua5Ie0Oo9Ag==",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKm3Nv8Qp2Rw7Tz4Yb6Hc1Jd5Fg0Ks9Pl2Mn7Vb4Xc8 ops@acme",
    "tenant id 7d9c3a2e-4b1f-4e8a-9c6d-2f5e8b1a7c3d, subscription 00000000-0000-0000-0000-000000000000",
    "arn:aws:iam::123456789012:role/EKSClusterRole-Prod2 and AWSLoadBalancerControllerIAMPolicy2",
    "/subscriptions/0000/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-01",
    "Standard_D4s_v3, Standard_E16ads_v5, K8sNodeGroupRoleEKS2, scramSHA256AuthEnabled, ExternalSecretsV1Beta1",
    "Foqia-Sd/Q4-Hackathon-Todo-App and VPC/EC2/RDS/S3/ALB-NLB/Route53",
    "issuer https://oidc.eks.us-east-1.amazonaws.com/id/5E1D8C6B7A9F0E2D4C3B1A0F9E8D7C6B",
    "https://github.com/acme/infra/blob/3f786850e387550fdab836ed7e6dc881de23001b/README.md",
    "/subscriptions/7d9c3a2e-4b1f-4e8a-9c6d-2f5e8b1a7c3d/resourceGroups/RG1/providers/Microsoft.Network/VNet2",
    "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab, cluster/Prod2/9C1E6B2A/Zone3x",
    "AL2023_x86_64_STANDARD, HorizontalPodAutoscalerV2Beta2, AmazonEKS_CNI_Policy, m6i.2xlarge, autoscaling/v2beta2",
])
def test_references_placeholders_hashes_and_prose_are_kept(line):
    plan = parse_text(f"# Plan\n\n{line}\n", "p.md")
    assert plan.lines[2] == line and plan.warnings == []


def test_the_base64_of_a_certificate_is_kept():
    cert = ("-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n"
            "RTESMBAGA1UEChMJQmFsdGltb3JlMRMwEQYDVQQLEwpDeWJlclRydXN0MSIwIAYD\n-----END CERTIFICATE-----")
    plan = parse_text(f"# Plan\n\n```\n{cert}\n```\n", "p.md")
    assert "\n".join(plan.lines[3:7]) == cert and plan.warnings == []


def _fixture_plans() -> list:
    shared = REPO.parent / "shared"  # optional extra coverage: the shared plans, when present
    return [*PLANS.glob("*.md"), *REAL_PLANS.glob("*.md"), *SEEDS.glob("*.md"),
            *(shared.glob("plans*/*.md") if shared.is_dir() else [])]


def test_no_fixture_plan_holds_a_credential():
    plans = _fixture_plans()
    assert len(plans) > 50
    for path in plans:
        assert parse_plan(path).warnings == [], path
