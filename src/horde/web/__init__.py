"""The web UI: start, steer and watch a test in the browser; a JSON API for scripts and CI."""

from horde.web.ui import WebUI

__all__ = ["WebUI"]
