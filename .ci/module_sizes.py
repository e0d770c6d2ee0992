"""Fail when a module of the gpuq package is over the size that keeps modules small and single-purpose."""

import sys
from pathlib import Path

LIMIT = 400
"""Most lines one module of gpuq/ may have."""

too_long = [
    (path, n)
    for path in sorted(Path("gpuq").rglob("*.py"))
    if (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
]
for path, lines in too_long:
    print(f"{path}: {lines} lines (limit {LIMIT}): split it along a real seam")
sys.exit(1 if too_long else 0)
