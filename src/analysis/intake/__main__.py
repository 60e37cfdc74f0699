"""``python -m analysis.intake template|import ...``: see :mod:`analysis.intake.cli`."""

import sys

from analysis.intake.cli import main

sys.exit(main())
