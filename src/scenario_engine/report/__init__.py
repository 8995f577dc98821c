"""Run results and the renderers that turn them into something a person wants to read."""
