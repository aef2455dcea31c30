"""Fill ``{{name}}`` placeholders in the template files kept next to ``run.py``."""

from __future__ import annotations

import re
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent.parent
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def render(template_name: str, values: dict[str, str]) -> str:
    """The template's text with every placeholder replaced; a missing value is an error."""
    text = (BENCHMARKS_DIR / template_name).read_text(encoding="utf-8")

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "name":  # the literal "{{name}}" in the templates' header comments
            return match.group(0)
        if key not in values:
            raise KeyError(f"{template_name}: no value for {{{{{key}}}}}")
        return values[key]

    return _PLACEHOLDER.sub(substitute, text)
