"""Two load shapes and a plain user, for the start form's shape picker and the thresholds
panel. ``Climb`` holds 2 users for 3 s, then 4 users until stopped; ``Plateau`` holds 3 users;
``Common`` reads the form's users and ramp (``use_common_options``)."""

from locust import HttpUser, LoadTestShape, constant, task


class Visitor(HttpUser):
    wait_time = constant(0.2)

    @task
    def home(self):
        self.client.get("/")


class Climb(LoadTestShape):
    """Two users for three seconds, then four until stopped."""

    def tick(self):
        return (2, 10) if self.get_run_time() < 3 else (4, 10)


class Plateau(LoadTestShape):
    """Three users until stopped."""

    def tick(self):
        return (3, 10)


class Common(LoadTestShape):
    """The users and ramp of the form, until stopped."""

    use_common_options = True

    def tick(self):
        options = self.runner.environment.parsed_options
        return (options.num_users, options.spawn_rate)
