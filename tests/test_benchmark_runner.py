"""The benchmark runner's bookkeeping: an interrupted run is finished by ``--resume``, bad files are refused.

The runner's figures are not checked here (the benchmark is the measure); what
is checked is that resuming measures exactly the groups a saved run lacks,
with real gpuq worker processes on a 4-qubit circuit.
"""

import json

import pytest

from benchmarks import run

# A measurement as the worker records it (figures made up, so a re-measurement would show).
MEASURED_QFT = {
    "simulator": "gpuq",
    "precision": "double",
    "circuit": "qft",
    "nqubits": 4,
    "shots": None,
    "gates": 12,
    "versions": {"gpuq": "0.1.0"},
    "fusion_default": "gpuq defaults",
    "sim_s": 123.0,
    "run_wall_s": 124.0,
    "build_s": 0.5,
    "peak_rss_mib": 99.0,
    "metadata": {"fusion": {"max_qubits": 4, "gates": 12, "passes": 3}},
    "check": {"reference": True},
}


def _interrupted_run(path):
    """A saved run of QFT and GHZ at 4 qubits, gpuq only, cut off after its QFT group."""
    argv = [
        "--qubits",
        "4",
        "--circuits",
        "qft,ghz",
        "--ghz-qubits",
        "4",
        "--simulators",
        "gpuq",
        "--precisions",
        "double",
        "--repeats",
        "1",
        "--skip-cold-start",
        "--docs",
        "",
    ]
    saved = {
        "machine": run.machine_info(),
        "date": "2026-01-01T00:00:00",
        "argv": argv,
        "threads": 2,
        "repeats": 1,
        "bandwidth": {"inplace_gbs": 1.0, "threads": 2},
        "results": [MEASURED_QFT],
        "complete": False,
    }
    path.write_text(json.dumps(saved))


def test_resume_measures_only_the_missing_groups(tmp_path):
    saved = tmp_path / "run.json"
    _interrupted_run(saved)
    report = tmp_path / "report.md"
    run.main(["--resume", str(saved), "--docs", str(report)])

    data = json.loads(saved.read_text())
    assert data["complete"] is True
    assert len(data["resumed"]) == 1
    assert data["bandwidth"] == {"inplace_gbs": 1.0, "threads": 2}  # kept, not measured again
    assert [r for r in data["results"] if r["circuit"] == "qft"] == [MEASURED_QFT]  # kept, not measured again
    ghz = [r for r in data["results"] if r["circuit"] == "ghz"]
    assert [(r["simulator"], r["precision"], r["nqubits"]) for r in ghz] == [("gpuq", "double", 4)]
    assert ghz[0]["sim_s"] > 0 and ghz[0]["shots"] > 0
    assert "finished with `--resume`" in report.read_text()


@pytest.mark.parametrize(
    "content, complaint",
    [
        (None, "cannot read"),
        ('{"argv": [', "cannot read"),
        ("[1, 2]", "not a benchmark run"),
        ('{"argv": [], "results": [], "complete": true}', "complete run; nothing to resume"),
    ],
)
def test_resume_refuses_a_file_it_cannot_finish(tmp_path, capsys, content, complaint):
    saved = tmp_path / "run.json"
    if content is not None:
        saved.write_text(content)
    with pytest.raises(SystemExit):
        run.parse_args(["--resume", str(saved)])
    assert complaint in capsys.readouterr().err


def test_the_committed_docs_page_is_written_only_when_asked_for():
    assert run.parse_args([]).docs is None
    assert str(run.parse_args(["--docs", "docs/benchmarks.md"]).docs) == "docs/benchmarks.md"


def test_a_new_record_never_overwrites_an_earlier_one(tmp_path):
    first = run.new_result_path(tmp_path, "machine-2026-12-02")
    assert first == tmp_path / "machine-2026-12-02.json"
    first.write_text("{}")
    second = run.new_result_path(tmp_path, "machine-2026-12-02")
    assert second == tmp_path / "machine-2026-12-02-2.json"
    second.write_text("{}")
    assert run.new_result_path(tmp_path, "machine-2026-12-02") == tmp_path / "machine-2026-12-02-3.json"
