"""In-process systems under test used by the example playbooks."""
