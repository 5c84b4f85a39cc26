"""Entry point for ``python -m archprep``."""

from archprep.cli import main

main()
