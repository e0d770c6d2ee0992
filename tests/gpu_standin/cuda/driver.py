"""``cupy.cuda.driver``: ``CUDADriverError`` (a kernel name a module does not have raises it)."""


class CUDADriverError(RuntimeError):
    """CuPy's driver error."""
