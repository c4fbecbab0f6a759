"""Recommending states in the brackets that end a recommendation (annotator.importers.brackets)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.importers.brackets import (
    ends_with_states,
    missing_states_message,
    recommending_groups,
    recommending_states,
    split_recommending_states,
    trailing_group,
    unrecognised_clause_ends,
)
from annotator.states import all_states, match_state, split_state_list

DATA = Path(__file__).parent / "data"


def names(text: str) -> list[str]:
    return split_recommending_states(text)[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ratify the Convention (France);", ["France"]),
        ("Ratify the Convention (France).", ["France"]),
        ("  Ratify the Convention (France)  ", ["France"]),
        ("Ratify the Convention (France) ;", ["France"]),
        (
            "Abolish the death penalty (Costa Rica) (El Salvador) (Iceland);",
            ["Costa Rica", "El Salvador", "Iceland"],
        ),
        (  # found by hypothesis: a flat name, then a state whose official name ends alike
            "Ratify OPCAT (Iran) (Islamic Republic of) (Afghanistan);",
            ["Iran (Islamic Republic of)", "Afghanistan"],
        ),
        ("Ratify the Optional Protocol (Portugal, Slovakia);", ["Portugal", "Slovakia"]),
        (
            "Ratify the Optional Protocol (Spain, Tunisia, Portugal);",
            ["Spain", "Tunisia", "Portugal"],
        ),
        (
            "Continue working towards ratification of the ICCPR (New Zealand); Accelerate the "
            "ratification of the ICCPR (Uruguay) (Mali);",
            ["New Zealand", "Uruguay", "Mali"],
        ),
        (
            "Adopt a code of conduct (Venezuela (Bolivarian Republic of));",
            ["Venezuela (Bolivarian Republic of)"],
        ),
        ("Combat violence (Iran (Islamic Republic of));", ["Iran (Islamic Republic of)"]),
        (
            "Protect rights (Bolivia (Plurinational State of));",
            ["Bolivia (Plurinational State of)"],
        ),
        (
            "Act on climate (Micronesia (Federated States of));",
            ["Micronesia (Federated States of)"],
        ),
        ("Ratify it (Netherlands (Kingdom of the));", ["Netherlands (Kingdom of the)"]),
        # The flat spelling of a bracketed name: two groups that together name one state.
        ("Combat violence (Iran) (Islamic Republic of);", ["Iran (Islamic Republic of)"]),
        (
            "Do it (France) (Netherlands) (Kingdom of the);",
            ["France", "Netherlands (Kingdom of the)"],
        ),
        # A bracketed name inside a comma list (Slovenia 2014, 115.8), missing space and all.
        (
            "Ratify ICRMW (Senegal, Sierra Leone, Venezuela (Bolivarian Republic of),Peru, "
            "Uruguay);",
            ["Senegal", "Sierra Leone", "Venezuela (Bolivarian Republic of)", "Peru", "Uruguay"],
        ),
        # Non-state brackets: inside the text, and just before the states.
        ("Ratify the Covenant (ICCPR) as soon as possible (Chile);", ["Chile"]),
        (
            "Ratify the Forced Labour Convention, 1930 (No. 29) (United Kingdom of Great Britain "
            "and Northern Ireland);",
            ["United Kingdom of Great Britain and Northern Ireland"],
        ),
        ("Implement the plan (2015-2030) (Kyrgyzstan);", ["Kyrgyzstan"]),
        (
            "Accede to the Paris Principles (the Paris Principles) (Niger); Consider it (Chad);",
            ["Niger", "Chad"],
        ),
        ("Ratify CEDAW (CEDAW);", []),
        ("Ratify ICRMW (ICRMW) (Iran (Islamic Republic of));", ["Iran (Islamic Republic of)"]),
        # States in brackets that do not end a clause are part of the sentence.
        ("Cooperate with the Commission (France) in all areas (Spain);", ["Spain"]),
        # A bare ISO code is an abbreviation, not a state; a known alias is a state.
        ("Apply the standard (IT);", []),
        ("Apply the standard (NO);", []),
        ("Apply the standard (UK);", ["UK"]),
        # Each state once, in order of first appearance (also across spellings).
        ("Do A (France); Do B (Chile) (France);", ["France", "Chile"]),
        ("Do A (Iran (Islamic Republic of)); Do B (Iran);", ["Iran (Islamic Republic of)"]),
        # A group with a known state keeps its unknown pieces, for the caller to report.
        ("Do A (France, Narnia);", ["France", "Narnia"]),
        ("No brackets at all;", []),
        ("", []),
        ("Unclosed bracket (France;", []),
        ("Unclosed (bracket earlier; Do B (France);", ["France"]),
        ("Stray ) bracket (France);", ["France"]),
    ],
)
def test_examples(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_text_is_kept_verbatim() -> None:
    text = "  Ratify the Convention (ICCPR) (France) (Mali);\n"
    returned, found = split_recommending_states(text)
    assert returned == "Ratify the Convention (ICCPR) (France) (Mali);"
    assert found == ["France", "Mali"]


def test_groups_keep_comma_lists_and_clauses() -> None:
    text = "Do A (Portugal, Slovakia); Do B (Uruguay) (Mali);"
    assert recommending_groups(text) == ["Portugal, Slovakia", "Uruguay", "Mali"]


def test_trailing_group_and_messages() -> None:
    assert trailing_group("Abolish it (Narnia);") == "Narnia"
    assert trailing_group("Abolish it (Narnia) now;") is None
    assert "'(Narnia)'" in missing_states_message("Abolish it (Narnia);")
    assert "no recommending state" in missing_states_message("Abolish it;")
    assert ends_with_states("Abolish it (France);")
    assert not ends_with_states("Abolish it (France); and also")
    assert not ends_with_states("Ratify it (ICCPR);")


def test_unrecognised_clause_ends() -> None:
    # A misspelt state at a clause end is not a state, but it is worth a warning ...
    assert unrecognised_clause_ends("Do A (France); Do B (Phillipines);") == ["Phillipines"]
    # ... while abbreviations, numbers and lower-case asides are not.
    for text in ("Ratify (ICCPR);", "Ratify (No. 29);", "Plan (2015-2030).", "X (see annex);"):
        assert unrecognised_clause_ends(text) == [], text
    assert unrecognised_clause_ends("Ratify (France) (ICCPR) now;") == []


def test_recommending_states_for_readers() -> None:
    found = recommending_states("Do A (Portugal, Narnia); Do B (Iran (Islamic Republic of));")
    assert found.text == "Portugal, Narnia | Iran (Islamic Republic of)"
    assert found.names == ["Portugal", "Narnia", "Iran (Islamic Republic of)"]
    assert found.iso3 == ["PRT", "IRN"]
    assert found.warnings == ["'Narnia' is not a known state; it was kept as written"]
    odd = recommending_states("Do A (Phillipines);")
    assert odd.names == [] and odd.iso3 == []
    assert odd.warnings == [
        "'(Phillipines)' ends a clause but is not a known state; it was not taken as a "
        "recommending state"
    ]
    assert recommending_states("Do A;").warnings == [
        "no recommending state in brackets at the end of its text"
    ]
    # Messages quote at most 80 characters of a hostile bracket.
    [long] = recommending_states("Do A (" + "Aa" * 100_000 + "1);").warnings
    assert len(long) < 200


def test_every_real_matrix_row() -> None:
    """Every recommendation of the three real matrices gives only known states, at least one.

    Where our CSV parse (recommending_states) disagrees, the CSV is wrong: it took
    "(No. 29)" and "(No. 189)" (ILO convention numbers) for states, and it found no state
    in "(the former Yugoslav Republic of Macedonia)" nor in "(Senegal, Sierra Leone,
    Venezuela (Bolivarian Republic of),Peru, Uruguay)".
    """
    corrected = {
        "115.72": "the former Yugoslav Republic of Macedonia",
        "115.8": "Senegal, Sierra Leone, Venezuela (Bolivarian Republic of),Peru, Uruguay",
        "121.3": "United Kingdom of Great Britain and Northern Ireland",
        "122.10": "Philippines",
    }
    rows = 0
    for path in sorted(DATA.glob("*_matrix.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                rows += 1
                text = row["recommendation"]
                found = names(text)
                assert found, (path.name, row["number"])
                assert all(match_state(name) for name in found), (row["number"], found)
                expected = row["recommending_states"]
                if row["number"] in corrected and row["state_under_review"] == "Slovenia":
                    assert expected != corrected[row["number"]]  # the CSV's mistake is real
                    expected = corrected[row["number"]]
                assert " | ".join(recommending_groups(text)) == expected, row["number"]
    assert rows == 346 + 163 + 215


# --- properties ---------------------------------------------------------------------

STATE_NAMES = [state.name for state in all_states()]
BRACKETED = [name for name in STATE_NAMES if "(" in name]
NON_STATE_BRACKETS = [
    "ICCPR",
    "No. 29",
    "2015-2030",
    "CEDAW",
    "the Paris Principles",
    "ILO",
    "IT",
    "Islamic Republic of",
    "Kingdom of the",
    "see annex",
    "",
]

REAL_SENTENCES = [
    "Ratify the Optional Protocol to the Convention against Torture",
    "Continue its efforts to combat trafficking in persons, in particular women and children",
    "Adopt a national action plan on business and human rights. Ensure its implementation",
    "Take further steps; include civil society",
    "",
]
sentences = st.one_of(
    st.sampled_from(REAL_SENTENCES),
    st.text(
        alphabet=st.characters(blacklist_characters="()", blacklist_categories=("Cs",)),
        max_size=60,
    ),
)
state_names = st.one_of(st.sampled_from(STATE_NAMES), st.sampled_from(BRACKETED))


def _is_non_state(text: str) -> bool:
    return all(match_state(piece) is None for piece in split_state_list(text))


non_state = st.one_of(
    st.sampled_from(NON_STATE_BRACKETS),
    st.text(
        alphabet=st.characters(blacklist_characters="()", blacklist_categories=("Cs",)),
        max_size=20,
    ).filter(_is_non_state),
)


@st.composite
def clause(draw: st.DrawFn, used: set[str]) -> tuple[str, list[str]]:
    """One clause: sentence text, then its states as separate groups or one comma list."""
    picked = draw(
        st.lists(state_names.filter(lambda n: n not in used), min_size=1, max_size=4, unique=True)
    )
    used.update(picked)
    style = draw(st.sampled_from(["groups", "commas", "flat"]))
    if style == "commas":
        groups = f"({', '.join(picked)})"
    elif style == "flat":
        # "(Iran) (Islamic Republic of)": the bracket of a name as a group of its own.
        groups = " ".join(f"({n.replace(' (', ') (')}" if "(" in n else f"({n})" for n in picked)
    else:
        groups = " ".join(f"({n})" for n in picked)
    end = draw(st.sampled_from([";", ".", "", " ;"]))
    return f"{draw(sentences)} {groups}{end}", picked


@st.composite
def recommendation(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Clause texts (sentences and their states) and the names expected in order."""
    used: set[str] = set()
    parts: list[str] = []
    expected: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        text, picked = draw(clause(used))
        parts.append(text)
        expected.extend(picked)
    return parts, expected


