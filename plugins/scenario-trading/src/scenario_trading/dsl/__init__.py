"""Spec classes: the DSL form of every trading component (cheap to import)."""
