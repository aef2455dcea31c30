"""The ``horde`` command without ``--headless``: it serves the web UI (loopback by default),
runs tests started from it or at once (``--autostart``), and ends on SIGTERM or ``--autoquit``
with every output written."""

from __future__ import annotations

import csv
import re
import shutil
import socket
import subprocess
import warnings
from pathlib import Path

import psutil
import pytest
import requests
import urllib3
from web_proc import WAIT, Served, poll_until, serving

from conftest import free_port, run_horde

pytestmark = pytest.mark.slow

STEADY = """
from locust import HttpUser, constant, task


class Steady(HttpUser):
    wait_time = constant(0.05)

    @task
    def items(self):
        self.client.get("/api/items")
"""


@pytest.fixture
def locustfile(tmp_path: Path) -> Path:
    path = tmp_path / "locustfile.py"
    path.write_text(STEADY, encoding="utf-8")
    return path


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("horde: error: "), stderr
    return lines[0]


def total_requests(served: Served) -> int:
    stats = served.get("/stats/requests").json()["stats"]
    total: int = stats[-1]["num_requests"]
    return total


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    return {
        (c.laddr.ip, c.laddr.port)
        for c in psutil.Process(pid).net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN
    }


def test_without_headless_it_serves_the_ui_on_loopback_only(
    locustfile: Path, tmp_path: Path, demo_target: str
) -> None:
    port = free_port()
    with serving(
        ["-f", str(locustfile), "-H", demo_target, "--web-port", str(port)], tmp_path
    ) as ui:
        assert ui.url == f"http://127.0.0.1:{port}/"
        assert listening_addresses(ui.proc.pid) == {("127.0.0.1", port)}
        page = ui.get("/")
        assert page.status_code == 200
        assert "text/html" in page.headers["Content-Type"]
        status = ui.get("/api/v1/status").json()
        assert (status["state"], status["user_count"]) == ("ready", 0)
        assert status["host"] == demo_target
        assert ui.get("/api/v1/form").json()["host"] == demo_target


def test_dash_p_chooses_the_port(locustfile: Path, tmp_path: Path, demo_target: str) -> None:
    port = free_port()
    with serving(["-f", str(locustfile), "-H", demo_target, "-P", str(port)], tmp_path) as ui:
        assert ui.url == f"http://127.0.0.1:{port}/"
        assert ui.get("/api/v1/status").status_code == 200


def test_a_port_in_use_is_one_clear_line_and_exit_2(locustfile: Path, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_horde(["-f", str(locustfile), "-H", "http://127.0.0.1:9", "-P", str(port)])
    assert result.returncode == 2
    line = one_error_line(result.stderr)
    assert f"cannot serve the web UI on 127.0.0.1:{port}: Address already in use" in line
    assert "-P/--web-port" in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--web-login", "alice"], "--web-login must look like USER:PASSWORD"),
        (["--tls-cert", "cert.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-cert", "nope.pem", "--tls-key", "nope.key"], "cannot use --tls-cert nope.pem"),
        (["--web-base-path", "horde"], "--web-base-path must start with '/'"),
    ],
)
def test_bad_web_options_are_one_clear_line_and_exit_2(
    locustfile: Path, tmp_path: Path, args: list[str], says: str
) -> None:
    result = run_horde(["-f", str(locustfile), "-H", "http://127.0.0.1:9", "-P", "0", *args])
    assert result.returncode == 2, result.stderr
    assert says in one_error_line(result.stderr)
    assert "alice" not in result.stderr or "alice" in says


