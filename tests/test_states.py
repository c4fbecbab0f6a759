"""The state list (resources/states.csv), its aliases and name matching (annotator.states)."""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from annotator import states
from annotator.paths import resource_path
from annotator.states import (
    REGIONAL_GROUPS,
    StateInfo,
    all_states,
    by_iso3,
    match_state,
    normalise_name,
    regional_group_from_uprinfo,
    split_state_list,
)

DATA_DIR = Path(__file__).parent / "data"

# Every distinct name in the UPR Info export (sessions 1-20, columns To and From) and in
# the recommending_states of the OHCHR matrices (split on " | " and commas). Frozen here
# so that the tests do not depend on the shared data folder.
UPR_NAMES_FILE = DATA_DIR / "upr_state_names.txt"

# Values in those columns that are not states: UPR Info's placeholder for recommendations
# with no known author, and ILO convention numbers ("(No. 29)") that the matrix extraction
# took for a recommending state.
KNOWN_NON_STATES = {"&#40;Unknown&#41;", "No. 29", "No. 189"}


def _states_csv() -> Path:
    return resource_path(states.STATES_CSV)


def _aliases_csv() -> Path:
    return resource_path(states.ALIASES_CSV)


# --- the list itself ---------------------------------------------------------------------


def test_195_states_193_members_2_observers() -> None:
    everything = all_states()
    assert len(everything) == 195
    assert Counter(s.status for s in everything) == {"member": 193, "observer": 2}
    observers = {s.iso3 for s in everything if s.status == "observer"}
    assert observers == {"VAT", "PSE"}


def test_all_states_is_in_csv_order_and_a_copy() -> None:
    with _states_csv().open(encoding="utf-8", newline="") as handle:
        codes = [row["iso3"] for row in csv.DictReader(handle)]
    assert [s.iso3 for s in all_states()] == codes
    first = all_states()
    first.clear()
    assert len(all_states()) == 195


def test_regional_groups_are_the_five_un_groups_in_order() -> None:
    assert REGIONAL_GROUPS == (
        "African",
        "Asia-Pacific",
        "Eastern European",
        "Latin American and Caribbean",
        "Western European and others",
    )


def test_every_member_has_a_group() -> None:
    for state in all_states():
        if state.status == "member":
            assert state.regional_group in REGIONAL_GROUPS, state


def test_group_sizes() -> None:
    members = Counter(s.regional_group for s in all_states() if s.status == "member")
    # These add up to 193 and are exactly the groups UPR Info gives the members.
    # - Asia-Pacific 54: the often quoted 53 leaves out Kiribati, which long belonged to no
    #   group and is now counted in Asia-Pacific (as UPR Info does). Cyprus is Asia-Pacific.
    # - Western European and others 29: the 28 full members plus the United States, which
    #   is formally an observer of WEOG but is counted in it for elections. Israel and
    #   Türkiye (WEOG for electoral purposes, although Türkiye also caucuses with
    #   Asia-Pacific) are among the 28.
    # - The State of Palestine (observer) is counted in Asia-Pacific below, not here.
    assert members == {
        "African": 54,
        "Asia-Pacific": 54,
        "Eastern European": 23,
        "Latin American and Caribbean": 33,
        "Western European and others": 29,
    }
    assert sum(members.values()) == 193
    # The State of Palestine is a full member of the Asia-Pacific Group; the Holy See
    # belongs to no regional group.
    assert by_iso3("PSE").regional_group == "Asia-Pacific"
    assert by_iso3("VAT").regional_group is None


@pytest.mark.parametrize(
    ("iso3", "group"),
    [
        ("TUR", "Western European and others"),
        ("ISR", "Western European and others"),
        ("USA", "Western European and others"),
        ("KIR", "Asia-Pacific"),
        ("CYP", "Asia-Pacific"),
        ("KAZ", "Asia-Pacific"),
        ("RUS", "Eastern European"),
        ("GEO", "Eastern European"),
        ("AUS", "Western European and others"),
        ("NZL", "Western European and others"),
        ("MAR", "African"),
        ("EGY", "African"),
        ("CUB", "Latin American and Caribbean"),
    ],
)
def test_known_group_memberships(iso3: str, group: str) -> None:
    assert by_iso3(iso3).regional_group == group


