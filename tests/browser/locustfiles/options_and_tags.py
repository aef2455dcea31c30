"""Locustfile options of every kind (text, flag, choices, secret, required) and tagged tasks,
for the start form's tests. At the start of a test it logs what it received."""

import logging

from locust import HttpUser, constant, events, tag, task


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--greeting", default="hello", help="a text option")
    parser.add_argument("--shout", action="store_true", help="a flag")
    parser.add_argument("--region", choices=["eu", "us"], default="eu", help="one of a few")
    parser.add_argument("--api-token", default="s3cret", is_secret=True, help="a secret")
    parser.add_argument("--team", default="", is_required=True, help="a required value")


@events.test_start.add_listener
def _show(environment, **_kwargs):
    options = environment.parsed_options
    logging.getLogger("options_and_tags").info(
        "options: greeting=%s shout=%s region=%s token_length=%d team=%s tags=%s",
        options.greeting,
        options.shout,
        options.region,
        len(options.api_token),
        options.team,
        options.tags,
    )


class Tagged(HttpUser):
    wait_time = constant(0.05)

    @tag("read")
    @task
    def read(self):
        self.client.get("/api/items", name="read")

    @tag("write")
    @task
    def write(self):
        self.client.get("/something", name="write")
