"""The generic profiles: exact values, reproducible randomness, continuity, parameter errors."""

from __future__ import annotations

import math
import random

import pytest

from scenario_engine.errors import PlanError
from scenario_engine.profiles.basic import RandomWalk, Sine, Steady, Steps, Trend
from scenario_engine.registry import Registry
from scenario_engine.spi import ParamError, Profile, Tick


def run_phase(profile, start, cycles, *, rng=None, first_index=0, give_start=True):
    """Drive one phase: the values the profile produces, cycle by cycle."""
    rng = rng or random.Random(0)
    values = []
    previous = start
    for i in range(cycles):
        tick = Tick(
            index=first_index + i,
            phase="p",
            phase_index=i,
            progress=(i + 1) / cycles,
            time=float(first_index + i),
            value=previous,
            start_value=start if give_start else None,
        )
        previous = profile.next_value(previous, tick, rng)
        values.append(previous)
    return values


@pytest.mark.parametrize("cls", [Steady, RandomWalk, Trend, Sine])
def test_profiles_satisfy_the_protocol(cls):
    """Every built-in profile is a spi.Profile."""
    assert isinstance(cls(), Profile)


def test_steady_keeps_the_value():
    """Steady without noise returns the previous value unchanged."""
    assert run_phase(Steady(), 100.0, 3) == [100.0, 100.0, 100.0]
    assert run_phase(Steady(), "ON", 2) == ["ON", "ON"]


def test_steady_noise_is_reproducible_and_does_not_accumulate():
    """Noise is drawn around the phase start from the given rng only."""
    a = run_phase(Steady(noise=0.01), 100.0, 50, rng=random.Random(1))
    b = run_phase(Steady(noise=0.01), 100.0, 50, rng=random.Random(1))
    assert a == b
    gauss = random.Random(1)
    assert a[:2] == [100.0 * (1 + gauss.gauss(0, 0.01)), 100.0 * (1 + gauss.gauss(0, 0.01))]
    assert all(90 < v < 110 for v in a)


def test_trend_linear_adds_rate_times_the_phase_start():
    """Linear: previous + rate * start, the same amount every cycle."""
    assert run_phase(Trend(rate=0.01), 100.0, 3) == [101.0, 102.0, 103.0]
    assert run_phase(Trend(rate=-0.25), 100.0, 4) == [75.0, 50.0, 25.0, 0.0]


def test_trend_exponential_multiplies():
    """Exponential: previous * (1 + rate), growth or decay by the sign of rate."""
    assert run_phase(Trend(rate=0.5, mode="exponential"), 100.0, 3) == [150.0, 225.0, 337.5]
    assert run_phase(Trend(rate=-0.5, mode="exponential"), 100.0, 3) == [50.0, 25.0, 12.5]


def test_trend_stops_at_target():
    """The value stops at target, from either side."""
    assert run_phase(Trend(rate=0.25, target=160), 100.0, 4) == [125.0, 150.0, 160, 160]
    assert run_phase(Trend(rate=-0.25, target=60), 100.0, 3) == [75.0, 60, 60]


def test_trend_already_past_target_does_not_move():
    """A value already beyond target in the direction of travel stays put."""
    assert run_phase(Trend(rate=0.1, target=50), 100.0, 2) == [100.0, 100.0]


def test_trend_remembers_the_phase_start_without_start_value():
    """Without tick.start_value, linear steps stay relative to the phase's first value."""
    assert run_phase(Trend(rate=0.1), 100.0, 3, give_start=False) == [110.0, 120.0, 130.0]


def test_sine_oscillates_around_the_phase_start():
    """value = start * (1 + amplitude * sin(2π i / period)), starting at the center."""
    values = run_phase(Sine(amplitude=0.1, period=4), 100.0, 5)
    expected = [100 * (1 + 0.1 * math.sin(2 * math.pi * i / 4)) for i in range(5)]
    assert values == expected
    assert values == pytest.approx([100.0, 110.0, 100.0, 90.0, 100.0])


def test_sine_absolute_around_a_given_center():
    """relative=False adds amplitude around an explicit center."""
    values = run_phase(Sine(amplitude=5, period=4, center=50, relative=False), 100.0, 4)
    assert values == pytest.approx([50.0, 55.0, 50.0, 45.0])


def test_steps_hold_each_level_for_every_cycles_then_the_last():
    """Relative levels multiply the phase start; the last level holds."""
    values = run_phase(Steps(levels=[1, 1.5, 0.5], every=2), 100.0, 7)
    assert values == [100.0, 100.0, 150.0, 150.0, 50.0, 50.0, 50.0]


