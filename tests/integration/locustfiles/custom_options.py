"""Adds --my-number (env var MY_NUMBER) and --my-flag, and prints what the test receives."""

from locust import HttpUser, events, task
from locust.exception import StopTest


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--my-number", type=int, default=1, env_var="MY_NUMBER", help="a number")
    parser.add_argument("--my-flag", action="store_true", help="a custom flag")


@events.test_start.add_listener
def _show(environment, **_kwargs):
    options = environment.parsed_options
    print(f"my_number={options.my_number!r} my_flag={options.my_flag!r}", flush=True)
    print(f"users={options.num_users!r} spawn_rate={options.spawn_rate!r}", flush=True)


class Quick(HttpUser):
    host = "http://127.0.0.1:9"  # never contacted: the only task ends the test

    @task
    def done(self):
        raise StopTest()
