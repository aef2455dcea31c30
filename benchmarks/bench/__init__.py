"""The side-by-side benchmark of horde and Locust; ``benchmarks/run.py`` is the entry point."""
