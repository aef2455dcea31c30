# ruff: noqa
# fmt: off
# Seed 001 ("A Locust introduction", Locust 0.x era), as printed in the post, with only what the
# blog formatting garbled restored:
#   * the request calls lost their beginning: `self.client.get("/")`, `self.client.get("/about")`
#     and `self.client.post(` were restored in front of what was left ('"/contact_us", {...');
#   * the `@task(10)`, `@task(5)`, `@task(1)` lines the text describes (weights 10, 5, 1);
#   * the import line and the closing `})` of the dictionaries;
#   * the e-mail addresses, removed by the page's e-mail obfuscation ("email": "") - the demo
#     target, like the blog's site, refuses a sign-in or contact form without one;
#   * the task set is defined before the user class that names it, so the file imports;
#   * on_start's body indentation, and the `about` task is the post's catch_response version
#     (its inverted check `> 0` is the post's own: it marks every /about that *contains*
#     "Founded" as failed, and the test expects exactly that).
# The host is left empty as in the post: pass -H.
from locust import HttpLocust, TaskSet, task


class WebsiteTasks(TaskSet):
    def on_start(self):
        self.client.post("/user/signin", {
            "email": "someone@example.com",
            "password": "what!thatsmypasswordtoo",
        })

    @task(10)
    def index(self):
        self.client.get("/")

    @task(5)
    def about(self):
        with self.client.get("/about", catch_response=True) as response:
            if response.text.find("Founded") > 0: # Text is on the page
                response.failure("Founded not found in response")

    @task(1)
    def contact_us(self):
        self.client.post("/contact_us", {
            "email": "someone@example.com",
            "subject": "Sales inquiry",
            "message": "I am very interested in your product...",
        })


class WebsiteUser(HttpLocust):
    host = ""
    task_set = WebsiteTasks
    min_wait = 1000 # time in ms
    max_wait = 15000 # time in ms
