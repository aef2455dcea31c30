from locust import HttpUser, task


class FirstUser(HttpUser):
    @task
    def home(self):
        self.client.get("/")
