"""``qelib1.inc`` with Qiskit's semantics, and the gates of it that gpuq runs natively.

``QELIB1`` is the text of Qiskit's ``qiskit/qasm/libs/qelib1.inc``, the
superset of the original OpenQASM 2.0 header that also defines ``p``, ``u``,
``sx``, ``sxdg``, ``csx``, ``cu``, ``rxx``, ``rzz``, ``rccx``, ``rc3x``,
``c3x``, ``c3sqrtx`` and ``c4x``. Its gate definitions are read like any
other, then ``NATIVE`` replaces those that name a gpuq library gate (or equal
one: ``c3x`` and ``c4x`` are ``mcx`` with 3 and 4 controls, ``u0`` is the
identity) so that they run as one library gate instead of their expansion.
The others (``rccx``, ``rc3x``, ``c3sqrtx``) are expanded from the definitions
below, as Qiskit's ``LEGACY_CUSTOM_INSTRUCTIONS`` define them.

The ``c4x`` body below writes out the inverse of ``rc3x`` for its second
relative-phase Toffoli (``rc3x`` is not its own inverse), so that the body
equals a 4-controlled X; ``tests/test_qasm.py`` checks every definition here
against the matrix of the gate gpuq runs for it. gpuq runs ``c4x`` as ``mcx``
in any case, so the body is never expanded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NativeGate:
    """How a qelib1 gate maps onto the library.

    Attributes:
        name: the library gate's name.
        params: the OpenQASM parameter values → the library gate's parameters.
    """

    name: str
    params: Callable[[tuple[float, ...]], tuple[float, ...]] = lambda values: values


_SAME = (
    "u3",
    "u2",
    "u1",
    "cx",
    "id",
    "u",
    "p",
    "x",
    "y",
    "z",
    "h",
    "s",
    "sdg",
    "t",
    "tdg",
    "rx",
    "ry",
    "rz",
    "sx",
    "sxdg",
    "cz",
    "cy",
    "swap",
    "ch",
    "ccx",
    "cswap",
    "crx",
    "cry",
    "cp",
    "crz",
    "csx",
    "cu1",
    "cu3",
    "cu",
    "rxx",
    "rzz",
)

NATIVE: dict[str, NativeGate] = {name: NativeGate(name) for name in _SAME}
NATIVE.update(
    {
        "u0": NativeGate("id", lambda values: ()),
        "c3x": NativeGate("mcx"),
        "c4x": NativeGate("mcx"),
    }
)
"""qelib1 gate name → the library gate that implements it exactly (up to global phase for ``u0``)."""

QELIB1 = """\
// Quantum Experience (QE) Standard Header
// file: qelib1.inc

// --- QE Hardware primitives ---
gate u3(theta,phi,lambda) q { U(theta,phi,lambda) q; }
gate u2(phi,lambda) q { U(pi/2,phi,lambda) q; }
gate u1(lambda) q { U(0,0,lambda) q; }
gate cx c,t { CX c,t; }
gate id a { U(0,0,0) a; }
gate u0(gamma) q { U(0,0,0) q; }

// --- QE Standard Gates ---
gate u(theta,phi,lambda) q { U(theta,phi,lambda) q; }
gate p(lambda) q { U(0,0,lambda) q; }
gate x a { u3(pi,0,pi) a; }
gate y a { u3(pi,pi/2,pi/2) a; }
gate z a { u1(pi) a; }
gate h a { u2(0,pi) a; }
gate s a { u1(pi/2) a; }
gate sdg a { u1(-pi/2) a; }
gate t a { u1(pi/4) a; }
gate tdg a { u1(-pi/4) a; }

// --- Standard rotations ---
gate rx(theta) a { u3(theta, -pi/2,pi/2) a; }
gate ry(theta) a { u3(theta,0,0) a; }
gate rz(phi) a { u1(phi) a; }

