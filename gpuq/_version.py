"""gpuq's version, read from the installed distribution's metadata (pyproject.toml is its one source)."""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("gpuq")
except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
