"""Regular expressions from a descriptor, checked before they are used.

A data package's ``pattern`` constraints are run over every cell by this toolkit and by
frictionless, both with Python's backtracking engine. A pattern such as ``(.|\\s)*(.|\\s)*X``
takes exponential time on a cell of a few dozen characters, so one hostile descriptor could
hang ``validate``. :func:`backtracking_risk` refuses the three shapes that cause it:

* a repeated group that itself contains an unbounded repeat (``(a+)+``, ``(a*b?)*``);
* an unbounded repeat of alternatives that can match the same character (``(.|\\s)*``,
  ``(a|ab)*``);
* two unbounded repeats in a row that can match the same character (``.*.*``, ``\\s*\\s+``)
  when what follows can fail.

Example:
    >>> backtracking_risk(r"\\d{5}") is None, backtracking_risk(r"(LA|CN|KH)(;(LA|CN|KH))*") is None
    (True, True)
    >>> backtracking_risk(r"(.|\\s)*(.|\\s)*X")
    'an unbounded repeat of alternatives that overlap'
"""

from __future__ import annotations

import re
import re._parser as sre  # the standard library's own parser of patterns (Python 3.11+)
import string
from functools import cache

_PROBE = string.printable + "àáạảãâăđêôơưÀĐ\u00a0\u3000１٣"
"""Characters tried to see whether two parts of a pattern can match the same character."""

_UNBOUNDED = sre.MAXREPEAT


def _first_chars(items) -> frozenset[str]:
    """Probe characters that can start a match of the parsed ``items``."""
    found: set[str] = set()
    for op, av in items:
        if op is sre.AT:
            continue
        if op is sre.LITERAL:
            return frozenset(found | {chr(av)})
        if op is sre.NOT_LITERAL:
            return frozenset(found | (set(_PROBE) - {chr(av)}))
        if op is sre.ANY:
            return frozenset(_PROBE)
        if op is sre.IN:
            compiled = re.compile(_unparse_in(av))
            return frozenset(found | {c for c in _PROBE if compiled.fullmatch(c)})
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            found |= _first_chars(av[2])
            if av[0] > 0:
                return frozenset(found)
            continue
        if op is sre.SUBPATTERN:
            return frozenset(found | _first_chars(av[-1]))
        if op is sre.BRANCH:
            return frozenset(found.union(*(_first_chars(b) for b in av[1])))
        return frozenset(_PROBE)  # anything else: assume any character
    return frozenset(found)


def _unparse(items) -> str:
    """A pattern string for parsed items, good enough to probe which characters they take."""
    out = []
    for op, av in items:
        if op is sre.LITERAL:
            out.append(re.escape(chr(av)))
        elif op is sre.NOT_LITERAL:
            out.append(f"[^{re.escape(chr(av))}]")
        elif op is sre.ANY:
            out.append(".")
        elif op is sre.IN:
            out.append(_unparse_in(av))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            lo, hi, sub = av
            out.append(f"(?:{_unparse(sub)}){{{lo},{'' if hi == _UNBOUNDED else hi}}}")
        elif op is sre.SUBPATTERN:
            out.append(f"(?:{_unparse(av[-1])})")
        elif op is sre.BRANCH:
            out.append("(?:" + "|".join(_unparse(b) for b in av[1]) + ")")
        elif op is sre.AT:
            continue
        else:  # anything else: assume it can take any character
            out.append(".")
    return "".join(out)


def _unparse_in(av) -> str:
    parts = []
    negate = False
    for op, value in av:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            parts.append(re.escape(chr(value)))
        elif op is sre.RANGE:
            parts.append(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
        elif op is sre.CATEGORY:
            parts.append(
                {
                    sre.CATEGORY_DIGIT: r"\d",
                    sre.CATEGORY_NOT_DIGIT: r"\D",
                    sre.CATEGORY_SPACE: r"\s",
                    sre.CATEGORY_NOT_SPACE: r"\S",
                    sre.CATEGORY_WORD: r"\w",
                    sre.CATEGORY_NOT_WORD: r"\W",
                }.get(value, r"\s\S")
            )
    return f"[{'^' if negate else ''}{''.join(parts)}]"


def _unbounded(op, av) -> bool:
    return op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[1] == _UNBOUNDED


def _has_unbounded(items) -> bool:
    for op, av in items:
        if _unbounded(op, av):
            return True
        for sub in _children(op, av):
            if _has_unbounded(sub):
                return True
    return False


def _children(op, av) -> list:
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return [av[2]]
    if op is sre.SUBPATTERN:
        return [av[-1]]
    if op is sre.BRANCH:
        return list(av[1])
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return [av[1]]
    return []


def _alternatives(items) -> list:
    """The branches of a repeated body (a group around one alternation)."""
    if len(items) == 1:
        op, av = items[0]
        if op is sre.SUBPATTERN:
            return _alternatives(av[-1])
        if op is sre.BRANCH:
            return list(av[1])
    return []


def _walk(items) -> str | None:
    previous = None
    for op, av in items:
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and (av[1] > 1):
            body = av[2]
            if _has_unbounded(body) and av[1] == _UNBOUNDED:
                return "a repeated group that contains an unbounded repeat"
            branches = _alternatives(body)
            if av[1] == _UNBOUNDED and len(branches) > 1:
                firsts = [_first_chars(b) for b in branches]
                for i, a in enumerate(firsts):
                    if any(a & b for b in firsts[i + 1 :]):
                        return "an unbounded repeat of alternatives that overlap"
            if _unbounded(op, av):
                if previous is not None and previous & _first_chars(body):
                    return "two unbounded repeats in a row that overlap"
                previous = _first_chars(body)
                found = _walk(body)
                if found:
                    return found
                continue
        elif op is not sre.AT:
            previous = None
        for sub in _children(op, av):
            found = _walk(sub)
            if found:
                return found
    return None


@cache
def backtracking_risk(pattern: str) -> str | None:
    """Why ``pattern`` can take exponential time on some text, or None when it cannot.

    Raises:
        re.error: when ``pattern`` is not a regular expression.
    """
    return _walk(sre.parse(pattern))


@cache
def compiled(pattern: str) -> re.Pattern:
    """A descriptor's pattern, with ``\\d`` and ``\\w`` meaning ASCII digits and letters only
    where the pattern uses ``\\d`` (a full-width or Arabic-Indic digit is not a digit of a
    code); Vietnamese letters still match literal classes such as ``[a-zà-ỹ]``."""
    return re.compile(pattern.replace(r"\d", "[0-9]"))
