"""The state storage a plan names: `the existing state bucket `acme-terraform-state-eu` with locking in the existing
DynamoDB table `terraform-locks``, `reuse ... (region eu-west-1)`, or `state bucket `acme-ledger-tfstate`` for the
bucket the bootstrap root creates, or `bucket `acme-payments-tfstate`, lock table `acme-payments-tflock`` on a line
about the state; azurerm: the storage account (`state_bucket_name`) and its resource group on a line about the state
(`existing storage account `stclaimstfstate` in resource group `rg-claims-tfstate``, `Azure Storage account
`stparcelstfstate` (resource group `rg-parcels-tfstate`)`). Every root's backend (and the
bootstrap root) then names that bucket, table, account and group instead of names planforge derives from the project. The bucket's own region is read only when the state is created outside
Terraform (`state_bootstrap` false): the bootstrap root creates its storage in the deployment region. A paragraph's
wrapped lines are read as one."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context
from planforge.decide.rules.statements import Passage, passages
from planforge.plan.model import plain

# a name a word of prose cannot be (`acme-terraform-state-eu`, `terraform_locks`; the plain text has no backticks)
_BUCKET = re.compile(r"\b(?:state|tfstate|backend)\s++(?:s3\s++|gcs\s++)?bucket\s++(?:named\s++|called\s++)?"
                     r"([a-z0-9]++(?:[.-][a-z0-9]++)++)", re.I)
# on a line about the state (`State Backend: S3+DynamoDB (bucket `acme-payments-tfstate`, lock table ...)`)
_STATE_LINE = re.compile(r"\b(?:state|tfstate)\b", re.I)
_NAMED_BUCKET = re.compile(r"\bbucket\s++(?:named\s++|called\s++)?([a-z0-9]++(?:[.-][a-z0-9]++)++)(?![\w<{-])", re.I)
_TABLE = re.compile(r"\b(?:dynamodb|lock(?:ing)?)\s++table\s++(?:named\s++|called\s++)?([A-Za-z0-9]++(?:[_.-][A-Za-z0-9]++)++)",
                    re.I)
_REGION = re.compile(r"\bregion\s*+:?\s*+([a-z]{2}(?:-[a-z]+)+-\d)", re.I)
# azurerm: `existing storage account `stclaimstfstate` in resource group `rg-claims-tfstate`` on a line about the state
_STORAGE_ACCOUNT = re.compile(r"\b(?i:storage\s++account)\s++(?:named\s++|called\s++)?([a-z0-9]{3,24})(?![\w-])")
_RESOURCE_GROUP = re.compile(r"\bresource\s++group\s++(?:named\s++|called\s++)?([A-Za-z0-9][\w.-]{0,88}\w)(?![\w.-])", re.I)


# the S3 endpoint of a DigitalOcean Spaces region (`https://fra1.digitaloceanspaces.com`)
_SPACES_ENDPOINT = re.compile(r"https://([a-z]{3}\d)\.digitaloceanspaces\.com\b")


def _spaces_endpoint(c: Context) -> None:
    """The Spaces endpoint a line about the state names: the deployment region's is the one every backend names;
    another region's is reported."""
    region = c.values.get("region", "")
    for number, raw in enumerate(c.plan.lines, 1):
        m = _SPACES_ENDPOINT.search(raw)
        if m is None or not _STATE_LINE.search(plain(raw)):
            continue
        if m.group(1) == region:
            c.applied(number, m.group(0), "state_backend")
        else:
            c.unapplied(number, m.group(0), f"the state lives in the Spaces of the deployment region, {region}: every "
                        f"backend names https://{region}.digitaloceanspaces.com")


def decide_state_names(c: Context) -> None:
    """Set `state_bucket_name`, `lock_table_name`, `existing_state_region` and `state_resource_group_name` from the
    plan's lines."""
    c.default("state_bucket_name", "", "the plan names no state bucket: planforge names it after the project")
    c.default("lock_table_name", "", "the state lock is planforge's to name")
    c.default("existing_state_region", "", "the state lives in the deployment region")
    c.default("state_resource_group_name", "", "the plan names no state resource group: planforge names it")
    if c.values.get("state_backend") == "azurerm":
        _azurerm_names(c)
        return
    if c.values.get("state_backend") not in ("s3", "gcs"):
        return
    if c.values.get("cloud") == "digitalocean":
        _spaces_endpoint(c)
    found = _first(_BUCKET, c) or _on_state_line(_NAMED_BUCKET, c)
    if found is None:
        return
    name = _set(c, "state_bucket_name", *found)
    table = _first(_TABLE, c)
    if table and c.values.get("state_backend") == "s3" and c.values.get("state_locking") == "dynamodb":
        _set(c, "lock_table_name", *table)
    if c.values.get("state_bootstrap", True):
        return
    # the region of a line naming the bucket (`reuse `acme-terraform-state-eu` (region eu-west-1)`)
    for number, raw in enumerate(c.plan.lines, 1):
        m = _REGION.search(plain(raw))
        if m and name in plain(raw) and m.group(1) != c.values.get("region"):
            c.set("existing_state_region", m.group(1).lower(), _cite(c, number, m.group(0)))
            break


def _azurerm_names(c: Context) -> None:
    """The storage account (`state_bucket_name`) and resource group of the azurerm state a line about it names."""
    account = _on_state_line(_STORAGE_ACCOUNT, c)
    if account is None:
        return
    _set(c, "state_bucket_name", *account)
    group = _RESOURCE_GROUP.search(account[1].text)
    if group is not None:
        _set(c, "state_resource_group_name", group, account[1])


def _first(pattern: re.Pattern[str], c: Context) -> tuple[re.Match[str], Passage] | None:
    """The first match of `pattern` in the plan's passages (a paragraph's wrapped lines read as one), with its passage."""
    for p in passages(c.plan, every_section=True):
        m = pattern.search(p.text)
        if m:
            return m, p
    return None


def _on_state_line(pattern: re.Pattern[str], c: Context) -> tuple[re.Match[str], Passage] | None:
    """The first match of `pattern` on a plan line about the Terraform state, with that line as its passage."""
    for number, raw in enumerate(c.plan.lines, 1):
        text = plain(raw)
        m = pattern.search(text) if _STATE_LINE.search(text) else None
        if m is not None:
            return m, Passage(text=text, starts=((0, number),))
    return None


def _set(c: Context, answer: str, m: re.Match[str], p: Passage) -> str:
    """Set `answer` to the name `m` found in passage `p`; the name."""
    c.set(answer, m.group(1), _cite(c, p.line_at(m.start(1)), m.group(1)))
    return m.group(1)


def _cite(c: Context, line: int, words: str) -> Provenance:
    c.applied(line, words, "state")
    return Provenance(source="plan", line=line, text=tx.quote(c.line_text(line)))
