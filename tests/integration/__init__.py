"""Tests against real brokers (Redis, NATS) and whole processes."""
