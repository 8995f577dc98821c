"""The interpreter: clocks, scheduling, chaos, monitors, recording."""
