"""Recommending states in the brackets that end a UN recommendation.

The UN writes a recommendation with its state(s) in brackets at the end of each clause:

* ``Ratify the Convention (France);``
* several groups: ``... (Costa Rica) (El Salvador) (Iceland);``
* a comma list in one group: ``... (Portugal, Slovakia);``
* several clauses under one number: ``... (New Zealand); Accelerate ... (Uruguay) (Mali);``
* brackets inside a name, nested: ``... (Venezuela (Bolivarian Republic of));`` or, in
  some copies, flat: ``... (Iran) (Islamic Republic of);``

and brackets that are not states anywhere: ``(ICCPR)``, ``(No. 29)``, ``(2015-2030)``.

A group counts as states only where it is one of the groups that end a clause (followed
by ``;``, ``.`` or the end of the text), and only when a piece of it is a known state
(:func:`annotator.states.match_state`). Reading backwards from a clause end, the first
group that names no state stops the run: ``... 1930 (No. 29) (United Kingdom);`` gives
only the United Kingdom. Pure functions; nothing here raises on any text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from annotator.states import match_state, normalise_name, split_state_list

__all__ = [
    "BracketGroup",
    "RecommendingStates",
    "ends_with_states",
    "missing_states_message",
    "recommending_groups",
    "recommending_states",
    "split_recommending_states",
    "trailing_group",
    "unrecognised_clause_ends",
]

# What may follow the last bracket group of a clause: whitespace and ; or . (or nothing).
_CLAUSE_END = re.compile(r"\s*[;.]|\s*$")
_CODE = re.compile(r"[A-Z]{2,3}")
# Bracket text that reads like a name: a capital, no digits (and some small letters).
_NAME_LIKE = re.compile(r"[A-Z][^\d()]*")
_SMALL_LETTER = re.compile(r"[a-z]")


@dataclass(frozen=True)
class BracketGroup:
    """One top-level pair of brackets: its content and where it stands in the text."""

    start: int  # index of "("
    end: int  # index just after ")"
    content: str  # what is inside, stripped


def _top_level_groups(text: str) -> list[BracketGroup]:
    """Matched top-level bracket pairs; unmatched brackets are plain text."""
    pairs: list[tuple[int, int]] = []
    stack: list[int] = []
    for pos, char in enumerate(text):
        if char == "(":
            stack.append(pos)
        elif char == ")" and stack:
            pairs.append((stack.pop(), pos + 1))
    pairs.sort()
    groups: list[BracketGroup] = []
    for start, end in pairs:
        if groups and start < groups[-1].end:
            continue  # nested inside the previous top-level group
        groups.append(BracketGroup(start, end, text[start + 1 : end - 1].strip()))
    return groups


def _runs_at_clause_ends(text: str, groups: list[BracketGroup]) -> list[list[BracketGroup]]:
    """Runs of groups separated only by whitespace that end a clause, in text order."""
    runs: list[list[BracketGroup]] = []
    run: list[BracketGroup] = []
    for group in groups:
        if run and text[run[-1].end : group.start].strip():
            run = []
        run.append(group)
        if _CLAUSE_END.match(text, group.end):
            runs.append(run)
            run = []
    return runs


def _is_state(piece: str) -> bool:
    """Whether a piece names a state; a bare ISO code does not (``(IT)``, ``(NO)``).

    UN texts never write a recommending state as its ISO code, while capitalised
    abbreviations in brackets are common; known abbreviations such as ``UK`` or ``DRC``
    are aliases and still count.
    """
    stripped = piece.strip()
    if _CODE.fullmatch(stripped):
        return match_state(stripped.lower()) is not None
    return match_state(stripped) is not None


def _state_pieces(content: str) -> list[str] | None:
    """The names in one group if any of them is a state, else None (a non-state group)."""
    pieces = split_state_list(content)
    if any(_is_state(piece) for piece in pieces):
        return pieces
    return None


def _states_of_run(run: list[BracketGroup]) -> list[str]:
    """Group contents naming states, reading back from the clause end until a non-state."""
    found: list[str] = []
    i = len(run) - 1
    while i >= 0:
        # A flat "(Iran) (Islamic Republic of)": the two groups together make one name,
        # but only when the later group is no state of its own: "(Islamic Republic of)
        # (Afghanistan)" would otherwise read as Afghanistan's official name.
        if i > 0 and _state_pieces(run[i].content) is None:
            joined = f"{run[i - 1].content} ({run[i].content})"
            if _is_state(joined):
                found.append(joined)
                i -= 2
                continue
        if _state_pieces(run[i].content) is None:
            break
        found.append(run[i].content)
        i -= 1
    found.reverse()
    return found


def recommending_groups(text: str) -> list[str]:
    """The bracket contents that name recommending states, as written, in text order.

    ``"... (New Zealand); ... (Uruguay) (Mali);"`` gives
    ``["New Zealand", "Uruguay", "Mali"]``; ``"(Portugal, Slovakia)"`` gives
    ``["Portugal, Slovakia"]`` (one group, not yet split).
    """
    groups = _top_level_groups(text)
    contents: list[str] = []
    for run in _runs_at_clause_ends(text, groups):
        contents.extend(_states_of_run(run))
    return contents


def trailing_group(text: str) -> str | None:
    """The content of the bracket group that ends the text (bar ``;`` ``.``), if any.

    For messages: "the brackets at its end ('Narnia') name no known state".
    """
    groups = _top_level_groups(text)
    if not groups or text[groups[-1].end :].strip(" \t\n\r;."):
        return None
    return groups[-1].content


def _shown(text: str, limit: int = 80) -> str:
    """Text for a message: one line, at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def missing_states_message(text: str) -> str:
    """What to tell the user about a recommendation in which no state was found."""
    last = trailing_group(text)
    if last is None:
        return "no recommending state in brackets at the end of its text"
    return f"the brackets at the end of its text, '({_shown(last)})', name no known state"


