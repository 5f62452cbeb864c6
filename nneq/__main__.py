"""`python -m nneq` runs the nneq command."""

from nneq.cli import main

main()
