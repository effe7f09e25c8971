"""The bundled fictional sample city 示例市: static sites with deliberate defects and their truth file."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TEMPLATE = ROOT / "sites.yaml"
TRUTH = ROOT / "truth.yaml"


def _read_as_of() -> dt.date:
    """Read the fixed audit date declared at the top of the sites.yaml template."""
    match = re.search(r"^as_of:\s*(\d{4}-\d{2}-\d{2})\s*$", TEMPLATE.read_text("utf-8"), re.M)
    if match is None:
        raise RuntimeError(f"{TEMPLATE}: missing the line 'as_of: YYYY-MM-DD'")
    return dt.date.fromisoformat(match.group(1))


# Every fixture date is chosen relative to this audit date; audit the sample city "as of" it.
AS_OF: dt.date = _read_as_of()
