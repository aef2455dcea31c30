"""The ``horde`` command's web UI as an attacker or a careless user meets it (issue 13, items 16
and 17; issue 8's relative ``--csv`` history): real processes on loopback."""

from __future__ import annotations

import contextlib
import socket
import subprocess
from pathlib import Path

import psutil
import pytest
import requests
from web_proc import WAIT, poll_until, serving

from conftest import run_horde

pytestmark = pytest.mark.slow

LOCUSTFILE = """
from locust import HttpUser, constant, task


class Steady(HttpUser):
    wait_time = constant(0.05)

    @task
    def items(self):
        self.client.get("/api/items")
"""
PASSWORD = "pw-" + "q7" * 8


@pytest.fixture
def locustfile(tmp_path: Path) -> Path:
    path = tmp_path / "locustfile.py"
    path.write_text(LOCUSTFILE, encoding="utf-8")
    return path


def test_all_interfaces_without_a_login_warns_and_logs_the_bound_address(
    locustfile: Path, tmp_path: Path
) -> None:
    args = ["-f", str(locustfile), "-H", "http://127.0.0.1:9", "--web-host", "0.0.0.0"]
    with serving(args, tmp_path) as ui:
        port = int(ui.url.rstrip("/").rsplit(":", 1)[1])
        assert port > 0, "the real port of -P 0"
        assert ui.get("/api/v1/status").status_code == 200
    warning = [line for line in ui.stderr_lines if "WARNING" in line]
    assert any("without --web-login" in line and "0.0.0.0" in line for line in warning), ui.stderr
    assert f"listening on 0.0.0.0:{port}" in ui.stderr


def test_all_interfaces_with_a_login_does_not_warn(locustfile: Path, tmp_path: Path) -> None:
    args = ["-f", str(locustfile), "-H", "http://127.0.0.1:9", "--web-host", "0.0.0.0"]
    with serving(args, tmp_path, env={"HORDE_WEB_LOGIN": f"alice:{PASSWORD}"}) as ui:
        assert ui.get("/api/v1/status").status_code == 401
    assert "without --web-login" not in ui.stderr


def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=WAIT,
    )  # fmt: skip
    return cert, key


def test_a_failed_tls_handshake_is_one_log_line(locustfile: Path, tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    args = ["-f", str(locustfile), "-H", "http://127.0.0.1:9"]
    with serving([*args, "--tls-cert", str(cert), "--tls-key", str(key)], tmp_path) as ui:
        port = int(ui.url.rstrip("/").rsplit(":", 1)[1])
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as plain:
                plain.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                with contextlib.suppress(ConnectionResetError):
                    plain.recv(1024)  # the server hangs up (a TLS alert, or a reset)
        poll_until(lambda: ui.stderr.count("TLS handshake") >= 3, "three log lines", ui.proc)
        assert ui.get("/api/v1/status", verify=str(cert)).status_code == 200
    assert "Traceback" not in ui.stderr
    handshake = [line for line in ui.stderr_lines if "TLS handshake" in line]
    assert len(handshake) == 3, ui.stderr
    assert all("127.0.0.1" in line for line in handshake)


def test_a_login_file_keeps_the_password_out_of_the_process_list(
    locustfile: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "login.txt"
    secret.write_text(f"alice:{PASSWORD}\n", encoding="utf-8")
    args = ["-f", str(locustfile), "-H", "http://127.0.0.1:9", "--web-login-file", str(secret)]
    with serving(args, tmp_path) as ui:
        assert ui.get("/api/v1/status").status_code == 401
        assert ui.get("/api/v1/status", auth=("alice", PASSWORD)).status_code == 200
        command_line = " ".join(psutil.Process(ui.proc.pid).cmdline())
        assert PASSWORD not in command_line
    assert "process list" not in ui.stderr
    assert PASSWORD not in ui.stderr + ui.stdout


def test_a_login_on_the_command_line_works_with_a_warning(locustfile: Path, tmp_path: Path) -> None:
    args = ["-f", str(locustfile), "-H", "http://127.0.0.1:9"]
    with serving([*args, "--web-login", f"alice:{PASSWORD}"], tmp_path) as ui:
        assert ui.get("/api/v1/status", auth=("alice", PASSWORD)).status_code == 200
    assert "process list" in ui.stderr
    assert "HORDE_WEB_LOGIN" in ui.stderr
    assert PASSWORD not in ui.stderr


@pytest.mark.parametrize(
    ("content", "says"),
    [("", "is empty"), ("alice\n", "USER:PASSWORD"), (None, "cannot read --web-login-file")],
)
def test_a_bad_login_file_is_one_clear_line(
    locustfile: Path, tmp_path: Path, content: str | None, says: str
) -> None:
    secret = tmp_path / "login.txt"
    if content is not None:
        secret.write_text(content, encoding="utf-8")
    args = ["-f", str(locustfile), "-H", "http://127.0.0.1:9", "-P", "0"]
    result = run_horde([*args, "--web-login-file", str(secret)])
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert says in lines[0]


def test_login_and_login_file_together_are_refused(locustfile: Path, tmp_path: Path) -> None:
    secret = tmp_path / "login.txt"
    secret.write_text("alice:pw\n", encoding="utf-8")
    args = ["-f", str(locustfile), "-H", "http://127.0.0.1:9", "-P", "0"]
    result = run_horde([*args, "--web-login", "a:b", "--web-login-file", str(secret)])
    assert result.returncode == 2
    assert "either --web-login or --web-login-file" in result.stderr


def test_a_bare_web_login_needs_a_user_loader(locustfile: Path, tmp_path: Path) -> None:
    args = ["-f", str(locustfile), "-H", "http://127.0.0.1:9", "-P", "0", "--web-login"]
    result = run_horde(args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "login_manager.user_loader" in lines[0]


def test_the_full_history_csv_with_a_relative_prefix(
    locustfile: Path, tmp_path: Path, demo_target: str
) -> None:
    args = ["-f", str(locustfile), "-H", demo_target, "--csv", "out/run", "--autostart"]
    (tmp_path / "out").mkdir()
    with serving(args, tmp_path) as ui:
        poll_until(
            lambda: (
                (tmp_path / "out" / "run_stats_history.csv").stat().st_size > 200
                if (tmp_path / "out" / "run_stats_history.csv").exists()
                else False
            ),
            "history rows",
            ui.proc,
        )
        response = ui.get("/stats/requests_full_history/csv")
        assert response.status_code == 200, response.text
        assert response.text.startswith("Timestamp,")


def test_cross_site_requests_to_the_real_server_are_refused(
    locustfile: Path, tmp_path: Path
) -> None:
    args = ["-f", str(locustfile), "-H", "http://127.0.0.1:9"]
    with serving(args, tmp_path) as ui:
        hostile = {"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"}
        refused = ui.post(
            "/swarm", data={"user_count": 1, "host": "http://127.0.0.1:1"}, headers=hostile
        )
        assert refused.status_code == 403
        rebound = requests.get(
            ui.url + "api/v1/status", headers={"Host": "evil.example"}, timeout=WAIT
        )
        assert rebound.status_code == 400
        assert ui.get("/api/v1/status").json()["state"] == "ready"


def test_autostart_with_too_many_users_is_one_clear_line(locustfile: Path) -> None:
    args = ["-f", str(locustfile), "-H", "http://127.0.0.1:9", "-P", "0", "--autostart"]
    result = run_horde([*args, "-u", "2000000"])
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == [
        "horde: error: -u/--users must be between 0 and 1,000,000 (per process), got 2,000,000"
    ]
