# ruff: noqa
# fmt: off
# Seed 003 ("Load testing with locust", slides): the slides grow one locustfile.py step by step;
# this is the last step (on_start posting /login, weights 2 and 1) with the "You can also nest
# tasks" slide's inner @task kept where the slide put it, the first slide's import line and
# user class. Nothing else changed; the host comes from --host, as on the "Running" slide.
from locust import HttpLocust, TaskSet, task

class UserBehavior(TaskSet):

    def on_start(self):
        self.client.post("/login", {
            'username': 'foo', 'password': 'bar'
        })

    @task(2)
    def get_something(self):
        self.client.get("/something")

        @task
        def get_something_else(self):
            self.client.get("/something-else")

    @task(1)
    def get_something_else(self):
        self.client.get("/something-else")

class WebsiteUser(HttpLocust):
    task_set = UserBehavior
