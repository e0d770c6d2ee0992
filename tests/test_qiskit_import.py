"""gpuq.qiskit is optional: without Qiskit it fails with the install command, and the core never imports Qiskit."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _python(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def test_without_qiskit_the_error_names_the_extra():
    done = _python(
        "import sys; sys.modules['qiskit'] = None\n"
        "try:\n    import gpuq.qiskit\nexcept ImportError as exc:\n    print(exc)\n"
    )
    assert done.returncode == 0, done.stderr
    assert 'pip install "gpuq-sim[qiskit]"' in done.stdout


def test_core_gpuq_never_imports_qiskit():
    done = _python(
        "import sys, gpuq, gpuq.cli, gpuq.compiler, gpuq.providers.local.backends\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'qiskit'))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
