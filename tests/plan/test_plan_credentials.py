"""Credential-like text is replaced by `<redacted>` before parsing, with a warning naming its line;
references and placeholders (`<password>`, `$VAR`, `${{ secrets.X }}`) and prose are not credentials."""
from __future__ import annotations

import pytest

from testlib import PLANS, REAL_PLANS, SEEDS
from planforge.plan import parse_plan, parse_text


@pytest.mark.parametrize("line,kind,kept", [
    ("**Constraints**: key AKIAIOSFODNN7EXAMPLE in CI", "AWS access key id", "**Constraints**: key <redacted> in CI"),
    ("- session ASIAY34FZKBOKMUTVV7A", "AWS access key id", "- session <redacted>"),
    ("db password=hunter2, user=app", "password= assignment", "db password=<redacted>, user=app"),
    ('export API_KEY="sk12345678"', "api_key= assignment", 'export API_KEY="<redacted>"'),
    ("client_secret: 8f3Kq9Lm2Nx7Pz4Rw6Tb1Vc", "client_secret: assignment", "client_secret: <redacted>"),
    ("gh ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 x", "GitHub token", "gh <redacted> x"),
])
def test_credentials_are_redacted_with_a_warning_at_their_line(line, kind, kept):
    plan = parse_text(f"# Plan\n\n{line}\n", "p.md")
    assert plan.lines[2] == kept
    assert plan.warnings == [f"p.md:3: a credential-like value ({kind}) — remove it from the plan; it was not copied"]


def test_a_private_key_block_is_redacted_line_by_line():
    text = "# Plan\n\n```\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\nAAAAB3NzaC1yc2E\n" \
           "-----END OPENSSH PRIVATE KEY-----\n```\nafter\n"
    plan = parse_text(text, "p.md")
    assert plan.lines[3:8] == ["<redacted>", "<redacted>", "<redacted>", "<redacted>", "```"]
    assert plan.lines[8] == "after" and plan.warnings[0].startswith("p.md:4: a credential-like value (private key)")


@pytest.mark.parametrize("line", [
    '--from-literal=OPENAI_API_KEY="<key>"', "password: ${{ secrets.GITHUB_TOKEN }}", 'api-key="$OPENAI_API_KEY"',
    "**Token**: JWT issued by Auth0", "Secret: app-secrets", "**Secrets Management**: AWS Secrets Manager",
    "token: [TOKEN]", "password=****",
])
def test_references_placeholders_and_prose_are_kept(line):
    plan = parse_text(f"# Plan\n\n{line}\n", "p.md")
    assert plan.lines[2] == line and plan.warnings == []


def test_no_fixture_plan_holds_a_credential():
    for path in [*PLANS.glob("*.md"), *REAL_PLANS.glob("*.plan.md"), *SEEDS.glob("*.md")]:
        assert parse_plan(path).warnings == [], path
