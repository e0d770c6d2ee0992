"""The command line, run for real in a subprocess (``python -m gpuq``): output, JSON, plots and errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import gpuq
from gpuq.cli import run as run_module
from gpuq.exceptions import JobCancelledError
from gpuq.providers.base import JobStatus
from gpuq.providers.local.job import LocalJob

REPO = Path(__file__).resolve().parents[1]
GHZ = REPO / "examples" / "ghz.qasm"


def gpuq_cli(*args: str, tmp_path: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m gpuq ARGS`` with a private HOME (so no saved cloud account is seen)."""
    environment = {
        **os.environ,
        "HOME": str(tmp_path),
        "GPUQ_CONFIG_DIR": str(tmp_path / "gpuq-config"),
        "GPUQ_DEVICE": "",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "gpuq", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=300,
        check=False,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, fragment: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("gpuq: ") and fragment in lines[0], lines[0]


@pytest.fixture
def bell_file(tmp_path) -> Path:
    path = tmp_path / "bell_nomeasure.qasm"
    path.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nh q[0];\ncx q[0],q[1];\n')
    return path


# ------------------------------------------------------------------ gpuq run
def test_run_prints_a_table_backend_device_and_time(tmp_path):
    proc = gpuq_cli("run", str(GHZ), "--shots", "2000", "--seed", "5", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for word in ("circuit", "ghz", "backend", "qasm_simulator", "device", "cpu", "time", "shots"):
        assert word in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:3] == ["outcome", "count", "probability"])
    rows = [line.split() for line in lines[header + 1 :] if line and not line.startswith("(")]
    assert {row[0] for row in rows} == {"00000", "11111"}
    assert sum(int(row[1]) for row in rows) == 2000
    assert all(abs(float(row[2]) - int(row[1]) / 2000) < 1e-4 for row in rows)
    device_line = next(line for line in lines if line.startswith("device"))
    assert "(" in device_line  # the reason the device was chosen


