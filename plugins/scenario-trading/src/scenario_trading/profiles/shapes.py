"""Scripted multi-stage shapes inside one phase: a flash crash, a pump and dump.

Each is a path measured from where the phase started, walked one step per
cycle (``tick.phase_index``), so the shape does not depend on what the noise
did on earlier cycles: a crash of 30 % bottoms out at 70 % of its base.
"""

from __future__ import annotations

import random
from typing import Any

from scenario_engine.spi import Tick

from scenario_trading._spec import component
from scenario_trading.dsl.profiles import FlashCrash, PumpAndDump
from scenario_trading.profiles._base import PhaseProfile, jitter, steps

__all__ = ["FlashCrashProfile", "PumpAndDumpProfile", "flash_crash", "pump_and_dump"]


class FlashCrashProfile(PhaseProfile[FlashCrash]):
    """Falls linearly to the bottom, climbs back linearly, then holds."""

    def path(self, base: float, k: int) -> float:
        """The noiseless price after ``k`` moves from ``base``."""
        spec = self.spec
        bottom = base * (1 - spec.severity)
        restored = bottom + spec.recovery * (base - bottom)
        if k <= spec.crash_cycles:
            return base - (base - bottom) * k / spec.crash_cycles
        climbed = k - spec.crash_cycles
        if climbed < spec.recovery_cycles:
            return bottom + (restored - bottom) * climbed / spec.recovery_cycles
        return restored

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> float:
        base = float(self.spec.base or self.start(previous, tick))
        return self.path(base, steps(tick)) * jitter(rng, self.spec.noise)


class PumpAndDumpProfile(PhaseProfile[PumpAndDump]):
    """Compounds up to the peak, holds, falls linearly to the floor, then holds."""

    def path(self, start: float, k: int) -> float:
        """The noiseless price after ``k`` moves from ``start``."""
        spec = self.spec
        peak = start * (1 + spec.gain)
        if k <= spec.pump_cycles:
            climb: float = (1 + spec.gain) ** (k / spec.pump_cycles)
            return start * climb
        k -= spec.pump_cycles
        if k <= spec.hold_cycles:
            return peak
        k -= spec.hold_cycles
        floor = peak * (1 - spec.dump)
        if k <= spec.dump_cycles:
            return peak - (peak - floor) * k / spec.dump_cycles
        return floor

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> float:
        return self.path(self.start(previous, tick), steps(tick)) * jitter(rng, self.spec.noise)


flash_crash = component(FlashCrash, FlashCrashProfile)
pump_and_dump = component(PumpAndDump, PumpAndDumpProfile)
