"""The Kubernetes manifests under deploy/kubernetes: every variant renders with kustomize, passes
the Kubernetes JSON schemas (strict), and keeps the invariants the schemas cannot see — the
master listens beyond loopback with the secret wired from the Secret, workers find the master
through its Service, ports and images agree, pods run unprivileged, no secret is in plain text.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from deploy_kit import (
    JOB_VARIANTS,
    KUBERNETES_VERSIONS,
    MASTER_SERVICE,
    SECRET_KEY,
    SECRET_NAME,
    SECRET_WORDS,
    UID,
    VARIANTS,
    WORKLOADS,
    containers,
    env_entry,
    find,
    flag_value,
    flag_values,
    horde_container,
    pod_specs,
    render,
    schema_error,
)

from horde._version import __version__

RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_rendered_document_passes_the_strict_schema(variant: str, version: str) -> None:
    docs = render(variant)
    assert docs
    errors = [e for e in (schema_error(doc, version) for doc in docs) if e]
    assert errors == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["spec"].__setitem__("replica", 2), "replica"),
        (lambda d: d["spec"].__setitem__("replicas", "two"), "two"),
        (lambda d: horde_container(d).__setitem__("args", "--worker"), "--worker"),
        (lambda d: horde_container(d).__setitem__("volumeMount", []), "volumeMount"),
    ],
    ids=["unknown-field", "wrong-type", "args-not-a-list", "typo-in-container"],
)
def test_the_schema_check_catches_broken_manifests(mutate: Any, expected: str) -> None:
    """The validation can fail: a typo'd field or a wrong type in a real manifest is caught."""
    worker = copy.deepcopy(find(render("web"), "Deployment", "horde-worker"))
    mutate(worker)
    error = schema_error(worker, KUBERNETES_VERSIONS[-1])
    assert error is not None
    assert expected in error


def test_an_unknown_kind_is_an_error_not_a_pass() -> None:
    doc = {"apiVersion": "horde.example/v1", "kind": "Swarm", "metadata": {"name": "x"}}
    assert "Couldn't find schema" in (schema_error(doc, KUBERNETES_VERSIONS[-1]) or "")


@pytest.mark.parametrize("variant", WORKLOADS)
def test_the_master_listens_beyond_loopback_with_the_secret(variant: str) -> None:
    master = horde_container(find(render(variant), WORKLOADS[variant], "horde-master"))
    args = master["args"]
    assert "--master" in args
    assert flag_value(args, "--master-bind-host") == "0.0.0.0"
    assert "--allow-unauthenticated" not in args
    assert env_entry(master, "HORDE_SECRET") == {
        "name": "HORDE_SECRET",
        "valueFrom": {"secretKeyRef": {"name": SECRET_NAME, "key": SECRET_KEY}},
    }


@pytest.mark.parametrize("variant", WORKLOADS)
def test_workers_reach_the_master_through_its_service_on_its_port(variant: str) -> None:
    docs = render(variant)
    service = find(docs, "Service", MASTER_SERVICE)
    master_doc = find(docs, WORKLOADS[variant], "horde-master")
    master = horde_container(master_doc)
    worker = horde_container(find(docs, WORKLOADS[variant], "horde-worker"))

    (zmq,) = [p for p in service["spec"]["ports"] if p["name"] == "zmq"]
    (container_zmq,) = [p for p in master["ports"] if p["name"] == zmq["targetPort"]]
    bind_port = int(flag_value(master["args"], "--master-bind-port") or 5557)
    assert container_zmq["containerPort"] == bind_port == zmq["port"] == 5557
    assert "--worker" in worker["args"]
    assert flag_value(worker["args"], "--master-host") == service["metadata"]["name"]
    assert int(flag_value(worker["args"], "--master-port") or 5557) == zmq["port"]
    assert env_entry(worker, "HORDE_SECRET") == env_entry(master, "HORDE_SECRET")

    selector = service["spec"]["selector"]
    master_labels = master_doc["spec"]["template"]["metadata"]["labels"]
    worker_labels = find(docs, WORKLOADS[variant], "horde-worker")["spec"]["template"]["metadata"]
    assert selector.items() <= master_labels.items()
    assert not selector.items() <= worker_labels["labels"].items()


def test_the_web_master_serves_its_ui_to_the_service_and_probes_it() -> None:
    docs = render("web")
    service = find(docs, "Service", MASTER_SERVICE)
    master = horde_container(find(docs, "Deployment", "horde-master"))
    (web,) = [p for p in service["spec"]["ports"] if p["name"] == "web"]
    (container_web,) = [p for p in master["ports"] if p["name"] == web["targetPort"]]
    assert container_web["containerPort"] == int(flag_value(master["args"], "--web-port") or 0)
    assert web["port"] == 8089
    assert flag_value(master["args"], "--web-host") == "0.0.0.0"
    allowed = flag_values(master["args"], "--web-allowed-hosts")
    assert MASTER_SERVICE in allowed
    assert "*" not in allowed
    for probe in ("readinessProbe", "livenessProbe"):
        assert master[probe]["httpGet"]["port"] == "web"
        assert master[probe]["httpGet"]["path"] == "/login"


@pytest.mark.parametrize("variant", WORKLOADS)
def test_variables_in_args_are_defined_in_the_container(variant: str) -> None:
    """``$(POD_NAMESPACE)`` in args expands only if the container defines it; an undefined
    reference stays literally in the argument."""
    for where, container in containers(render(variant)):
        defined = {e["name"] for e in container.get("env", [])}
        used = {m for arg in container.get("args", []) for m in re.findall(r"\$\((\w+)\)", arg)}
        assert used <= defined, where


