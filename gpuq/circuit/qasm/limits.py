"""The caps that keep reading any OpenQASM text bounded in time and memory.

A program within them reads in time and memory proportional to its text plus
its expanded circuit; one that breaks a cap is a ``QasmError`` at the token
that broke it, raised before the work or memory it would have cost. They are
meant to sit far above real programs (a million instructions is more than
any statevector simulation here finishes in reasonable time) and far below
what exhausts a machine; ``docs/qasm.md`` lists them for users.
"""

MAX_QUBITS = 65_536
"""Qubits in all quantum registers together (a register of more is refused before its bits are made)."""

MAX_CLBITS = 65_536
"""Classical bits in all classical registers together."""

MAX_OPERATIONS = 1_000_000
"""Instructions in the circuit read, after every broadcast and gate-definition expansion (about 300 bytes each).

A barrier on k qubits counts as k, for the k qubits it holds, and each call of a
user gate counts one more, for the work of expanding it.
"""

MAX_EVALUATIONS = 10_000_000
"""Expression terms evaluated while expanding gate definitions, over the whole program.

A body's parameter expressions are evaluated at every call, so long expressions
in deeply called gates multiply; this bounds that work as ``MAX_OPERATIONS``
bounds the instructions.
"""

MAX_GATE_NESTING = 64
"""Depth of gate definitions calling gate definitions (a body calling only built-ins is depth 1)."""

MAX_INCLUDE_NESTING = 16
"""Files including files."""

MAX_EXPRESSION_NODES = 1_000
"""Numbers, names, operators and function calls in one parameter expression."""

MAX_NUMBER_DIGITS = 1_000
"""Characters in one number literal (an integer or a real); Python's own limit for integers is 4,300."""
