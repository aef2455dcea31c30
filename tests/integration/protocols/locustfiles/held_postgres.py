"""Each user runs one statement that waits, in the server, until 100 users have arrived.

Written against Locust's ``locust.contrib.postgres`` names. The arrivals are counted by a
sequence (not transactional, so every session sees each arrival at once); a statement still
waiting after 40 s raises, so a serialised run fails instead of hanging.
"""

import os

from held_common import one_more_finished
from locust import constant, task
from locust.contrib.postgres import PostgresUser

SEQUENCE = os.environ["ARRIVALS"]
BARRIER = f"""
DO $$
BEGIN
  PERFORM nextval('{SEQUENCE}');
  FOR i IN 1..400 LOOP
    IF (SELECT last_value FROM {SEQUENCE}) >= 100 THEN
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
