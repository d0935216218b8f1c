"""Turn results into plain JSON: one place for NumPy values, NaN and infinities.

Used by every ``--json`` output, the explore/compare summaries and the dashboard's stored runs.
Depends on the standard library; NumPy types are recognised without importing NumPy (it is
only looked up in ``sys.modules``), so importing this module costs nothing at CLI start-up.
"""

from __future__ import annotations

import math
import sys
from pathlib import PurePath
from typing import Any


def jsonable(obj: Any) -> Any:
    """``obj`` with NumPy values made plain Python and NaN/infinities replaced by ``None``.

    Mappings get string keys; tuples become lists; paths become strings; anything else that
    is not a JSON type is written as its string form.
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, PurePath):
        return str(obj)
    np = sys.modules.get("numpy")  # a NumPy value implies NumPy is already imported
    if np is not None:
        if isinstance(obj, np.ndarray):
            return jsonable(obj.tolist())
        if isinstance(obj, np.bool_):
            return bool(obj)
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            f = float(obj)
            return f if math.isfinite(f) else None
    return str(obj)
