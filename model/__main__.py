"""``python -m jprivacy``: the jprivacy command."""

import sys

from .cli import main

sys.exit(main())
