"""``python -m jprivacy.cli``: the jprivacy command (as ``accelerate launch -m`` and ``torchrun -m`` run it)."""

import sys

from . import main

sys.exit(main())
