"""``locust.contrib.csv_request_logger``: not provided by horde yet (importing it says so)."""

from horde.compat.locust.contrib import not_provided

raise not_provided("csv_request_logger")
