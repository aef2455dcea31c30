"""``locust.contrib.mqtt`` inside the horde command: horde's MqttUser under Locust's names.

Same classes, attributes and event names as Locust's module; ``_generate_event_name`` can be
overridden the same way. horde adds ``client.wait_connected(timeout)`` (instead of sleeping in
``on_start``) and counts received messages as ``message:QOS:TOPIC``.
"""

from horde.protocols.mqtt import (
    REQUEST_TYPE,
    SUBACK_FAILURE,
    MqttClient,
    MqttUser,
    PublishedMessageContext,
)

__all__ = ["REQUEST_TYPE", "SUBACK_FAILURE", "MqttClient", "MqttUser", "PublishedMessageContext"]
