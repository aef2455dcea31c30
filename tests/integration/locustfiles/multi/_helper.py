"""Starts with "_": skipped when -f names the directory."""

from locust import HttpUser, task


class HiddenUser(HttpUser):
    @task
    def home(self):
        self.client.get("/")