def ends_with_states(text: str) -> bool:
    """Whether the text ends (bar ``;`` ``.`` and whitespace) with recommending states."""
    groups = _top_level_groups(text)
    if not groups or text[groups[-1].end :].strip(" \t\n\r;."):
        return False
    runs = _runs_at_clause_ends(text, groups)
    return bool(runs) and runs[-1][-1] is groups[-1] and bool(_states_of_run(runs[-1]))


def unrecognised_clause_ends(text: str) -> list[str]:
    """Groups that end a clause, read like a name, yet name no known state.

    ``"Ratify it (Phillipines);"`` gives ``["Phillipines"]``: such a group is not taken as
    a recommending state (it may be ``(Convention against Torture)``), but the reader
    reports it, since a misspelt state would otherwise vanish without a word.
    """
    found: list[str] = []
    for run in _runs_at_clause_ends(text, _top_level_groups(text)):
        last = run[-1].content
        name_like = _NAME_LIKE.fullmatch(last) and _SMALL_LETTER.search(last)
        if name_like and not _states_of_run(run):
            found.append(last)
    return found


def _identity(name: str) -> str:
    state = match_state(name) if _is_state(name) else None
    return state.iso3 if state is not None else normalise_name(name) or name


def split_recommending_states(text: str) -> tuple[str, list[str]]:
    """The recommendation text (kept verbatim, only stripped) and its recommending states.

    Names come as the text writes them, in order, each state once (two spellings of one
    state count once); the caller matches them with :func:`annotator.states.match_state`.
    A piece of a state group that is not a known state (a misspelling) is still returned,
    so that the caller can report it.
    """
    names: list[str] = []
    seen: set[str] = set()
    for content in recommending_groups(text):
        pieces = [content] if _is_state(content) else split_state_list(content)
        for piece in pieces:
            key = _identity(piece)
            if key and key not in seen:
                seen.add(key)
                names.append(piece)
    return text.strip(), names


@dataclass(frozen=True)
class RecommendingStates:
    """What a reader needs from one recommendation's brackets."""

    text: str  # the bracket contents naming states, " | " between groups, as written
    names: list[str]  # each state once, as written
    iso3: list[str]  # the names that match a known state
    warnings: list[str]  # plain sentences, for the reader to place (file, row, column)


def recommending_states(text: str) -> RecommendingStates:
    """Names, their ISO codes and what is worth a warning, for one recommendation."""
    _, names = split_recommending_states(text)
    iso3: list[str] = []
    warnings: list[str] = []
    for name in names:
        state = match_state(name)
        if state is None:
            warnings.append(f"'{_shown(name)}' is not a known state; it was kept as written")
        elif state.iso3 not in iso3:
            iso3.append(state.iso3)
    odd = unrecognised_clause_ends(text)
    warnings.extend(
        f"'({_shown(content)})' ends a clause but is not a known state; it was not taken as a "
        "recommending state"
        for content in odd
    )
    if not names and not odd:
        warnings.append(missing_states_message(text))
    return RecommendingStates(" | ".join(recommending_groups(text)), names, iso3, warnings)
