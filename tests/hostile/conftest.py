"""The hostile target's tests import its server module from this directory."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
