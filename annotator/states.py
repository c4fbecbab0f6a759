"""UN member and observer states, their UN regional groups, and matching of state names.

The data ships in two CSV files under ``resources/``:

* ``states.csv`` -- one row per state (193 members + 2 observer states):
  ``iso3,iso2,name,official_name,regional_group,status``;
* ``state_aliases.csv`` -- other spellings met in UPR sources: ``alias,iso3``.

Every name is compared through :func:`normalise_name`, so an alias is only needed for a
spelling that differs in more than case, accents, punctuation, ``&``/``and`` or a leading
"the". :func:`match_state` never guesses: an unknown name gives ``None``.

Pure Python (no Qt, no database) so that scripts and importers can use it.
"""

from __future__ import annotations

import csv
import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from annotator.paths import resource_path

__all__ = [
    "REGIONAL_GROUPS",
    "StateInfo",
    "all_states",
    "by_iso3",
    "match_state",
    "normalise_name",
    "regional_group_from_uprinfo",
    "split_state_list",
]

REGIONAL_GROUPS: tuple[str, ...] = (
    "African",
    "Asia-Pacific",
    "Eastern European",
    "Latin American and Caribbean",
    "Western European and others",
)

STATUSES: tuple[str, ...] = ("member", "observer")

STATES_CSV = "states.csv"
ALIASES_CSV = "state_aliases.csv"

_STATE_COLUMNS = ("iso3", "iso2", "name", "official_name", "regional_group", "status")
_ALIAS_COLUMNS = ("alias", "iso3")
_CODE_RE = re.compile(r"[A-Z]{2,3}")

# UPR Info's regional group codes (columns To-Rgrp / From-Rgrp of its exports).
_UPRINFO_GROUPS: dict[str, str] = {
    "africa": "African",
    "asia": "Asia-Pacific",
    "eeg": "Eastern European",
    "grulac": "Latin American and Caribbean",
    "weog": "Western European and others",
}

_ISO3_RE = re.compile(r"[A-Z]{3}")
_ISO2_RE = re.compile(r"[A-Z]{2}")
_APOSTROPHES = str.maketrans("", "", "'’‘`´ʼ")
_NON_WORD_RE = re.compile(r"[\W_]+")
_LIST_SEPARATORS = ",;|"
# How many comma-separated pieces may be glued back into one name ("Korea, Republic of").
_MAX_PIECES_PER_NAME = 3


@dataclass(frozen=True)
class StateInfo:
    iso3: str
    iso2: str
    name: str
    official_name: str
    regional_group: str | None
    status: str  # "member" | "observer"


@dataclass(frozen=True)
class _Tables:
    states: tuple[StateInfo, ...]
    by_iso3: dict[str, StateInfo]
    index: dict[str, StateInfo]  # normalise_name(any known spelling) -> state
    codes: dict[str, StateInfo]  # ISO alpha-2 and alpha-3 codes, in capitals


def normalise_name(name: str) -> str:
    """The key under which state names are compared.

    Unescapes HTML entities (``&#40;`` -> ``(``), strips accents (Türkiye == Turkiye),
    casefolds, drops apostrophes (``Côte d’Ivoire`` == ``Cote d'Ivoire``), reads ``&`` as
    "and", turns all other punctuation into spaces, collapses whitespace and drops a
    leading "the".
    """
    text = html.unescape(name)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().translate(_APOSTROPHES).replace("&", " and ")
    text = " ".join(_NON_WORD_RE.sub(" ", text).split())
    if text.startswith("the "):
        text = text[4:]
    return text


def _error(path: Path, row: int, column: str, message: str) -> ValueError:
    return ValueError(f"{path}: row {row}, column '{column}': {message}")


def _read_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV as (row number in the file, header being row 1, values)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise _error(path, 1, columns[0], "the file is empty (a header row is expected)")
        header = [cell.strip() for cell in header]
        for column in columns:
            if column not in header:
                raise _error(path, 1, column, f"missing column; the header must be {columns}")
        rows: list[tuple[int, dict[str, str]]] = []
        for cells in reader:
            row = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                column = header[min(len(cells), len(header)) - 1]
                raise _error(
                    path, row, column, f"{len(cells)} fields where the header has {len(header)}"
                )
            rows.append(
                (row, {key: value.strip() for key, value in zip(header, cells, strict=True)})
            )
    return rows


def _register(
    index: dict[str, StateInfo],
    key_text: str,
    state: StateInfo,
    path: Path,
    row: int,
    column: str,
) -> None:
    key = normalise_name(key_text)
    if not key:
        raise _error(path, row, column, f"{key_text!r} has no letters or digits to match on")
    known = index.get(key)
    if known is not None and known.iso3 != state.iso3:
        raise _error(
            path,
            row,
            column,
            f"{key_text!r} (normalised {key!r}) already names {known.iso3} ({known.name}), "
            f"it cannot also name {state.iso3}",
        )
    index[key] = state