def test_steps_absolute_levels():
    """relative=False uses the levels as values."""
    assert run_phase(Steps(levels=[3, 7], relative=False), 100.0, 3) == [3, 7, 7]


def test_random_walk_is_reproducible_per_seed():
    """The same seed gives the same walk; another seed another walk."""
    a = run_phase(RandomWalk(step=0.02), 100.0, 20, rng=random.Random(7))
    b = run_phase(RandomWalk(step=0.02), 100.0, 20, rng=random.Random(7))
    c = run_phase(RandomWalk(step=0.02), 100.0, 20, rng=random.Random(8))
    assert a == b
    assert a != c


def test_random_walk_relative_compounds_and_stays_positive():
    """Relative steps multiply by exp(drift + step*z)."""
    gauss = random.Random(3)
    z1, z2 = gauss.gauss(0, 1), gauss.gauss(0, 1)
    values = run_phase(RandomWalk(step=0.5, drift=0.1), 100.0, 2, rng=random.Random(3))
    assert values[0] == 100.0 * math.exp(0.1 + 0.5 * z1)
    assert values[1] == values[0] * math.exp(0.1 + 0.5 * z2)
    walk = run_phase(RandomWalk(step=1.0), 1.0, 200, rng=random.Random(5))
    assert all(v > 0 for v in walk)


def test_random_walk_absolute_adds_steps():
    """Absolute steps add drift + step*z; with step 0 the drift alone."""
    assert run_phase(RandomWalk(step=0, drift=1.0, relative=False), 10.0, 3) == [11.0, 12.0, 13.0]


def test_values_are_continuous_across_phases():
    """A new profile instance starts where the previous phase ended."""
    first = run_phase(Trend(rate=0.01), 100.0, 3)
    second = run_phase(Sine(amplitude=0.1, period=4), first[-1], 2, first_index=3)
    third = run_phase(Steps(levels=[1, 2]), second[-1], 2, first_index=5)
    assert first == [101.0, 102.0, 103.0]
    assert second[0] == 103.0
    assert second[1] == pytest.approx(113.3)
    assert third == [second[-1], 2 * second[-1]]


def test_numeric_profiles_reject_non_numeric_values():
    """Moving a string value fails with a hint."""
    with pytest.raises(TypeError, match=r"profile 'trend' moves numbers, but the generator's"):
        run_phase(Trend(), "ON", 1)


@pytest.mark.parametrize(
    ("factory", "text"),
    [
        (lambda: Sine(period=0), "period: must be > 0 (got 0)"),
        (lambda: Sine(amplitude="big"), "amplitude: must be a finite number (got 'big')"),
        (lambda: Sine(relative="yes"), "relative: must be true or false (got 'yes')"),
        (lambda: Trend(mode="log"), "mode: must be 'linear' or 'exponential' (got 'log')"),
        (lambda: Trend(rate=-1, mode="exponential"),
         "rate: must be > -1 with mode='exponential' (got -1)"),
        (lambda: Trend(rate=float("nan")), "rate: must be a finite number (got nan)"),
        (lambda: Steady(noise=-0.1), "noise: must be >= 0 (got -0.1)"),
        (lambda: RandomWalk(step=-1), "step: must be >= 0 (got -1)"),
        (lambda: RandomWalk(drift=True), "drift: must be a finite number (got True)"),
        (lambda: Steps(levels=[]), "levels: must be a non-empty list of numbers (got [])"),
        (lambda: Steps(levels=[1, "x"]), "levels[1]: must be a finite number (got 'x')"),
        (lambda: Steps(levels=[1], every=0), "every: must be an integer >= 1 (got 0)"),
    ],
)
def test_bad_parameters_raise_param_error(factory, text):
    """Bad parameters name the parameter and quote the value."""
    with pytest.raises(ParamError) as info:
        factory()
    assert str(info.value) == text


def test_registry_makes_profiles_and_locates_bad_parameters():
    """The entry points resolve, and a ParamError becomes a located plan error."""
    registry = Registry()
    assert isinstance(registry.create("profile", "steps", {"levels": (1, 2)}), Steps)
    with pytest.raises(PlanError) as info:
        registry.create("profile", "sine", {"period": 0}, where="$.steps[1].profile")
    assert str(info.value) == "$.steps[1].profile.params.period: must be > 0 (got 0)"
