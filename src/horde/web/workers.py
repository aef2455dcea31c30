"""The Workers view's data: ``GET /api/v1/workers`` (state, users, CPU, last report per worker).

Outside distributed mode the answer says so (``distributed: false``) and the UI hides the tab.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from horde.runners import MasterRunner
from horde.web.state import state

workers = Blueprint("workers", __name__)


@workers.get("/api/v1/workers")
def workers_json() -> Response:
    runner = state().control.runner
    if not isinstance(runner, MasterRunner):
        return jsonify({"distributed": False, "worker_count": 0, "workers": [], "lost": []})
    return jsonify(
        {
            "distributed": True,
            "worker_count": runner.worker_count,
            "workers": runner.workers_status(),
            "lost": [lost.describe() for lost in runner.lost_workers],
            "malformed_messages": runner.malformed_messages,
            "refused_workers": runner.refused_workers,
        }
    )
