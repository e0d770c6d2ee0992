"""Text drawing of a circuit: one line per qubit and per classical bit.

Instructions are packed into columns the way ``depth()`` layers them, so
gates that can run together are drawn together. Controls are ``■``, an X
target is ``X``, a measurement is ``M`` with ``╩`` on its classical bit, and
a condition is shown as ``= value`` on the bits it reads.
"""

from __future__ import annotations

_CONTROL = "■"


def _label(inst) -> str:
    op = inst.operation
    if op.name == "unitary":
        return op.label or "U"
    text = op.name.upper()
    if op.params:
        text += "(" + ",".join(f"{p:.3g}" for p in op.params) + ")"
    return text


def _cells(circuit, inst) -> dict[int, str]:
    """Row → symbol for one instruction (qubit rows first, then clbit rows)."""
    from .gates import GATES

    rows = [circuit.qubit_index(q) for q in inst.qubits]
    offset = circuit.num_qubits
    name = inst.name
    cells: dict[int, str] = {}
    if name == "measure":
        cells[rows[0]] = "M"
        cells[offset + circuit.clbit_index(inst.clbits[0])] = "╩"
    elif name == "barrier":
        cells.update({row: "░" for row in rows})
    elif name == "reset":
        cells[rows[0]] = "|0>"
    else:
        spec = GATES.get(name)
        ncontrols = (len(rows) - 1 if name == "mcx" else spec.num_controls or 0) if spec else 0
        base = name[ncontrols:] if name.startswith("c" * ncontrols) and ncontrols else name
        for row in rows[:ncontrols]:
            cells[row] = _CONTROL
        for row in rows[ncontrols:]:
            if base in ("x", "mcx", "cx") and ncontrols:
                cells[row] = "X"
            elif base == "z" and ncontrols:
                cells[row] = _CONTROL
            else:
                cells[row] = _label(inst) if not ncontrols else _label(inst)[ncontrols:] or _label(inst)
    if inst.condition is not None:
        for clbit in inst.condition.clbits:
            cells[offset + circuit.clbit_index(clbit)] = f"={inst.condition.value}"
    return cells


def draw_text(circuit) -> str:
    """Draw ``circuit`` as text; wide circuits wrap into several blocks of columns."""
    nrows = circuit.num_qubits + circuit.num_clbits
    names = [f"{q.register.name}_{q.index}: " for q in circuit.qubits]
    names += [f"{c.register.name}_{c.index}: " for c in circuit.clbits]
    width = max((len(n) for n in names), default=0)
    lines = [n.rjust(width) for n in names]
    wire = ["─"] * circuit.num_qubits + ["═"] * circuit.num_clbits

    columns: list[dict[int, str]] = []
    level_of_row: dict[int, int] = {}
    for inst in circuit.data:
        cells = _cells(circuit, inst)
        lo, hi = min(cells), max(cells)
        span = range(lo, hi + 1)
        level = max((level_of_row.get(r, 0) for r in span), default=0)
        while len(columns) <= level:
            columns.append({})
        column = columns[level]
        for row in span:
            column[row] = cells.get(row, "│" if row != lo and row != hi else column.get(row, ""))
            level_of_row[row] = level + 1

    for column in columns:
        cell_width = max(len(s) for s in column.values()) + 2
        for row in range(nrows):
            symbol = column.get(row)
            if symbol is None:
                lines[row] += wire[row] * cell_width
            else:
                pad = cell_width - len(symbol)
                left = pad // 2
                lines[row] += wire[row] * left + symbol + wire[row] * (pad - left)
    return "\n".join(lines)
