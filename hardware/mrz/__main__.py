"""``python -m hardware.mrz IMAGE...``"""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