// --- QE Standard User-Defined Gates  ---
gate sx a { sdg a; h a; sdg a; }
gate sxdg a { s a; h a; s a; }
gate cz a,b { h b; cx a,b; h b; }
gate cy a,b { sdg b; cx a,b; s b; }
gate swap a,b { cx a,b; cx b,a; cx a,b; }
gate ch a,b {
h b; sdg b;
cx a,b;
h b; t b;
cx a,b;
t b; h b; s b; x b; s a;
}
gate ccx a,b,c
{
  h c;
  cx b,c; tdg c;
  cx a,c; t c;
  cx b,c; tdg c;
  cx a,c; t b; t c; h c;
  cx a,b; t a; tdg b;
  cx a,b;
}
gate cswap a,b,c
{
  cx c,b;
  ccx a,b,c;
  cx c,b;
}
gate crx(lambda) a,b
{
  u1(pi/2) b;
  cx a,b;
  u3(-lambda/2,0,0) b;
  cx a,b;
  u3(lambda/2,-pi/2,0) b;
}
gate cry(lambda) a,b
{
  ry(lambda/2) b;
  cx a,b;
  ry(-lambda/2) b;
  cx a,b;
}
gate cp(lambda) a,b
{
  p(lambda/2) a;
  cx a,b;
  p(-lambda/2) b;
  cx a,b;
  p(lambda/2) b;
}
gate crz(lambda) a,b
{
  rz(lambda/2) b;
  cx a,b;
  rz(-lambda/2) b;
  cx a,b;
}
gate cu1(lambda) a,b
{
  u1(lambda/2) a;
  cx a,b;
  u1(-lambda/2) b;
  cx a,b;
  u1(lambda/2) b;
}
gate csx a,b { h b; cu1(pi/2) a,b; h b; }
gate cu3(theta,phi,lambda) c, t
{
  u1((lambda+phi)/2) c;
  u1((lambda-phi)/2) t;
  cx c,t;
  u3(-theta/2,0,-(phi+lambda)/2) t;
  cx c,t;
  u3(theta/2,phi,0) t;
}
gate cu(theta,phi,lambda,gamma) c, t
{ p(gamma) c;
  p((lambda+phi)/2) c;
  p((lambda-phi)/2) t;
  cx c,t;
  u(-theta/2,0,-(phi+lambda)/2) t;
  cx c,t;
  u(theta/2,phi,0) t;
}
gate rxx(theta) a,b
{
  u3(pi/2, theta, 0) a;
  h b;
  cx a,b;
  u1(-theta) b;
  cx a,b;
  h b;
  u2(-pi, pi-theta) a;
}
gate rzz(theta) a,b
{
  cx a,b;
  u1(theta) b;
  cx a,b;
}
gate rccx a,b,c
{
  u2(0,pi) c;
  u1(pi/4) c;
  cx b, c;
  u1(-pi/4) c;
  cx a, c;
  u1(pi/4) c;
  cx b, c;
  u1(-pi/4) c;
  u2(0,pi) c;
}
gate rc3x a,b,c,d
{
  u2(0,pi) d;
  u1(pi/4) d;
  cx c,d;
  u1(-pi/4) d;
  u2(0,pi) d;
  cx a,d;
  u1(pi/4) d;
  cx b,d;
  u1(-pi/4) d;
  cx a,d;
  u1(pi/4) d;
  cx b,d;
  u1(-pi/4) d;
  u2(0,pi) d;
  u1(pi/4) d;
  cx c,d;
  u1(-pi/4) d;
  u2(0,pi) d;
}
gate c3x a,b,c,d
{
  h d;
  p(pi/8) a;
  p(pi/8) b;
  p(pi/8) c;
  p(pi/8) d;
  cx a, b;
  p(-pi/8) b;
  cx a, b;
  cx b, c;
  p(-pi/8) c;
  cx a, c;
  p(pi/8) c;
  cx b, c;
  p(-pi/8) c;
  cx a, c;
  cx c, d;
  p(-pi/8) d;
  cx b, d;
  p(pi/8) d;
  cx c, d;
  p(-pi/8) d;
  cx a, d;
  p(pi/8) d;
  cx c, d;
  p(-pi/8) d;
  cx b, d;
  p(pi/8) d;
  cx c, d;
  p(-pi/8) d;
  cx a, d;
  h d;
}
gate c3sqrtx a,b,c,d
{
  h d; cu1(pi/8) a,d; h d;
  cx a,b;
  h d; cu1(-pi/8) b,d; h d;
  cx a,b;
  h d; cu1(pi/8) b,d; h d;
  cx b,c;
  h d; cu1(-pi/8) c,d; h d;
  cx a,c;
  h d; cu1(pi/8) c,d; h d;
  cx b,c;
  h d; cu1(-pi/8) c,d; h d;
  cx a,c;
  h d; cu1(pi/8) c,d; h d;
}
gate c4x a,b,c,d,e
{
  h e; cu1(pi/2) d,e; h e;
  rc3x a,b,c,d;
  h e; cu1(-pi/2) d,e; h e;
  // the inverse of rc3x a,b,c,d:
  u2(0,pi) d; u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d;
  u1(pi/4) d; cx b,d; u1(-pi/4) d; cx a,d;
  u1(pi/4) d; cx b,d; u1(-pi/4) d; cx a,d;
  u2(0,pi) d; u1(pi/4) d; cx c,d; u1(-pi/4) d; u2(0,pi) d;
  c3sqrtx a,b,c,e;
}
"""