def test_run_json_is_a_result_and_nothing_else(tmp_path):
    proc = gpuq_cli(
        "run", str(GHZ), "--json", "--shots", "500", "--seed", "9", "--precision", "single", tmp_path=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    result = gpuq.Result.model_validate_json(proc.stdout)
    counts = result.get_counts()
    assert set(counts) <= {"00000", "11111"} and sum(counts.values()) == 500
    assert result.results[0].metadata["precision"] == "single"
    again = gpuq.Result.model_validate_json(
        gpuq_cli(
            "run", str(GHZ), "--json", "--shots", "500", "--seed", "9", "--precision", "single", tmp_path=tmp_path
        ).stdout
    )
    assert again.get_counts() == counts
    json.loads(proc.stdout)  # the whole of stdout is one JSON document


def test_run_plot_writes_a_png_and_top_limits_rows(tmp_path):
    png = tmp_path / "hist.png"
    proc = gpuq_cli("run", str(GHZ), "--plot", str(png), "--top", "1", "--seed", "1", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "(1 of 2 distinct outcomes shown)" in proc.stdout


def test_run_plot_without_matplotlib_says_how_to_install(tmp_path):
    blocker = tmp_path / "blocker" / "matplotlib"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('matplotlib is blocked for this test')\n")
    proc = gpuq_cli(
        "run", str(GHZ), "--plot", str(tmp_path / "x.png"), tmp_path=tmp_path, env={"PYTHONPATH": str(blocker.parent)}
    )
    assert_one_line_error(proc, "pip install matplotlib")
    assert not (tmp_path / "x.png").exists()


def test_run_statevector_backend_prints_amplitudes(tmp_path, bell_file):
    proc = gpuq_cli("run", str(bell_file), "--backend", "statevector_simulator", "--device", "cpu", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("basis state"))
    rows = [line.split() for line in lines[header + 1 : header + 3]]
    assert {row[0] for row in rows} == {"00", "11"}
    assert all(abs(float(row[-1]) - 0.5) < 1e-9 for row in rows)
    assert "bell_nomeasure" in proc.stdout and "statevector_simulator" in proc.stdout


# ------------------------------------------------------------------ errors
def test_missing_file_is_a_one_line_error(tmp_path):
    assert_one_line_error(gpuq_cli("run", str(tmp_path / "absent.qasm"), tmp_path=tmp_path), "no such file")


def test_bad_qasm_is_one_line_file_line_column_message(tmp_path):
    path = tmp_path / "bad.qasm"
    path.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nh q[0]\nx q[0];\n')
    proc = gpuq_cli("run", str(path), tmp_path=tmp_path)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"{path}:5:1: unexpected identifier 'x'; expected ',' or ';'\n"


def test_unknown_backend_is_a_one_line_error(tmp_path):
    proc = gpuq_cli("run", str(GHZ), "--backend", "no_such_simulator", tmp_path=tmp_path)
    assert_one_line_error(proc, "no backend named 'no_such_simulator'")
    assert "qasm_simulator" in proc.stderr  # the names that exist


def test_gpu_asked_for_without_one_is_a_one_line_error(tmp_path):
    from gpuq.sim.devices.select import gpu_unavailable_reason

    if gpu_unavailable_reason() is None:
        pytest.skip("a GPU is usable here, so asking for it is not an error")
    assert_one_line_error(gpuq_cli("run", str(GHZ), "--device", "gpu", tmp_path=tmp_path), "GPU")


# ------------------------------------------------------------------ gpuq backends
def test_backends_lists_local_backends(tmp_path):
    proc = gpuq_cli("backends", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no cloud account saved: nothing is said about the cloud
    names = {line.split()[0] for line in proc.stdout.splitlines()[1:] if line.strip()}
    assert {b.name() for b in gpuq.Local.backends()} <= names
    row = next(line for line in proc.stdout.splitlines() if line.startswith("qasm_simulator_cpu "))
    assert row.split()[1] == "cpu" and "operational" in row
    assert "cloud backend" not in proc.stdout


# ------------------------------------------------------------------ progress (in process, no clock assertions)
class _SlowJob:
    """A job that reports RUNNING for a few polls, then DONE."""

    def __init__(self, polls: int, interrupt: bool = False):
        self.polls = polls
        self.interrupt = interrupt
        self.cancelled = False

    def status(self) -> JobStatus:
        if self.interrupt:
            raise KeyboardInterrupt
        self.polls -= 1
        return JobStatus.RUNNING if self.polls > 0 else JobStatus.DONE

    def cancel(self) -> bool:
        self.cancelled = True
        return True


def test_long_runs_show_progress_on_stderr(monkeypatch):
    monkeypatch.setattr(run_module, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(run_module, "_POLL_S", 0.001)
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    run_module._wait(_SlowJob(polls=20), "qasm_simulator")
    assert "gpuq: qasm_simulator: running" in stderr.getvalue()


def test_waiting_for_a_local_job_wakes_when_it_ends(monkeypatch):
    """A local job is waited on, not polled: a small job would otherwise sit out a whole poll interval."""
    release = threading.Event()

    def work(should_stop, job_id):
        release.wait()
        raise JobCancelledError("released")

    def no_sleep(seconds):
        release.set()
        raise AssertionError(f"_wait slept {seconds} s instead of waiting on the job")

    job = LocalJob(None, work)
    job.submit()
    assert not job.status().is_final
    monkeypatch.setattr(run_module.time, "sleep", no_sleep)
    timer = threading.Timer(0.05, release.set)
    timer.start()
    try:
        run_module._wait(job, "qasm_simulator")
    finally:
        release.set()
        timer.cancel()
    assert job.status() is JobStatus.CANCELLED


def test_interrupt_cancels_the_job(monkeypatch):
    job = _SlowJob(polls=5, interrupt=True)
    with pytest.raises(KeyboardInterrupt):
        run_module._wait(job, "qasm_simulator")
    assert job.cancelled


# ------------------------------------------------------------------ cloud (a real server on loopback)
@pytest.mark.cloud
def test_cloud_backends_are_listed_and_run_with_a_saved_account(tmp_path):
    from cloud.helpers import ServerProcess, add_user

    db_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    server = ServerProcess(db_url, tmp_path, workers=1).start()
    try:
        token = add_user(db_url, "cli-tester")
        saved = gpuq_cli("account", "save", "--url", server.url, "--token", token, tmp_path=tmp_path)
        assert saved.returncode == 0, saved.stderr
        listing = gpuq_cli("backends", tmp_path=tmp_path)
        assert listing.returncode == 0, listing.stderr
        assert "cloud:qasm_simulator " in listing.stdout and "qasm_simulator_cpu " in listing.stdout
        proc = gpuq_cli(
            "run",
            str(GHZ),
            "--backend",
            "cloud:qasm_simulator",
            "--shots",
            "300",
            "--seed",
            "4",
            "--json",
            tmp_path=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
        counts = gpuq.Result.model_validate_json(proc.stdout).get_counts()
        assert set(counts) <= {"00000", "11111"} and sum(counts.values()) == 300
        missing = gpuq_cli("run", str(GHZ), "--backend", "cloud:nope", tmp_path=tmp_path)
        assert_one_line_error(missing, "no backend named 'cloud:nope'")
    finally:
        server.stop()


def test_cloud_backend_without_an_account_is_a_one_line_error(tmp_path):
    proc = gpuq_cli("run", str(GHZ), "--backend", "cloud:qasm_simulator", tmp_path=tmp_path)
    assert_one_line_error(proc, "no cloud account is saved")
