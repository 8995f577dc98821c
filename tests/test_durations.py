"""Durations: numbers of seconds or strings with units, and their shortest readable form."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenario_engine.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("5s", 5.0), ("2m", 120.0), ("1h", 3600.0), ("10us", 1e-5),
     (" 1.5 s ", 1.5), (".5s", 0.5), (3, 3.0), (0.25, 0.25), (0, 0.0)],
)
def test_parses_units_and_plain_seconds(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("fast", "expected a duration such as '500ms', '5s', '2m' or '1h' (got 'fast')"),
        ("-5s", "expected a duration such as '500ms', '5s', '2m' or '1h' (got '-5s')"),
        (-1, "a duration must be >= 0 (got -1)"),
        (float("inf"), "a duration must be finite (got inf)"),
        (True, "expected a duration such as '500ms', '5s' or 2.5 (got True)"),
        (None, "expected a duration such as '500ms', '5s' or 2.5 (got None)"),
    ],
)
def test_rejects_what_is_not_a_duration_saying_what_is_accepted(
    value: object, message: str
) -> None:
    with pytest.raises(DurationError) as err:
        parse_duration(value)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (0.5, "500ms"), (1.5, "1.5s"), (90, "90s"), (120, "2m"), (7200, "2h")],
)
def test_formats_the_shortest_readable_form(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.floats(0, 1e7, allow_nan=False))
def test_a_formatted_duration_parses_back_to_about_the_same_seconds(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds, rel=1e-5, abs=1e-9)
