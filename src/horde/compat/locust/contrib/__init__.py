"""``locust.contrib`` inside the horde command."""
