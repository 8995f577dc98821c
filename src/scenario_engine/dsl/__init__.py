"""Fluent builders and spec classes that compile playbooks to plans."""
