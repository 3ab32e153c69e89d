"""The Dagster code location: one Definitions, built from defs/ for one configuration file.

The configuration comes from USD1INV_CONFIG (default: the embedded demo config).
"""

import os
from pathlib import Path

from orchestration.defs.build import build_definitions

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "demo" / "usd1inv.yml"

defs = build_definitions(os.environ.get("USD1INV_CONFIG", DEFAULT_CONFIG))