def test_iso_codes_unique_and_well_formed() -> None:
    everything = all_states()
    iso3 = [s.iso3 for s in everything]
    iso2 = [s.iso2 for s in everything]
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in iso3)
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in iso2)
    assert len(set(iso3)) == len(iso3)
    assert len(set(iso2)) == len(iso2)
    # Spot checks where the codes do not follow the English name.
    assert by_iso3("DEU").iso2 == "DE"
    assert by_iso3("CHE").iso2 == "CH"
    assert by_iso3("KOR").name == "Republic of Korea"
    assert by_iso3("PRK").name == "Democratic People's Republic of Korea"
    assert by_iso3("NAM").iso2 == "NA"  # not read as a missing value


def test_names_unique_and_stripped() -> None:
    for attribute in ("name", "official_name"):
        values = [getattr(s, attribute) for s in all_states()]
        assert all(v == v.strip() and v for v in values)
        assert len({normalise_name(v) for v in values}) == len(values)


@pytest.mark.parametrize(
    "name",
    [
        "China",
        "Russian Federation",
        "Iran (Islamic Republic of)",
        "Venezuela (Bolivarian Republic of)",
        "United Kingdom of Great Britain and Northern Ireland",
        "Türkiye",
        "Côte d'Ivoire",
        "Democratic People's Republic of Korea",
        "Republic of Korea",
        "Bolivia (Plurinational State of)",
        "Micronesia (Federated States of)",
        "Republic of Moldova",
        "United Republic of Tanzania",
        "Lao People's Democratic Republic",
        "Syrian Arab Republic",
        "Viet Nam",
        "Czechia",
        "North Macedonia",
        "Eswatini",
        "Cabo Verde",
        "Netherlands (Kingdom of the)",
        "United States of America",
        "Holy See",
        "State of Palestine",
    ],
)
def test_un_short_names_are_used(name: str) -> None:
    assert name in {s.name for s in all_states()}


def test_by_iso3() -> None:
    china = by_iso3("CHN")
    assert china == StateInfo(
        iso3="CHN",
        iso2="CN",
        name="China",
        official_name="People's Republic of China",
        regional_group="Asia-Pacific",
        status="member",
    )
    assert by_iso3("chn") is china
    with pytest.raises(KeyError, match="XXX"):
        by_iso3("XXX")


