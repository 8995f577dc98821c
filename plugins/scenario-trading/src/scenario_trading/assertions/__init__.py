"""The trading assertions: online monitors over quotes."""
