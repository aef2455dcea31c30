"""Locust's web routes, so scripts written against Locust's UI keep working.

``/stop`` and ``/stats/reset`` answer POST (Locust 2.47) and, for older scripts, GET, with the
limits of :func:`horde.web.guard.refuse_get_state_change`. ``locust.index`` and
``locust.login`` name the page and the login page too (Locust's endpoint names, which
locustfiles pass to ``url_for``). ``GET /stats/report`` (Locust's HTML report) is served by
:mod:`horde.web.reports`, with horde's HTML report.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, Response, jsonify, request, send_file

from horde.exceptions import HordeError
from horde.reports import csv as csvreport
from horde.runners import MasterRunner
from horde.user.inspect import ratio_report
from horde.web.api import body, cached_json, error
from horde.web.guard import refuse_get_state_change
from horde.web.locust_ui import update_user_class, worker_count
from horde.web.pages import index, login
from horde.web.snapshot import exceptions_json, locust_stats_json
from horde.web.state import state
from horde.web.urls import without_credentials

locust = Blueprint("locust", __name__)
locust.add_url_rule("/", "index", index)
locust.add_url_rule("/login", "login", login)


@locust.post("/swarm")
def swarm() -> Response:
    control = state().control
    try:
        plan = control.submit(body())
    except HordeError as exc:
        response = jsonify({"success": False, "message": str(exc)})
        response.status_code = 400
        return response
    state().cache.invalidate()
    host = without_credentials(control.environment.host)
    message = "Swarming started"
    if plan is not None and plan.executor == "shape":
        message = f"Swarming started using shape class '{plan.shape}'"  # Locust's words
    return jsonify({"success": True, "message": message, "host": host})


@locust.route("/stop", methods=["GET", "POST"])
def stop() -> Response:
    refused = refuse_get_state_change()
    if refused is not None:
        return refused
    state().control.stop()
    return jsonify({"success": True, "message": "Test stopped"})


@locust.route("/stats/reset", methods=["GET", "POST"])
def reset() -> Response | str:
    refused = refuse_get_state_change()
    if refused is not None:
        return refused
    state().control.reset()
    state().cache.invalidate()
    return "ok"


@locust.get("/worker-count")
def get_worker_count() -> Response:
    return jsonify({"worker_count": worker_count(state().control.runner)})


@locust.post("/user")
def update_user() -> Response:
    """Locust's user-class picker: set host, weight, fixed_count or tasks of one class."""
    try:
        update_user_class(state().environment, request.get_json(silent=True))
    except HordeError as exc:
        return error(str(exc))
    response = jsonify({})
    response.status_code = 201
    return response


@locust.get("/stats/requests")
def requests_json() -> Response:
    runner = state().control.runner
    runner_state = runner.state
    if isinstance(runner, MasterRunner):  # Locust's master lists its workers here too
        document = locust_stats_json(state().snapshot(), runner_state)
        document["workers"] = runner.workers_status()
        document["worker_count"] = runner.worker_count
        return jsonify(document)
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
