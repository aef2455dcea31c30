"""horde.dispatch: validating user classes and the order users are started in."""

from __future__ import annotations

from itertools import islice
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from horde.dispatch import counts_for, first_users, max_users, user_sequence, validate_user_classes
from horde.exceptions import LocustfileError
from horde.user import User


def make(name: str, weight: Any = 1, fixed_count: Any = 0) -> type[User]:
    """A concrete User class with the given weight and fixed count."""
    return type(name, (User,), {"weight": weight, "fixed_count": fixed_count})


def names(classes: list[Any]) -> str:
    return "".join(c.__name__ for c in classes)


# -- validate_user_classes --------------------------------------------------------------------


@pytest.mark.parametrize("weight", [-1, -0.5, True, False, "3", None])
def test_invalid_weights_are_refused(weight: Any) -> None:
    with pytest.raises(LocustfileError, match=r"invalid weight .* on Bad"):
        validate_user_classes([make("Bad", weight=weight)])


@pytest.mark.parametrize("fixed", [-1, 1.5, True, "2"])
def test_invalid_fixed_counts_are_refused(fixed: Any) -> None:
    with pytest.raises(LocustfileError, match=r"invalid fixed_count .* on Bad"):
        validate_user_classes([make("Bad", fixed_count=fixed)])


def test_float_weights_are_accepted() -> None:
    a, b = make("A", 0.5), make("B", 2.5)
    assert validate_user_classes([a, b]) == [a, b]


def test_duplicate_class_names_are_refused() -> None:
    with pytest.raises(LocustfileError, match="several User classes are named Twin"):
        validate_user_classes([make("Twin"), make("Other"), make("Twin")])


def test_weight_zero_without_fixed_count_is_dropped() -> None:
    a, zero, fixed = make("A"), make("Zero", 0), make("Fixed", 0, fixed_count=2)
    assert validate_user_classes([a, zero, fixed]) == [a, fixed]


# -- user_sequence ----------------------------------------------------------------------------


def test_five_to_one_interleaves_smoothly() -> None:
    a, b = make("A", 5), make("B", 1)
    sequence = list(islice(user_sequence([b, a]), 60))
    assert names(sequence[:12]) == "AAABAAAAABAA"
    for start in range(len(sequence) - 5):
        window = sequence[start : start + 6]
        assert window.count(b) == 1, f"window at {start}: {names(window)}"


def test_equal_weights_round_robin_in_name_order() -> None:
    c, a, b = make("C"), make("A"), make("B")
    assert names(list(islice(user_sequence([c, a, b]), 9))) == "ABCABCABC"


def test_fixed_count_users_come_first_sorted_by_name() -> None:
    z, y, w = make("Z", fixed_count=2), make("Y", fixed_count=1), make("W", 3)
    sequence = list(islice(user_sequence([z, w, y]), 7))
    assert names(sequence) == "YZZWWWW"


def test_fixed_count_ignores_weight() -> None:
    fixed = make("Fixed", weight=100, fixed_count=1)
    other = make("Other", weight=1)
    assert counts_for([fixed, other], 10) == {"Fixed": 1, "Other": 9}


def test_sequence_is_finite_when_every_class_has_a_fixed_count() -> None:
    a, b = make("A", fixed_count=2), make("B", fixed_count=1)
    assert names(list(user_sequence([a, b]))) == "AAB"
    assert first_users([a, b], 10) == [a, a, b]


def test_sequence_is_empty_without_runnable_classes() -> None:
    assert list(user_sequence([make("Zero", 0)])) == []


def _worst_deviation(weights: list[float], length: int) -> float:
    classes = [make(f"C{i:02d}", w) for i, w in enumerate(weights)]
    total = sum(weights)
    counts = dict.fromkeys(classes, 0)
    worst = 0.0
    for n, cls in enumerate(islice(user_sequence(classes), length), start=1):
        counts[cls] += 1
        worst = max(worst, *(abs(counts[c] - n * c.weight / total) for c in classes))
    return worst


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(min_value=1, max_value=20),
            st.floats(min_value=0.05, max_value=20, allow_nan=False),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_every_prefix_is_within_one_user_of_the_weight_share(weights: list[float]) -> None:
    k = len(weights)
    bound = 1 - 1 / (2 * k - 2) if k > 1 else 0.0
    assert _worst_deviation(weights, 200) <= bound + 1e-6


def test_five_classes_stay_within_one_user() -> None:
    """Smooth weighted round-robin drifts to 1.03 users here; the sequence must not."""
    assert _worst_deviation([5, 1, 5, 14, 14], 400) < 1.0


# -- counts_for / max_users -------------------------------------------------------------------


def test_counts_for_follows_weights() -> None:
    a, b, c = make("A", 1), make("B", 3), make("C", 6)
    assert counts_for([a, b, c], 10) == {"A": 1, "B": 3, "C": 6}
    assert counts_for([a, b, c], 100) == {"A": 10, "B": 30, "C": 60}
    assert counts_for([a, b, c], 0) == {"A": 0, "B": 0, "C": 0}


def test_counts_for_with_fixed_and_weighted() -> None:
    admin, a, b = make("Admin", fixed_count=2), make("A", 1), make("B", 1)
    assert counts_for([admin, a, b], 1) == {"Admin": 1, "A": 0, "B": 0}
    assert counts_for([admin, a, b], 6) == {"Admin": 2, "A": 2, "B": 2}


def test_counts_grow_monotonically_so_ramping_down_is_the_reverse() -> None:
    a, b, c = make("A", 2), make("B", 3), make("C", 0.5)
    previous = counts_for([a, b, c], 0)
    for n in range(1, 60):
        current = counts_for([a, b, c], n)
        grew = [k for k in current if current[k] != previous[k]]
        assert len(grew) == 1
        assert current[grew[0]] == previous[grew[0]] + 1
        previous = current


def test_max_users() -> None:
    a, b = make("A", fixed_count=2), make("B", fixed_count=3)
    assert max_users([a, b]) == 5
    assert max_users([a, b, make("W", 1)]) is None
    assert max_users([]) == 0
