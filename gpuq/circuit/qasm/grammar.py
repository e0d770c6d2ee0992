"""The OpenQASM 2.0 grammar, its Lark parser, and the translation of Lark errors into ``QasmError``.

The grammar follows the OpenQASM 2.0 specification (Cross et al., 2017):
identifiers start with a lowercase letter, ``U`` and ``CX`` are the two
built-in gates, ``pi`` is a keyword, and expressions take ``+ - * / ^``,
unary minus and the functions ``sin cos tan exp ln sqrt``. ``^`` binds
tighter than unary minus and associates to the right, so ``-2^2`` is ``-4``.

The grammar lives in a Python string rather than a ``.lark`` file so that it
ships inside the package with no package-data entry. Semantic checks (declared
names, sizes, argument counts) are done by ``reader``; this module only turns
text into a tree and syntax errors into messages that name the line, the
column and what was expected, and makes the ``QasmError`` for a token
(``error_at``) that every other module of the reader raises.

The LALR parser keeps its own stack, so no nesting in the text can exhaust
Python's recursion limit while parsing; the trees it builds may be deep, and
whatever walks them afterwards does so without recursion or under a cap.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

from ...exceptions import QasmError
from .parser_cache import cache_directory, cached_parser
from .qelib1 import QELIB1

GRAMMAR = r"""
start: version? statement*

version: "OPENQASM" (REAL | INT) ";"

?statement: include
          | qreg
          | creg
          | gate_def
          | opaque
          | quantum_op
          | if_op
          | barrier

include: "include" STRING ";"
qreg: "qreg" ID "[" INT "]" ";"
creg: "creg" ID "[" INT "]" ";"

gate_def: "gate" ID param_names id_list "{" body_op* "}"
opaque: "opaque" ID param_names id_list ";"
param_names: ("(" [id_list] ")")?
id_list: ID ("," ID)*
?body_op: gate_call | barrier

?quantum_op: gate_call | measure | reset
if_op: "if" "(" ID "==" INT ")" quantum_op
measure: "measure" argument "->" argument ";"
reset: "reset" argument ";"
barrier: "barrier" arg_list ";"

gate_call: U "(" exp_list ")" argument ";"
         | CX argument "," argument ";"
         | ID call_params arg_list ";"
call_params: ("(" [exp_list] ")")?
exp_list: exp ("," exp)*
arg_list: argument ("," argument)*
argument: ID ("[" INT "]")?

?exp: term
    | exp "+" term   -> add
    | exp "-" term   -> sub
?term: factor
     | term "*" factor  -> mul
     | term "/" factor  -> div
?factor: power
       | "-" factor  -> neg
       | "+" factor
?power: atom
      | atom "^" factor  -> pow
?atom: REAL          -> number
     | INT           -> number
     | PI            -> pi
     | ID            -> variable
     | ID "(" exp ")" -> call
     | "(" exp ")"

U: "U"
CX: "CX"
PI: "pi"
ID: /[a-z][A-Za-z0-9_]*/
INT: /[0-9]+/
REAL.2: /([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+/
STRING: /"[^"\n]*"/

COMMENT: /\/\/[^\n]*/
%ignore COMMENT
%ignore /[ \t\f\r\n]+/
"""

_TERMINAL_WORDS = {
    "ID": "an identifier",
    "INT": "an integer",
    "REAL": "a real number",
    "STRING": 'a quoted file name such as "qelib1.inc"',
    "$END": "the end of the file",
}

_TOKEN_WORDS = {"ID": "identifier", "INT": "integer", "REAL": "real number", "STRING": "string"}


PARSER_OPTIONS = {"parser": "lalr", "lexer": "basic", "maybe_placeholders": False}
"""How Lark builds the parser of ``GRAMMAR``."""


@lru_cache(maxsize=1)
def _parser_and_qelib1() -> tuple[Lark, Tree]:
    """The parser and qelib1.inc's tree, once per process: from the user's cache, else built (0.1 s) and saved."""
    parser, (qelib1,) = cached_parser(GRAMMAR, PARSER_OPTIONS, (QELIB1,), cache_directory())
    return parser, qelib1


def parser() -> Lark:
    """The LALR parser of ``GRAMMAR``."""
    return _parser_and_qelib1()[0]


def qelib1_tree() -> Tree:
    """The parse tree of qelib1.inc (``qelib1.QELIB1``), as ``parse`` gives it."""
    return _parser_and_qelib1()[1]


def parse(text: str, source: str | None = None) -> Tree:
    """Parse OpenQASM 2.0 text into a Lark tree.

    Args:
        text: the program.
        source: a file name to mention in error messages.

    Raises:
        QasmError: a syntax error, with line, column and what was expected.
    """
    try:
        return parser().parse(text)
    except UnexpectedInput as exc:
        raise _translate(exc, text, source) from None


def error_at(message: str, token: Any) -> QasmError:
    """A ``QasmError`` at ``token``'s line and column (none when the token is None).

    The reader adds the file name as the error leaves the file's statements.
    """
    return QasmError(message, getattr(token, "line", None), getattr(token, "column", None))


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    for terminal in parser().terminals:
        if terminal.name == name and terminal.pattern.type == "str":
            return f"'{terminal.pattern.value}'"
    return name.lower()


def _expected(names) -> str:
    words = sorted({_describe_terminal(n) for n in names if not n.startswith("__")})
    if not words:
        return "something else"
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type in ("ID", "INT", "REAL", "STRING"):
        return f"{_TOKEN_WORDS[token.type]} {str(token)!r}"
    return repr(str(token))


def _translate(exc: UnexpectedInput, text: str, source: str | None) -> QasmError:
    line, column = getattr(exc, "line", None), getattr(exc, "column", None)
    if isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream or 0
        char = text[position] if position < len(text) else ""
        allowed = exc.allowed or ()
        if getattr(exc, "interactive_parser", None) is not None:
            allowed = exc.interactive_parser.accepts()
        message = f"unexpected character {char!r}; expected {_expected(allowed)}"
    elif isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END" or line in (None, -1):
            line, column = _end_position(text)
        message = f"unexpected {_describe_token(token)}; expected {_expected(exc.expected)}"
    elif isinstance(exc, UnexpectedEOF):
        line, column = _end_position(text)
        message = f"unexpected end of file; expected {_expected(exc.expected)}"
    else:  # pragma: no cover - Lark has no other UnexpectedInput subclasses
        message = f"syntax error: {exc}"
    if line is not None and line < 1:
        line, column = _end_position(text)
    return QasmError(message, line, column, source)


def _end_position(text: str) -> tuple[int, int]:
    """1-based line and column just past the last non-blank character."""
    stripped = text.rstrip()
    line = stripped.count("\n") + 1
    column = len(stripped) - (stripped.rfind("\n") + 1) + 1
    return line, column
