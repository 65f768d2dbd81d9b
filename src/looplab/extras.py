"""Optional dependencies: one error type that names the extra to install.

A base install (``pip install looplab``) imports every subpackage; a feature that needs an
optional package raises ``MissingExtraError`` on use, whose one-line message names the
package and the ``pip install`` command. The CLI prints it and exits 2.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtraError(ImportError):
    """An optional package is not installed; the message says which extra provides it."""


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise ``MissingExtraError`` naming ``feature`` and the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingExtraError(
            f"{feature} needs {top}: pip install 'looplab[{extra}]'"
        ) from exc
