"""gpuq against peer simulators: same circuits, same run, ratios (see docs/benchmarks.md)."""