@pytest.mark.parametrize("variant", JOB_VARIANTS)
def test_job_mode_waits_for_exactly_the_workers_it_starts(variant: str) -> None:
    docs = render(variant)
    master_job = find(docs, "Job", "horde-master")
    worker_job = find(docs, "Job", "horde-worker")
    args = horde_container(master_job)["args"]
    assert "--headless" in args
    assert flag_value(args, "--run-time")  # a headless run must end by itself
    expected = int(flag_value(args, "--expect-workers") or 0)
    assert expected == worker_job["spec"]["parallelism"] == worker_job["spec"]["completions"]
    assert flag_value(args, "--expect-workers-max-wait")
    # One attempt: the Job's verdict is the run's exit code, not a retry of a failed test.
    assert master_job["spec"]["backoffLimit"] == 0
    assert master_job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert master_job["spec"]["activeDeadlineSeconds"] > 0
    assert worker_job["spec"]["activeDeadlineSeconds"] > 0


@pytest.mark.parametrize("variant", JOB_VARIANTS)
def test_job_mode_reports_land_on_the_results_volume(variant: str) -> None:
    docs = render(variant)
    master_job = find(docs, "Job", "horde-master")
    master = horde_container(master_job)
    archive = flag_value(master["args"], "--archive") or ""
    (mount,) = [m for m in master["volumeMounts"] if m["name"] == "results"]
    assert archive.startswith(mount["mountPath"])
    (volume,) = [
        v for v in master_job["spec"]["template"]["spec"]["volumes"] if v["name"] == "results"
    ]
    claim = volume["persistentVolumeClaim"]["claimName"]
    find(docs, "PersistentVolumeClaim", claim)
    (reader,) = render("results")
    (reader_volume,) = reader["spec"]["volumes"]
    assert reader_volume["persistentVolumeClaim"] == {"claimName": claim, "readOnly": True}
    (reader_mount,) = reader["spec"]["containers"][0]["volumeMounts"]
    assert reader_mount["mountPath"] == mount["mountPath"]


@pytest.mark.parametrize("variant", WORKLOADS)
def test_the_locustfile_comes_from_the_generated_configmap(variant: str) -> None:
    docs = render(variant)
    (configmap,) = [d for d in docs if d["kind"] == "ConfigMap"]
    assert configmap["metadata"]["name"].startswith("horde-locustfile-")  # content hash
    for where, spec in pod_specs(docs):
        volumes = {v["name"]: v for v in spec["volumes"]}
        container = spec["containers"][0]
        path = flag_value(container["args"], "--locustfile") or ""
        (mount,) = [m for m in container["volumeMounts"] if path.startswith(m["mountPath"] + "/")]
        assert mount["readOnly"] is True, where
        assert volumes[mount["name"]]["configMap"]["name"] == configmap["metadata"]["name"]
        assert path.removeprefix(mount["mountPath"] + "/") in configmap["data"], where


def test_every_image_is_this_version_of_horde() -> None:
    images = {c["image"] for v in VARIANTS for _, c in containers(render(v))}
    assert images == {f"horde:{__version__}"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_pods_run_unprivileged(variant: str) -> None:
    for where, spec in pod_specs(render(variant)):
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, where
        assert pod["runAsUser"] == pod["runAsGroup"] == UID, where
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert spec["automountServiceAccountToken"] is False, where
        assert not spec.get("hostNetwork"), where
        assert not spec.get("hostPID"), where
        for volume in spec.get("volumes", []):  # the restricted Pod Security Standard's list
            assert set(volume) - {"name"} <= RESTRICTED_VOLUMES, f"{where}: {volume}"
        for container in spec["containers"]:
            ctx = container["securityContext"]
            assert ctx["allowPrivilegeEscalation"] is False, where
            assert ctx["readOnlyRootFilesystem"] is True, where
            assert ctx["capabilities"] == {"drop": ["ALL"]}, where
            assert "privileged" not in ctx, where


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_container_has_requests_and_limits(variant: str) -> None:
    for where, container in containers(render(variant)):
        resources = container["resources"]
        for bound in ("requests", "limits"):
            assert set(resources[bound]) == {"cpu", "memory"}, f"{where} {bound}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_secret_in_plain_text(variant: str) -> None:
    docs = render(variant)
    assert not [d for d in docs if d["kind"] == "Secret"], "the Secret is created, not committed"
    for where, container in containers(docs):
        for entry in container.get("env", []):
            if SECRET_WORDS.search(entry["name"]):
                assert "value" not in entry, f"{where}: {entry['name']} in plain text"
                assert entry["valueFrom"]["secretKeyRef"]["name"] == SECRET_NAME
        for arg in container.get("args", []) + container.get("command", []):
            assert not arg.startswith(("--web-login", "--secret=")), f"{where}: {arg}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_service_links_are_off_in_every_pod(variant: str) -> None:
    """The reason is in test_deploy_cli.py: horde would read the kubelet's HORDE_MASTER_PORT."""
    for where, spec in pod_specs(render(variant)):
        assert spec["enableServiceLinks"] is False, where


def test_deployments_select_their_own_pods() -> None:
    for doc in render("web"):
        if doc["kind"] == "Deployment":
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert doc["spec"]["selector"]["matchLabels"].items() <= labels.items()
    web_master = find(render("web"), "Deployment", "horde-master")
    assert web_master["spec"]["replicas"] == 1
    assert web_master["spec"]["strategy"] == {"type": "Recreate"}
