"""The ``scenario`` subcommands, one module each, imported only when used."""
