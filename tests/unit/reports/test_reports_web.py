"""The web UI's report routes: ``/metrics`` parsed by prometheus_client, ``/api/v1/report`` the
same HTML as ``--html``; both behind the login when one is set."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from horde.env import Environment
from horde.event import Events
from horde.reports.metadata import RunMetadata, ThresholdOutcome
from horde.user import User, task
from horde.web import WebUI


class Quiet(User):
    @task
    def nothing(self) -> None:
        """Never runs: these tests record requests themselves."""


@pytest.fixture
def web() -> Iterator[WebUI]:
    env = Environment(user_classes=[Quiet], events=Events(), locustfile="/x/lf.py")
    runner = env.create_local_runner()
    ui = WebUI(env, "127.0.0.1", 0, web_login="admin:pw")
    for ms in (3.0, 30.0, 300.0):
        env.events.request.report("GET", '/a"<b>', ms, 10)
    env.events.request.report("POST", "/b", 5.0, 10, exception="boom")
    yield ui
    runner.quit()
    env.close()


def auth() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(b"admin:pw").decode()}


def test_metrics_need_the_login_and_parse(web: WebUI) -> None:
    client = web.app.test_client()
    assert client.get("/metrics").status_code == 401
    web.state.extra["run_metadata"] = RunMetadata(
        thresholds=(ThresholdOutcome("p95<1s", 300.0, True),)
    )
    response = client.get("/metrics", headers=auth())
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}
    requests = {s.labels["name"]: s.value for s in families["horde_requests"].samples}
    assert requests == {'/a"<b>': 3.0, "/b": 1.0}
    buckets = {
        s.labels["le"]: s.value
        for s in families["horde_request_duration_seconds"].samples
        if s.name.endswith("_bucket") and s.labels["name"] == '/a"<b>'
    }
    assert (buckets["0.005"], buckets["0.05"], buckets["0.5"]) == (1.0, 2.0, 3.0)
    assert families["horde_threshold_passed"].samples[0].value == 1.0


def test_the_report_route_serves_the_html_report(web: WebUI) -> None:
    client = web.app.test_client()
    assert client.get("/api/v1/report").status_code == 401
    response = client.get("/api/v1/report?download=1", headers=auth())
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Disposition"].endswith("_report.html")
    page = response.get_data(as_text=True)
    assert "/a&#34;&lt;b&gt;" in page
    assert "lf.py" in page


def test_locusts_report_route_serves_the_same_report(web: WebUI) -> None:
    client = web.app.test_client()
    assert client.get("/stats/report").status_code == 401
    response = client.get("/stats/report?theme=dark", headers=auth())
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "/a&#34;&lt;b&gt;" in response.get_data(as_text=True)
