"""Public test kit: a fake clock and a demo target to test locustfiles against."""

from horde.demo.process import reset_counts, running_demo_target, server_counts
from horde.testing.clock import FakeClock

__all__ = ["FakeClock", "reset_counts", "running_demo_target", "server_counts"]
