"""Every ``kernels/*.cu`` compiles to PTX with nvcc for sm_80 and sm_90, and exports its entries.

This is the GPU-free check that the CUDA text is valid device code; it is
skipped, with the reason, where nvcc is absent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

KERNELS = Path(__file__).resolve().parents[1] / "kernels"
NVCC = shutil.which("nvcc") or ("/usr/local/bin/nvcc" if Path("/usr/local/bin/nvcc").exists() else None)


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed, so the CUDA sources cannot be compiled to PTX")
@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
@pytest.mark.parametrize("path", sorted(KERNELS.glob("*.cu")), ids=lambda p: p.name)
def test_ptx(path: Path, arch: str, tmp_path: Path):
    ptx = tmp_path / f"{path.stem}.ptx"
    done = subprocess.run(
        [NVCC, "--ptx", f"-arch={arch}", "-I", str(KERNELS), "-o", str(ptx), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"nvcc --ptx -arch={arch} {path.name} failed:\n{done.stderr}"
    entries = re.findall(r"GPUQ_KERNEL\s+void\s+(\w+)\s*\(", path.read_text())
    text = ptx.read_text()
    for entry in entries:
        assert re.search(rf"\.entry\s+{entry}\s*\(", text), f"{entry} is not a PTX entry of {path.name}"
