"""A request name, a failure message and a response body that are HTML with script in them:
the page must show them as text and never run them."""

from locust import HttpUser, constant, task

NAME = '/<img src=x onerror="window.__xss = 1">'
MESSAGE = '<b>bold</b><img src=x onerror="window.__xss = 2">'


class Hostile(HttpUser):
    wait_time = constant(0.1)

    @task
    def home(self):
        with self.client.get("/", name=NAME, catch_response=True) as response:
            response.failure(MESSAGE)