# --- normalisation and matching ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Türkiye", "turkiye"),
        ("  Viet   Nam ", "viet nam"),
        ("Côte d’Ivoire", "cote divoire"),
        ("Cote d'Ivoire", "cote divoire"),
        ("Iran (Islamic Republic of)", "iran islamic republic of"),
        ("Venezuela, Bolivarian Republic of", "venezuela bolivarian republic of"),
        ("&#40;Unknown&#41;", "unknown"),
        ("Antigua &amp; Barbuda", "antigua and barbuda"),
        ("Bosnia & Herzegovina", "bosnia and herzegovina"),
        ("The Gambia", "gambia"),
        ("the former Yugoslav Republic of Macedonia", "former yugoslav republic of macedonia"),
        ("Guinea-Bissau", "guinea bissau"),
        ("São Tomé and Príncipe", "sao tome and principe"),
        ("Theland", "theland"),  # only a whole leading word "the" goes
        ("", ""),
        (" .,; ", ""),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_normalise_name_equates_spellings() -> None:
    assert normalise_name("Türkiye") == normalise_name("Turkiye") == normalise_name("TÜRKIYE")
    assert normalise_name("Côte d’Ivoire") == normalise_name("COTE D'IVOIRE")
    assert normalise_name("Guinea Bissau") == normalise_name("Guinea-Bissau")


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        # UPR Info spellings
        ("Russia", "RUS"),
        ("Turkey", "TUR"),
        ("Iran", "IRN"),
        ("Venezuela", "VEN"),
        ("UK", "GBR"),
        ("United Kingdom", "GBR"),
        ("USA", "USA"),
        ("United States", "USA"),
        ("Viet Nam", "VNM"),
        ("Moldova", "MDA"),
        ("Palestine", "PSE"),
        ("DPR Korea", "PRK"),
        ("Macedonia FYR", "MKD"),
        ("Antigua & Barbuda", "ATG"),
        ("St Kitts & Nevis", "KNA"),
        ("St Lucia", "LCA"),
        ("St Vincent & the Grenadines", "VCT"),
        ("Sao Tome & Principe", "STP"),
        ("Democratic Republic of Congo", "COD"),
        ("Republic of Congo", "COG"),
        ("Guinea Bissau", "GNB"),
        ("&#40;Unknown&#41;", None),
        # OHCHR matrix spellings
        ("Côte d’Ivoire", "CIV"),
        ("Democratic People’s Republic of Korea", "PRK"),
        ("Lao People’s Democratic Republic", "LAO"),
        ("Plurinational State of Bolivia", "BOL"),
        ("Islamic Republic of Iran", "IRN"),
        # other common forms
        ("Bolivarian Republic of Venezuela", "VEN"),
        ("Venezuela (Bolivarian Republic of)", "VEN"),
        ("Türkiye", "TUR"),
        ("Turkiye", "TUR"),
        ("Czech Republic", "CZE"),
        ("Czechia", "CZE"),
        ("Swaziland", "SWZ"),
        ("Eswatini", "SWZ"),
        ("Cape Verde", "CPV"),
        ("Ivory Coast", "CIV"),
        ("Macedonia", "MKD"),
        ("The former Yugoslav Republic of Macedonia", "MKD"),
        ("North Macedonia", "MKD"),
        ("Burma", "MMR"),
        ("Holy See", "VAT"),
        ("Vatican", "VAT"),
        ("State of Palestine", "PSE"),
        ("Netherlands", "NLD"),
        ("The Netherlands", "NLD"),
        ("Democratic Republic of the Congo", "COD"),
        ("DR Congo", "COD"),
        ("Congo", "COG"),
        ("Republic of the Congo", "COG"),
        ("South Korea", "KOR"),
        ("Korea, Republic of", "KOR"),
        ("North Korea", "PRK"),
        ("Laos", "LAO"),
        ("Syria", "SYR"),
        ("Tanzania", "TZA"),
        ("Micronesia", "FSM"),
        ("Bolivia", "BOL"),
        ("Gambia", "GMB"),
        ("The Gambia", "GMB"),
        ("Bahamas", "BHS"),
        ("The Bahamas", "BHS"),
        ("Libyan Arab Jamahiriya", "LBY"),
        # codes
        ("GBR", "GBR"),
        ("GB", "GBR"),
        (" DEU ", "DEU"),
        # codes only in capitals: short words are not codes
        ("deu", None),
        ("No", None),
        ("to", None),
    ],
)
def test_match_state(name: str, iso3: str | None) -> None:
    state = match_state(name)
    assert (state.iso3 if state else None) == iso3


@pytest.mark.parametrize(
    "name",
    ["Atlantis", "", "   ", "Korea", "Kosovo", "Taiwan", "Europe", "European Union", "Guinea X"],
)
def test_match_state_never_guesses(name: str) -> None:
    assert match_state(name) is None


def test_every_upr_spelling_matches_a_state() -> None:
    names = UPR_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    assert len(names) > 200
    assert set(names) >= KNOWN_NON_STATES
    unresolved = [n for n in names if n not in KNOWN_NON_STATES and match_state(n) is None]
    assert unresolved == []
    for non_state in KNOWN_NON_STATES:
        assert match_state(non_state) is None, non_state
    # The spellings cover every one of the 195 states (UPR Info lists them all).
    covered = {match_state(n).iso3 for n in names if n not in KNOWN_NON_STATES}
    assert covered == {s.iso3 for s in all_states()}


def test_aliases_add_something() -> None:
    """An alias that normalises like a name, official name, code or another alias of the same
    state is dead weight; spellings that only differ in case, accents, punctuation or "&"
    need no alias."""
    seen: dict[str, str] = {}
    for state in all_states():
        for text in (state.name, state.official_name):
            seen.setdefault(normalise_name(text), state.iso3)
    with _aliases_csv().open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = normalise_name(row["alias"])
            assert key not in seen, f"alias {row['alias']!r} is redundant"
            seen[key] = row["iso3"]


