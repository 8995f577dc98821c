"""Buses shipped with the core: the embedded in-memory bus."""
