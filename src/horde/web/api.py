"""horde's JSON API (``/api/v1/...``), documented in ``openapi.json``; the UI uses it too."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from horde.exceptions import HordeError
from horde.stats.snapshot import StatsSnapshot
from horde.user.inspect import ratio_report
from horde.web.control import RunControl
from horde.web.snapshot import exceptions_json, failures_json, history_json, stats_json
from horde.web.state import state

api = Blueprint("api", __name__)


def body() -> dict[str, Any]:
    """The fields of a form or the members of a JSON object ({} for any other JSON)."""
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
    return {k: (v[0] if len(v) == 1 else v) for k, v in request.form.lists()}


def error(message: str, status: int = 400) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


@api.get("/api/v1/status")
def status() -> Response:
    return jsonify(state().control.status())


@api.get("/api/v1/form")
def form() -> Response:
    return jsonify(state().control.form())


@api.post("/api/v1/run")
def run() -> Response:
    control = state().control
    try:
        control.submit(body())
    except HordeError as exc:
        return error(str(exc))
    state().cache.invalidate()
    return jsonify(control.status())


@api.get("/api/v1/thresholds")
def thresholds() -> Response:
    """The current test's thresholds checked against the statistics (once per snapshot)."""
    control = state().control
    return cached_json(
        ("thresholds", control.runner.state), lambda _snapshot: thresholds_json(control)
    )


def thresholds_json(control: RunControl) -> dict[str, Any]:
    outcomes = control.thresholds()
    return {
        "thresholds": [{**outcome.to_dict(), "text": outcome.text} for outcome in outcomes],
        "passed": all(outcome.passed for outcome in outcomes),
    }


@api.post("/api/v1/stop")
def stop() -> Response:
    state().control.stop()
    return jsonify(state().control.status())


@api.post("/api/v1/reset")
def reset() -> Response:
    state().control.reset()
    state().cache.invalidate()
    return jsonify({"reset": True})


@api.get("/api/v1/stats")
def stats() -> Response:
    runner_state = state().control.runner.state
    return cached_json(("stats", runner_state), lambda snap: stats_json(snap, runner_state))


def cached_json(key: Hashable, build: Callable[[StatsSnapshot], Any]) -> Response:
    """The JSON of ``build(snapshot)``, encoded once per snapshot (see SnapshotCache)."""
    body = state().cache.rendered(key, lambda snap: current_app.json.dumps(build(snap)).encode())
    return Response(body, mimetype="application/json")


@api.get("/api/v1/history")
def history() -> Response:
    name = request.args.get("name")
    method = request.args.get("method")
    return cached_json(("history", name, method), lambda s: history_json(s, name, method))


@api.get("/api/v1/failures")
def failures() -> Response:
    return cached_json(("failures",), failures_json)


@api.get("/api/v1/exceptions")
def exceptions() -> Response:
    return cached_json(("exceptions",), exceptions_json)


@api.get("/api/v1/tasks")
def tasks() -> Response:
    return jsonify(ratio_report(state().environment.user_classes))


@api.get("/api/v1/logs")
def logs() -> Response:
    first = request.args.get("since", "0")
    return jsonify(state().logs.since(int(first) if first.isdigit() else 0))


@api.get("/api/v1/snapshot")
def snapshot() -> Response:
    """Everything at once (the "JSON snapshot" download)."""
    web = state()
    snap = web.snapshot()
    document = {
        "status": web.control.status(),
        "stats": stats_json(snap, web.control.runner.state),
        "failures": [group.to_dict() for group in snap.errors],
        "exceptions": exceptions_json(snap)["exceptions"],
        "history": [point.to_dict() for point in snap.history],
        "tasks": ratio_report(web.environment.user_classes),
    }
    response = jsonify(document)
    if request.args.get("download"):
        response.headers["Content-Disposition"] = "attachment; filename=horde_snapshot.json"
    return response
