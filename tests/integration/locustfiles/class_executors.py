"""A closed-model class next to two classes with executors of their own: 30 iterations a second
of GET /api/items/7, and 5 iterations of GET /something shared by 2 users."""

from locust import FastHttpUser, constant, task

from horde import constant_arrival_rate, shared_iterations


class Browse(FastHttpUser):
    wait_time = constant(0.5)

    @task
    def items(self):
        self.client.get("/api/items")


class Checkout(FastHttpUser):
    executor = constant_arrival_rate(30, max_users=10)

    @task
    def order(self):
        self.client.get("/api/items/7")


class Setup(FastHttpUser):
    executor = shared_iterations(5, users=2)

    @task
    def seed(self):
        self.client.get("/something")
