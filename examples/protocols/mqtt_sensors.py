"""MqttUser: sensors that publish readings and read their commands, with Locust's names.

Needs an MQTT broker (Mosquitto: ``mosquitto -p 1883``); ``host`` (``mqtt://HOST:PORT``, or
``host`` and ``port`` on the class) says where:

    horde -f examples/protocols/mqtt_sensors.py --headless -u 10 -r 10 -t 30s \\
        -H mqtt://127.0.0.1:1883

The same file runs under Locust with ``from locust.contrib.mqtt import MqttUser`` (horde
resolves that import to the same class). Recorded (request type ``MQTT``): ``connect`` to the
broker's CONNACK, ``subscribe:1:sensors/ID/commands`` to its SUBACK,
``publish:1:sensors/ID/temperature`` to its PUBACK, and ``message:1:...`` for every message
received (counted, with its size). ``wait_connected()`` waits for the broker rather than
sleeping in ``on_start``.
"""

import json
import random
import time

from horde import MqttUser, between, task


class Sensor(MqttUser):
    wait_time = between(0.1, 0.3)

    def on_start(self) -> None:
        if not self.client.wait_connected(10):
            raise ConnectionError("the broker did not accept the connection in 10 s")
        self.prefix = f"sensors/{self.client.client_id}"
        self.client.subscribe(f"{self.prefix}/commands", qos=1)

    @task(5)
    def report_temperature(self) -> None:
        reading = {"celsius": round(random.uniform(18, 24), 1), "at": time.time()}
        self.client.publish(f"{self.prefix}/temperature", json.dumps(reading), qos=1)

    @task
    def command_self(self) -> None:
        # a message to our own subscription: published, then received and counted
        self.client.publish(f"{self.prefix}/commands", b"blink", qos=1)