def _join(parts: list[str]) -> str:
    # A clause without its own ";" or "." ends at the end of the text only; give the
    # others one, as the UN does.
    ended = [p if p.rstrip().endswith((";", ".")) else p + ";" for p in parts[:-1]]
    return " ".join([*ended, parts[-1]])


def _iso3(found: list[str]) -> list[str]:
    return [state.iso3 for name in found if (state := match_state(name)) is not None]


@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
@given(recommendation())
def test_recovers_generated_names(generated: tuple[list[str], list[str]]) -> None:
    parts, expected = generated
    assert names(_join(parts)) == expected


@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
@given(recommendation(), st.data())
def test_non_state_brackets_add_no_names(
    generated: tuple[list[str], list[str]], data: st.DataObject
) -> None:
    parts, expected = generated
    changed = []
    for part in parts:
        # Insert a non-state group somewhere in the sentence, before the state groups.
        sentence_end = part.index(" (")
        at = data.draw(st.integers(0, sentence_end))
        inserted = data.draw(non_state)
        changed.append(f"{part[:at]} ({inserted}) {part[at:]}")
    found = names(_join(changed))
    # Compared as states: "(Kingdom of the) (Netherlands)" may come out as one spelling
    # of the Netherlands, which is still no new state.
    assert set(_iso3(found)) <= set(_iso3(expected))
    assert _iso3(found) == _iso3(expected)


@given(st.text())
def test_never_raises(text: str) -> None:
    returned, found = split_recommending_states(text)
    assert returned == text.strip()
    assert all(isinstance(name, str) and name for name in found)
    ends_with_states(text)
    missing_states_message(text)


@given(st.text(alphabet="()[];., aFrnce\n", max_size=40))
def test_never_raises_on_bracket_soup(text: str) -> None:
    split_recommending_states(text)
    split_recommending_states(text + " (France);")
