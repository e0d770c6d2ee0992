#!/usr/bin/env bash
# Build an sdist, build the wheel from that sdist (not from the checkout), install
# the wheel into a fresh venv, and check that the installed package has its CUDA
# sources and runs the README's first command. Run from the repository root.
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m build --sdist --outdir "$work/dist" . >/dev/null
sdist="$(ls "$work"/dist/*.tar.gz)"
python3 -m build --wheel --outdir "$work/dist" "$sdist" >/dev/null 2>&1 || {
    # build from the unpacked sdist to show why it failed
    tar -xzf "$sdist" -C "$work"; python3 -m build --wheel --outdir "$work/dist" "$work"/gpuq_sim-*/; exit 1; }
wheel="$(ls "$work"/dist/*.whl)"
echo "built $(basename "$sdist") and, from it, $(basename "$wheel")"

python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet "$wheel"
cd "$work"   # away from the checkout, so the installed package is the one imported
"$work/venv/bin/python" - <<'PY'
import gpuq
from gpuq.sim.devices.kernel_sources import FAMILIES, kernel_source
assert "site-packages" in gpuq.__file__, gpuq.__file__
for family in FAMILIES:
    assert "GPUQ_KERNEL" in kernel_source(family), family
print(f"installed gpuq {gpuq.__version__}: kernel sources present for {', '.join(FAMILIES)}")
PY
"$work/venv/bin/gpuq" --version
cp "$OLDPWD/examples/ghz.qasm" "$work/ghz.qasm"
"$work/venv/bin/gpuq" run "$work/ghz.qasm" --shots 100 --seed 1 >/dev/null
echo "gpuq run works from the installed wheel"
