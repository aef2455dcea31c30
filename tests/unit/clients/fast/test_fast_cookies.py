"""FastHttpSession's cookie jar on its own (horde.clients.fast.cookies): requests' host rules."""

from __future__ import annotations

import pytest

from horde.clients.fast.cookies import MAX_PER_SCOPE, MAX_SCOPES, SessionCookies


def jar_with(*set_cookies: tuple[str, str]) -> SessionCookies:
    """A jar fed ``(Set-Cookie header, host that sent it)`` pairs."""
    jar = SessionCookies()
    for header, host in set_cookies:
        jar.set_from([header], host)
    return jar


def test_a_cookie_goes_back_only_to_the_host_that_set_it() -> None:
    jar = jar_with(("session=abc; Path=/; HttpOnly", "127.0.0.1"))
    assert jar.header_for("127.0.0.1", False) == "session=abc"
    assert jar.header_for("localhost", False) is None
    assert jar.header_for("127.0.0.2", False) is None


def test_a_domain_cookie_goes_to_the_domain_and_its_subdomains() -> None:
    jar = jar_with(("d=1; Domain=example.test", "www.example.test"))
    assert jar.header_for("example.test", False) == "d=1"
    assert jar.header_for("api.example.test", False) == "d=1"
    assert jar.header_for("badexample.test", False) is None
    assert jar.header_for("example.test.evil", False) is None


@pytest.mark.parametrize(
    ("domain", "host"),
    [
        ("other.test", "www.example.test"),  # not this host's domain
        ("www.example.test", "example.test"),  # a subdomain of the host
        ("test", "example.test"),  # a top-level domain
        ("0.1", "127.0.0.1"),  # a "domain" of an IP address
    ],
)
def test_a_domain_the_host_may_not_set_is_ignored(domain: str, host: str) -> None:
    jar = jar_with((f"d=1; Domain={domain}", host))
    assert not jar
    assert jar.header_for(host, False) is None


def test_a_secure_cookie_goes_only_over_https() -> None:
    jar = jar_with(("s=1; Secure", "a.test"), ("p=2", "a.test"))
    assert jar.header_for("a.test", False) == "p=2"
    assert jar.header_for("a.test", True) == "s=1; p=2"


def test_cookies_a_script_sets_go_everywhere_and_request_cookies_win() -> None:
    jar = jar_with(("session=abc", "a.test"))
    jar["flavour"] = "t"
    assert jar.header_for("b.test", False) == "flavour=t"
    assert jar.header_for("a.test", False, {"session": "mine", "x": 1}) == (
        "session=mine; flavour=t; x=1"
    )


def test_the_mapping_view_is_by_name_across_hosts() -> None:
    jar = jar_with(("a=1", "a.test"), ("b=2", "b.test"))
    assert dict(jar) == {"a": "1", "b": "2"}
    assert len(jar) == 2
    assert "a" in jar
    assert jar["b"] == "2"
    jar["a"] = "3"  # replaces the host's cookie, as requests' jar.set() does
    assert jar.header_for("a.test", False) == "a=3"
    assert jar.header_for("c.test", False) == "a=3"
    del jar["b"]
    assert "b" not in jar
    assert jar.header_for("b.test", False) == "a=3"
    with pytest.raises(KeyError):
        del jar["b"]
    with pytest.raises(KeyError):
        jar["missing"]
    jar.clear()
    assert not jar
    assert repr(jar) == "SessionCookies({})"


@pytest.mark.parametrize(
    "ending", ["Max-Age=0", "Max-Age=-1", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"]
)
def test_a_server_deletes_its_cookie(ending: str) -> None:
    jar = jar_with(("session=abc", "a.test"), ("other=1", "a.test"))
    value = "" if ending.startswith("Expires") else "x"
    jar.set_from([f"session={value}; {ending}"], "a.test")
    assert dict(jar) == {"other": "1"}


def test_a_malformed_set_cookie_is_skipped() -> None:
    jar = jar_with(("\x00bad", "a.test"), ("good=1", "a.test"))
    assert dict(jar) == {"good": "1"}


def test_a_server_setting_new_cookies_forever_does_not_grow_the_jar_forever() -> None:
    jar = SessionCookies()
    jar["mine"] = "kept"
    for index in range(MAX_PER_SCOPE + 20):
        jar.set_from([f"c{index}=1"], "a.test")
    assert len(jar) == MAX_PER_SCOPE + 1
    assert "c0" not in jar, "the oldest went first"
    assert f"c{MAX_PER_SCOPE + 19}" in jar
    for index in range(MAX_SCOPES + 5):
        jar.set_from(["h=1"], f"host{index}.test")
    assert len(jar.scopes) == MAX_SCOPES + 1
    assert "mine" in jar, "a script's own cookies are never forgotten"


def test_a_cookie_set_again_is_the_newest() -> None:
    jar = jar_with(("a=1", "a.test"), ("b=1", "a.test"), ("a=2", "a.test"))
    assert list(jar) == ["b", "a"]
    assert jar["a"] == "2"
