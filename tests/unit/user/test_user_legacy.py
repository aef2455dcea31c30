"""Locust 0.x spellings still run: Locust, HttpLocust, task_set, min_wait/max_wait in ms."""

# ruff: noqa: RUF012 - `tasks = [...]` class attributes, as a locustfile writes them, are the subject

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

import horde.event
from horde.clients.http import HttpSession
from horde.env import Environment
from horde.user import HttpLocust, HttpUser, Locust, TaskSet, User, between, constant, task
from horde.user.task import DefaultTaskSet


@pytest.fixture(autouse=True)
def fresh_notices() -> Iterator[None]:
    """Deprecation notices are once per process: start every test with none given."""
    saved = set(horde.event._notices_given)
    horde.event._notices_given.clear()
    yield
    horde.event._notices_given.clear()
    horde.event._notices_given.update(saved)


@pytest.fixture
def caplog_warnings(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING, logger="horde.event")
    return caplog


def notices(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The deprecation notices logged so far."""
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("deprecated:")]


class UserTasks(TaskSet):
    @task
    def index(self) -> None: ...


def wait_range(holder: object, instance: object, draws: int = 400) -> tuple[float, float]:
    wait = holder.wait_time  # type: ignore[attr-defined]
    values = [wait(instance) if not hasattr(wait, "__self__") else wait() for _ in range(draws)]
    return min(values), max(values)


def test_locust_subclass_is_a_concrete_user_with_one_notice(
    caplog_warnings: pytest.LogCaptureFixture,
) -> None:
    class WebsiteUser(Locust):
        @task
        def index(self) -> None: ...

    class Second(Locust):
        @task
        def other(self) -> None: ...

    assert issubclass(WebsiteUser, User)
    assert WebsiteUser.abstract is False
    assert Locust.abstract is True
    assert notices(caplog_warnings) == [
        "deprecated: WebsiteUser subclasses Locust; subclass User instead"
    ]
    env = Environment(user_classes=[WebsiteUser, Second])
    assert env.user_classes == [WebsiteUser, Second]


def test_http_locust_subclass_is_an_http_user(caplog_warnings: pytest.LogCaptureFixture) -> None:
    class WebsiteUser(HttpLocust):
        host = "http://127.0.0.1:1"
        task_set = UserTasks
        min_wait = 5000
        max_wait = 9000

    assert issubclass(WebsiteUser, HttpUser)
    assert WebsiteUser.abstract is False
    user = WebsiteUser(Environment())
    assert isinstance(user.client, HttpSession)
    assert WebsiteUser.tasks == [UserTasks]
    low, high = wait_range(user, user)
    assert 5 <= low < high <= 9
    assert sorted(notices(caplog_warnings)) == [
        "deprecated: WebsiteUser subclasses HttpLocust; subclass HttpUser instead",
        "deprecated: WebsiteUser.task_set; use tasks = [UserTasks]",
        "deprecated: WebsiteUser: min_wait/max_wait in ms; use wait_time = between(min_s, max_s)",
    ]


def test_each_notice_is_given_once_per_process(caplog_warnings: pytest.LogCaptureFixture) -> None:
    for _ in range(3):

        class Again(Locust):
            task_set = UserTasks
            min_wait = 100
            max_wait = 200

    assert len(notices(caplog_warnings)) == 3


def test_task_set_attribute_becomes_tasks(caplog_warnings: pytest.LogCaptureFixture) -> None:
    class Old(User):
        task_set = UserTasks

    assert Old.tasks == [UserTasks]
    assert any("task_set" in n for n in notices(caplog_warnings))


def test_explicit_tasks_win_over_task_set() -> None:
    class Other(TaskSet):
        @task
        def other(self) -> None: ...

    class Both(User):
        task_set = UserTasks
        tasks = [Other]

    assert Both.tasks == [Other]


def test_user_min_max_wait_in_milliseconds(caplog_warnings: pytest.LogCaptureFixture) -> None:
    class Old(User):
        min_wait = 1000
        max_wait = 3000

        @task
        def t(self) -> None: ...

    user = Old(Environment())
    low, high = wait_range(user, user)
    assert 1 <= low < 1.2
    assert 2.8 < high <= 3
    assert any("min_wait" in n for n in notices(caplog_warnings))


def test_only_min_wait_is_a_constant_wait() -> None:
    class Old(User):
        min_wait = 1500

        @task
        def t(self) -> None: ...

    user = Old(Environment())
    assert wait_range(user, user) == (1.5, 1.5)


def test_taskset_min_max_wait_overrides_the_user() -> None:
    class OldSet(TaskSet):
        min_wait = 200
        max_wait = 400

        @task
        def t(self) -> None: ...

    class Person(User):
        wait_time = constant(50)
        tasks = [OldSet]

    taskset = OldSet(Person(Environment()))
    low, high = wait_range(taskset, taskset)
    assert 0.2 <= low < high <= 0.4


def test_explicit_wait_time_wins_over_min_max_wait() -> None:
    class Explicit(User):
        wait_time = constant(7)
        min_wait = 1000
        max_wait = 2000

        @task
        def t(self) -> None: ...

    user = Explicit(Environment())
    assert DefaultTaskSet(user).wait_time() == 7


def test_wait_time_none_falls_back_to_min_max_wait() -> None:
    """As in Locust: an unset (None) wait_time means the old attributes apply."""

    class Fallback(User):
        wait_time = None  # type: ignore[assignment]
        min_wait = 100
        max_wait = 100

        @task
        def t(self) -> None: ...

    assert DefaultTaskSet(Fallback(Environment())).wait_time() == 0.1


def test_inherited_min_wait_with_overridden_max_wait() -> None:
    class Base(User):
        abstract = True
        min_wait = 1000
        max_wait = 1000

    class Child(Base):
        max_wait = 2000

        @task
        def t(self) -> None: ...

    user = Child(Environment())
    low, high = wait_range(user, user)
    assert 1 <= low < high <= 2


def test_new_style_wait_time_is_unaffected() -> None:
    class Modern(User):
        wait_time = between(1, 2)

        @task
        def t(self) -> None: ...

    user = Modern(Environment())
    low, high = wait_range(user, user)
    assert 1 <= low < high <= 2