# --- regional group codes and lists of states --------------------------------------------


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("Africa", "African"),
        ("Asia", "Asia-Pacific"),
        ("EEG", "Eastern European"),
        ("GRULAC", "Latin American and Caribbean"),
        ("WEOG", "Western European and others"),
        (" weog ", "Western European and others"),
        ("Eastern European", "Eastern European"),
        ("Observer", None),
        ("(Unknown)", None),
        ("&#40;Unknown&#41;", None),
        ("", None),
        ("EU", None),
    ],
)
def test_regional_group_from_uprinfo(code: str, group: str | None) -> None:
    assert regional_group_from_uprinfo(code) == group


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Portugal, Slovakia", ["Portugal", "Slovakia"]),
        ("Spain, Tunisia, Portugal", ["Spain", "Tunisia", "Portugal"]),
        ("Venezuela (Bolivarian Republic of)", ["Venezuela (Bolivarian Republic of)"]),
        ("Korea, Republic of", ["Korea, Republic of"]),
        ("Iran, Islamic Republic of", ["Iran, Islamic Republic of"]),
        (
            "Senegal, Sierra Leone, Venezuela (Bolivarian Republic of),Peru, Uruguay",
            ["Senegal", "Sierra Leone", "Venezuela (Bolivarian Republic of)", "Peru", "Uruguay"],
        ),
        (
            "Portugal, Korea, Republic of, Chile",
            ["Portugal", "Korea, Republic of", "Chile"],
        ),
        (
            "Belgium, France, Tunisia, Sierra Leone, Argentina",
            ["Belgium", "France", "Tunisia", "Sierra Leone", "Argentina"],
        ),
        ("  Chile ,, , Peru  ", ["Chile", "Peru"]),
        ("France | Lithuania", ["France", "Lithuania"]),
        ("Atlantis, Chile", ["Atlantis", "Chile"]),
        ("", []),
        ("  ", []),
    ],
)
def test_split_state_list(text: str, expected: list[str]) -> None:
    assert split_state_list(text) == expected


# --- validation of the files -------------------------------------------------------------


def _copy_csvs(tmp_path: Path) -> tuple[Path, Path]:
    states_csv = tmp_path / "states.csv"
    aliases_csv = tmp_path / "state_aliases.csv"
    shutil.copy(_states_csv(), states_csv)
    shutil.copy(_aliases_csv(), aliases_csv)
    return states_csv, aliases_csv


def _rewrite(path: Path, row: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` on ``row`` (1 = header) of a CSV file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[row - 1], lines[row - 1]
    lines[row - 1] = lines[row - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_loader_accepts_an_unchanged_copy(tmp_path: Path) -> None:
    tables = states._load(*_copy_csvs(tmp_path))
    assert len(tables.states) == 195


@pytest.mark.parametrize(
    ("file", "row", "old", "new", "column", "message"),
    [
        ("states", 3, "ALB", "AFG", "iso3", "duplicate"),
        ("states", 3, "ALB", "AL1", "iso3", "three capital letters"),
        ("states", 3, ",AL,", ",AF,", "iso2", "duplicate"),
        ("states", 3, "Eastern European", "Eastern Europe", "regional_group", "Eastern Europe"),
        ("states", 3, "Eastern European", "", "regional_group", "no group"),
        ("states", 3, ",member", ",memb", "status", "memb"),
        ("states", 3, "Republic of Albania", "Afghanistan", "official_name", "AFG"),
        ("aliases", 2, "BOL", "XYZ", "iso3", "XYZ"),
        ("aliases", 2, "Bolivia,", "China,", "alias", "CHN"),
        ("aliases", 2, "Bolivia,", "GB,", "alias", "GBR"),
    ],
)
def test_loader_rejects_malformed_rows(
    tmp_path: Path, file: str, row: int, old: str, new: str, column: str, message: str
) -> None:
    states_csv, aliases_csv = _copy_csvs(tmp_path)
    target = states_csv if file == "states" else aliases_csv
    _rewrite(target, row, old, new)
    with pytest.raises(ValueError) as caught:
        states._load(states_csv, aliases_csv)
    text = str(caught.value)
    assert target.name in text
    assert f"row {row}," in text
    assert f"column '{column}'" in text
    assert message in text


def test_loader_rejects_a_missing_column(tmp_path: Path) -> None:
    states_csv, aliases_csv = _copy_csvs(tmp_path)
    _rewrite(states_csv, 1, ",status", ",state")
    with pytest.raises(ValueError, match=r"states\.csv: row 1, column 'status'"):
        states._load(states_csv, aliases_csv)


def test_loader_rejects_a_short_row(tmp_path: Path) -> None:
    states_csv, aliases_csv = _copy_csvs(tmp_path)
    _rewrite(states_csv, 10, ",member", "")
    with pytest.raises(ValueError, match=r"states\.csv: row 10, .*5 fields where the header has 6"):
        states._load(states_csv, aliases_csv)
