"""``--otel``: real OTLP/HTTP requests from a real ``horde`` run, received by a small server on
loopback and decoded with the OTLP protobuf definitions (opentelemetry-proto)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

from conftest import REPO, free_port, run_horde

LOCUSTFILE = str(Path(__file__).parent / "locustfiles" / "reports_target.py")
pytestmark = pytest.mark.slow


class Collector(BaseHTTPRequestHandler):
    """Accepts ``POST /v1/metrics`` (protobuf) and keeps every decoded request."""

    received: list[ExportMetricsServiceRequest]
    paths: list[str]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        message = ExportMetricsServiceRequest()
        message.ParseFromString(body)
        self.server.received.append(message)  # type: ignore[attr-defined]
        self.server.paths.append((self.path, self.headers["Content-Type"]))  # type: ignore[attr-defined]
        answer = ExportMetricsServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def otlp() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    server.received = []  # type: ignore[attr-defined]
    server.paths = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def points(message: ExportMetricsServiceRequest, metric_name: str) -> dict[tuple[str, ...], float]:
    """``{attribute values: value}`` of one metric in one export request."""
    found: dict[tuple[str, ...], float] = {}
    for resource in message.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name != metric_name:
                    continue
                data = metric.sum.data_points or metric.gauge.data_points
                for point in data:
                    key = tuple(a.value.string_value for a in point.attributes)
                    value = point.as_int if point.HasField("as_int") else point.as_double
                    found[key] = value
    return found


def test_metrics_arrive_over_otlp_and_match_the_json_report(
    otlp: ThreadingHTTPServer, demo_target: str, tmp_path: Path
) -> None:
    port = otlp.server_address[1]
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
        "OTEL_METRIC_EXPORT_INTERVAL": "500",
        "OTEL_SERVICE_NAME": "horde-under-test",
    }
    args = ["-f", LOCUSTFILE, "--headless", "-H", demo_target, "-u", "3", "-r", "100", "-t", "3s",
            "--otel", "--json-file", "result", "--exit-code-on-error", "0"]  # fmt: skip
    result = run_horde(args, cwd=tmp_path, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "export" not in result.stderr.lower()  # no exporter warning or error
    received: list[ExportMetricsServiceRequest] = otlp.received  # type: ignore[attr-defined]
    assert len(received) >= 2, "periodic exports and the final flush"
    paths = set(otlp.paths)  # type: ignore[attr-defined]
    assert paths == {("/v1/metrics", "application/x-protobuf")}
    final = received[-1]
    resource = {a.key: a.value.string_value for a in final.resource_metrics[0].resource.attributes}
    assert resource["service.name"] == "horde-under-test"
    document = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    expected = {(e["method"], e["name"]): e["num_requests"] for e in document["stats"]}
    assert points(final, "horde.requests") == expected
    failures = points(final, "horde.request.failures")
    assert sum(failures.values()) == document["aggregated"]["num_failures"] > 0
    latencies = points(final, "horde.response_time")
    assert latencies[("GET", "/delay", "p50")] > 0
    assert points(final, "horde.users") == {(): 0}  # the final flush: every user stopped
    assert max(points(m, "horde.users").get((), 0) for m in received) == 3  # while running


def test_grpc_protocol_is_refused_with_one_line(tmp_path: Path) -> None:
    args = ["-f", LOCUSTFILE, "--headless", "-H", "http://127.0.0.1:9", "-t", "1s", "--otel"]
    result = run_horde(args, cwd=tmp_path, env={"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"})
    assert result.returncode == 2
    assert "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported" in result.stderr


def test_without_the_sdk_otel_says_what_to_install(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['opentelemetry.sdk'] = None; "
        "sys.argv = ['horde', *sys.argv[1:]]; from horde.cli.entry import main; main()"
    )
    args = ["-f", LOCUSTFILE, "--headless", "-H", "http://127.0.0.1:9", "-t", "1s", "--otel"]
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "pip install 'horde[otel]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_unreachable_endpoint_is_exit_5_after_the_run(demo_target: str, tmp_path: Path) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{free_port()}",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "1",
    }
    args = ["-f", LOCUSTFILE, "--headless", "-H", demo_target, "-t", "1s", "--otel",
            "--exit-code-on-error", "0", "--only-summary", "--json-file", "r"]  # fmt: skip
    result = run_horde(args, cwd=tmp_path, env=env, timeout=60)
    assert result.returncode == 5, result.stderr
    assert "--otel: the final metrics could not be exported" in result.stderr
    assert (tmp_path / "r.json").is_file()  # the other outputs were written all the same
