# ruff: noqa
# fmt: off
# Seed 002 (the Locust 1.x API reference) has no locustfile of its own: this one is assembled
# from its examples (ForumPage with tasks = {ThreadPage: 15, write_post: 1}, the @tag example,
# between/constant/constant_pacing, SequentialTaskSet, interrupt(), catch_response with
# response.success()/failure(), EventHook, the init / request_success / request_failure /
# hatch_complete / quitting events), with the examples' `pass` bodies replaced by requests to the
# demo target (none of which changes the target's data: other tests share it). Legacy events
# must work and log a one-line "deprecated:" notice.
import json
import os
import time

from locust import (User, HttpUser, TaskSet, SequentialTaskSet, task, tag, between, constant,
                    constant_pacing, events)
from locust.event import EventHook
from locust.exception import InterruptTaskSet

counts = {"success": 0, "failure": 0, "hatched": None, "init": 0, "custom": []}

my_event = EventHook()

def on_my_event(a, b, **kw):
    counts["custom"].append((a, b))

my_event.add_listener(on_my_event)


@events.init.add_listener
def on_init(environment, **kw):
    counts["init"] += 1
    environment.events.request_success.add_listener(on_success)
    environment.events.request_failure.add_listener(on_failure)
    my_event.fire(a="foo", b="bar")


def on_success(request_type, name, response_time, response_length, **kw):
    counts["success"] += 1


def on_failure(request_type, name, response_time, response_length, exception, **kw):
    counts["failure"] += 1


@events.hatch_complete.add_listener
def on_hatched(user_count, **kw):
    counts["hatched"] = user_count


@events.quitting.add_listener
def on_quitting(environment, **kw):
    path = os.environ.get("SEED002_REPORT")
    if path:
        with open(path, "w") as out:
            json.dump(counts, out)


def write_post(l):
    l.client.post("/contact_us", {"email": "l@example.com", "message": "post"}, name="write_post")


class ThreadPage(TaskSet):
    wait_time = constant(0.01)

    @task(3)
    def read(self):
        self.client.get("/api/items/1", name="thread page")

    @task(1)
    def back(self):
        self.interrupt()


class ForumPage(TaskSet):
    tasks = {ThreadPage:15, write_post:1}


class ForumUser(HttpUser):
    wait_time = between(0.01, 0.02)
    tasks = [ForumPage]


class TaggedForumPage(TaskSet):
    @tag('thread')
    @task(100)
    def read_thread(self):
        self.client.get("/api/items/2", name="read_thread")

    @tag('thread')
    @tag('post')
    @task(7)
    def create_thread(self):
        self.client.post("/login", {"username": "thread", "password": "pw"}, name="create_thread")

    @tag('post')
    @task(11)
    def comment(self):
        self.client.get("/something", name="comment")


class TaggedUser(HttpUser):
    wait_time = constant(0.01)
    tasks = [TaggedForumPage]


class Checkout(SequentialTaskSet):
    @task
    def first(self):
        with self.client.get("/does/not/exist", catch_response=True, name="step 1") as response:
            if response.status_code == 404:
                response.success()

    @task
    def second(self):
        with self.client.get("/api/items", catch_response=True, name="step 2") as response:
            if response.content == b"":
                response.failure("No data")

    @task
    def third(self):
        self.client.get("/api/fail", name="step 3")
        raise InterruptTaskSet(reschedule=False)


class SequenceUser(HttpUser):
    wait_time = constant_pacing(0.05)
    tasks = [Checkout]


class PlainUser(User):
    wait_time = constant(0.05)

    @task
    def nothing(self):
        time.sleep(0.001)
