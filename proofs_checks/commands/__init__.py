"""Extra ``sublevel`` subcommands: each module defines ``add_parser(subparsers)``."""
