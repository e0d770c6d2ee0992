"""The public API: every package's ``__all__`` is sorted, exists, and is exactly what the package offers."""

import importlib
import inspect

import pytest

PACKAGES = [
    "gpuq",
    "gpuq.circuit",
    "gpuq.models",
    "gpuq.providers",
    "gpuq.providers.local",
    "gpuq.providers.cloud",
    "gpuq.quantum_info",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_importable(name):
    module = importlib.import_module(name)
    assert module.__all__ == sorted(module.__all__)
    for public in module.__all__:
        assert hasattr(module, public), f"{name}.{public} is listed in __all__ but missing"


def test_the_top_level_offers_the_workflow():
    import gpuq

    for name in ("QuantumCircuit", "Local", "Cloud", "compile", "execute", "diagnose", "GpuqError", "JobStatus"):
        assert name in gpuq.__all__


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_names(name):
    module = importlib.import_module(name)
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_") and not inspect.ismodule(value) and attr != "annotations"
    }
    lazy = getattr(module, "__getattr__", None)  # names imported on first use (gpuq.Cloud) count too
    if lazy is not None:
        public |= {attr for attr in module.__all__ if attr not in vars(module) and lazy(attr) is not None}
    assert set(module.__all__) == public
