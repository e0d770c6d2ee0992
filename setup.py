"""Build hook: ship the top-level ``kernels/`` CUDA sources inside the wheel.

DESIGN.md keeps the CUDA sources at the repository's top level (one source for
NVRTC, nvcc and the host build). A non-editable install must still find them,
so ``build_py`` copies them into ``gpuq/kernels/`` of the built package, where
``gpuq.sim.devices.kernel_sources`` looks first.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithKernels(build_py):
    """Copy ``kernels/*.cu`` and ``kernels/*.cuh`` into the package build."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "kernels"
        target = Path(self.build_lib) / "gpuq" / "kernels"
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(source.glob("*.cu*")):
            shutil.copy2(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithKernels})
