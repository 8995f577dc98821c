"""Public testing kit: run helpers, capture, bus conformance suite, broker launchers, pytest plugin."""
