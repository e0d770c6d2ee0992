"""The OpenQASM parser's disk cache: what a later process loads is the parser it would have built, and only a
file that checks out is loaded (wrong key, corrupt, truncated, writable by others, someone else's, a link)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lark.exceptions import UnexpectedInput

from gpuq.circuit.qasm.grammar import GRAMMAR, PARSER_OPTIONS
from gpuq.circuit.qasm.parser_cache import cache_directory, cached_parser
from gpuq.circuit.qasm.qelib1 import QELIB1

REPO = Path(__file__).resolve().parents[1]

PROGRAMS = [
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[3];\ncreg c[3];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n',
    "gate g(a,b) x,y { U(-a^2*pi/2+b,sin(a),ln(2.5e-1)) x; CX x,y; barrier x,y; }\nqreg r[2]; g(1,.5) r[0],r[1];\n",
    "opaque o(t) a;\nqreg q[1]; creg c[1];\nif (c==1) reset q[0];\n// a comment\nbarrier q;\n",
]
BAD = ["qreg q[2];\nh q[0]", "qreg q[;", "qreg Q[1];", 'include "x.inc"\n', "U(1,2,3) q[0] q[1];"]


def built_and_loaded(directory: Path):
    """The parser and qelib1 tree as built (filling ``directory``), then as loaded back from it."""
    built = cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), directory)
    loaded = cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), directory)
    return built, loaded


def cache_file(directory: Path) -> Path:
    (path,) = directory.glob("parser-*.pickle")
    return path


def was_loaded(result) -> bool:
    """Lark names the source of a parser it loaded ``<deserialized>``, one it built from a string ``<string>``."""
    return result[0].source_path == "<deserialized>"


def failure(parser, text: str):
    with pytest.raises(UnexpectedInput) as info:
        parser.parse(text)
    exc = info.value
    return type(exc), exc.line, exc.column, sorted(getattr(exc, "expected", None) or getattr(exc, "allowed", ()))


def test_the_loaded_parser_parses_and_fails_as_the_built_one(tmp_path):
    (built, (built_tree,)), loaded_result = built_and_loaded(tmp_path)
    loaded, (loaded_tree,) = loaded_result
    assert was_loaded(loaded_result) and not was_loaded((built,))
    assert loaded_tree == built_tree == built.parse(QELIB1)
    for text in PROGRAMS:
        assert loaded.parse(text) == built.parse(text)
    for text in BAD:
        assert failure(loaded, text) == failure(built, text)
    terminals = [[(t.name, t.pattern.type, t.pattern.value) for t in p.terminals] for p in (loaded, built)]
    assert terminals[0] == terminals[1]  # what syntax errors name
    mode = cache_file(tmp_path).stat().st_mode
    assert mode & 0o077 == 0, oct(mode)  # readable and writable by its owner only


def test_a_new_grammar_or_header_text_gets_its_own_file(tmp_path):
    built_and_loaded(tmp_path)
    other = cached_parser(GRAMMAR + "\n// changed\n", PARSER_OPTIONS, (QELIB1,), tmp_path)
    assert not was_loaded(other)
    assert not was_loaded(cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1 + "\n",), tmp_path))
    assert len(list(tmp_path.glob("parser-*.pickle"))) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob.replace(b"A-Za-z0-9_", b"A-Za-z0-8_"),  # still unpickles, to a parser that is wrong
        lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]),  # the last byte
        lambda blob: blob[: len(blob) // 2],
        lambda blob: b"",
    ],
    ids=["changed-pattern", "last-byte", "truncated", "empty"],
)
def test_a_damaged_file_is_not_trusted_and_is_rewritten(tmp_path, damage):
    built_and_loaded(tmp_path)
    path = cache_file(tmp_path)
    blob = path.read_bytes()
    assert damage(blob) != blob
    path.write_bytes(damage(blob))
    parser, (tree,) = cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), tmp_path)
    assert not was_loaded((parser,)) and tree == parser.parse(QELIB1)
    assert was_loaded(cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), tmp_path))


def test_a_file_saved_for_another_grammar_is_not_loaded_under_this_ones_name(tmp_path):
    cached_parser(GRAMMAR + "\n// another\n", PARSER_OPTIONS, (QELIB1,), tmp_path / "other")
    built_and_loaded(tmp_path)
    cache_file(tmp_path / "other").replace(cache_file(tmp_path))
    assert not was_loaded(cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), tmp_path))


def test_a_file_others_may_write_is_not_trusted(tmp_path):
    built_and_loaded(tmp_path)
    cache_file(tmp_path).chmod(0o664)
    assert not was_loaded(cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), tmp_path))


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file away needs root")
def test_someone_elses_file_is_not_trusted(tmp_path):
    built_and_loaded(tmp_path)
    os.chown(cache_file(tmp_path), os.getuid() + 1, -1)
    assert not was_loaded(cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), tmp_path))


def test_a_link_is_not_followed(tmp_path):
    built_and_loaded(tmp_path / "real")
    real = cache_file(tmp_path / "real")
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / real.name).symlink_to(real)
    assert not was_loaded(cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), tmp_path / "linked"))


def test_a_directory_that_cannot_be_made_only_costs_the_build(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    parser, (tree,) = cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), blocker / "qasm")
    assert parser.parse(PROGRAMS[0]) and tree == parser.parse(QELIB1)
    parser, _ = cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), None)
    assert parser.parse(PROGRAMS[0])


def test_the_cache_lives_under_the_users_cache_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_directory() == tmp_path / "gpuq" / "qasm"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_directory() == tmp_path / "home" / ".cache" / "gpuq" / "qasm"


def test_a_second_gpuq_run_loads_the_parser_instead_of_building_it(tmp_path):
    """The warm first run: a new process finds what an earlier one saved (no clock involved)."""
    script = (
        "import sys, contextlib, io\n"
        "from gpuq.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['run', 'examples/ghz.qasm']) == 0\n"
        "from gpuq.circuit.qasm.grammar import parser\n"
        "print(parser().source_path)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "GPUQ_DEVICE": ""}
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
        for _ in range(2)
    ]
    assert [run.returncode for run in runs] == [0, 0], runs[0].stderr + runs[1].stderr
    assert [run.stdout.strip() for run in runs] == ["<string>", "<deserialized>"]
    assert len(list((tmp_path / "gpuq" / "qasm").glob("parser-*.pickle"))) == 1
