"""One module per command: NAME, HELP, register(parser) and run(args) -> exit status."""
