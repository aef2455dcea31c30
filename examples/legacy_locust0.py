"""A Locust 0.x locustfile (the style of many blog posts): horde runs it as it is.

horde -f examples/legacy_locust0.py --no-web -c 10 --hatch-rate 5 -t 20s -H http://127.0.0.1:8080
"""

from locust import HttpLocust, TaskSet, task


class WebsiteTasks(TaskSet):
    def on_start(self):
        self.client.post("/user/signin", {"email": "someone@example.com", "password": "pw"})

    @task(10)
    def index(self):
        self.client.get("/")

    @task(5)
    def about(self):
        with self.client.get("/about", catch_response=True) as response:
            if response.text.find("Founded") < 0:
                response.failure("Founded not found in response")

    @task(1)
    def contact_us(self):
        self.client.post(
            "/contact_us",
            {"email": "someone@example.com", "subject": "Sales inquiry", "message": "Hello"},
        )


class WebsiteUser(HttpLocust):
    task_set = WebsiteTasks
    min_wait = 1000
    max_wait = 5000
