"""Generators: payloads for one topic, one per tick (built-ins in :mod:`.basic`)."""
