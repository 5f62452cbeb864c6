"""Boolean formulas over units' regions, as people write a network's logic: `o1 = h11 xor h12`.

A formula names a unit, `=`, then an expression of other units joined by gates, written as
words (`and or not xor xnor nand nor`, any case) or symbols (`&` and, `|` or, `~` or `!` not,
`^` xor), with parentheses and the constants 0 and 1. Binding, loosest first: or and nor;
xor and xnor; and and nand; not. Binary gates group from the left: `a nand b nand c` is
`(a nand b) nand c`.

The reader is a small recursive-descent parser: nothing the user writes is evaluated as code.
Mistakes raise FormulaError naming the line and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nneq.errors import NneqError

# Each gate as a function of boolean arrays; the parser's levels refer to these names.
GATES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "and": np.logical_and,
    "or": np.logical_or,
    "xor": np.logical_xor,
    "nand": lambda a, b: ~np.logical_and(a, b),
    "nor": lambda a, b: ~np.logical_or(a, b),
    "xnor": lambda a, b: ~np.logical_xor(a, b),
}
SYMBOLS = {"&": "and", "|": "or", "^": "xor", "~": "not", "!": "not"}
WORDS = (*GATES, "not")
LEVELS = (("or", "nor"), ("xor", "xnor"), ("and", "nand"))  # loosest first
UNIT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# Bounds that keep reading and evaluating a formula well within Python's recursion limit;
# a network's logic needs far less (a gate per hidden unit or so).
MAX_TOKENS = 1024  # names, gates, constants and parentheses: a unit of 100 links needs ~300
MAX_DEPTH = 32  # parentheses and 'not's nested in one another


class FormulaError(NneqError):
    """A formula that cannot be read: names where it stands and what was expected."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Var:
    """A unit's region: true where the unit's output is above its activation's midpoint."""

    name: str


@dataclass(frozen=True)
class Const:
    """The constant 0 (false) or 1 (true)."""

    value: bool


@dataclass(frozen=True)
class Not:
    """The complement of an expression."""

    operand: Expr


@dataclass(frozen=True)
class Gate:
    """A two-input gate (a key of GATES) applied to two expressions."""

    name: str
    left: Expr
    right: Expr


Expr = Var | Const | Not | Gate


@dataclass(frozen=True)
class Formula:
    """`unit = expression`, with where it was written (a line, or the nth --logic)."""

    unit: str
    expression: Expr
    where: str

    def text(self) -> str:
        """The formula written back with word gates and only the parentheses needed."""
        return f"{self.unit} = {to_text(self.expression)}"


def _tokens(text: str, where: str) -> list[str]:
    found, at = [], 0
    while at < len(text):
        char = text[at]
        if char.isspace():
            at += 1
        elif char in "()":
            found.append(char)
            at += 1
        elif char in SYMBOLS:
            found.append(SYMBOLS[char])
            at += 1
        else:
            match = UNIT.match(text, at) or re.compile(r"\d+").match(text, at)
            if match is None:
                raise FormulaError(where, f"unexpected '{char}' in '{text}': expected unit names, "
                                   "gates (and or not xor xnor nand nor, or & | ~ ^) and "
                                   "parentheses")
            word = match.group(0)
            found.append(word.lower() if word.lower() in WORDS else word)
            at = match.end()
    return found


class _Parser:
    def __init__(self, tokens: list[str], text: str, where: str) -> None:
        self.tokens, self.text, self.where, self.at = tokens, text, where, 0
        self.depth = 0

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(self.where, f"'{_shortened(self.text)}' nests parentheses and "
                               f"'not' more than {MAX_DEPTH} deep")

    def error(self, expected: str) -> FormulaError:
        if self.at >= len(self.tokens):
            found = "the end" if not self.at else f"the end, after '{self.tokens[self.at - 1]}'"
        else:
            found = f"'{self.tokens[self.at]}'"
        return FormulaError(self.where, f"expected {expected} in '{self.text}', found {found}")

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def expression(self, level: int = 0) -> Expr:
        if level == len(LEVELS):
            return self.unary()
        left = self.expression(level + 1)
        while self.peek() in LEVELS[level]:
            name = self.tokens[self.at]
            self.at += 1
            left = Gate(name, left, self.expression(level + 1))
        return left

    def unary(self) -> Expr:
        token = self.peek()
        if token == "not":
            self.at += 1
            self.deeper()
            operand = self.unary()
            self.depth -= 1
            return Not(operand)
        if token == "(":
            self.at += 1
            self.deeper()
            inner = self.expression()
            if self.peek() != ")":
                raise self.error("')'")
            self.at += 1
            self.depth -= 1
            return inner
        if token is None or token in WORDS or token == ")":
            raise self.error("a unit name, 0, 1, 'not' or '('")
        self.at += 1
        if token in ("0", "1"):
            return Const(token == "1")
        if not UNIT.fullmatch(token):
            raise FormulaError(self.where, f"'{token}' is not a unit name (h11, h21, …) in "
                               f"'{self.text}'")
        return Var(token)


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def parse_formula(text: str, *, where: str = "formula") -> Formula:
    """`unit = expression` read into a Formula; FormulaError (naming `where`) when malformed.

    >>> parse_formula("o1 = h11 xor ~(h12 & h13)").text()
    'o1 = h11 xor not (h12 and h13)'
    """
    name, sep, body = text.partition("=")
    name = name.strip()
    if not sep or not UNIT.fullmatch(name) or name.lower() in WORDS:
        raise FormulaError(where, f"expected 'unit = formula' such as 'o1 = h11 xor h12', found "
                           f"'{text.strip()}'")
    tokens = _tokens(body, where)
    if len(tokens) > MAX_TOKENS:
        raise FormulaError(where, f"'{_shortened(body.strip())}' is too long: at most "
                           f"{MAX_TOKENS} names, gates and parentheses in one formula")
    parser = _Parser(tokens, body.strip(), where)
    expression = parser.expression()
    if parser.at < len(tokens):
        token = tokens[parser.at]
        if token not in WORDS and token not in "()":
            raise FormulaError(where, f"unknown gate '{token}' in '{body.strip()}': expected one "
                               "of and, or, not, xor, xnor, nand, nor (or & | ~ ^)")
        raise parser.error("a gate between two terms")
    return Formula(name, expression, where)


