"""`python -m sim ARGS` works like the `govsim` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
