"""Automatic URL grouping (``--group-urls auto``): ids in URLs become placeholders in stats names.

Without ``name=``, every request is named after its URL, so ``/api/items/1`` ... ``/api/items/9999``
make ten thousand statistics rows and the table, the failures and the reports drown. With grouping
on, a request made without ``name=`` (and outside ``rename_request``) is named after its URL with
the id-like parts folded::

    /api/items/4711                       -> /api/items/[id]
    /orders/3f2b1c9e-8d4a-4b7e-9c1d-2a3b4c5d6e7f/lines/2
                                          -> /orders/[uuid]/lines/[id]
    /files/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b   -> /files/[hex]
    /search?q=shoes&page=3&session=eyJ0eXAiOiJKV1QiLCJ9x2
                                          -> /search?q=shoes&page=[id]&session=[token]

What is folded, in path segments and query values (each taken whole):

* whole numbers: ``[id]`` (``123.json`` gives ``[id].json``);
* UUIDs: ``[uuid]``; ISO dates (``2024-05-01``): ``[date]``;
* hex strings of 16 characters or more with a digit (hashes, Mongo ids): ``[hex]``;
* random-looking tokens of 16 characters or more with a digit (base62/base64url, JWTs, ULIDs,
  ``cus_``-prefixed ids): ``[token]``. "Random-looking" is judged from how often consecutive
  characters change between upper case, lower case and digit, which tells ``Nf3rFe9UfN`` from
  CamelCase or kebab-case words with a number (``ListObjectsV2Request``, ``my-post-2024``).
  It is a heuristic: over random ids it folds all JWTs and 99.5 % of 43-character base64url
  tokens but only 85-95 % of short (14-21 character) mixed-case ids, and a token without any
  digit is never folded; ``name=`` stays the exact tool.

Words, slugs, version segments (``v2``) and names like ``oauth2-callback`` are left alone, so two
routes that differ in a literal segment stay apart, unless that segment itself looks like an id:
a bare number (``/api/2/users``) or, rarely, a CamelCase name such as ``getUserById2Async``. The
scheme, host, query keys and fragment are kept as they are.

This runs once per request, so it is cached: a URL seen before costs one dict lookup, and a new
one (a new id) is split once and its segments classified, with the classification of each
literal segment cached too. ``benchmarks/hotpath.py`` measures both.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

MODES = ("auto", "off")
"""Values of ``--group-urls`` (and of a User class's ``group_urls``)."""

_CACHE_SIZE = 4096
_CACHED_URL_MAX = 2048
_HAS_DIGIT = re.compile(r"[0-9]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_DATE = re.compile(r"[12][0-9]{3}-[01][0-9]-[0-3][0-9]\Z")
_NUMBER_FILE = re.compile(r"([0-9]+)(\.[A-Za-z][A-Za-z0-9]{0,7})\Z")
_HEX = re.compile(r"[0-9a-fA-F]{16,}\Z")
_LONG_RULES = ((_UUID, "[uuid]"), (_DATE, "[date]"), (_HEX, "[hex]"))
_PREFIX = re.compile(r"[a-z]{1,8}_(?=.)")
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-=~.+%]{16,}\Z")


def classify(part: str) -> str | None:
    """The placeholder for one path segment or query value, or None if it is not id-like."""
    if part.isdigit() and part.isascii():
        return "[id]"
    if not _HAS_DIGIT.search(part):
        return None
    numbered = _NUMBER_FILE.match(part)
    if numbered is not None:
        return f"[id]{numbered.group(2)}"
    if len(part) >= 10:
        for pattern, placeholder in _LONG_RULES:
            if pattern.match(part):
                return placeholder
        if _TOKEN_CHARS.match(part) and _looks_random(part):
            return "[token]"
    return None


def _looks_random(part: str) -> bool:
    """A base62/base64-like token rather than words with a number in them.

    Judged on the letters and digits (after a ``cus_``-style prefix): in random base62 about 6
    consecutive pairs in 10 change class (upper, lower, digit) and most lower-case runs are one
    letter long; in CamelCase or kebab-case words the runs are whole words.
    """
    prefix = _PREFIX.match(part)
    kinds = [_kind(c) for c in part[prefix.end() if prefix else 0 :] if c.isalnum()]
    changes = sum(a != b for a, b in itertools.pairwise(kinds))
    digits = kinds.count("D")
    lower_runs = [len(list(run)) for kind, run in itertools.groupby(kinds) if kind == "L"]
    if "U" in kinds and lower_runs:
        singles = sum(length == 1 for length in lower_runs) / len(lower_runs)
        shaped = len(kinds) >= 24 or singles >= 0.25 or max(lower_runs) <= 3
        return changes >= 0.4 * len(kinds) and shaped
    if "U" in kinds:  # upper case and digits (ULIDs, base32): no words to tell apart
        return len(kinds) >= 20 and digits >= 2
    return digits >= 4 and changes >= 0.25 * len(kinds)


def _kind(char: str) -> str:
    return "D" if char.isdigit() else "U" if char.isupper() else "L"


class UrlGrouper:
    """Folds id-like parts of URLs into placeholders; results are cached (bounded)."""

    def __init__(self, cache_size: int = _CACHE_SIZE) -> None:
        self.cache_size = cache_size
        self._urls: dict[str, str] = {}
        self._literal: set[str] = set()

    def __call__(self, url: str) -> str:
        folded = self._urls.get(url)
        if folded is None:
            folded = self.fold(url) if _HAS_DIGIT.search(url) else url
            if len(url) <= _CACHED_URL_MAX:  # a hostile 1 MB URL is folded, never kept
                urls = self._urls
                if len(urls) >= self.cache_size:
                    urls.clear()
                urls[url] = folded
        return folded

    def fold(self, url: str) -> str:
        """``url`` with its id-like path segments and query values replaced (not cached)."""
        fragment = ""
        if "#" in url:
            url, hash_mark, rest = url.partition("#")
            fragment = f"{hash_mark}{rest}"
        head, path = ("", url) if url[:1] == "/" else _split_origin(url)
        query = None
        if "?" in path:
            path, _, query = path.partition("?")
        out = "/".join(self._parts(path.split("/")))
        if query is not None:
            pairs = query.split("&")
            for index, pair in enumerate(pairs):
                key, equals, value = pair.partition("=")
                if equals and value:
                    folded = self._parts([value])[0]
                    if folded is not value:
                        pairs[index] = f"{key}={folded}"
            out = f"{out}?{'&'.join(pairs)}"
        return f"{head}{out}{fragment}"

    def _parts(self, parts: list[str]) -> list[str]:
        """``parts`` with each id-like one replaced by its placeholder (in place)."""
        literal = self._literal
        for index, part in enumerate(parts):
            if not part or part in literal:
                continue
            placeholder = classify(part)
            if placeholder is not None:
                parts[index] = placeholder
            elif len(part) <= _CACHED_URL_MAX:  # only literal parts are kept: ids rarely repeat
                if len(literal) >= self.cache_size:
                    literal.clear()
                literal.add(part)
        return parts


def _split_origin(url: str) -> tuple[str, str]:
    """``("http://host:port", "/path?query")`` of an absolute URL; ``("", url)`` otherwise."""
    scheme_end = url.find("://")
    if scheme_end < 0 or "/" in url[:scheme_end] or "?" in url[:scheme_end]:
        return "", url
    path_start = url.find("/", scheme_end + 3)
    query_start = url.find("?", scheme_end + 3)
    cut = min(i for i in (path_start, query_start, len(url)) if i >= 0)
    return url[:cut], url[cut:]


GROUPER = UrlGrouper()
"""The process-wide grouper every session with grouping on shares (one cache for all users)."""


def url_grouper(user: Any) -> Callable[[str], str] | None:
    """The grouping function for the session of ``user``, or None when grouping is off.

    The Environment's ``group_urls`` (``--group-urls``, a config file or HORDE_GROUP_URLS) wins;
    without it, the User class's ``group_urls`` attribute decides. Anything but "auto" is off.
    """
    if user is None:
        return None
    mode = getattr(getattr(user, "environment", None), "group_urls", None)
    if mode is None:
        mode = getattr(user, "group_urls", None)
    return GROUPER if mode == "auto" else None
