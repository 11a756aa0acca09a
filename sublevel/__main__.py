"""``python -m sublevel`` runs the command line (the same as the ``sublevel`` script)."""

from sublevel.proofs_checks.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
