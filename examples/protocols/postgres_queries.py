"""PostgresUser: one connection per user, each query timed under a name, errors recorded.

Needs a PostgreSQL server you may create a table in; the connection string is the host:

    horde -f examples/protocols/postgres_queries.py --headless -u 10 -r 10 -t 30s \\
        -H postgresql://USER:PASSWORD@127.0.0.1:5432/DBNAME

Recorded (request type ``postgres``): ``connect`` once per user, then each statement under the
name given (``name=``) or its text, with the rows returned or affected as its length. Values go
in ``params``, so equal statements share one row of the statistics. A database error is a
failure named by its SQLSTATE (``23505 UniqueViolation: ...``) with the detail and hint in its
sample; it ends the task quietly. A dropped connection is reopened by the next query.
"""

import random

from horde import PostgresUser, between, task


class Shopper(PostgresUser):
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.client.execute(
            "CREATE TABLE IF NOT EXISTS horde_example_items"
            " (id serial PRIMARY KEY, name text NOT NULL, price int NOT NULL)",
            name="create table",
        )

    @task(3)
    def browse(self) -> None:
        self.client.execute(
            "SELECT id, name, price FROM horde_example_items WHERE price < %s ORDER BY id LIMIT 10",
            (random.randint(1, 100),),
            name="browse",
        ).fetchall()  # the rows are already here: the query's time includes receiving them

    @task
    def add(self) -> None:
        self.client.execute(
            "INSERT INTO horde_example_items (name, price) VALUES (%s, %s)",
            (f"item {random.randint(1, 1000)}", random.randint(1, 100)),
            name="add",
        )
