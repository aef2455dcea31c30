"""The User class surface: abstract, weight, fixed_count, host, context, fullname, json, stop."""

from __future__ import annotations

from typing import Any

import gevent
import gevent.event
import pytest
from gevent.pool import Group

from horde.clients.http import HttpSession
from horde.env import Environment
from horde.exceptions import ConfigError
from horde.user import HttpUser, TaskSet, User, constant, task


class Module(User):
    host = "http://example.invalid"
    weight = 3

    @task(2)
    def index(self) -> None: ...

    @task
    def about(self) -> None: ...


def test_defaults() -> None:
    assert User.abstract is True
    assert User.weight == 1
    assert User.fixed_count == 0
    assert User.host is None
    assert User.tasks == []


def test_subclasses_are_concrete_unless_declared_abstract() -> None:
    class Base(User):
        abstract = True

    class Concrete(Base):
        pass

    class Plain(User):
        pass

    assert Base.abstract is True
    assert Concrete.abstract is False
    assert Plain.abstract is False
    assert HttpUser.abstract is True

    class Web(HttpUser):
        pass

    assert Web.abstract is False


def test_context_defaults_to_empty_and_can_be_overridden() -> None:
    class WithContext(User):
        def context(self) -> dict[str, Any]:
            return {"tenant": "a"}

    env = Environment()
    assert Module(env).context() == {}
    assert WithContext(env).context() == {"tenant": "a"}


def test_fullname_is_module_and_qualified_name() -> None:
    assert Module.fullname() == f"{__name__}.Module"

    class Local(User):
        pass

    assert Local.fullname() == f"{__name__}.test_fullname_is_module_and_qualified_name.Local"


def test_json_describes_the_class_for_the_ui() -> None:
    assert Module.json() == {
        "host": "http://example.invalid",
        "weight": 3,
        "fixed_count": 0,
        "tasks": ["index", "about"],
    }


def test_environment_host_overrides_the_class_host() -> None:
    class Target(User):
        host = "http://old.invalid"

    env = Environment(user_classes=[Target], host="http://new.invalid")
    assert Target.host == "http://new.invalid"
    assert Target(env).host == "http://new.invalid"


def test_user_keeps_its_environment() -> None:
    env = Environment()
    assert Module(env).environment is env


def test_http_user_needs_a_host() -> None:
    class NoHost(HttpUser):
        pass

    with pytest.raises(ConfigError, match="NoHost has no host"):
        NoHost(Environment())


def test_http_user_gets_a_recording_session() -> None:
    class Web(HttpUser):
        host = "http://127.0.0.1:1"

    user = Web(Environment())
    assert isinstance(user.client, HttpSession)
    assert user.client.base_url == "http://127.0.0.1:1"

    class Sub(TaskSet):
        @task
        def t(self) -> None: ...

    assert Sub(user).client is user.client


# -- start / stop -----------------------------------------------------------------------------


def test_stop_while_waiting_kills_at_once_and_runs_on_stop() -> None:
    stopped: list[str] = []

    class Sleepy(User):
        wait_time = constant(60)

        def on_stop(self) -> None:
            stopped.append("on_stop")

        @task
        def work(self) -> None: ...

    user = Sleepy(Environment())
    greenlet = user.start(Group())
    assert user.greenlet is greenlet
    gevent.sleep(0)  # runs the task, then waits
    assert user.stop() is True
    assert greenlet.dead
    assert stopped == ["on_stop"]


def test_graceful_stop_lets_the_running_task_finish() -> None:
    release = gevent.event.Event()
    log: list[str] = []

    class Busy(User):
        wait_time = constant(0)

        def on_stop(self) -> None:
            log.append("on_stop")

        @task
        def work(self) -> None:
            log.append("task start")
            release.wait(timeout=10)
            log.append("task end")

    user = Busy(Environment())
    greenlet = user.start(Group())
    gevent.sleep(0)
    assert log == ["task start"]
    assert user.stop(force=False) is False  # running: asked to stop after the task
    release.set()
    greenlet.join(timeout=10)
    assert greenlet.dead
    assert log == ["task start", "task end", "on_stop"]


def test_forced_stop_interrupts_the_running_task() -> None:
    log: list[str] = []

    class Busy(User):
        def on_stop(self) -> None:
            log.append("on_stop")

        @task
        def work(self) -> None:
            log.append("task start")
            gevent.sleep(60)
            log.append("task end")

    user = Busy(Environment())
    greenlet = user.start(Group())
    gevent.sleep(0)
    assert user.stop(force=True) is True
    assert greenlet.dead
    assert log == ["task start", "on_stop"]


def test_stop_before_start_is_a_no_op() -> None:
    assert Module(Environment()).stop() is True


def test_http_user_transport_is_chosen_by_a_class_attribute() -> None:
    from requests.adapters import HTTPAdapter

    from horde.clients.fast.adapter import FastAdapter
    from horde.env import Environment
    from horde.user.users import HttpUser

    class Fast(HttpUser):
        host = "http://127.0.0.1:9"

    class Classic(HttpUser):
        host = "http://127.0.0.1:9"
        fast_transport = False

    env = Environment()
    assert isinstance(Fast(env).client.get_adapter("http://127.0.0.1:9/"), FastAdapter)
    classic = Classic(env).client.get_adapter("http://127.0.0.1:9/")
    assert isinstance(classic, HTTPAdapter)
    assert not isinstance(classic, FastAdapter)
