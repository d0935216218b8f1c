"""multipolar: executable models of Russian foreign policy and its neighbourhood.

The package turns the system described in the seed documents (see ``docs/explanation``) into
a scenario language, a vectorised ensemble model, an issue-bargaining engine and tools to
explore, compare and validate them.
"""

from multipolar import _moved
from multipolar.core.errors import MultipolarError

_moved.install()  # the module paths before the issue-22 layout still import (with a warning)

__version__ = "0.1.0"

__all__ = ["MultipolarError", "__version__"]