def test_autostart_runs_and_autoquit_exits_with_the_summary_and_csv_files(
    locustfile: Path, tmp_path: Path, fresh_target: str
) -> None:
    result = run_horde(
        [
            "-f", str(locustfile), "-H", fresh_target, "-P", "0",
            "--autostart", "-u", "3", "-r", "30", "-t", "1s", "--autoquit", "0",
            "--csv", str(tmp_path / "run"),
        ],
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Summary: " in result.stdout
    assert "test over: quitting in 0 s (--autoquit)" in result.stderr
    assert "run time limit reached" in result.stderr
    rows = read_csv(tmp_path / "run_stats.csv")
    assert rows[-1]["Name"] == "Aggregated"
    assert int(rows[-1]["Request Count"]) > 0
    for suffix in ("_stats_history.csv", "_failures.csv", "_exceptions.csv"):
        assert (tmp_path / f"run{suffix}").is_file(), suffix


def test_sigterm_while_serving_stops_writes_the_outputs_and_exits(
    locustfile: Path, tmp_path: Path, fresh_target: str
) -> None:
    args = ["-f", str(locustfile), "-H", fresh_target, "--csv", str(tmp_path / "run")]
    with serving(args, tmp_path) as ui:
        assert ui.post("/swarm", data={"user_count": 2, "spawn_rate": 20}).json()["success"]
        poll_until(lambda: total_requests(ui) >= 5, "5 requests", ui.proc)
        assert ui.stop() == 0, ui.stderr
    assert "SIGTERM received: stopping the test and the web UI" in ui.stderr
    assert "Summary: " in ui.stdout
    rows = read_csv(tmp_path / "run_stats.csv")
    assert int(rows[-1]["Request Count"]) >= 5


def test_a_base_path_serves_everything_under_it(
    locustfile: Path, tmp_path: Path, demo_target: str
) -> None:
    args = ["-f", str(locustfile), "-H", demo_target, "--web-base-path", "/horde/"]
    with serving(args, tmp_path) as ui:
        assert ui.url.endswith("/horde/")
        root = ui.url.removesuffix("horde/")
        page = ui.get("")
        assert page.status_code == 200
        assert 'href="/horde/static/' in page.text
        assert ui.get("api/v1/status").json()["state"] == "ready"
        assert ui.get("stats/requests").status_code == 200
        assert ui.get("static/openapi.json").status_code == 200
        for outside in ("", "api/v1/status", "stats/requests", "static/openapi.json"):
            assert requests.get(root + outside, timeout=WAIT).status_code == 404, outside


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


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_tls_serves_https_with_a_secure_login_cookie(
    locustfile: Path, tmp_path: Path, demo_target: str
) -> None:
    cert, key = make_certificate(tmp_path)
    args = ["-f", str(locustfile), "-H", demo_target, "--tls-cert", str(cert)]
    args += ["--tls-key", str(key), "--web-login", "alice:pw"]
    with serving(args, tmp_path) as ui:
        assert ui.url.startswith("https://127.0.0.1:")
        assert ui.get("/api/v1/status", verify=str(cert)).status_code == 401
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
            status = ui.get("/api/v1/status", verify=False, auth=("alice", "pw"))
        assert status.json()["state"] == "ready"
        login = ui.post(
            "/login",
            data={"username": "alice", "password": "pw"},
            verify=str(cert),
            allow_redirects=False,
        )
        cookie = login.headers["Set-Cookie"]
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        plain = ui.url.replace("https://", "http://")
        with pytest.raises(requests.ConnectionError):
            requests.get(plain + "api/v1/status", timeout=WAIT)
        assert ui.proc.poll() is None, "a plain-HTTP client does not bring the server down"


def test_the_full_history_csv_is_served_with_csv(
    locustfile: Path, tmp_path: Path, fresh_target: str
) -> None:
    args = ["-f", str(locustfile), "-H", fresh_target, "--csv", str(tmp_path / "run")]
    with serving(args, tmp_path) as ui:
        ui.post("/swarm", data={"user_count": 1, "spawn_rate": 10})
        history = tmp_path / "run_stats_history.csv"
        poll_until(lambda: len(history.read_text().splitlines()) >= 2, "a history row", ui.proc)
        response = ui.get("/stats/requests_full_history/csv")
        assert response.status_code == 200
        assert response.text.startswith("Timestamp,User Count,Type,Name,Requests/s")
        assert "attachment" in response.headers["Content-Disposition"]


def test_without_csv_the_full_history_route_is_404(
    locustfile: Path, tmp_path: Path, demo_target: str
) -> None:
    with serving(["-f", str(locustfile), "-H", demo_target], tmp_path) as ui:
        response = ui.get("/stats/requests_full_history/csv")
        assert response.status_code == 404
        assert "--csv" in response.json()["error"]


CUSTOM = """
from locust import HttpUser, constant, events, task


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--page", default="/api/items", help="the page to load")
    parser.add_argument("--token", is_secret=True, default="t0ken-from-cli")


class Reader(HttpUser):
    wait_time = constant(0.05)

    @task
    def read(self):
        self.client.get(self.environment.parsed_options.page)
"""


def test_a_custom_option_from_the_form_reaches_the_users(tmp_path: Path, fresh_target: str) -> None:
    (tmp_path / "custom.py").write_text(CUSTOM, encoding="utf-8")
    args = ["-f", str(tmp_path / "custom.py"), "-H", fresh_target]
    with serving(args, tmp_path) as ui:
        form = ui.get("/api/v1/form").json()
        shown = {o["name"]: o for o in form["custom_options"]}
        assert shown["page"]["value"] == "/api/items"
        assert (shown["token"]["value"], shown["token"]["secret"]) == ("", True)
        started = ui.post("/swarm", data={"user_count": 1, "spawn_rate": 10, "page": "/about"})
        assert started.json()["success"], started.text
        poll_until(lambda: total_requests(ui) >= 2, "requests", ui.proc)
        names = [e["name"] for e in ui.get("/stats/requests").json()["stats"]]
        assert names == ["/about", "Aggregated"]
    assert "t0ken-from-cli" not in ui.stderr + ui.stdout


def test_the_password_never_shows_in_the_output(
    locustfile: Path, tmp_path: Path, demo_target: str
) -> None:
    password = "pw-" + "x9" * 8
    args = ["-f", str(locustfile), "-H", demo_target, "--web-login", f"alice:{password}"]
    with serving([*args, "-L", "DEBUG"], tmp_path) as ui:
        assert ui.get("/api/v1/status").status_code == 401
        browser = ui.get("/", headers={"Accept": "text/html"}, allow_redirects=False)
        assert re.search(r"/login\?next=/$", browser.headers["Location"])
        session = requests.Session()
        wrong = session.post(ui.url + "login", data={"username": "alice", "password": "no"})
        assert password not in wrong.url
        right = session.post(ui.url + "login", data={"username": "alice", "password": password})
        assert right.url == ui.url
        assert session.get(ui.url + "api/v1/status", timeout=WAIT).status_code == 200
        logs = session.get(ui.url + "api/v1/logs", timeout=WAIT).text
        assert "web UI at" in logs
        assert password not in logs
        assert ui.stop() == 0
    assert password not in ui.stderr + ui.stdout
