"""The Terraform blueprint (blueprints/terraform -> DEST/terraform), rendered by plain Copier.

Answers come from `decide()` on the shared and real plans (plus hand-made Answers for the
variants no plan covers), rendered once per session. Every rendered tree is checked with
the real tools, offline against the provider mirror:
- `terraform fmt -check -recursive` on every tree;
- `terraform init -backend=false && terraform validate` literally in one root, and on every
  AWS root of every scenario through one harness configuration that calls each
  root as a module with the values of its own tfvars (one provider schema load instead of one
  per root: each load costs ~600 MB and several seconds);
- `terraform test` on every distinct module.
Content is asserted by parsing the HCL (python-hcl2).
"""
from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from testlib import PLANS, REAL_PLANS, REPO, SHARED_TF_MIRROR, copy_template, render_copy, require_tool

from planforge import layout
from planforge.layout import terraform_modules

# One worker renders the scenarios (`rendered`, about 40 s): spread over two, each would render them all.
pytestmark = pytest.mark.xdist_group("terraform-blueprint")


# name -> plan file (decided) ; hand-made variants are built in `_variant_answers`.
PLAN_SCENARIOS = {
    "single-iac": PLANS / "aws-single-iac.plan.md",
    "multi-tool": PLANS / "aws-eks-argocd.plan.md",
    "multi-tenant": PLANS / "multi-tenant-saas.plan.md",
    "keygraphhq": REAL_PLANS / "keygraphhq--shannon--009-terraform-infrastructure.plan.md",
    # the radioso plan with Compute Engine for Cloud Run (the VM path of a GCP plan; the real plan runs on Cloud Run)
    "radioso-gcp": PLANS / "tools" / "gcp-compute-engine.plan.md",
    "jnroesch-azure": REAL_PLANS / "jnroesch--juggerhub--015-hosting.plan.md",
    "ticketing": PLANS / "ticketing-eks.plan.md",  # the plan's figures: 8-24 m6i.xlarge nodes, PostgreSQL 16, 35 days
    "doks": PLANS / "doks-argocd.plan.md",  # DigitalOcean: DOKS, managed PostgreSQL, Spaces state
    "oke": PLANS / "oke-argocd.plan.md",  # Oracle Cloud: OKE, OCI Database with PostgreSQL, Object Storage state
    "ecs": PLANS / "aws-ecs-fargate.plan.md",  # Terraform only: two applications on ECS Fargate, RDS PostgreSQL
}
VARIANTS = ("lockfile", "hundred-tenants", "azure-tenants", "gcp-tenants", "figures", "figures-azure", "figures-gcp",
            "options", "options-tenants", "options-azure", "options-gcp", "workspaces")
AWS_SCENARIOS = ("single-iac", "multi-tool", "multi-tenant", "keygraphhq", "lockfile", "hundred-tenants", "figures",
                 "options", "options-tenants", "workspaces", "ticketing", "ecs")
OTHER_CLOUD_SCENARIOS = ("radioso-gcp", "jnroesch-azure", "azure-tenants", "gcp-tenants", "figures-azure", "figures-gcp",
                         "options-azure", "options-gcp")
# the cluster options a plan states: system/user pools, a public API endpoint limited to CIDRs, a static ingress IP
OPTIONS = {"node_pools": "system-user", "api_endpoint": "public", "api_authorized_cidrs": ["203.0.113.0/24", "2001:db8::/48"],
           "static_ingress_ip": True}


