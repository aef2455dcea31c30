"""The arguments and environment the deployment files give the ``horde`` command are ones the
real command accepts: each container's args (and each Compose command) run through ``horde
--list`` with the locustfile the ConfigMap carries. Nothing is started beyond that.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from deploy_kit import (
    DEPLOY,
    KUBE,
    MASTER_SERVICE,
    PENDING_FLAGS,
    WORKLOADS,
    containers,
    find,
    load_yaml,
    render,
    service_link_variables,
)

NAMESPACE = "loadtest"
EXPECTED_USERS = {"web": "Visitor", "job": "Visitor", "examples/small-job": "ApiClient"}


def runnable_args(args: list[str], locustfile: Path) -> list[str]:
    """The container's args as horde on this machine can check them: the locustfile at its
    local path, $(POD_NAMESPACE) expanded, the runner's pending flags left out, and --list so
    that nothing runs."""
    out: list[str] = []
    for arg in args:
        flag = arg.split("=", 1)[0]
        if flag in PENDING_FLAGS:
            continue
        local = f"--locustfile={locustfile}" if flag == "--locustfile" else arg
        out.append(local.replace("$(POD_NAMESPACE)", NAMESPACE))
    return [*out, "--list"]


def write_configmap(docs: list[dict[str, Any]], directory: Path) -> Path:
    """The generated ConfigMap's files, written where a pod would see them mounted."""
    (configmap,) = [d for d in docs if d["kind"] == "ConfigMap"]
    for name, content in configmap["data"].items():
        (directory / name).write_text(content, encoding="utf-8")
    return directory / "locustfile.py"


@pytest.mark.parametrize("variant", WORKLOADS)
def test_every_container_args_parse_with_the_real_command(
    variant: str, tmp_path: Path, horde_cmd: Any
) -> None:
    docs = render(variant)
    locustfile = write_configmap(docs, tmp_path)
    for where, container in containers(docs):
        result = horde_cmd(runnable_args(container["args"], locustfile), cwd=tmp_path)
        assert result.returncode == 0, f"{where}: {result.stderr}"
        assert result.stdout.split() == [EXPECTED_USERS[variant]], where


def test_the_example_overlay_replaces_the_locustfile() -> None:
    (configmap,) = [d for d in render("examples/small-job") if d["kind"] == "ConfigMap"]
    example = KUBE / "examples" / "small-job" / "locustfile.py"
    assert configmap["data"] == {"locustfile.py": example.read_text(encoding="utf-8")}


def test_a_wrong_argument_would_be_caught(tmp_path: Path, horde_cmd: Any) -> None:
    """The check above can fail: a misspelt flag in a container's args exits 2."""
    docs = render("web")
    locustfile = write_configmap(docs, tmp_path)
    worker = find(docs, "Deployment", "horde-worker")["spec"]["template"]["spec"]["containers"][0]
    broken = [a.replace("--master-host", "--master-hots") for a in worker["args"]]
    result = horde_cmd(runnable_args(broken, locustfile), cwd=tmp_path)
    assert result.returncode == 2
    assert "--master-hots" in result.stderr


def test_service_links_would_break_the_command(tmp_path: Path, horde_cmd: Any) -> None:
    """Why every pod sets enableServiceLinks: false. With links on, the kubelet puts
    HORDE_MASTER_PORT=tcp://IP:5557 (for the horde-master Service) into every pod of the
    namespace, and horde reads HORDE_MASTER_PORT as --master-port (the master's args do not
    give --master-port, so the variable is read), besides warning about every other one."""
    docs = render("web")
    locustfile = write_configmap(docs, tmp_path)
    service = find(docs, "Service", MASTER_SERVICE)
    links = {
        name: "tcp://10.96.0.10:5557" if name.endswith("_PORT") else "10.96.0.10"
        for name in service_link_variables(service)
    }
    assert "HORDE_MASTER_PORT" in links
    master = find(docs, "Deployment", "horde-master")["spec"]["template"]["spec"]["containers"][0]
    args = runnable_args(master["args"], locustfile)
    without = horde_cmd(args, cwd=tmp_path)
    assert without.returncode == 0, without.stderr
    broken = horde_cmd(args, cwd=tmp_path, env=links)
    assert broken.returncode == 2
    assert "HORDE_MASTER_PORT" in broken.stderr


@pytest.mark.parametrize("service", ["master", "worker"])
def test_compose_commands_parse_with_the_real_command(
    service: str, tmp_path: Path, horde_cmd: Any
) -> None:
    """In the image the working directory holds locustfile.py, so Compose passes no -f."""
    compose = load_yaml(DEPLOY / "compose.yaml")
    (tmp_path / "locustfile.py").write_bytes(
        (DEPLOY / "kubernetes" / "base" / "locustfile.py").read_bytes()
    )
    args = runnable_args(compose["services"][service]["command"], tmp_path / "locustfile.py")
    result = horde_cmd(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Visitor"]
