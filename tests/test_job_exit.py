"""A script that ends, raises or is interrupted while a local job runs exits without waiting for the job.

Each test runs a real Python process that starts a job far too long to finish
(a million shots, each branching through thousands of mid-circuit measurements:
days of work) and then ends, raises or receives SIGINT. The process must exit
on its own, report the cancellation in one line on stderr, and its job must end
CANCELLED (an atexit hook of the script prints the final status after the
executor's threads were joined). The communicate() timeout only guards against
a hang; no test measures gpuq's speed.
"""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import atexit, sys, threading, time
    import gpuq
    from gpuq import JobStatus, QuantumCircuit

    qc = QuantumCircuit(8, 1, name="endless")
    for layer in range(3000):
        qc.h(range(8))
        qc.measure(layer % 8, 0)
    job = gpuq.execute(qc, "qasm_simulator_cpu", shots=1_000_000, seed=1)
    atexit.register(lambda: print("final", job.status().name, flush=True))
    while job.status() is not JobStatus.RUNNING:
        time.sleep(0.01)
    mode = sys.argv[1]
    if mode == "raise":
        raise RuntimeError("the script failed")
    if mode == "interrupt":
        main = threading.get_ident()

        def announce():  # say "waiting" once the main thread is inside result()'s wait, not before
            while True:
                frame, names = sys._current_frames().get(main), []
                while frame is not None:
                    names, frame = names + [frame.f_code.co_name], frame.f_back
                if "wait" in names and "result" in names:
                    print("waiting", flush=True)
                    return
                time.sleep(0.01)

        threading.Thread(target=announce, daemon=True).start()
        job.result()
    print("main thread ends", flush=True)
""")

HANG_GUARD_S = 300


def _start(mode):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _gpuq_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("gpuq:")]


@pytest.mark.parametrize("mode", ["end", "raise"])
def test_exiting_script_cancels_its_running_job(mode):
    process = _start(mode)
    out, err = process.communicate(timeout=HANG_GUARD_S)
    assert out.splitlines()[-1] == "final CANCELLED", (out, err)
    expected = "gpuq: the script is exiting; cancelled 1 unfinished local job(s) (call job.result() to wait for a job)"
    assert _gpuq_lines(err) == [expected], err
    if mode == "raise":
        assert process.returncode == 1 and "RuntimeError: the script failed" in err
    else:
        assert process.returncode == 0


def test_ctrl_c_in_result_cancels_the_job():
    process = _start("interrupt")
    assert process.stdout.readline() == "waiting\n"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=HANG_GUARD_S)
    assert out.splitlines()[-1] == "final CANCELLED", (out, err)
    (line,) = _gpuq_lines(err)
    assert line.startswith("gpuq: interrupted; cancelled local job "), err
    assert "KeyboardInterrupt" in err and process.returncode != 0
