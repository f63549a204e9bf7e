"""Post-deploy host checks with pytest-testinfra for the machines this repository created.

Configure with PLANFORGE_HOSTS: comma-separated testinfra host specs. The hosts take no inbound
connection from outside their network (no public address, SSH closed to the internet), so either
run the suite on a host itself (`local://`, e.g. in an SSM Session Manager, IAP or Bastion session)
or reach them over SSH through such a tunnel, e.g. on AWS `ssh://ec2-user@i-0123456789abcdef0` with
an ssh config whose ProxyCommand is
`aws ssm start-session --target %h --document-name AWS-StartSSHSession`.
Set PLANFORGE_DB_ENDPOINT=host:port (the environment's database endpoint output) to check the
database is reachable from the hosts: their security group opens the database port towards the
database's, which admits theirs.
Without hosts every test here is skipped, saying so.
"""
from __future__ import annotations

import os

import pytest

pytest.importorskip("testinfra", reason="pytest-testinfra is not installed (pip install pytest-testinfra)")

HOSTS = [spec.strip() for spec in os.environ.get("PLANFORGE_HOSTS", "").split(",") if spec.strip()]
if not HOSTS:
    pytest.skip(
        "no hosts configured: set PLANFORGE_HOSTS to testinfra host specs (local:// on a host itself, or "
        "ssh://user@host through a Session Manager, IAP or Bastion tunnel)",
        allow_module_level=True,
    )
testinfra_hosts = HOSTS


def test_is_linux(host):
    assert host.system_info.type == "linux"


def test_no_plaintext_remote_shells(host):
    listening = {str(s) for s in host.socket.get_listening_sockets()}
    for port in ("21", "23", "512", "513", "514"):
        assert not any(sock.endswith(f":{port}") for sock in listening), f"a plaintext service listens on port {port}"


def test_ssh_root_login_disabled(host):
    if not host.exists("sshd"):
        pytest.skip("sshd is not installed on this host")
    with host.sudo():
        result = host.run("sshd -T")
    if result.rc != 0:
        pytest.skip(f"cannot read the effective sshd configuration (sshd -T exit {result.rc})")
    settings = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert settings.get("permitrootlogin") in ("no", "prohibit-password", "without-password")


DEFAULT_PORTS = {"postgres": 5432, "postgresql": 5432, "mysql": 3306, "mariadb": 3306}


def test_database_reachable(host, plan_expectations):
    engine = plan_expectations.get("hosts", {}).get("database_engine", "none")
    if engine == "none":
        pytest.skip("the plan has no database")
    endpoint = os.environ.get("PLANFORGE_DB_ENDPOINT", "")
    if not endpoint:
        pytest.skip(f"no {engine} endpoint configured: set PLANFORGE_DB_ENDPOINT=host[:port]")
    address, _, port = endpoint.rpartition(":") if ":" in endpoint else (endpoint, "", str(DEFAULT_PORTS.get(engine, 0)))
    assert address and port.isdigit() and int(port) > 0, f"PLANFORGE_DB_ENDPOINT={endpoint} is not host:port"
    assert host.addr(address).port(int(port)).is_reachable, f"{engine} at {address}:{port} is not reachable"
