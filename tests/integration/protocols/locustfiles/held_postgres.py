"""Each user runs one statement that waits, in the server, until every user (100) has arrived.

Written against Locust's ``locust.contrib.postgres`` names. The arrivals are counted by a
sequence (not transactional, so every session sees each arrival at once); a statement still
waiting after ``HELD_LIMIT`` seconds (default 40) raises, so a serialised run fails instead of
hanging.
"""

import os

from held_common import USERS, one_more_finished
from locust import constant, task
from locust.contrib.postgres import PostgresUser

SEQUENCE = os.environ["ARRIVALS"]
TENTHS = round(float(os.environ.get("HELD_LIMIT", "40")) * 10)
BARRIER = f"""
DO $$
BEGIN
  PERFORM nextval('{SEQUENCE}');
  FOR i IN 1..{TENTHS} LOOP
    IF (SELECT last_value FROM {SEQUENCE}) >= {USERS} THEN
      RETURN;
    END IF;
    PERFORM pg_sleep(0.1);
  END LOOP;
  RAISE EXCEPTION 'barrier not reached';
END $$
"""


class Held(PostgresUser):
    conn_string = os.environ["CONNINFO"]
    wait_time = constant(600)

    @task
    def hold(self) -> None:
        assert self.client.execute_query(BARRIER) is not None
        one_more_finished()
