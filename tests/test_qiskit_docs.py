"""docs/qiskit.md keeps its word: its Python snippets run and print what the page says (as tests/test_docs.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("qiskit", minversion="2.1")

from tests.test_docs import REPO, _checked_program


def test_qiskit_page_snippets_print_what_the_page_says():
    env = dict(os.environ, GPUQ_DEVICE="cpu", PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-c", _checked_program("docs/qiskit.md")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.rsplit("@@", 1)[1]) == []
