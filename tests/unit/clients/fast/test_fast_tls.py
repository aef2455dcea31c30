"""FastHttpSession over TLS: insecure by default (as Locust's), verifying when asked."""

from __future__ import annotations

import ssl
from typing import Any

from gevent import ssl as gssl

from horde.clients.fast import HTTPClientPool

pytest_plugins = ["fast_kit"]


def test_insecure_is_the_default_and_keeps_the_connection(
    fast_session: Any, tls_server: Any, recorder: Any
) -> None:
    session = fast_session(tls_server.url)
    for _ in range(5):
        response = session.get("/hello")
        assert response.text == "hello over tls"
        assert response.url == f"{tls_server.url}/hello"
    assert recorder.failures() == []
    assert tls_server.handshakes == 1, "one TLS connection for every request"


def test_a_verifying_context_rejects_a_self_signed_certificate(
    fast_session: Any, tls_server: Any, recorder: Any
) -> None:
    session = fast_session(tls_server.url, ssl_context_factory=gssl.create_default_context)
    response = session.get("/hello", name="hello")
    assert response.status_code == 0
    assert isinstance(response.error, ssl.SSLCertVerificationError)
    message = str(recorder.last["exception"])
    assert message.startswith("SSLCertVerificationError: ")
    assert "CERTIFICATE_VERIFY_FAILED" in message
    assert recorder.last["name"] == "hello"


def test_insecure_false_verifies_against_the_system_store(
    fast_session: Any, tls_server: Any
) -> None:
    response = fast_session(tls_server.url, insecure=False).get("/")
    assert response.status_code == 0
    assert isinstance(response.error, ssl.SSLError)


def test_a_context_trusting_the_certificate_verifies_it(
    fast_session: Any, tls_server: Any, recorder: Any
) -> None:
    def trusting() -> Any:
        return gssl.create_default_context(cafile=str(tls_server.cert))

    session = fast_session(tls_server.url, ssl_context_factory=trusting)
    assert session.get("/").text == "hello over tls"
    assert recorder.failures() == []


def test_a_shared_pool_makes_its_context_once(tls_server: Any, fast_session: Any) -> None:
    made: list[Any] = []

    def factory() -> Any:
        made.append(gssl.create_default_context(cafile=str(tls_server.cert)))
        return made[-1]

    shared = HTTPClientPool(ssl_context_factory=factory)
    try:
        for _ in range(3):
            assert fast_session(tls_server.url, client_pool=shared).get("/").status_code == 200
    finally:
        shared.close()
    assert len(made) == 1


def test_a_tls_connection_the_server_dropped_is_replaced_silently(
    fast_session: Any, tls_server: Any, recorder: Any
) -> None:
    session = fast_session(tls_server.url)
    for _ in range(3):
        assert session.get("/once").text == "hello over tls"
        tls_server.wait_closed()  # closed without a close_notify, as idle timeouts often do
    assert tls_server.handshakes == 3
    assert recorder.failures() == []
