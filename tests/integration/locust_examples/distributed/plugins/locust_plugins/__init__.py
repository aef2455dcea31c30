"""A stand-in for the one part of locust-plugins that Locust's examples/worker_index.py uses.

locust-plugins itself depends on Locust's own package, which must not be installed next to
horde in the test environment; this package gives the example a working ``csvreader``.
"""
