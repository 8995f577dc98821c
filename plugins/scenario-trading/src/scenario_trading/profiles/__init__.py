"""The trading profiles, one module per family of market shapes."""
