"""Recommendation numbers as states and reports write them: "28.1, 28.3–28.7 and 28.9".

Numbers stay text: 28.10 and 28.1 are different recommendations. A recommendation
number is a paragraph number and a sub-number ("28.1", "150.12"); a range runs within
one paragraph ("28.3–28.7" is 28.3, 28.4, 28.5, 28.6, 28.7).

The list parser is strict on purpose: anything it does not understand (a stray word,
"28,2" typed for "28.2", a range across paragraphs) raises ValueError, so a typo in a
state's addendum is reported instead of silently dropping a recommendation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Paragraph and sub-number without leading zeros, at most 4 digits each: UPR reports
# have a few hundred paragraphs and at most a few hundred recommendations in one.
_NUMBER = re.compile(r"([1-9][0-9]{0,3})\.([1-9][0-9]{0,3})")
# A whole range is never longer than this (the longest real list is ~430 numbers);
# the cap keeps "1.1–1.9999" from making ten thousand records out of a typo.
MAX_RANGE = 1000

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)+)
  | (?P<bare>\d+)
  | (?P<sep>[,;&]|\band\b|\bas\ well\ as\b)
  # hyphen, en dash, em dash, Unicode hyphen, non-breaking hyphen, figure dash, minus
  | (?P<dash>[-–—‐‑‒−]|\bto\b|\bthrough\b|\bthru\b)
  | (?P<word>\b(?:paragraphs?|paras?|recommendations?|nos?|numbers?)\b\.?)
  | (?P<stop>\.)
    """,
    re.IGNORECASE | re.VERBOSE,
)


def parse_number(value: object) -> str | None:
    """One recommendation number from a cell ("28.1", " 28.1 ", "28.1." give "28.1").

    Only text is accepted. A float read from a spreadsheet is ambiguous (28.10 and 28.1
    are the same float), so it gives None and the caller reports the cell.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().removesuffix(".").strip()
    match = _NUMBER.fullmatch(text)
    return match.group(0) if match else None


def parse_number_list(text: str) -> list[str]:
    """All numbers a list names, ranges expanded, in the order written; duplicates kept.

    Understands commas, semicolons, "and", "&", plain spaces between numbers; ranges
    written with a hyphen, an en or em dash or "to" (spaces allowed around them); the
    words "paragraph(s)", "para(s).", "recommendation(s)", "no(s)." and a final full stop.
    Raises ValueError, naming the offending part, for anything else.
    """
    tokens = _tokenize(text)
    stripped = text.strip()
    numbers: list[str] = []
    i = 0
    while i < len(tokens):
        kind, value, start_at = tokens[i]
        if kind in ("sep", "word"):
            i += 1
            continue
        if kind == "dash":
            raise ValueError(f"'{value}' in '{_short(text)}' has no number before it")
        if kind == "bare":
            raise ValueError(
                f"'{value}' in '{_short(text)}' is not a recommendation number "
                "(a number has a paragraph and a sub-number, such as 28.1)"
            )
        start = _checked(value, text)
        if i + 1 < len(tokens) and tokens[i + 1][0] == "dash":
            if i + 2 >= len(tokens) or tokens[i + 2][0] not in ("number", "bare"):
                raise ValueError(f"the range starting at {start} in '{_short(text)}' has no end")
            end_kind, end_value, end_at = tokens[i + 2]
            range_text = stripped[start_at : end_at + len(end_value)]  # as written
            if end_kind == "bare":
                raise ValueError(
                    f"the range {range_text} must end with a full number "
                    f"(write {_abbreviated_end(value, end_value)})"
                )
            numbers.extend(_expand(start, _checked(end_value, text), range_text))
            i += 3
            continue
        numbers.append(start)
        i += 1
    return numbers


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, position in the stripped text) of each token but spaces and a stop."""
    if not isinstance(text, str):
        raise ValueError(f"a list of numbers must be text, not {type(text).__name__}")
    tokens: list[tuple[str, str, int]] = []
    stripped = text.strip()
    position = 0
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if match is None:
            bad = stripped[position:].split()[0] if stripped[position:].split() else ""
            raise ValueError(
                f"'{_short(text)}' is not a list of recommendation numbers: "
                f"'{_short(bad, 30)}' is not a number, a range or a separator"
            )
        kind = match.lastgroup or ""
        if kind == "stop" and stripped[match.end() :].strip():
            raise ValueError(
                f"'{_short(text)}' is not a list of recommendation numbers: "
                f"a full stop at position {position + 1} is out of place"
            )
        if kind not in ("space", "stop"):
            tokens.append((kind, match.group(0), position))
        position = match.end()
    return tokens


def _checked(value: str, text: str) -> str:
    # "28.1." can only come from the tokenizer as "28.1" followed by a stop; a value
    # such as "28.1.2" or "028.1" is refused here.
    number = parse_number(value)
    if number is None or number != value:
        raise ValueError(
            f"'{value}' in '{_short(text)}' is not a recommendation number "
            "(a number has a paragraph and a sub-number, such as 28.1)"
        )
    return number


def _expand(start: str, end: str, range_text: str) -> list[str]:
    start_parent, start_child = start.split(".")
    end_parent, end_child = end.split(".")
    if start_parent != end_parent:
        raise ValueError(
            f"the range {range_text} runs from paragraph {start_parent} into paragraph "
            f"{end_parent}; a range must stay within one paragraph (write the two parts "
            "separately)"
        )
    first, last = int(start_child), int(end_child)
    if last < first:
        raise ValueError(f"the range {range_text} runs backwards ({end} comes before {start})")
    if last - first >= MAX_RANGE:
        raise ValueError(
            f"the range {range_text} names {last - first + 1} recommendations; "
            f"more than {MAX_RANGE} in one range is surely a typo"
        )
    return [f"{start_parent}.{child}" for child in range(first, last + 1)]


def _abbreviated_end(start: str, end: str) -> str:
    parent = start.split(".")[0]
    return f"{start}–{parent}.{end}"


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def resolve_serial(number: str, known: Iterable[str]) -> str | None:
    """The full number a bare serial number stands for, among a review's ``known``.

    Some addenda number the report's recommendations 1, 2, 3 ... (Slovenia's of 2010
    and 2015: "The serial numbers of recommendations follow the list in paragraph 115"):
    "18" is 115.18 when all of the review's numbers are in one paragraph. None when the
    number is not bare, or the paragraph is not one.
    """
    if not number.isdigit():
        return None
    parents = {k.split(".", 1)[0] for k in known if "." in k}
    if len(parents) != 1:
        return None
    candidate = f"{parents.pop()}.{int(number)}"
    return candidate if candidate in set(known) else None
