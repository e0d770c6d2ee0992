"""gpuq's version, read from the installed distribution's metadata (pyproject.toml is its one source).

The distribution is named ``gpuq-sim`` (the name ``gpuq`` on PyPI belongs to an unrelated project);
the import name is ``gpuq``.
"""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("gpuq-sim")
except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
