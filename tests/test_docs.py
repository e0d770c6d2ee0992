"""The documented snippets run, and every output the docs print is the output the code gives (issue 13 item 9).

Conventions the docs follow, so that this test can hold them to their word:

* A ```python block runs, top to bottom, sharing names with the earlier
  blocks of the same page, in a fresh interpreter in the repository root.
  A line ``print(EXPR)  # OUTPUT`` promises that it prints ``OUTPUT``.
* A ```console block whose first line is ``$ gpuq run ...`` runs that
  command; the lines after it are its standard output. Numbers on the
  ``time`` line vary and are not compared; ``…`` in a line stands for any text.
* A block preceded by ``<!-- doc-test: skip -->`` is an illustration, not run.

Seeded counts reproduce on one device, and the docs show the CPU's, so the
page checks run on the CPU (``GPUQ_DEVICE=cpu`` for Python snippets); a
console block whose output names the device is skipped where a GPU is usable.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = ["README.md", "docs/getting-started.md", "docs/cli.md", "docs/variational.md", "docs/noise.md"]
"""Pages whose snippets are run."""

_BLOCK = re.compile(
    r"(?P<skip><!-- doc-test: skip -->\s*\n)?^(?P<indent>[ \t]*)```(?P<lang>\w+)[ \t]*\n(?P<body>.*?)^[ \t]*```",
    re.M | re.S,
)
_PROMISE = re.compile(r"^(?P<indent>\s*)print\((?P<expr>.*)\)\s+#\s+(?P<output>[\[{('\"\d-].*|True|False|None)$")


def _blocks(page: str, language: str) -> list[tuple[int, str]]:
    text = (REPO / page).read_text(encoding="utf-8")
    found = []
    for match in _BLOCK.finditer(text):
        if match["lang"] != language or match["skip"]:
            continue
        indent = len(match["indent"])
        body = "\n".join(line[indent:] for line in match["body"].splitlines())
        found.append((text[: match.start("body")].count("\n") + 1, body))
    return found


def _checked_program(page: str) -> str:
    """The page's Python blocks as one program, each ``print(EXPR)  # OUTPUT`` turned into a check."""
    lines = [
        "import json as _json",
        "_failures = []",
        "def _check(value, expected, where):",
        "    if str(value) != expected:",
        "        _failures.append(f'{where}: printed {value}, the docs say {expected}')",
    ]
    for first_line, body in _blocks(page, "python"):
        for offset, line in enumerate(body.splitlines()):
            promise = _PROMISE.match(line)
            if promise:
                where = f"{page}:{first_line + offset}"
                line = f"{promise['indent']}_check({promise['expr']}, {promise['output'].strip()!r}, {where!r})"
            lines.append(line)
    lines.append("print('@@' + _json.dumps(_failures))")
    return "\n".join(lines)


def _gpu_usable() -> bool:
    from gpuq.sim.devices.select import gpu_unavailable_reason

    return gpu_unavailable_reason() is None


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p, "python")])
def test_python_snippets_run_and_print_what_the_docs_say(page):
    env = dict(os.environ, GPUQ_DEVICE="cpu")
    proc = subprocess.run(
        [sys.executable, "-c", _checked_program(page)], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    failures = json.loads(proc.stdout.rsplit("@@", 1)[1])
    assert failures == []


def _console_runs() -> list[tuple[str, int, str, list[str]]]:
    runs = []
    for page in PAGES:
        for first_line, body in _blocks(page, "console"):
            lines = body.splitlines()
            if lines and lines[0].startswith("$ gpuq run ") and "…" not in lines[1:2] and len(lines) > 1:
                runs.append((page, first_line, lines[0][2:], lines[1:]))
    return runs


def _normalise(line: str) -> str:
    if line.startswith("time "):
        line = re.sub(r"compiling kernels [\d.]+ s, ", "", line)
        line = re.sub(r"\d+\.\d+", "N", line)
    return line.rstrip()


def _matches(documented: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in _normalise(documented).split("…"))
    return re.fullmatch(pattern, _normalise(actual)) is not None


@pytest.mark.parametrize(
    "page, line, command, expected", _console_runs(), ids=[f"{r[0]}:{r[1]}" for r in _console_runs()]
)
def test_documented_commands_print_what_the_docs_say(page, line, command, expected):
    if _gpu_usable() and any(row.startswith("device ") for row in expected):
        pytest.skip("the docs show the CPU's output; a GPU is usable here")
    env = {k: v for k, v in os.environ.items() if k != "GPUQ_DEVICE"}
    args = command.split()
    proc = subprocess.run(
        [sys.executable, "-m", "gpuq", *args[1:]], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    actual = proc.stdout.rstrip("\n").splitlines()
    assert len(actual) == len(expected), "\n".join(actual)
    for documented, got in zip(expected, actual):
        assert _matches(documented, got), f"{page}:{line}: the docs say\n  {documented}\nthe command printed\n  {got}"


def test_the_options_table_lists_every_run_option():
    from gpuq.models import RunOptions

    page = (REPO / "docs" / "getting-started.md").read_text(encoding="utf-8")
    table = page.split("## Options", 1)[1].split("##", 1)[0]
    missing = [name for name in RunOptions.model_fields if f"`{name}`" not in table]
    assert missing == []


def test_no_install_hint_names_the_unrelated_pypi_project():
    """``pip install gpuq`` / ``"gpuq[...]"`` would install someone else's package: hints name what works."""
    bad = re.compile(r"pip install (?:-{1,2}[\w-]+ )*[\"']?gpuq(?:\[[^\]]*\])?[\"']?(?=\s|$|\))")
    sources = [*REPO.glob("gpuq/**/*.py"), *REPO.glob("docs/*.md"), REPO / "README.md"]
    offenders = [
        f"{path.relative_to(REPO)}: {match.group(0)}"
        for path in sources
        for match in bad.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
