"""@tag and filtering tasks by --tags / --exclude-tags."""

# ruff: noqa: RUF012 - `tasks = [...]` class attributes, as a locustfile writes them, are the subject

from __future__ import annotations

from typing import Any

import pytest

from horde.env import Environment
from horde.exceptions import LocustfileError
from horde.user import TaskSet, User, tag, task
from horde.user.inspect import filter_tasks_by_tags


def names(tasks: list[Any]) -> list[str]:
    return [t.__name__ for t in tasks]


def make_forum() -> tuple[type[User], type[TaskSet]]:
    """The seed's ForumPage example, nested in a user with an untagged task."""

    @tag("admin")
    class Moderation(TaskSet):
        @task
        def ban(self) -> None: ...

        @tag("post")
        @task
        def delete_post(self) -> None: ...

    class ForumPage(TaskSet):
        @tag("thread")
        @task(3)
        def read_thread(self) -> None: ...

        @tag("thread")
        @tag("post")
        @task(2)
        def create_thread(self) -> None: ...

        @tag("post")
        @task(1)
        def comment(self) -> None: ...

        @task
        def untagged(self) -> None: ...

    class Visitor(User):
        tasks = [ForumPage, Moderation]

        @task
        def home(self) -> None: ...

    return Visitor, ForumPage


def test_tag_sets_accumulate() -> None:
    @tag("a")
    @tag("b", "c")
    def f() -> None: ...

    assert f.locust_tag_set == {"a", "b", "c"}  # type: ignore[attr-defined]


def test_tag_refuses_non_strings() -> None:
    with pytest.raises(LocustfileError, match="@tag takes strings"):
        tag("ok", 3)  # type: ignore[arg-type]


def test_tags_keep_only_matching_tasks_with_their_weights() -> None:
    visitor, forum = make_forum()
    filter_tasks_by_tags(visitor, ["thread"], None)
    assert names(visitor.tasks) == ["ForumPage"]
    assert names(forum.tasks) == ["read_thread"] * 3 + ["create_thread"] * 2


def test_exclude_tags_drop_matching_tasks_and_keep_untagged() -> None:
    visitor, forum = make_forum()
    filter_tasks_by_tags(visitor, None, ["post"])
    assert names(forum.tasks) == ["read_thread"] * 3 + ["untagged"]
    assert names(visitor.tasks) == ["ForumPage", "Moderation", "home"]
    moderation = visitor.tasks[1]
    assert names(moderation.tasks) == ["ban"]


def test_exclusion_wins_over_inclusion() -> None:
    visitor, forum = make_forum()
    filter_tasks_by_tags(visitor, ["thread"], ["post"])
    assert names(forum.tasks) == ["read_thread"] * 3


def test_taskset_tags_apply_to_its_tasks() -> None:
    visitor, _ = make_forum()
    filter_tasks_by_tags(visitor, ["admin"], None)
    [moderation] = visitor.tasks
    assert names(moderation.tasks) == ["ban", "delete_post"]


def test_excluding_a_taskset_tag_drops_the_whole_taskset() -> None:
    visitor, _ = make_forum()
    filter_tasks_by_tags(visitor, None, ["admin"])
    assert names(visitor.tasks) == ["ForumPage", "home"]


def test_emptied_tasksets_are_dropped() -> None:
    visitor, forum = make_forum()
    filter_tasks_by_tags(visitor, ["nothing-has-this"], None)
    assert visitor.tasks == []
    assert forum.tasks == []


def test_refiltering_starts_from_the_unfiltered_tasks() -> None:
    visitor, forum = make_forum()
    filter_tasks_by_tags(visitor, ["thread"], None)
    filter_tasks_by_tags(visitor, ["post"], None)
    assert names(forum.tasks) == ["create_thread"] * 2 + ["comment"]
    assert names(visitor.tasks) == ["ForumPage", "Moderation"]
    filter_tasks_by_tags(visitor, None, None)
    assert names(visitor.tasks) == ["ForumPage", "Moderation", "home"]
    assert len(forum.tasks) == 7


def test_tags_on_user_tasks() -> None:
    class Shopper(User):
        @tag("buy")
        @task(2)
        def buy(self) -> None: ...

        @task
        def look(self) -> None: ...

    filter_tasks_by_tags(Shopper, ["buy"], None)
    assert names(Shopper.tasks) == ["buy", "buy"]


def test_environment_filters_its_user_classes() -> None:
    visitor, forum = make_forum()
    Environment(user_classes=[visitor], exclude_tags=["thread", "admin"])
    assert names(visitor.tasks) == ["ForumPage", "home"]
    assert names(forum.tasks) == ["comment", "untagged"]


def test_environment_without_tag_options_leaves_tasks_alone() -> None:
    visitor, forum = make_forum()
    Environment(user_classes=[visitor])
    assert len(visitor.tasks) == 3
    assert len(forum.tasks) == 7