# --------------------------------------------------------------------------- helpers
def unquote(value: object) -> object:
    """python-hcl2 keeps the quotes of string literals (and of block labels)."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def load_hcl(path: Path) -> dict:
    return parse_hcl(path.read_text())


@functools.lru_cache(maxsize=None)
def parse_hcl(text: str) -> dict:
    """Parsed once per distinct content: the 100 tenant roots share most of their files."""
    import hcl2

    return hcl2.loads(text)


def blocks(doc: dict, kind: str) -> dict[str, dict]:
    """`resource`/`module`/`variable`/... blocks keyed by their (unquoted) labels."""
    found: dict[str, dict] = {}
    for entry in doc.get(kind, []):
        for label, body in entry.items():
            if label.startswith("__"):
                continue
            if kind == "resource":
                for name, inner in body.items():
                    found[f"{unquote(label)}.{unquote(name)}"] = inner
            else:
                found[str(unquote(label))] = body
    return found


def tf_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".tf", ".hcl", ".tfvars"}
                  and ".terraform" not in p.parts)


def roots(terraform_dir: Path) -> list[Path]:
    """Every Terraform root (a directory with versions.tf that is not a module)."""
    return sorted(p.parent for p in terraform_dir.rglob("versions.tf")
                  if "modules" not in p.relative_to(terraform_dir).parts and ".terraform" not in p.parts)


def modules(terraform_dir: Path) -> list[Path]:
    return sorted(p for p in (terraform_dir / "modules").iterdir() if p.is_dir())


REQUIRED_VERSION = re.compile(rb"^\s*required_version\s*=.*$", re.M)


def config_digest(root: Path, *, skip_backend: bool, any_required_version: bool = False) -> str:
    """Digest of what `terraform validate`/`test` reads; identical roots are checked once. With
    `any_required_version`, the `required_version` lines are left out: one terraform binary runs the tests, and a
    module differing only there (each scenario's `>= 1.6`, `>= 1.7`, ...) tests the same code (the harness's init
    checks every constraint, test_pins_and_tags their text)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or ".terraform" in rel.parts or path.name == ".terraform.lock.hcl":
            continue
        if path.suffix == ".tfvars" or (skip_backend and (path.name == "backend.tf" or path.suffix == ".hcl")):
            continue
        content = path.read_bytes()
        if any_required_version and path.name == "versions.tf":
            content = REQUIRED_VERSION.sub(b"", content)
        digest.update(rel.as_posix().encode() + b"\0" + content + b"\0")
    # A root depends on the modules it calls by relative path.
    # (../../modules from environments/<env>/ and tenants/<t>/, ../modules from live/)
    modules_dir = next((p / "modules" for p in root.parents if (p / "modules").is_dir()), None)
    if modules_dir is not None and root.parent.name != "modules":
        for path in sorted(modules_dir.rglob("*.tf")):
            digest.update(path.relative_to(modules_dir).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _variant_answers(name: str):
    from planforge.decide.answers import Answers

    base = dict(project_name="variant", structure="single-iac", blueprints=["terraform"], cloud="aws",
                iac_tool="terraform", state_backend="s3", environments=["dev", "prod"])
    if name == "lockfile":  # S3 lock files, and a multi-tool repository with a database
        return Answers(**{**base, "structure": "multi-tool", "kubernetes_distribution": "eks",
                          "state_locking": "lockfile", "database_engine": "mysql", "database_version": "8.0"})
    tenant_base = {**base, "structure": "multi-tenant", "kubernetes_distribution": "none", "state_locking": "dynamodb"}
    if name == "hundred-tenants":  # one environment keeps the render time down
        return Answers(**{**tenant_base, "environments": ["prod"], "tenants": [f"org-{i:03d}" for i in range(100)]})
    if name == "azure-tenants":  # also the one-tenant case
        return Answers(**{**tenant_base, "cloud": "azure", "state_backend": "azurerm", "state_locking": "native",
                          "region": "westeurope", "data_residency": "eu", "kubernetes_distribution": "aks",
                          "tenants": ["solo"], "compliance": ["hipaa"]})
    if name == "gcp-tenants":
        return Answers(**{**tenant_base, "cloud": "gcp", "state_backend": "gcs", "state_locking": "native",
                          "kubernetes_distribution": "gke", "tenants": ["east", "west"], "rpo_minutes": 30})
    if name == "workspaces":  # one root selected per environment with `terraform workspace`
        return Answers(**{**base, "structure": "multi-tool", "kubernetes_distribution": "eks", "state_locking": "dynamodb",
                          "database_engine": "postgres", "terraform_roots": "workspaces"})
    if name.startswith("figures"):  # the plan states node ranges, types and database figures
        clouds = {"figures": {}, "figures-azure": {"cloud": "azure", "state_backend": "azurerm", "state_locking": "native",
                                                   "region": "westeurope", "kubernetes_distribution": "aks"},
                  "figures-gcp": {"cloud": "gcp", "state_backend": "gcs", "state_locking": "native",
                                  "kubernetes_distribution": "gke", "database_engine": "mysql", "database_version": "8.0"}}
        return Answers(**{**base, "structure": "multi-tool", "kubernetes_distribution": "eks", "state_locking": "dynamodb",
                          "database_engine": "postgres", "database_version": "16.4", "database_storage_gb": 100,
                          "rpo_minutes": 5, "rto_minutes": 30, "backup_retention_days": 35,
                          "environment_sizing": [{"name": "prod", "min_size": 8, "max_size": 24, "instance_type": "m6i.xlarge"}],
                          **clouds[name]})
    if name.startswith("options"):
        clouds = {"options": {}, "options-azure": {"cloud": "azure", "state_backend": "azurerm", "state_locking": "native",
                                                   "region": "westeurope", "kubernetes_distribution": "aks"},
                  "options-gcp": {"cloud": "gcp", "state_backend": "gcs", "state_locking": "native",
                                  "kubernetes_distribution": "gke"},
                  # authorized ranges without CIDRs: a required variable
                  "options-tenants": {"structure": "multi-tenant", "tenants": ["acme"], "api_authorized_cidrs": []}}
        return Answers(**{**base, "structure": "multi-tool", "kubernetes_distribution": "eks", "state_locking": "dynamodb",
                          "customer_managed_kms": True, "database_engine": "postgres", "database_version": "16",
                          "environment_sizing": [{"name": "prod", "min_size": 3, "max_size": 9, "instance_type": "m6i.xlarge"}],
                          **OPTIONS, **clouds[name]})
    raise KeyError(name)


@functools.lru_cache(maxsize=None)
def answers_for(name: str):
    if name in PLAN_SCENARIOS:
        from planforge.decide import decide
        from planforge.plan import parse_plan

        return decide(parse_plan(PLAN_SCENARIOS[name])).answers
    return _variant_answers(name)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template with the Terraform blueprint only, copied out of the working tree (other blueprints are
    excluded by the answers anyway, and a copy keeps Copier from cloning the whole repo)."""
    if not (REPO / "copier.yml").is_file():
        pytest.fail("copier.yml is missing at the repository root")
    return copy_template(tmp_path_factory.mktemp("template"), ("terraform",))


@pytest.fixture(scope="session")
def rendered(template_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Scenario name -> rendered DEST/terraform, each rendered once per session."""
    out: dict[str, Path] = {}
    for name in [*PLAN_SCENARIOS, *VARIANTS]:
        answers = answers_for(name)
        assert "terraform" in answers.blueprints, f"{name}: decide() chose no terraform blueprint"
        data = {**answers.to_copier_data(), "blueprints": ["terraform"]}
        dest = tmp_path_factory.mktemp(name)
        render_copy(template_dir, dest, data)
        out[name] = dest / layout.dirs(data)["terraform"]  # where the plan's tree puts it (infra/terraform ...)
    return out


@pytest.fixture(scope="session")
def tf_env(tf_mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for offline terraform: the provider mirror only, no network installs."""
    require_tool("terraform")
    config = tmp_path_factory.mktemp("tfcli") / "terraform.rc"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{tf_mirror.as_posix()}"\n'
        '    include = ["registry.terraform.io/*/*"]\n  }\n'
        '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n'
    )
    return {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0"}


def hcl_literal(value: object) -> str:
    """A tfvars value (as python-hcl2 returns it) written back as HCL."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value  # python-hcl2 keeps string quotes
    return json.dumps(value)


def root_values(root: Path) -> dict[str, object]:
    """The values a root is planned with: terraform.tfvars, or its first <env>.tfvars (or envs/<env>.tfvars)."""
    files = ([root / "terraform.tfvars"] if (root / "terraform.tfvars").is_file()
             else (sorted(root.glob("*.tfvars")) or sorted(root.glob("envs/*.tfvars")))[:1])
    assert files, f"{root}: no tfvars"
    return {k: v for k, v in load_hcl(files[0]).items() if not k.startswith("__")}


# what a user sets (TF_VAR_...) when the plan leaves a value to fill in
FILLED_IN = {"api_authorized_cidrs": '["203.0.113.0/24"]'}


def write_harness(dest: Path, found: list[Path]) -> Path:
    """A configuration calling every root as a module, so one `terraform validate` checks them all."""
    dest.mkdir(parents=True, exist_ok=True)
    lines = ['terraform {', '  required_providers {', '    aws = {', '      source  = "hashicorp/aws"',
             '      version = "~> 5.0"', '    }', '  }', '}']
    for index, root in enumerate(found):
        lines += ["", f'module "root_{index}" {{', f'  source = "{os.path.relpath(root, dest)}"']
        lines += [f"  {key} = {hcl_literal(value)}" for key, value in root_values(root).items()]
        lines += [f"  {key} = {value}" for key, value in FILLED_IN.items()
                  if key in blocks(load_hcl(root / "variables.tf"), "variable")]
        lines.append("}")
    (dest / "main.tf").write_text("\n".join(lines) + "\n")
    return dest


def init_and_validate(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    init = run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], root, env)
    return init if init.returncode else run(["terraform", "validate", "-no-color"], root, env)


# --------------------------------------------------------------------------- every tree
@pytest.mark.slow
@pytest.mark.parametrize("name", [*PLAN_SCENARIOS, *VARIANTS])
def test_fmt_clean(name: str, rendered: dict[str, Path]) -> None:
    require_tool("terraform")
    result = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-diff", "-no-color", "."],
                            cwd=rendered[name], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", [*PLAN_SCENARIOS, *VARIANTS])
def test_every_file_parses_and_variables_are_typed_and_described(name: str, rendered: dict[str, Path]) -> None:
    for path in tf_files(rendered[name]):
        doc = load_hcl(path)
        for var_name, body in blocks(doc, "variable").items():
            assert "type" in body, f"{path}: variable {var_name} has no type"
            assert unquote(body.get("description", "")), f"{path}: variable {var_name} has no description"


# The characters AWS accepts in a security group's or a security group rule's description (the provider does not
# check them: CreateSecurityGroup fails mid-apply with InvalidParameterValue); interpolations are left out.
SG_DESCRIPTION = re.compile(r"[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]*")
SG_RESOURCES = ("aws_security_group.", "aws_vpc_security_group_ingress_rule.", "aws_vpc_security_group_egress_rule.",
                "aws_security_group_rule.")


@pytest.mark.parametrize("name", AWS_SCENARIOS)
def test_security_group_descriptions_use_only_the_characters_aws_accepts(name: str, rendered: dict[str, Path]) -> None:
    for path in tf_files(rendered[name]):
        for address, body in blocks(load_hcl(path), "resource").items():
            description = unquote(body.get("description", "")) if address.startswith(SG_RESOURCES) else ""
            literal = re.sub(r"\$\{[^}]*\}", "", str(description))
            assert SG_DESCRIPTION.fullmatch(literal), f"{path}: {address} description {description!r}"


@pytest.mark.parametrize("name", [*PLAN_SCENARIOS, *VARIANTS])
def test_modules_are_local_and_complete(name: str, rendered: dict[str, Path]) -> None:
    terraform = rendered[name]
    for module in modules(terraform):
        for required in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
            assert (module / required).is_file(), f"{module.name}: {required} missing"
        assert list((module / "tests").glob("*.tftest.hcl")), f"{module.name}: no terraform test"
    for path in tf_files(terraform):
        for call in blocks(load_hcl(path), "module").values():
            source = unquote(call["source"])
            assert source.startswith("../"), f"{path}: module source {source} is not local"
            assert (path.parent / source).resolve().is_dir(), f"{path}: {source} does not exist"


def declared(directory: Path, kind: str) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path in directory.glob("*.tf"):
        found.update(blocks(load_hcl(path), kind))
    return found


@pytest.mark.parametrize("name", [*PLAN_SCENARIOS, *VARIANTS])
def test_module_calls_tfvars_and_references_match_declarations(name: str, rendered: dict[str, Path]) -> None:
    """What `terraform validate` would catch, checked offline for every cloud: module
    arguments are declared inputs and required inputs are passed, referenced module outputs
    exist, every var.* is declared, every tfvars key is a variable of its root."""
    terraform = rendered[name]
    dirs = sorted({p.parent for p in terraform.rglob("*.tf") if "tests" not in p.parts})
    for directory in dirs:
        variables = declared(directory, "variable")
        text = "\n".join(p.read_text() for p in directory.glob("*.tf"))
        for ref in set(re.findall(r"\bvar\.([a-z0-9_]+)", text)):
            assert ref in variables, f"{directory}: var.{ref} is not declared"
        calls = declared(directory, "module")
        for call_name, call in calls.items():
            target = (directory / unquote(call["source"])).resolve()
            inputs = declared(target, "variable")
            arguments = {k for k in call if not k.startswith("__")} - {"source", "count", "for_each", "depends_on", "providers"}
            assert not arguments - set(inputs), f"{directory}: module {call_name} has unknown inputs {arguments - set(inputs)}"
            missing = {v for v, body in inputs.items() if "default" not in body} - arguments
            assert not missing, f"{directory}: module {call_name} misses required inputs {missing}"
            outputs = set(declared(target, "output"))
            for ref in set(re.findall(rf"\bmodule\.{call_name}(?:\[0\])?\.([a-z0-9_]+)", text)):
                assert ref in outputs, f"{directory}: module.{call_name}.{ref} is not an output of {target.name}"
        for values in [*directory.glob("*.tfvars"), *directory.glob("envs/*.tfvars")]:
            keys = {k for k in load_hcl(values) if not k.startswith("__")}
            assert keys <= set(variables), f"{values}: undeclared {keys - set(variables)}"


@pytest.mark.parametrize("name", [*PLAN_SCENARIOS, *VARIANTS])
def test_pins_and_tags(name: str, rendered: dict[str, Path]) -> None:
    answers = answers_for(name)
    provider, version = {"aws": ("aws", "~> 5.0"), "azure": ("azurerm", "~> 4.42"), "gcp": ("google", "~> 6.11"),
                         "digitalocean": ("digitalocean", "~> 2.50"), "oci": ("oci", "~> 8.0")}[answers.cloud]
    # Roots: the plan's version, raised to 1.10 when S3 lock files (use_lockfile) need it (not on Spaces or Object Storage: no lock).
    root_lower = answers.terraform_version
    if answers.state_backend == "s3" and answers.state_locking != "dynamodb" and answers.cloud not in ("digitalocean", "oci"):
        root_lower = max(root_lower, "1.10", key=lambda v: tuple(int(x) for x in v.split(".")))
    terraform = rendered[name]
    for root in [*roots(terraform), *modules(terraform)]:
        settings = load_hcl(root / "versions.tf")["terraform"][0]
        lower = answers.terraform_version if root.parent.name == "modules" else root_lower
        assert unquote(settings["required_version"]) == f">= {lower}", root
        pins = settings["required_providers"][0]
        assert set(k for k in pins if not k.startswith("__")) == {provider}, root
        assert unquote(pins[provider]["version"]) == version, root
    for root in roots(terraform):
        provider_block = blocks(load_hcl(root / "providers.tf"), "provider")[provider]
        if provider == "aws":
            tags = provider_block["default_tags"][0]["tags"]
        elif provider == "google":
            tags = provider_block["default_labels"]
        elif provider == "digitalocean":  # plain `key:value` strings; the bootstrap's bucket and registry take none
            if root.name == "bootstrap":
                continue
            tags = {unquote(tag).split(":")[0] for tag in load_hcl(root / "main.tf")["locals"][0]["tags"]}
            assert re.search(r"\btags\s+= local\.tags", (root / "main.tf").read_text()), root
        elif provider == "oci":  # freeform tags, passed to every resource that takes them
            tags = load_hcl(root / "main.tf")["locals"][0]["freeform_tags"]
            assert re.search(r"\bfreeform_tags\s+= local\.freeform_tags", (root / "main.tf").read_text()), root
        else:  # azurerm has no provider-level default tags: each root passes local.tags everywhere
            tags = load_hcl(root / "main.tf")["locals"][0]["tags"]
            assert "tags = local.tags" in (root / "main.tf").read_text(), root
        assert {"project", "environment", "tenant"} <= set(tags), root


def test_no_plaintext_secrets(rendered: dict[str, Path]) -> None:
    pattern = re.compile(r'^\s*(password|admin_password|administrator_password|master_password)\s*=', re.M)
    for terraform in rendered.values():
        # a module test's mocked provider may return a made-up password for an attribute; nothing deploys it
        for path in (p for p in tf_files(terraform) if "tests" not in p.relative_to(terraform).parts):
            assert not pattern.search(path.read_text()), f"{path}: a password is set in code"


# --------------------------------------------------------------------------- AWS: real tools
@pytest.mark.slow
def test_aws_root_validates_offline_literally(rendered: dict[str, Path], tf_env: dict[str, str]) -> None:
    """The documented command, run as a user would, in one root (the harness below covers all)."""
    result = init_and_validate(rendered["single-iac"] / "environments" / "prod", tf_env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_every_aws_root_validates_offline(rendered: dict[str, Path], tf_env: dict[str, str],
                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    found: list[Path] = []
    seen: set[str] = set()
    for name in AWS_SCENARIOS:
        scenario_roots = roots(rendered[name])
        assert rendered[name] / "bootstrap" in scenario_roots, name
        for root in scenario_roots:
            key = config_digest(root, skip_backend=True)
            if key not in seen:  # identical tenant roots (and repeated roots across scenarios) once
                seen.add(key)
                found.append(root)
    harness = write_harness(tmp_path_factory.getbasetemp() / "validate-harness", found)
    result = init_and_validate(harness, tf_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(found) >= 12


@pytest.mark.slow
def test_harness_catches_a_broken_root(rendered: dict[str, Path], tf_env: dict[str, str], tmp_path: Path) -> None:
    """The harness validation can fail: an environment root passing an unknown module input."""
    tree = tmp_path / "terraform"
    shutil.copytree(rendered["single-iac"], tree, ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl"))
    main = tree / "environments" / "dev" / "main.tf"
    main.write_text(main.read_text().replace("  az_count           = var.az_count\n",
                                             "  az_count           = var.az_count\n  zones = 3\n"))
    result = init_and_validate(write_harness(tmp_path / "harness", [tree / "environments" / "dev"]), tf_env)
    assert result.returncode != 0
    assert 'An argument named "zones" is not expected here' in result.stdout + result.stderr


@pytest.mark.slow
def test_aws_module_tests_pass_offline(rendered: dict[str, Path], tf_env: dict[str, str]) -> None:
    distinct: dict[str, Path] = {}
    for name in AWS_SCENARIOS:
        for module in modules(rendered[name]):
            # 13 rendered variants are 5 modules under 3 required_version lines: 83 s -> 35 s
            distinct.setdefault(config_digest(module, skip_backend=False, any_required_version=True), module)

    def init_and_test(module: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
        init = run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], module, tf_env)
        return module, init if init.returncode else run(["terraform", "test", "-no-color"], module, tf_env)

    # terraform test waits on provider plugin start-up a lot: two at a time overlap those waits.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(init_and_test, distinct.values()))
    for module, result in results:
        assert result.returncode == 0, f"{module}:\n{result.stdout}\n{result.stderr}"
        assert re.search(r"Success! [1-9][0-9]* passed, 0 failed", result.stdout), result.stdout
    tested = {module.name for module, _ in results}
    # database and rds are the same module under the name each layout uses: tested once.
    assert {"vpc", "compute", "kms", "eks"} <= tested and {"database", "rds"} & tested


@pytest.mark.slow
def test_module_tests_catch_a_regression(rendered: dict[str, Path], tf_env: dict[str, str], tmp_path: Path) -> None:
    """The module tests can fail: a database module that ignores multi_az is caught."""
    broken = tmp_path / "database"
    shutil.copytree(rendered["single-iac"] / "modules" / "database", broken,
                    ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl"))
    main = broken / "main.tf"
    source = main.read_text()
    assert "multi_az               = var.multi_az" in source
    main.write_text(source.replace("multi_az               = var.multi_az", "multi_az               = false"))
    init = run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], broken, tf_env)
    assert init.returncode == 0, init.stdout + init.stderr
    result = run(["terraform", "test", "-no-color"], broken, tf_env)
    assert result.returncode != 0
    assert "Production database must be Multi-AZ." in result.stdout + result.stderr


@pytest.mark.parametrize("name", OTHER_CLOUD_SCENARIOS)
def test_other_clouds_pass_planforge_terraform_checks(name: str, rendered: dict[str, Path], tf_mirror: Path) -> None:
    """`planforge validate --strict` must be clean on Azure/GCP output too: its terraform validator
    (fmt, HCL static checks such as a required variable missing from terraform.tfvars) reports
    no error, and only `terraform validate` is skipped for the missing provider. Identity values
    kept out of the repository (subscription, project, admin group, SSH key) default to null and
    are enforced by a validation rule (or, for the subscription, by ARM_SUBSCRIPTION_ID). With the packed
    mirror beside the repository (azurerm), the Azure roots' `terraform validate` runs too, without a warning."""
    require_tool("terraform")
    from planforge.validate.base import Settings, Severity, Status
    from planforge.validate.runner import run_validation

    packed = [SHARED_TF_MIRROR] if (SHARED_TF_MIRROR / "registry.terraform.io").is_dir() else []
    settings = Settings(strict=True, terraform_plugin_mirrors=[tf_mirror, *packed], jobs=2)
    checks = run_validation([rendered[name]], settings, only=["terraform"])
    assert checks, f"{name}: the terraform validator found no root"
    errors = [f"{f.file}:{f.line} [{f.rule}] {f.message}" for c in checks for f in c.findings
              if f.severity is Severity.ERROR]
    assert errors == []
    validated = [c for c in checks if c.name == "validate"]
    if packed and "azure" in name:
        assert validated and all(c.status is Status.PASSED and not c.findings for c in validated), validated
    if "gcp" in name:  # the google provider cannot be had offline: skipped, and the reason names it
        assert validated and all(c.status is Status.SKIPPED and "google" in (c.reason or "") for c in validated), validated
    identity = {"subscription_id", "project_id", "database_admin_group_object_id", "admin_ssh_public_key"}
    for root in roots(rendered[name]):
        for var_name, body in declared(root, "variable").items():
            if var_name in identity:
                assert body.get("default", "missing") is None, f"{root}: {var_name} must default to null"
                if var_name != "subscription_id":
                    assert body.get("validation"), f"{root}: {var_name} needs a non-null validation rule"


# --------------------------------------------------------------------------- plan fidelity
def tfvars(path: Path) -> dict:
    return {k: unquote(v) for k, v in load_hcl(path).items() if not k.startswith("__")}


def test_single_iac_sizing_per_environment(rendered: dict[str, Path]) -> None:
    envs = rendered["single-iac"] / "environments"
    assert sorted(p.name for p in envs.iterdir()) == ["dev", "prod", "staging"]
    prod, staging, dev = (tfvars(envs / e / "terraform.tfvars") for e in ("prod", "staging", "dev"))
    # Components table: t3.large in dev/staging, m6i.xlarge in production; Multi-AZ and
    # one NAT gateway per AZ in production only.
    assert (dev["instance_type"], staging["instance_type"], prod["instance_type"]) == ("t3.large", "t3.large", "m6i.xlarge")
    assert prod["multi_az"] is True and dev["multi_az"] is False and staging["multi_az"] is False
    assert prod["nat_gateway_per_az"] is True and dev["nat_gateway_per_az"] is False
    assert prod["deletion_protection"] is True and dev["deletion_protection"] is False
    # SOC2 -> customer-managed KMS and access logging; RPO 1h -> backups (PITR) everywhere.
    assert all(v["customer_managed_kms"] is True and v["access_logging"] is True for v in (dev, staging, prod))
    assert all(v["backup_retention_days"] >= 1 for v in (dev, staging, prod))
    # Data residency EU pins the region.
    assert prod["region"] == "eu-west-1"
    region = blocks(load_hcl(envs / "prod" / "variables.tf"), "variable")["region"]
    assert 'startswith(var.region, "eu-")' in str(region["validation"])
    main = load_hcl(envs / "prod" / "main.tf")
    calls = blocks(main, "module")
    assert set(calls) == {"kms", "vpc", "compute", "database"}
    assert calls["database"]["kms_key_arn"] == "${local.kms_key_arn}"
    assert "module.kms[0].key_arn" in main["locals"][0]["kms_key_arn"]
    assert calls["database"]["multi_az"] == "${var.multi_az}"


def test_backends_one_state_per_environment(rendered: dict[str, Path]) -> None:
    keys = []
    for name in ("single-iac", "multi-tool", "keygraphhq"):
        for env in (rendered[name] / "environments").iterdir():
            backend = load_hcl(env / "backend.tf")["terraform"][0]["backend"][0]['"s3"']
            assert unquote(backend["key"]) == f"environments/{env.name}/terraform.tfstate"
            assert backend["encrypt"] is True and unquote(backend["dynamodb_table"]).endswith("-tflock")
            keys.append((name, unquote(backend["key"])))
    assert len(keys) == len(set(keys))
    lockfile = load_hcl(rendered["lockfile"] / "environments" / "dev" / "backend.tf")
    s3 = lockfile["terraform"][0]["backend"][0]['"s3"']
    assert s3["use_lockfile"] is True and "dynamodb_table" not in s3


def test_workspaces_one_root_keyed_per_workspace_refusing_the_default(rendered: dict[str, Path]) -> None:
    terraform = rendered["workspaces"]
    assert roots(terraform) == [terraform / "bootstrap", terraform / "live"]
    assert not (terraform / "environments").exists()
    live = terraform / "live"
    assert sorted(p.name for p in (live / "envs").iterdir()) == ["dev.tfvars", "prod.tfvars"]
    backend = load_hcl(live / "backend.tf")["terraform"][0]["backend"][0]['"s3"']
    assert unquote(backend["key"]) == "terraform.tfstate"
    assert unquote(backend["workspace_key_prefix"]) == "environments"
    workspace = load_hcl(live / "workspace.tf")
    assert workspace["locals"][0]["environment"] == "${terraform.workspace}"
    guard = blocks(workspace, "resource")["terraform_data.workspace_guard"]["lifecycle"][0]["precondition"][0]
    assert guard["condition"] == '${contains(["dev", "prod"], terraform.workspace)}'
    assert "environment" not in declared(live, "variable")
    text = (live / "main.tf").read_text() + (live / "providers.tf").read_text()
    assert "var.environment" not in text and "local.environment" in text
    assert '"../modules/eks"' in text
    prod, dev = tfvars(live / "envs" / "prod.tfvars"), tfvars(live / "envs" / "dev.tfvars")
    assert "environment" not in prod and prod["multi_az"] is True and dev["multi_az"] is False


@pytest.mark.slow
def test_workspaces_root_validates_and_refuses_the_default_workspace(rendered: dict[str, Path], tf_env: dict[str, str],
                                                                    tmp_path: Path) -> None:
    """`terraform validate` passes in the one root; a plan in the default workspace stops at the guard,
    one in an environment's workspace passes it (the guard alone: no cloud credentials needed)."""
    result = init_and_validate(rendered["workspaces"] / "live", tf_env)
    assert result.returncode == 0, result.stdout + result.stderr
    guard = tmp_path / "guard"
    guard.mkdir()
    shutil.copy(rendered["workspaces"] / "live" / "workspace.tf", guard)
    assert run(["terraform", "init", "-input=false", "-no-color"], guard, tf_env).returncode == 0
    plan = ["terraform", "plan", "-input=false", "-no-color"]
    refused = run(plan, guard, tf_env)
    assert refused.returncode != 0
    assert 'Workspace "default" is no environment' in refused.stdout + refused.stderr
    assert run(["terraform", "workspace", "new", "-no-color", "dev"], guard, tf_env).returncode == 0
    accepted = run(plan, guard, tf_env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr


@pytest.mark.slow
def test_planforge_validate_checks_the_one_root_and_its_envs(rendered: dict[str, Path], tf_mirror: Path,
                                                           tmp_path: Path) -> None:
    """`planforge validate --strict` finds terraform/live as a root, runs terraform validate on it and checks
    envs/<env>.tfvars against its variables: a key no variable declares is an error at its line."""
    require_tool("terraform")
    from planforge.validate.base import Settings, Severity, Status
    from planforge.validate.runner import run_validation

    settings = Settings(strict=True, terraform_plugin_mirrors=[tf_mirror], jobs=2)
    checks = run_validation([rendered["workspaces"]], settings, only=["terraform"])
    live = [c for c in checks if c.target.endswith("live")]
    assert {c.name for c in live if c.status is Status.PASSED} >= {"validate"}, live
    assert [f for c in checks for f in c.findings if f.severity is Severity.ERROR] == []
    tree = tmp_path / "terraform"
    shutil.copytree(rendered["workspaces"], tree, ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl"))
    dev = tree / "live" / "envs" / "dev.tfvars"
    dev.write_text(dev.read_text() + 'environment = "dev"\n')
    checks = run_validation([tree], settings, only=["terraform"])
    errors = [f for c in checks for f in c.findings if f.severity is Severity.ERROR]
    assert [(f.rule, Path(f.file or "").name) for f in errors] == [("terraform/tfvars-undeclared", "dev.tfvars")]


def test_bootstrap_creates_a_secure_state_backend(rendered: dict[str, Path]) -> None:
    main = load_hcl(rendered["single-iac"] / "bootstrap" / "main.tf")
    res = blocks(main, "resource")
    assert res["aws_s3_bucket_versioning.state"]["versioning_configuration"][0]["status"] == '"Enabled"'
    sse = res["aws_s3_bucket_server_side_encryption_configuration.state"]["rule"][0]
    assert sse["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == '"aws:kms"'
    assert sse["apply_server_side_encryption_by_default"][0]["kms_master_key_id"] == "${aws_kms_key.state.arn}"
    block = res["aws_s3_bucket_public_access_block.state"]
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                          "restrict_public_buckets"))
    assert res["aws_dynamodb_table.lock"]["hash_key"] == '"LockID"'
    assert tfvars(rendered["single-iac"] / "bootstrap" / "terraform.tfvars")["lock_table_name"].endswith("-tflock")
    # S3 lock files: no lock table is created.
    assert tfvars(rendered["lockfile"] / "bootstrap" / "terraform.tfvars")["lock_table_name"] is None
    for name, kind in (("radioso-gcp", "google_storage_bucket.state"), ("azure-tenants", "azurerm_storage_container.state")):
        assert kind in blocks(load_hcl(rendered[name] / "bootstrap" / "main.tf"), "resource"), name
    # jnroesch: "state storage ... managed outside Terraform" -> no bootstrap root.
    assert not (rendered["jnroesch-azure"] / "bootstrap").exists()


def test_multi_tool_has_a_cluster_per_environment(rendered: dict[str, Path]) -> None:
    terraform = rendered["multi-tool"]
    assert {m.name for m in modules(terraform)} >= {"vpc", "eks", "rds"}
    for env in ("dev", "staging", "prod"):
        calls = blocks(load_hcl(terraform / "environments" / env / "main.tf"), "module")
        assert calls["eks"]["kms_key_arn"] == "${local.kms_key_arn}"
        variables = blocks(load_hcl(terraform / "environments" / env / "variables.tf"), "variable")
        assert unquote(variables["kubernetes_version"]["default"]) == "1.29"
        # PCI-DSS -> customer-managed key.
        assert tfvars(terraform / "environments" / env / "terraform.tfvars")["customer_managed_kms"] is True


def test_multi_tenant_one_root_and_state_per_tenant_and_environment(rendered: dict[str, Path]) -> None:
    terraform = rendered["multi-tenant"]
    assert sorted(p.name for p in (terraform / "tenants").iterdir()) == ["acme", "globex", "initech"]
    assert {p.name for p in (terraform / "shared").iterdir()} >= {"networking", "security", "monitoring"}
    keys = set()
    for stack in [*(terraform / "shared").iterdir(), *(terraform / "tenants").iterdir()]:
        backend = load_hcl(stack / "backend.tf")["terraform"][0]["backend"][0]
        assert '"s3"' in backend  # partial configuration, completed by backend-<env>.hcl
        for env in ("staging", "prod"):
            config = tfvars(stack / f"backend-{env}.hcl")
            keys.add(config["key"])
            assert config["key"].endswith(f"/{stack.name}/{env}/terraform.tfstate")
            assert config["dynamodb_table"].endswith("-tflock") and config["encrypt"] is True
    assert len(keys) == (3 + len(list((terraform / "shared").iterdir()))) * 2
    for tenant in ("acme", "globex", "initech"):
        root = terraform / "tenants" / tenant
        main = load_hcl(root / "main.tf")
        calls = blocks(main, "module")
        assert calls["kms"]["source"] == '"../../modules/kms"'
        assert calls["database"]["kms_key_arn"] == "${module.kms.key_arn}"
        prod, staging = tfvars(root / "prod.tfvars"), tfvars(root / "staging.tfvars")
        assert prod["tenant"] == staging["tenant"] == tenant
        assert prod["multi_az"] is True and staging["multi_az"] is False  # 99.9% uptime: prod only
        assert prod["backup_retention_days"] >= 1  # RPO 15 min -> point-in-time recovery
        variables = blocks(load_hcl(root / "variables.tf"), "variable")
        assert unquote(variables["rpo_minutes"]["default"]) == 15
    # Tenant roots are the same code; only their tfvars and backend configs differ.
    assert (terraform / "tenants/acme/main.tf").read_bytes() == (terraform / "tenants/globex/main.tf").read_bytes()


def test_multi_tenant_scales_from_one_to_a_hundred_tenants(rendered: dict[str, Path]) -> None:
    assert [p.name for p in (rendered["azure-tenants"] / "tenants").iterdir()] == ["solo"]
    hundred = rendered["hundred-tenants"] / "tenants"
    names = sorted(p.name for p in hundred.iterdir())
    assert names == [f"org-{i:03d}" for i in range(100)]
    keys = {tfvars(hundred / n / "backend-prod.hcl")["key"] for n in names}
    assert len(keys) == 100
    assert all(tfvars(hundred / n / "prod.tfvars")["tenant"] == n for n in names)


@pytest.mark.parametrize("name", OTHER_CLOUD_SCENARIOS)
def test_other_clouds_backends_keys_and_sizing(name: str, rendered: dict[str, Path]) -> None:
    answers = answers_for(name)
    terraform = rendered[name]
    backend_kind = {"azure": '"azurerm"', "gcp": '"gcs"'}[answers.cloud]
    key_resource = {"azure": "azurerm_key_vault_key.this", "gcp": "google_kms_crypto_key.this"}[answers.cloud]
    key_module = {"azure": "keyvault", "gcp": "kms"}[answers.cloud]
    found = roots(terraform)
    for root in found:
        if root.name != "bootstrap":
            backend = load_hcl(root / "backend.tf")["terraform"][0]["backend"][0]
            assert backend_kind in backend, root
    if name == "jnroesch-azure":  # "no Key Vault", "PostgreSQL 18 in-cluster"
        assert not (terraform / "modules" / key_module).exists()
        assert not (terraform / "modules" / "database").exists()
        root = terraform / "live"  # "Terraform workspaces + one <env>.tfvars each"
        assert not (terraform / "environments").exists()
        assert sorted(p.name for p in (root / "envs").iterdir()) == [f"{e}.tfvars" for e in answers.environments]
        assert not {"keyvault", "database"} & set(declared(root, "module"))
        return
    # the key module exists exactly when the answers ask for one (Azure: Key Vault secrets or customer-managed keys)
    wanted = key_module in [m["name"] for m in terraform_modules(answers.model_dump())]
    assert wanted == (answers.cloud == "gcp" or answers.structure == "multi-tenant"
                      or answers.secrets_manager == "azure-key-vault" or answers.customer_managed_kms), name
    assert (key_resource in declared(terraform / "modules" / key_module, "resource")) if wanted else \
        not (terraform / "modules" / key_module).exists()
    if answers.structure == "multi-tenant":
        for tenant in answers.tenants:
            root = terraform / "tenants" / tenant
            calls = declared(root, "module")
            assert calls[key_module]["source"] == f'"../../modules/{key_module}"', tenant  # own key per tenant
            assert "module." + key_module in str(calls["database"]), tenant
            prod = tfvars(root / "prod.tfvars")
            assert prod["multi_az"] is True and tfvars(root / "dev.tfvars")["multi_az"] is False
            for env in answers.environments:
                assert tfvars(root / f"backend-{env}.hcl").get("key", tfvars(root / f"backend-{env}.hcl").get("prefix"))
    else:
        for env in answers.environments:
            values = tfvars(terraform / "environments" / env / "terraform.tfvars")
            assert values["multi_az"] is (env == "prod"), (env, values)
        assert "database" in declared(terraform / "environments" / answers.environments[0], "module")


def test_azure_data_residency_pins_the_region(rendered: dict[str, Path]) -> None:
    region = declared(rendered["azure-tenants"] / "tenants" / "solo", "variable")["region"]
    assert 'contains(["westeurope"' in str(region["validation"])
    # HIPAA -> the tenant database encrypts with the tenant's own Key Vault key.
    call = declared(rendered["azure-tenants"] / "tenants" / "solo", "module")["database"]
    assert call["key_id"] == "${module.keyvault.key_id}"


@pytest.mark.parametrize("name", ["figures", "figures-azure", "figures-gcp"])
def test_stated_figures_reach_node_pools_and_the_database(name: str, rendered: dict[str, Path]) -> None:
    """Stated node range and type in production, the blueprint's defaults where none is stated;
    the database pins the stated engine version, takes the stated storage, keeps the stated
    retention (point-in-time recovery for an RPO of minutes) and is multi-AZ in production."""
    envs = rendered[name] / "environments"
    prod, dev = tfvars(envs / "prod" / "terraform.tfvars"), tfvars(envs / "dev" / "terraform.tfvars")
    assert (prod["min_size"], prod["max_size"], prod["instance_type"]) == (8, 24, "m6i.xlarge")
    assert (dev["min_size"], dev["max_size"]) == (1, 3) and dev["instance_type"] != "m6i.xlarge"
    assert prod["multi_az"] is True and dev["multi_az"] is False
    assert prod["backup_retention_days"] == 35 and dev["backup_retention_days"] >= (7 if name == "figures-azure" else 1)
    variables = blocks(load_hcl(envs / "prod" / "variables.tf"), "variable")
    calls = blocks(load_hcl(envs / "prod" / "main.tf"), "module")
    database = calls["rds" if name == "figures" else "database"]
    assert database["engine_version"] == "${var.db_engine_version}"
    assert unquote(variables["db_engine_version"]["default"]) == ("8.0" if name == "figures-gcp" else "16.4")
    storage = {"figures": ("allocated_storage", "db_storage_gb", 100), "figures-gcp": ("disk_size_gb", "db_storage_gb", 100),
               "figures-azure": ("storage_mb", "db_storage_mb", 131072)}[name]
    assert database[storage[0]] == f"${{var.{storage[1]}}}" and variables[storage[1]]["default"] == storage[2]
    cluster = calls[{"figures": "eks", "figures-azure": "aks", "figures-gcp": "gke"}[name]]
    assert cluster["node_min_size"] == "${var.min_size}" and cluster["node_max_size"] == "${var.max_size}"


def test_gcp_database_recovery_in_the_engine_s_terms(rendered: dict[str, Path]) -> None:
    """Cloud SQL: point-in-time recovery for PostgreSQL, binary logs for MySQL; GKE node counts are totals."""
    modules_dir = rendered["figures-gcp"] / "modules"
    backup = blocks(load_hcl(modules_dir / "database" / "main.tf"), "resource")["google_sql_database_instance.this"]
    backup = backup["settings"][0]["backup_configuration"][0]
    assert "local.is_postgres" in backup["point_in_time_recovery_enabled"]
    assert "!local.is_postgres" in backup["binary_log_enabled"]
    pool = blocks(load_hcl(modules_dir / "gke" / "main.tf"), "resource")["google_container_node_pool.default"]
    assert pool["autoscaling"][0]["total_min_node_count"] == "${var.node_min_size}"


# --------------------------------------------------------------------------- cluster options
CLUSTER_MODULE = {"options": "eks", "options-tenants": "eks", "options-azure": "aks", "options-gcp": "gke"}
OPTION_ARGS = {
    "eks": {"system_node_pool": "true", "endpoint_public_access": "true", "public_access_cidrs": "var.api_authorized_cidrs",
            "ingress_ip_count": "var.az_count"},
    "aks": {"system_node_pool": "true", "api_public": "true", "api_authorized_cidrs": "var.api_authorized_cidrs",
            "static_ingress_ip": "true"},
    "gke": {"system_node_pool": "true", "api_public": "true", "api_authorized_cidrs": "var.api_authorized_cidrs",
            "static_ingress_ip": "true"},
}


def _cluster_root(name: str, tree: Path) -> Path:
    return tree / ("shared/cluster" if name == "options-tenants" else "environments/prod")


@pytest.mark.parametrize("name", list(CLUSTER_MODULE))
def test_cluster_options_reach_the_cluster_module(name: str, rendered: dict[str, Path]) -> None:
    root = _cluster_root(name, rendered[name])
    module = CLUSTER_MODULE[name]
    call = blocks(load_hcl(root / "main.tf"), "module")[module]
    expected = dict(OPTION_ARGS[module])
    if name == "options-tenants":
        expected["ingress_ip_count"] = "length(data.aws_subnets.private.ids)"
    for key, value in expected.items():
        written = hcl_literal(call[key]) if isinstance(call[key], bool) else str(unquote(call[key])).strip("${}")
        assert written == value, (name, key, call.get(key))
    variables = blocks(load_hcl(root / "variables.tf"), "variable")
    cidrs = variables["api_authorized_cidrs"]
    if name == "options-tenants":  # the plan lists none: null, refused by the validation until set
        assert cidrs.get("default") in (None, "null") and "TF_VAR_api_authorized_cidrs" in unquote(cidrs["description"])
    else:
        assert [unquote(c) for c in cidrs["default"]] == OPTIONS["api_authorized_cidrs"]
    assert "ingress_ip" in blocks(load_hcl(root / "outputs.tf"), "output")
    module_main = (rendered[name] / "modules" / module / "main.tf").read_text()
    assert {"eks": 'resource "aws_eip" "ingress"', "aks": 'resource "azurerm_public_ip" "ingress"',
            "gke": 'resource "google_compute_address" "ingress"'}[module] in module_main
    assert {"eks": 'resource "aws_eks_node_group" "system"', "aks": 'resource "azurerm_kubernetes_cluster_node_pool" "user"',
            "gke": 'resource "google_container_node_pool" "system"'}[module] in module_main


def test_without_stated_options_the_cluster_module_keeps_its_defaults(rendered: dict[str, Path]) -> None:
    call = blocks(load_hcl(rendered["figures"] / "environments/prod/main.tf"), "module")["eks"]
    assert not {"system_node_pool", "endpoint_public_access", "public_access_cidrs", "ingress_ip_count"} & set(call)
    assert "api_authorized_cidrs" not in blocks(load_hcl(rendered["figures"] / "environments/prod/variables.tf"), "variable")


# --------------------------------------------------------------------------- cross-layer wiring (issue 11)
def backend_configs(terraform: Path) -> list[tuple[Path, dict]]:
    """Every S3 backend setting of a tree: backend blocks of backend.tf and partial backend-<env>.hcl files."""
    found: list[tuple[Path, dict]] = []
    for path in sorted(terraform.rglob("backend*")):
        if path.suffix == ".hcl":
            found.append((path, tfvars(path)))
        elif path.name == "backend.tf":
            for backend in load_hcl(path)["terraform"][0].get("backend", []):
                body = backend.get('"s3"') or backend.get("s3")
                if body:
                    found.append((path, {k: unquote(v) for k, v in body.items()}))
    return found


@pytest.mark.parametrize("name", ["single-iac", "multi-tool", "multi-tenant", "lockfile", "workspaces"])
def test_s3_backends_encrypt_state_with_the_bootstrap_key(name: str, rendered: dict[str, Path]) -> None:
    terraform = rendered[name]
    outputs = blocks(load_hcl(terraform / "bootstrap" / "outputs.tf"), "output")
    assert outputs["state_kms_key_alias"]["value"] == "${aws_kms_alias.state.name}"
    project = tfvars(terraform / "bootstrap" / "terraform.tfvars")["project"]
    alias_name = unquote(blocks(load_hcl(terraform / "bootstrap" / "main.tf"), "resource")["aws_kms_alias.state"]["name"])
    assert alias_name == "alias/${var.project}-tfstate"
    configs = [(path, config) for path, config in backend_configs(terraform) if config.get("encrypt") is True]
    assert configs, f"{name}: no S3 backend with encrypt = true"
    for path, config in configs:
        assert config.get("kms_key_id") == f"alias/{project}-tfstate", path


def test_other_state_backends_name_no_s3_key(rendered: dict[str, Path]) -> None:
    for name in ("radioso-gcp", "azure-tenants"):
        for path in rendered[name].rglob("backend*"):
            assert "kms_key_id" not in path.read_text(), path


def test_single_iac_instances_reach_their_own_database(rendered: dict[str, Path]) -> None:
    """The instances' port to the database and the credentials they read (the compute module's tests check the
    policy itself)."""
    for env in ("dev", "staging", "prod"):
        calls = blocks(load_hcl(rendered["single-iac"] / "environments" / env / "main.tf"), "module")
        assert calls["compute"]["database"] == {"security_group_id": "${module.database.security_group_id}",
                                                "port": "${module.database.port}",
                                                "secret_arn": "${module.database.master_user_secret_arn}"}
        assert calls["database"]["allowed_security_group_ids"] == ["${module.compute.security_group_id}"]
    rule = blocks(load_hcl(rendered["single-iac"] / "modules" / "compute" / "main.tf"),
                  "resource")["aws_vpc_security_group_egress_rule.database"]
    assert rule["referenced_security_group_id"] == "${var.database.security_group_id}"
    assert rule["from_port"] == rule["to_port"] == "${var.database.port}"


@pytest.mark.parametrize("name", ["multi-tool", "multi-tenant", "options"])
def test_eks_enforces_network_policies_and_hardens_its_nodes(name: str, rendered: dict[str, Path]) -> None:
    resources = blocks(load_hcl(rendered[name] / "modules" / "eks" / "main.tf"), "resource")
    addon = resources["aws_eks_addon.this"]
    assert "vpc-cni" in addon["for_each"] and "enableNetworkPolicy" in addon["configuration_values"]
    assert '"true"' in addon["configuration_values"]
    template = resources["aws_launch_template.nodes"]
    metadata = template["metadata_options"][0]
    assert metadata["http_tokens"] == '"required"' and metadata["http_put_response_hop_limit"] == "${var.metadata_hop_limit}"
    ebs = template["block_device_mappings"][0]["ebs"][0]
    assert ebs["encrypted"] is True and ebs["volume_type"] == '"gp3"' and ebs["kms_key_id"] == "${var.kms_key_arn}"
    for group in ("aws_eks_node_group.default", "aws_eks_node_group.system"):
        assert resources[group]["launch_template"][0]["id"] == "${aws_launch_template.nodes.id}", group
    variables = blocks(load_hcl(rendered[name] / "modules" / "eks" / "variables.tf"), "variable")
    assert variables["metadata_hop_limit"]["default"] == 1


def test_private_eks_endpoint_has_a_documented_way_in(rendered: dict[str, Path]) -> None:
    readme = (rendered["multi-tool"] / "README.md").read_text()
    assert "## Reaching the cluster API" in readme
    assert "aws eks update-kubeconfig" in readme and "AWS-StartPortForwardingSessionToRemoteHost" in readme
    assert "## Reaching the cluster API" not in (rendered["single-iac"] / "README.md").read_text()


AWS_LOCK = REPO / "modules" / "aws" / "terraform.lock.hcl"


@pytest.mark.parametrize("name", ["single-iac", "multi-tool", "multi-tenant", "workspaces"])
def test_every_aws_root_commits_the_provider_lock(name: str, rendered: dict[str, Path]) -> None:
    lock = AWS_LOCK.read_text()
    assert re.search(r'version += "5\.100\.0"', lock) and '"h1:' in lock and len(re.findall(r'"zh:[0-9a-f]{64}"', lock)) == 15
    tree_roots = roots(rendered[name])
    assert tree_roots and rendered[name] / "bootstrap" in tree_roots
    for root in tree_roots:
        assert (root / ".terraform.lock.hcl").read_text() == lock, root


def test_clouds_without_verified_hashes_commit_no_lock(rendered: dict[str, Path]) -> None:
    for name in ("radioso-gcp", "azure-tenants"):
        assert not list(rendered[name].rglob(".terraform.lock.hcl")), name


def test_the_committed_lock_installs_from_the_mirror_read_only(rendered: dict[str, Path], tf_env: dict[str, str],
                                                               tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(rendered["single-iac"] / "bootstrap", root)
    init = subprocess.run(["terraform", "init", "-backend=false", "-lockfile=readonly", "-input=false", "-no-color"],
                          cwd=root, env=tf_env, capture_output=True, text=True, timeout=300)
    assert init.returncode == 0, init.stderr
    (root / ".terraform.lock.hcl").write_text(AWS_LOCK.read_text().replace("h1:edXOJ", "h1:AAAAA"))
    shutil.rmtree(root / ".terraform")
    tampered = subprocess.run(["terraform", "init", "-backend=false", "-input=false", "-no-color"],
                              cwd=root, env=tf_env, capture_output=True, text=True, timeout=300)
    assert tampered.returncode != 0 and "checksum" in tampered.stderr


@pytest.mark.parametrize("name", ["multi-tenant", "hundred-tenants"])
def test_each_aws_tenant_database_has_subnets_of_its_own(name: str, rendered: dict[str, Path]) -> None:
    tenants = sorted(p for p in (rendered[name] / "tenants").iterdir())
    cidrs = {tfvars(t / f"{env}.tfvars")["database_cidr"] for t in tenants for env in ("prod", "staging")
             if (t / f"{env}.tfvars").exists()}
    assert len(cidrs) == len(tenants)  # one per tenant, the same in every environment
    networks = [ipaddress.ip_network(c) for c in cidrs]
    block = ipaddress.ip_network("10.0.192.0/18")  # beside the shared /20 public and private subnets
    assert all(n.subnet_of(block) for n in networks)
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1:])
    main = load_hcl(tenants[0] / "main.tf")
    subnet = blocks(main, "resource")["aws_subnet.database"]
    assert subnet["cidr_block"] == "${cidrsubnet(var.database_cidr, 1, count.index)}"
    assert blocks(main, "module")["database"]["subnet_ids"] == "${aws_subnet.database[*].id}"


def test_each_aws_tenant_database_admits_only_its_tenants_pods(rendered: dict[str, Path]) -> None:
    terraform = rendered["multi-tenant"]
    main = load_hcl(terraform / "tenants" / "acme" / "main.tf")
    resources = blocks(main, "resource")
    assert blocks(main, "module")["database"]["allowed_security_group_ids"] == ["${aws_security_group.pods.id}"]
    assert resources["aws_security_group.pods"]["vpc_id"] == "${data.aws_vpc.shared.id}"
    shared = "${local.cluster_security_group_id}"
    assert resources["aws_vpc_security_group_ingress_rule.pods_from_cluster"]["referenced_security_group_id"] == shared
    assert resources["aws_vpc_security_group_ingress_rule.cluster_from_pods"]["security_group_id"] == shared
    assert resources["aws_vpc_security_group_egress_rule.pods"]["cidr_ipv4"] == "${data.aws_vpc.shared.cidr_block}"
    outputs = blocks(load_hcl(terraform / "tenants" / "acme" / "outputs.tf"), "output")
    assert outputs["pod_security_group_id"]["value"] == "${aws_security_group.pods.id}"
    parameter = resources["aws_ssm_parameter.pod_security_group_id"]  # read by External Secrets, no hand edit
    assert parameter["value"] == "${aws_security_group.pods.id}"
    assert parameter["name"] == '"/${var.project}/${var.environment}/pod-security-groups/${var.tenant}"'
    cluster = blocks(load_hcl(terraform / "shared" / "cluster" / "main.tf"), "module")["eks"]
    assert cluster["pod_security_groups"] is True
    assert cluster["external_secrets_parameter_path"] == '"/${var.project}/${var.environment}/pod-security-groups"'
    assert tfvars(terraform / "shared" / "cluster" / "staging.tfvars")["instance_type"] == "m5.large"  # trunking nodes


def test_tenants_without_an_eks_cluster_get_no_pod_security_groups(rendered: dict[str, Path]) -> None:
    for name in ("azure-tenants", "gcp-tenants", "hundred-tenants"):
        assert "aws_security_group" not in (rendered[name] / "tenants").rglob("main.tf").__next__().read_text(), name


def test_aks_and_gke_enforce_network_policies(rendered: dict[str, Path]) -> None:
    aks = blocks(load_hcl(rendered["azure-tenants"] / "modules" / "aks" / "main.tf"), "resource")
    profile = aks["azurerm_kubernetes_cluster.this"]["network_profile"][0]
    assert profile["network_plugin"] == '"azure"' and profile["network_policy"] == "${var.network_policy}"
    # Services outside the platform's 10.x virtual networks (AKS's default 10.0.0.0/16 overlaps the primary one)
    assert "var.service_cidr" in profile["service_cidr"] and "cidrhost(var.service_cidr, 10)" in profile["dns_service_ip"]
    variables = blocks(load_hcl(rendered["azure-tenants"] / "modules" / "aks" / "variables.tf"), "variable")
    assert not unquote(variables["service_cidr"]["default"]).startswith("10.")
    # an engine always enforces them: Azure's unless the plan names Calico or Cilium (the variable refuses anything else)
    assert unquote(variables["network_policy"]["default"]) == "azure"
    assert 'contains(["azure", "calico", "cilium"], var.network_policy)' in variables["network_policy"]["validation"][0]["condition"]
    gke = blocks(load_hcl(rendered["gcp-tenants"] / "modules" / "gke" / "main.tf"), "resource")
    assert gke["google_container_cluster.this"]["datapath_provider"] == '"ADVANCED_DATAPATH"'
