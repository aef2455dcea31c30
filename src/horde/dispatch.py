"""Which user classes to run, in which order: pure functions, no sleeping, no I/O.

Users are started along one deterministic sequence: first every ``fixed_count`` user (classes
sorted by name), then weighted classes interleaved smoothly (weights 5:1 give ``A A A B A A``
rather than ``A A A A A B``). Ramping up walks forward along the sequence and ramping down walks
back, so at any user count the class mix follows the weights as closely as whole users allow.

The interleaving is Tijdeman's rule for the chairman assignment problem: after every prefix of
``n`` weighted users, each class has within ``1 - 1/(2k - 2)`` users (``k`` classes, so always
less than one user) of its exact share ``n * weight / total``. Smooth weighted round-robin, the
usual choice, can drift past one user with five or more classes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from math import inf
from typing import Any

from horde.config import MAX_USERS
from horde.exceptions import LocustfileError


def validate_user_classes(classes: Sequence[Any]) -> list[Any]:
    """Check weights and fixed counts; drop classes with weight 0 and no fixed count."""
    names = [c.__name__ for c in classes]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise LocustfileError(
            f"several User classes are named {', '.join(duplicates)}: rename them to run both"
        )
    kept = []
    for cls in classes:
        weight, fixed = getattr(cls, "weight", 1), getattr(cls, "fixed_count", 0)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight < inf:
            raise LocustfileError(
                f"invalid weight {weight!r} on {cls.__name__}: use a number of 0 or more"
            )
        if isinstance(fixed, bool) or not isinstance(fixed, int) or not 0 <= fixed <= MAX_USERS:
            raise LocustfileError(
                f"invalid fixed_count {fixed!r} on {cls.__name__}: use a whole number from 0 to "
                f"{MAX_USERS:,}"
            )
        if weight > 0 or fixed > 0:
            kept.append(cls)
    return kept


def user_sequence(classes: Sequence[Any]) -> Iterator[Any]:
    """The order in which users are started (finite if every class has a fixed count)."""
    fixed = sorted((c for c in classes if c.fixed_count), key=lambda c: c.__name__)
    for cls in fixed:
        yield from [cls] * cls.fixed_count
    weighted = sorted((c for c in classes if not c.fixed_count and c.weight > 0), key=_name)
    if not weighted:
        return
    yield from (weighted[i] for i in _interleave([float(c.weight) for c in weighted]))


_TOLERANCE = 1.0 - 1e-9
"""Float weights: a class this close to eligible counts as eligible (whole numbers are exact)."""


def _interleave(weights: Sequence[float]) -> Iterator[int]:
    """Indices into ``weights``, forever, each index's count close to its share at every prefix.

    At step ``t`` a class is eligible if it is at least ``d = 1/(2k - 2)`` users behind its share;
    among the eligible, the one whose next user falls due first (smallest ``(c + 1 - d) / w``)
    is chosen, ties going to the lower index. Everything is scaled by ``2k - 2`` and by the total
    weight so that whole-number weights are compared exactly.
    """
    k = len(weights)
    if k == 1:
        while True:
            yield 0
    total = sum(weights)
    scale = 2 * k - 2
    counts = [0] * k
    step = 0
    while True:
        step += 1
        best, best_due = -1, 0.0
        for i, weight in enumerate(weights):
            if scale * (weight * step - counts[i] * total) < total * _TOLERANCE:
                continue  # less than d users behind its share: not eligible yet
            due = (counts[i] + 1) * scale - 1  # the deadline times the weight (cross-multiplied)
            if best < 0 or due * weights[best] < best_due * weight:
                best, best_due = i, due
        if best < 0:  # only reachable through float rounding: take the largest deficit
            best = max(range(k), key=lambda i: weights[i] * step - counts[i] * total)
        counts[best] += 1
        yield best


def _name(cls: Any) -> str:
    return str(cls.__name__)


def first_users(classes: Sequence[Any], count: int) -> list[Any]:
    """The first ``count`` classes of the sequence (shorter if only fixed counts remain)."""
    return list(islice(user_sequence(classes), count))


def counts_for(classes: Sequence[Any], count: int) -> dict[str, int]:
    """``{class name: users}`` for ``count`` users in total."""
    out = {c.__name__: 0 for c in classes}
    for cls in first_users(classes, count):
        out[cls.__name__] += 1
    return out


def share(total: int, offset: int, stride: int) -> int:
    """How many of positions ``0..total-1`` a worker owning ``offset, offset + stride, ...``
    gets (distributed mode: worker ``k`` of ``n`` owns ``k, k + n, k + 2n...``)."""
    return len(range(offset, total, stride))


def strided_sequence(classes: Sequence[Any], offset: int = 0, stride: int = 1) -> Iterator[Any]:
    """The positions ``offset, offset + stride, ...`` of :func:`user_sequence`: what worker
    ``offset`` of ``stride`` runs, so that all workers together run exactly the classes one
    process would run at any total."""
    return islice(user_sequence(classes), offset, None, stride)


def max_users(classes: Sequence[Any]) -> int | None:
    """The most users the classes allow (None: unbounded, some class has a weight)."""
    if any(not c.fixed_count and c.weight > 0 for c in classes):
        return None
    return sum(int(c.fixed_count) for c in classes)
