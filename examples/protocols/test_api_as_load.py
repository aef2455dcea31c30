"""pytest-style load: plain ``test_*`` functions that are tests and load at once.

Each function taking ``session`` (an HttpSession, like HttpUser's ``client``) or ``fastsession``
(a FastHttpSession) becomes a User class under the horde command, called in a loop; the same
file runs as ordinary tests under pytest through horde's pytest plugin. Against horde's demo
target (``horde demo-target --port 8080`` serves it):

    horde -f examples/protocols/test_api_as_load.py --headless -u 4 -r 4 -t 30s \\
        -H http://127.0.0.1:8080
    pytest -H http://127.0.0.1:8080 examples/protocols/test_api_as_load.py

Recorded as HTTP requests (``GET /api/items``, ...), exactly as a User's client records them. A
request that fails ``raise_for_status()`` is a recorded failure and ends that iteration.
"""

import time


def test_list_items(session):
    items = session.get("/api/items")
    items.raise_for_status()
    time.sleep(0.1)  # pacing: there is no wait_time for a test function


def test_read_one_item(fastsession):
    item = fastsession.get("/api/items/1", name="/api/items/[id]")
    item.raise_for_status()
    time.sleep(0.1)
