"""Locust's web routes, so scripts written against Locust's UI keep working."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, Response, jsonify, send_file

from horde.exceptions import HordeError
from horde.reports import csv as csvreport
from horde.user.inspect import ratio_report
from horde.web.api import body, cached_json
from horde.web.snapshot import exceptions_json, locust_stats_json
from horde.web.state import state

locust = Blueprint("locust", __name__)


@locust.post("/swarm")
def swarm() -> Response:
    control = state().control
    try:
        run = control.parse(body())
        control.start(run)
    except HordeError as exc:
        response = jsonify({"success": False, "message": str(exc)})
        response.status_code = 400
        return response
    state().cache.invalidate()
    return jsonify(
        {"success": True, "message": "Swarming started", "host": control.environment.host}
    )


@locust.get("/stop")
def stop() -> Response:
    state().control.stop()
    return jsonify({"success": True, "message": "Test stopped"})


@locust.get("/stats/reset")
def reset() -> str:
    state().control.reset()
    state().cache.invalidate()
    return "ok"


@locust.get("/stats/requests")
def requests_json() -> Response:
    runner_state = state().control.runner.state
    return cached_json(("locust", runner_state), lambda s: locust_stats_json(s, runner_state))


def _csv(kind: str, label: str) -> Response:
    web = state()
    body = csvreport.render(kind, web.snapshot())
    stamp = time.strftime("%Y%m%dT%H%M%S")
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=horde_{stamp}_{label}.csv"
    return response


@locust.get("/stats/requests/csv")
def requests_csv() -> Response:
    return _csv("stats", "requests")


@locust.get("/stats/failures/csv")
def failures_csv() -> Response:
    return _csv("failures", "failures")


@locust.get("/stats/failure_samples/csv")
def samples_csv() -> Response:
    return _csv("failure_samples", "failure_samples")


@locust.get("/exceptions/csv")
def exceptions_csv() -> Response:
    return _csv("exceptions", "exceptions")


@locust.get("/stats/requests_full_history/csv")
def full_history_csv() -> Response:
    path = state().csv_history_path
    if not path or not Path(path).is_file():
        response = jsonify({"error": "no history file: run with --csv PREFIX"})
        response.status_code = 404
        return response
    return send_file(path, mimetype="text/csv", as_attachment=True)


@locust.get("/exceptions")
def exceptions() -> Response:
    return cached_json(("exceptions",), exceptions_json)


@locust.get("/tasks")
def tasks() -> Response:
    return jsonify(ratio_report(state().environment.user_classes))


@locust.get("/logs")
def logs() -> Response:
    lines = [line["text"] for line in state().logs.since(0)["lines"]]
    return jsonify({"master": lines, "workers": {}})
