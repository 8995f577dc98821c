"""Suites: many playbooks and plans collected from folders, selected, run (in parallel
worker processes if asked), retried, and reported as one."""
