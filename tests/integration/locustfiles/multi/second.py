from locust import HttpUser, task


class SecondUser(HttpUser):
    @task
    def about(self):
        self.client.get("/about")
