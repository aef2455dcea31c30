# ruff: noqa
# fmt: off
# Seed 001, "One Step Further" and "Caring about more than the HTTP status": the post's search
# function (a plain function, grouped under one name with name=) verbatim, used as a weighted
# task; and the response checks the post describes in prose (Cache-Control and Expires headers,
# response.cookies, status_code with a re-login on 401) written in the same legacy style.
# Failed checks are reported with response.failure, so the test can count them.
# words.txt is read from the working directory, as in the post.
from locust import HttpLocust, TaskSet, task

import random
with open('words.txt', 'r') as temp_file:
    words = [line.rstrip('\n') for line in temp_file]

def search(self):
    word = words[random.randint(0,len(words)-1)]
    length = random.randint(3,len(word))
    self.client.get("/search?search=%s" % word[0:length], name="/search?search=[string]")


class CheckingTasks(TaskSet):
    tasks = {search: 2}

    def on_start(self):
        response = self.client.post("/user/signin", {
            "email": "checker@example.com",
            "password": "what!thatsmypasswordtoo",
        })
        if "session" not in response.cookies:
            raise RuntimeError("the sign-in set no session cookie")

    @task(1)
    def about_caching(self):
        with self.client.get("/about", catch_response=True, name="/about (headers)") as response:
            if "max-age" not in response.headers['Cache-Control']:
                response.failure("no max-age in Cache-Control")
            elif not response.headers['Expires']:
                response.failure("no Expires header")

    @task(1)
    def my_account(self):
        with self.client.get("/api/me", catch_response=True) as response:
            if response.status_code == 401:
                response.failure("logged out: signing in again")
                self.on_start()
            elif response.json()["username"] != "checker@example.com":
                response.failure("someone else's session")


class CheckingUser(HttpLocust):
    task_set = CheckingTasks
    min_wait = 50
    max_wait = 150
