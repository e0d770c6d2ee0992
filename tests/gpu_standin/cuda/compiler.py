"""``cupy.cuda.compiler``: ``CompileException``."""


class CompileException(Exception):
    """CuPy's compile error: the compiler log and what was compiled."""

    def __init__(self, msg: str, source: str, name: str, options: tuple, backend: str = "nvrtc") -> None:
        self._msg = msg
        self.source = source
        self.name = name
        self.options = options
        self.backend = backend
        super().__init__(msg)