def read_logic_section(text: str, *, source: str = "") -> tuple[Formula, ...]:
    """The formulas under a 'Logic' heading of a predicted file, each with its line.

    The section starts at a line that reads 'Logic' (as a Markdown heading, in bold, or with a
    colon) and runs to the next heading or table; blank lines and lines without '=' in it are
    text and skipped.
    """
    formulas, inside = [], False
    prefix = f"{source}:" if source else "line "
    for number, line in enumerate(text.splitlines(), start=1):
        bare = line.strip().strip("#*_: ").strip()
        if bare.lower() == "logic":
            inside = True
            continue
        if not inside:
            continue
        stripped = line.strip()
        if stripped.startswith(("#", "|")):
            inside = False
            continue
        if "=" in stripped:
            formulas.append(parse_formula(stripped.strip("`"), where=f"{prefix}{number}"))
    return tuple(formulas)


def parse_formulas(items: Iterable[str]) -> tuple[Formula, ...]:
    """Formulas given one per item (the --logic flags), each named by its place: '--logic 2'."""
    return tuple(parse_formula(text, where=f"--logic {n}") for n, text in enumerate(items, start=1))


def evaluate(expression: Expr, values: Mapping[str, np.ndarray], *, where: str = "formula"
             ) -> np.ndarray:
    """The expression at every point, from each unit's truth values (boolean arrays)."""
    if isinstance(expression, Var):
        if expression.name not in values:
            raise FormulaError(where, f"unknown unit '{expression.name}': expected one of "
                               + ", ".join(values))
        return np.asarray(values[expression.name], dtype=bool)
    if isinstance(expression, Const):
        size = len(next(iter(values.values()))) if values else 1
        return np.full(size, expression.value)
    if isinstance(expression, Not):
        return ~evaluate(expression.operand, values, where=where)
    return GATES[expression.name](evaluate(expression.left, values, where=where),
                                  evaluate(expression.right, values, where=where))


def units_of(expression: Expr) -> list[str]:
    """The units an expression reads, in order of first appearance."""
    if isinstance(expression, Var):
        return [expression.name]
    if isinstance(expression, Not):
        return units_of(expression.operand)
    if isinstance(expression, Gate):
        return list(dict.fromkeys([*units_of(expression.left), *units_of(expression.right)]))
    return []


_BINDING = {name: level for level, names in enumerate(LEVELS) for name in names}


def to_text(expression: Expr, parent: int = -1) -> str:
    """The expression with word gates, parenthesised where the binding needs it."""
    if isinstance(expression, Var):
        return expression.name
    if isinstance(expression, Const):
        return "1" if expression.value else "0"
    if isinstance(expression, Not):
        inner = to_text(expression.operand, len(LEVELS))
        return f"not {inner}"
    level = _BINDING[expression.name]
    text = (f"{to_text(expression.left, level - 1)} {expression.name} "
            f"{to_text(expression.right, level)}")
    return f"({text})" if level <= parent else text


def overlap_rule(unit: str, terms: Sequence[tuple[str, int]]) -> Expr:
    """The legend's reading of a unit's signed links as sets: positive links unite the
    sources' regions, negative ones intersect the result with the complement of theirs.

    (a | b | …) & ~n & ~m & …; without positive links the complements alone; no link: 0.
    """
    positive = [Var(s) for s, sign in terms if sign > 0]
    negative = [Not(Var(s)) for s, sign in terms if sign < 0]
    union: Expr | None = None
    for v in positive:
        union = v if union is None else Gate("or", union, v)
    result = union
    for n in negative:
        result = n if result is None else Gate("and", result, n)
    return Const(False) if result is None else result
