"""The web UI master's probes and Host allow-list, against the real ``horde`` web UI started
with the manifest's web arguments (on 127.0.0.1 instead of 0.0.0.0; the distributed flags are
left out until the runner lands).

The kubelet's HTTP probe sends ``Host: <pod IP>:<port>``, sends no credentials, and counts any
status from 200 to 399 as success. Browsers reach the UI through the Service's names.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from deploy_kit import REPO, find, flag_value, horde_container, render

sys.path.insert(0, str(REPO / "tests" / "integration"))  # the web UI process helper
from web_proc import Served, serving

POD_HOST = "10.244.1.17:8089"
NAMESPACE = "loadtest"


def web_args(tmp_path: Path) -> tuple[list[str], str]:
    """The web master's args as runnable here, and its probe path."""
    docs = render("web")
    master = horde_container(find(docs, "Deployment", "horde-master"))
    (configmap,) = [d for d in docs if d["kind"] == "ConfigMap"]
    (tmp_path / "locustfile.py").write_text(configmap["data"]["locustfile.py"], encoding="utf-8")
    args = [f"--locustfile={tmp_path / 'locustfile.py'}"]
    for arg in master["args"]:
        flag = arg.split("=", 1)[0]
        if flag.startswith("--master") or flag in ("--locustfile", "--web-port", "--web-host"):
            continue
        args.append(arg.replace("$(POD_NAMESPACE)", NAMESPACE))
    assert flag_value(master["args"], "--web-host") == "0.0.0.0"
    path = master["readinessProbe"]["httpGet"]["path"]
    assert master["livenessProbe"]["httpGet"]["path"] == path
    return [*args, "--web-host", "127.0.0.1"], path


@pytest.fixture(params=["no-login", "login"])
def master_ui(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Served, str]]:
    args, path = web_args(tmp_path)
    env = {"HORDE_WEB_LOGIN": "admin:s3cret-pw"} if request.param == "login" else {}
    with serving(args, tmp_path, env) as served:
        yield served, path


def test_the_probe_path_succeeds_without_credentials(master_ui: tuple[Served, str]) -> None:
    served, path = master_ui
    response = served.get(path, headers={"Host": POD_HOST}, allow_redirects=False)
    assert 200 <= response.status_code < 400, response.text
    if response.is_redirect:  # the kubelet follows a redirect to the same host
        location = urlsplit(response.headers["Location"])
        assert location.netloc in ("", POD_HOST)
        followed = served.get(location.path, headers={"Host": POD_HOST}, allow_redirects=False)
        assert followed.status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        "horde-master:8089",
        f"horde-master.{NAMESPACE}:8089",
        f"horde-master.{NAMESPACE}.svc:8089",
        f"horde-master.{NAMESPACE}.svc.cluster.local:8089",
        "localhost:8089",  # kubectl port-forward
    ],
)
def test_the_service_names_pass_the_host_allow_list(
    master_ui: tuple[Served, str], host: str
) -> None:
    served, path = master_ui
    response = served.get(path, headers={"Host": host}, allow_redirects=False)
    assert 200 <= response.status_code < 400, response.text


def test_other_names_are_refused(master_ui: tuple[Served, str]) -> None:
    """The allow-list is on (not '*'): a rebinding name is refused."""
    served, path = master_ui
    response = served.get(path, headers={"Host": "horde-master.evil.example:8089"})
    assert response.status_code >= 400


def test_a_login_still_guards_the_ui(tmp_path: Path) -> None:
    """The probe path is public, the rest is not: the login from the Secret is enforced."""
    args, _ = web_args(tmp_path)
    with serving(args, tmp_path, {"HORDE_WEB_LOGIN": "admin:s3cret-pw"}) as served:
        refused = served.get("/api/v1/stats", headers={"Host": POD_HOST})
        assert refused.status_code == 401
        allowed = served.get(
            "/api/v1/stats", headers={"Host": POD_HOST}, auth=("admin", "s3cret-pw")
        )
        assert allowed.status_code == 200
