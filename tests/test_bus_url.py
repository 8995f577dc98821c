"""Bus URLs: redaction, parsing, typed options."""

from __future__ import annotations

import pytest

from scenario_engine.buses.url import BusURL, parse_bus_url, redact, scrub
from scenario_engine.errors import UsageError


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://user:secret@h:1/0", "redis://user:***@h:1/0"),
        ("redis://:secret@h:6379", "redis://:***@h:6379"),
        ("nats://s3cr3t@h:4222", "nats://***@h:4222"),
        ("nats://u:p%40ss@h:4222?stream=S", "nats://u:***@h:4222?stream=S"),
        ("redis://h:6379/0?prefix=scn:&password=hunter2", "redis://h:6379/0?prefix=scn:&password=***"),
        ("nats://h:4222?token=abc&batch=5", "nats://h:4222?token=***&batch=5"),
        ("redis://user:@h:1", "redis://user:@h:1"),
        ("redis://h:1/0", "redis://h:1/0"),
        ("memory://", "memory://"),
    ],
)
def test_redact_masks_passwords_tokens_and_secret_options(url: str, shown: str) -> None:
    """Masks the secret part of the userinfo and secret query values, keeps the rest."""
    assert redact(url) == shown


def test_redact_never_raises_on_a_broken_url() -> None:
    """Masks the password of a string urlsplit rejects, too."""
    assert redact("redis://u:pw@[::1/0") == "redis://u:***@[::1/0"


def test_scrub_masks_the_password_wherever_it_appears() -> None:
    """Masks the password, raw and percent-decoded, inside any text."""
    url = "redis://u:p%40ssw0rd@h:1/0"
    text = "AUTH p@ssw0rd failed for redis://u:p%40ssw0rd@h:1/0"
    assert "ssw0rd" not in scrub(text, url)


def test_parse_reads_host_port_credentials_and_options() -> None:
    """Splits every part and decodes percent escapes in credentials."""
    url = parse_bus_url("redis://al:p%40ss@10.0.0.1:7000/2?prefix=scn:&batch=50")
    assert (url.scheme, url.host, url.port, url.path) == ("redis", "10.0.0.1", 7000, "/2")
    assert (url.username, url.password) == ("al", "p@ss")
    assert dict(url.options) == {"prefix": "scn:", "batch": "50"}
    assert url.endpoint == "10.0.0.1:7000"


def test_repr_and_str_never_show_the_password() -> None:
    """Shows the URL redacted, in str and repr alike."""
    url = parse_bus_url("redis://al:hunter2@h:1/0")
    assert "hunter2" not in str(url)
    assert "hunter2" not in repr(url)


def test_defaults_fill_a_missing_host_and_port() -> None:
    """Uses the given defaults for a URL without host or port."""
    url = parse_bus_url("nats://", default_port=4222)
    assert url.endpoint == "localhost:4222"


def test_rejects_a_string_without_a_scheme() -> None:
    """Says what a bus URL looks like."""
    with pytest.raises(UsageError, match="not a bus URL") as info:
        parse_bus_url("localhost:6379")
    assert "redis://127.0.0.1:6379/0" in info.value.hint


def test_rejects_a_bad_port_without_showing_the_password() -> None:
    """Names the URL redacted and explains the port."""
    with pytest.raises(UsageError) as info:
        parse_bus_url("redis://u:hunter2@h:notaport/0")
    assert "hunter2" not in str(info.value)
    assert "redis://u:***@h:notaport/0" in str(info.value)


def test_rejects_a_scheme_the_bus_does_not_serve() -> None:
    """Names the expected and the given scheme."""
    with pytest.raises(UsageError, match=r"expected scheme redis:// \(got nats://\)"):
        parse_bus_url("nats://h:1", schemes=["redis"])


def test_rejects_an_option_given_twice() -> None:
    """A repeated option is ambiguous, so it is refused."""
    with pytest.raises(UsageError, match="'batch' is given twice"):
        parse_bus_url("redis://h:1?batch=1&batch=2")


def test_typed_options_convert_and_validate() -> None:
    """Reads integers, durations and flags, with defaults for missing options."""
    url = parse_bus_url("redis://h:1?batch=10&outage=1.5&block=250ms&trim=yes")
    assert url.integer("batch", 100, minimum=1) == 10
    assert url.integer("maxlen", 0) == 0
    assert url.duration("outage", 30.0) == 1.5
    assert url.duration("block", 1.0) == 0.25
    assert url.flag("trim") is True
    assert url.text("prefix", "scenario:") == "scenario:"


@pytest.mark.parametrize(
    ("query", "method", "message"),
    [
        ("batch=abc", "integer", "option batch=abc: expected an integer >= 1"),
        ("batch=0", "integer", "option batch=0: expected an integer >= 1"),
        ("batch=2x", "duration", "option batch=2x: expected a duration such as 500ms"),
        ("batch=maybe", "flag", "option batch=maybe: expected true or false"),
    ],
)
def test_bad_option_values_name_the_option_and_the_value(
    query: str, method: str, message: str
) -> None:
    """Quotes the option, the value and what was expected."""
    url = parse_bus_url(f"redis://h:1?{query}")
    read = {
        "integer": lambda: url.integer("batch", 100, minimum=1),
        "duration": lambda: url.duration("batch", 1.0),
        "flag": lambda: url.flag("batch"),
    }[method]
    with pytest.raises(UsageError, match=message):
        read()


def test_a_bad_secret_option_does_not_echo_its_value() -> None:
    """Masks the value of a secret option in the error."""
    url = parse_bus_url("nats://h:1?token=hunter2")
    with pytest.raises(UsageError) as info:
        url.integer("token", 0)
    assert "hunter2" not in str(info.value)


def test_unknown_options_get_a_did_you_mean() -> None:
    """A misspelt option is an error with the closest known name."""
    url = parse_bus_url("redis://h:1?bach=10")
    with pytest.raises(UsageError, match="unknown option 'bach'") as info:
        url.reject_unknown(["batch", "prefix"])
    assert info.value.hint == "did you mean 'batch'?"


def test_bus_url_is_a_frozen_value() -> None:
    """Parsed URLs cannot be changed after the fact."""
    url = parse_bus_url("redis://h:1")
    assert isinstance(url, BusURL)
    with pytest.raises(AttributeError):
        url.host = "other"  # type: ignore[misc]
