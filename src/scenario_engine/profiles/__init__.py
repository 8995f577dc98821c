"""Profiles: how a generator's value evolves, cycle by cycle (built-ins in :mod:`.basic`)."""
