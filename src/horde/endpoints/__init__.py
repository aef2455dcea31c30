"""Endpoints as objects: requests described once, made by any user, with per-user state.

::

    from horde import HttpUser, task
    from horde.endpoints import Chain, Endpoint

    login = Endpoint("/login", "POST", body={"username": "demo", "password": "demo"})
    item = Endpoint("/api/items/{id}", ["GET", "PUT"])
    checkout = Chain([login, (item, "GET")])

    class Shopper(HttpUser):
        @task
        def look(self):
            result = item.call(self, "GET", id=7)    # recorded as GET /api/items/{id}
            if result.ok:
                price = result.json()["price"]

        @task
        def buy(self):
            checkout.run(self)

See docs/endpoints.md. ``import locust_backpack`` inside the horde command gives the Locust
Backpack names on top of these (:mod:`horde.endpoints.backpack`).
"""

from horde.endpoints.endpoint import Endpoint
from horde.endpoints.flow import Chain, FlowResult, Scenario, SequenceScenario, Step
from horde.endpoints.result import Result
from horde.endpoints.results import save_results
from horde.endpoints.view import UserEndpoint

__all__ = [
    "Chain",
    "Endpoint",
    "FlowResult",
    "Result",
    "Scenario",
    "SequenceScenario",
    "Step",
    "UserEndpoint",
    "save_results",
]
