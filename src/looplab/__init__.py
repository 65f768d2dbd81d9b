"""looplab: simulate, measure and correct bias in learning feedback loops."""

from importlib.metadata import PackageNotFoundError, version

from looplab.core.loop import RunResult, run

try:
    __version__ = version("looplab")
except PackageNotFoundError:  # a source tree on sys.path without installed metadata
    __version__ = "0+unknown"

__all__ = ["RunResult", "__version__", "run"]
