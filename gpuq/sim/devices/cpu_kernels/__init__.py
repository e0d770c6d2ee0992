"""Numba twins of the CUDA kernel families in ``kernels/*.cu``.

One module per family (``matrix``, ``diagonal``, ``permute``, ``measure``), plus
``sample`` (host-side chunked sampling, no CUDA twin) and ``aliasing`` (pair
passes walked in tiles where the paired streams alias in the L1 cache); each
entry has the name and argument order of its CUDA twin without the ``_c64`` /
``_c128`` suffix (Numba dispatches on the state's dtype). Kernels compile on
first use, per kernel and precision; an entry that chooses between variants
(``apply_matrix``, ``apply_x``, ``apply_swap``, ``marginal_probabilities``) is
plain Python, so that a job compiles only the variants it runs.

Numba's on-disk cache (``cache=True``) is written next to the sources. Where the
installed package directory is read-only, point it at a per-user directory
before Numba is imported; a ``NUMBA_CACHE_DIR`` the user set is left alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from ...compile_clock import install as install_compile_clock


def _choose_cache_dir() -> None:
    """Set ``NUMBA_CACHE_DIR`` to a writable place when the package directory is not writable."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    package_dir = Path(__file__).resolve().parent
    if os.access(package_dir, os.W_OK):
        return
    candidates = [
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gpuq" / "numba",
        Path(tempfile.gettempdir()) / f"gpuq-numba-{os.getuid() if hasattr(os, 'getuid') else 'user'}",
    ]
    for candidate in candidates:
        try:
            candidate.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            os.environ["NUMBA_CACHE_DIR"] = str(candidate)
            if "numba.core.config" in sys.modules:  # imported earlier by someone else: re-read the env
                sys.modules["numba.core.config"].reload_config()
            return


_choose_cache_dir()
install_compile_clock()  # compilations are timed from the first import of a kernel on

# The kernels are imported after the cache directory is chosen.
from .diagonal import apply_diagonal  # noqa: E402
from .matrix import apply_matrix  # noqa: E402
from .measure import collapse, marginal_probabilities, probabilities  # noqa: E402
from .permute import apply_permutation, apply_swap, apply_x  # noqa: E402
from .sample import ChunkedMarginal  # noqa: E402

__all__ = [
    "ChunkedMarginal",
    "apply_diagonal",
    "apply_matrix",
    "apply_permutation",
    "apply_swap",
    "apply_x",
    "collapse",
    "marginal_probabilities",
    "probabilities",
]