def _load(states_csv: Path, aliases_csv: Path) -> _Tables:
    """Read and validate both files; ValueError names the file, row and column at fault."""
    states: list[StateInfo] = []
    by_iso3: dict[str, StateInfo] = {}
    codes: dict[str, StateInfo] = {}
    index: dict[str, StateInfo] = {}
    iso2_seen: dict[str, str] = {}

    for row, values in _read_rows(states_csv, _STATE_COLUMNS):
        iso3, iso2 = values["iso3"], values["iso2"]
        if not _ISO3_RE.fullmatch(iso3):
            raise _error(states_csv, row, "iso3", f"{iso3!r} is not three capital letters")
        if iso3 in by_iso3:
            raise _error(states_csv, row, "iso3", f"duplicate code {iso3!r}")
        if not _ISO2_RE.fullmatch(iso2):
            raise _error(states_csv, row, "iso2", f"{iso2!r} is not two capital letters")
        if iso2 in iso2_seen:
            raise _error(
                states_csv, row, "iso2", f"duplicate code {iso2!r} (already {iso2_seen[iso2]})"
            )
        for column in ("name", "official_name"):
            if not values[column]:
                raise _error(states_csv, row, column, "empty")
        status = values["status"]
        if status not in STATUSES:
            raise _error(states_csv, row, "status", f"{status!r} is not one of {STATUSES}")
        group = values["regional_group"] or None
        if group is not None and group not in REGIONAL_GROUPS:
            raise _error(
                states_csv,
                row,
                "regional_group",
                f"unknown regional group {group!r}; expected one of {REGIONAL_GROUPS}",
            )
        if group is None and status == "member":
            raise _error(states_csv, row, "regional_group", f"member state {iso3} has no group")

        state = StateInfo(
            iso3=iso3,
            iso2=iso2,
            name=values["name"],
            official_name=values["official_name"],
            regional_group=group,
            status=status,
        )
        for column in ("name", "official_name"):
            _register(index, values[column], state, states_csv, row, column)
        codes[iso3] = codes[iso2] = state
        states.append(state)
        by_iso3[iso3] = state
        iso2_seen[iso2] = iso3

    for row, values in _read_rows(aliases_csv, _ALIAS_COLUMNS):
        alias, iso3 = values["alias"], values["iso3"]
        if not alias:
            raise _error(aliases_csv, row, "alias", "empty")
        known = by_iso3.get(iso3)
        if known is None:
            raise _error(aliases_csv, row, "iso3", f"{iso3!r} is not a code in {states_csv.name}")
        coded = codes.get(alias.strip())
        if coded is not None and coded.iso3 != known.iso3:
            raise _error(
                aliases_csv,
                row,
                "alias",
                f"{alias!r} is the ISO code of {coded.iso3} ({coded.name}), "
                f"it cannot also name {known.iso3}",
            )
        _register(index, alias, known, aliases_csv, row, "alias")

    return _Tables(states=tuple(states), by_iso3=by_iso3, index=index, codes=codes)


@cache
def _tables() -> _Tables:
    return _load(resource_path(STATES_CSV), resource_path(ALIASES_CSV))


def all_states() -> list[StateInfo]:
    """All 195 states (members, then observers) in the order of ``states.csv``."""
    return list(_tables().states)


def by_iso3(code: str) -> StateInfo:
    """The state with this ISO 3166-1 alpha-3 code (case-insensitive)."""
    try:
        return _tables().by_iso3[code.strip().upper()]
    except KeyError:
        raise KeyError(
            f"no UN member or observer state has the ISO alpha-3 code {code!r} "
            f"(see resources/{STATES_CSV})"
        ) from None


def match_state(name: str) -> StateInfo | None:
    """The state a name, official name, ISO code or known alias refers to; None if unknown.

    ISO codes count only when written in capitals ("GB", "DEU"): read case-blind, short
    words of running text would match them ("No" is Norway's code, "to" Tonga's).
    """
    stripped = name.strip()
    if _CODE_RE.fullmatch(stripped) and stripped in _tables().codes:
        return _tables().codes[stripped]
    key = normalise_name(name)
    if not key:
        return None
    found = _tables().index.get(key)
    if found is None and len(key) >= _MIN_COMPACT:
        # Text taken from a PDF may break a name inside a word ("Sierra Le one",
        # "Plurinational S tate of"); compared without spaces, it is still one name.
        found = _compact_index().get(key.replace(" ", ""))
    return found


# Shorter names compared without spaces could collide with ordinary words.
_MIN_COMPACT = 6


@cache
def _compact_index() -> dict[str, StateInfo]:
    compact: dict[str, StateInfo | None] = {}
    for key, state in _tables().index.items():
        squeezed = key.replace(" ", "")
        other = compact.get(squeezed)
        compact[squeezed] = state if other is None or other.iso3 == state.iso3 else None
    return {k: v for k, v in compact.items() if v is not None}


def regional_group_from_uprinfo(code: str) -> str | None:
    """UPR Info's group code (Africa, Asia, EEG, GRULAC, WEOG) as a UN regional group name.

    Anything else -- ``Observer``, ``(Unknown)``, blanks -- gives None. One of the five UN
    group names is returned as is.
    """
    text = html.unescape(code).strip()
    if text in REGIONAL_GROUPS:
        return text
    return _UPRINFO_GROUPS.get(text.casefold())


def _split_outside_brackets(text: str) -> list[str]:
    pieces: list[str] = []
    depth = 0
    start = 0
    for pos, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(depth - 1, 0)
        elif char in _LIST_SEPARATORS and depth == 0:
            pieces.append(text[start:pos])
            start = pos + 1
    pieces.append(text[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def split_state_list(text: str) -> list[str]:
    """Split a list of state names such as ``"Portugal, Slovakia"``.

    Separators are commas (also ``;`` and ``|``) outside brackets, so
    ``Venezuela (Bolivarian Republic of)`` stays whole. A name that itself holds a comma
    (``Korea, Republic of``) is kept whole when it is a known state: first the whole text,
    then, inside a list, the longest run of adjacent pieces that names a state.
    """
    text = html.unescape(text).strip()
    if not text:
        return []
    if match_state(text) is not None:
        return [text]
    pieces = _split_outside_brackets(text)
    names: list[str] = []
    i = 0
    while i < len(pieces):
        taken = 1
        for size in range(min(_MAX_PIECES_PER_NAME, len(pieces) - i), 1, -1):
            if match_state(", ".join(pieces[i : i + size])) is not None:
                taken = size
                break
        names.append(", ".join(pieces[i : i + taken]))
        i += taken
    return names
