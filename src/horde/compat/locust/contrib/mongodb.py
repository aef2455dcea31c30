"""``locust.contrib.mongodb``: not provided by horde yet; importing it says so in one line."""

from horde.compat.locust.contrib import not_provided

raise not_provided("mongodb")
