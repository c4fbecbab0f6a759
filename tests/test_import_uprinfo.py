"""The UPR Info reader on the real export (41,066 rows, sessions 1-20), the real .xls
(sessions 1-5) and crafted hostile files."""

from __future__ import annotations

import csv
import gzip
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from annotator import states
from annotator.importers import files, uprinfo
from annotator.importers.files import SourceFileError
from annotator.importers.records import ReviewRecord

DATA = Path(__file__).parent / "data"
EXPORT_GZ = DATA / "uprinfo_export_sessions01-20.csv.gz"
ORIGINAL_XLS = DATA / "UPR_Info_database_export_sessions01-05.xls"
KEY = ["To", "Session", "norm", "Response"]


def normalise(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------
# The real export


@pytest.fixture(scope="module")
def export_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("uprinfo") / "uprinfo_export_sessions01-20.csv"
    with gzip.open(EXPORT_GZ, "rb") as source, path.open("wb") as target:
        shutil.copyfileobj(source, target)
    return path


@pytest.fixture(scope="module")
def raw(export_csv) -> pd.DataFrame:
    """The export read independently with plain pandas, one column per field."""
    frame = pd.read_csv(export_csv, dtype=str, keep_default_na=False)
    frame["norm"] = frame["Text"].map(normalise)
    frame["size"] = frame.groupby(KEY)["Text"].transform("size")
    return frame


@pytest.fixture(scope="module")
def read_with_progress(export_csv):
    calls: list[tuple[int, int]] = []
    batch = uprinfo.read(export_csv, progress=lambda done, total: calls.append((done, total)))
    return batch, calls


@pytest.fixture(scope="module")
def batch(read_with_progress):
    return read_with_progress[0]


def test_all_41066_rows_are_read(read_with_progress, raw):
    # Speed is measured in tests/benchmarks/bench_import_uprinfo.py, not here.
    batch, calls = read_with_progress
    assert len(raw) == 41_066
    assert calls[-1] == (41_066, 41_066)
    assert all(total == 41_066 for _, total in calls)
    assert len(calls) > 10  # the caller can show progress and cancel along the way
    assert batch.errors == []


def test_joint_recommendations_merged_as_an_independent_groupby_counts(batch, raw):
    groups = raw.groupby(KEY).size()
    assert len(batch.recommendations) == len(groups)
    assert batch.joint_merged == int(groups[groups > 1].sum())
    joint = int((groups > 1).sum())
    assert f"{batch.joint_merged:,} rows were joint recommendations: merged into {joint:,}" in (
        " ".join(batch.notes)
    )
    # Every record starts at the first row of its group, whose text and response it holds.
    for record in batch.recommendations:
        source = raw.iloc[record.row - 2]  # file row 1 is the header
        assert record.text == source["Text"].strip()
        assert record.response == source["Response"]
        assert record.number is None
        assert record.source == "uprinfo"


def test_a_joint_recommendation_keeps_its_states_in_order(batch, raw):
    by_row = {record.row: record for record in batch.recommendations}
    joint = raw[raw["size"] >= 3]
    first = joint.iloc[0]
    group = joint[(joint[KEY] == first[KEY]).all(axis=1)]
    record = by_row[int(group.index[0]) + 2]
    assert record.recommending_names == list(dict.fromkeys(group["From"]))
    assert len(record.recommending_names) >= 3
    assert record.recommending_text == ", ".join(record.recommending_names)
    expected_iso3 = [states.match_state(name).iso3 for name in record.recommending_names]
    assert record.recommending_iso3 == expected_iso3


def test_response_counts_by_row(batch, raw):
    sizes = raw["size"].to_numpy()
    by_rows: Counter[str] = Counter()
    for record in batch.recommendations:
        by_rows[record.response] += int(sizes[record.row - 2])
    assert by_rows == {"Accepted": 30_472, "Noted": 10_594}
    assert Counter(raw["Response"]) == by_rows


def test_china_two_reviews(batch, raw):
    sizes = raw["size"].to_numpy()
    china = [r for r in batch.recommendations if r.review.state_iso3 == "CHN"]
    reviews = {r.review for r in china}
    assert {(v.session, v.cycle, v.year) for v in reviews} == {(4, 1, 2009), (17, 2, 2013)}
    assert all(v.report_symbol is None for v in reviews)
    rows = Counter()
    for record in china:
        rows[record.review.session] += int(sizes[record.row - 2])
    assert rows == {4: 138, 17: 284}


def test_every_recommending_state_matches_except_unknown(batch, raw):
    warnings = [p for p in batch.warnings if p.column == "From"]
    assert len(warnings) == 9
    assert all("(Unknown)" in p.message and p.row is not None for p in warnings)
    unknown_rows = {p.row for p in warnings}
    assert unknown_rows == {int(i) + 2 for i in raw.index[raw["From"] == "&#40;Unknown&#41;"]}
    for record in batch.recommendations:
        known = [n for n in record.recommending_names if n != "(Unknown)"]
        assert len(record.recommending_iso3) == len({states.match_state(n).iso3 for n in known})
    # The unescaped name is kept as the source spells it.
    assert any("(Unknown)" in r.recommending_names for r in batch.recommendations)


def test_tags_action_and_issue(batch, raw):
    record = batch.recommendations[0]
    source = raw.iloc[record.row - 2]
    assert [(t.kind, t.value) for t in record.tags] == [("action", source["Action"])] + [
        ("issue", issue) for issue in source["Issue"].split(",")
    ] + [("response", source["Response"])]
    issues = Counter(t.value for r in batch.recommendations for t in r.tags if t.kind == "issue")
    assert len(issues) == 54
    # Merged rows that disagree on the action category keep each value.
    disagreeing = raw.groupby(KEY)["Action"].nunique()
    assert (disagreeing > 1).sum() == sum(
        1 for r in batch.recommendations if sum(t.kind == "action" for t in r.tags) > 1
    )


def test_original_xls_matches_the_csv_for_sessions_1_to_5(batch):
    xls = uprinfo.read(ORIGINAL_XLS)
    assert xls.errors == []
    assert {p.sheet for p in xls.problems} == {"UPR Info database export"}
    assert {p.column for p in xls.warnings} == {"RS"}  # the 9 (Unknown) rows

    def keys(records):
        return Counter(
            (r.review.state_iso3, r.review.session, normalise(r.text), r.response) for r in records
        )

    from_csv = keys(r for r in batch.recommendations if r.review.session <= 5)
    assert keys(xls.recommendations) == from_csv
    assert len(xls.recommendations) == sum(from_csv.values())
    assert xls.recommendations[0].tags[0].value == "5"  # 5.0 in the .xls, read as text


# ---------------------------------------------------------------------------------------
# Crafted files

HEADER = "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session"
ORIGINAL_HEADER = "SuR,Rgrp,Org,Recommendation,RS,Rgrp,Org,Response,Action,Issue,Session"
DEATH_PENALTY = "Consider abolishing the death penalty – a step the Comité’s members welcomed"
TABLE = [
    # The same text twice for China session 17 (one with UPR Info's trailing space).
    f'China,Asia,,{DEATH_PENALTY} ,France,WEOG,EU,Accepted,5,"Death penalty,Torture",17',
    f"China,Asia,,{DEATH_PENALTY},Germany,WEOG,EU,Accepted,4,Death penalty,17",
    "China,Asia,,Ratify the ICCPR.,&#40;Unknown&#41;,&#40;Unknown&#41;,,Noted,5,"
    "International instruments,4",
    "China,Asia,,Ratify the ICCPR.,Sweden,WEOG,EU,Noted,5,International instruments,4",
    f"China,Asia,,{DEATH_PENALTY},Spain,WEOG,EU,Noted,5,Death penalty,4",
    "Slovenia,EEG,EU,Protect the rights of the Roma &amp; Sinti,Croatia,EEG,EU,Accepted,3,"
    "Minorities,2",
    "Slovenia,EEG,EU,Adopt a national action plan,Slovenia,EEG,EU,Voluntary Pledge,,,2",
    "Slovenia,EEG,EU,Continue training judges,Slovenia,EEG,EU,Voluntary Pledge,,,2",
]


def write(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode(encoding))
    return path


def summary(batch) -> list[tuple]:
    return [
        (
            r.review.state_iso3,
            r.review.session,
            r.text,
            tuple(r.recommending_names),
            tuple(r.recommending_iso3),
            r.response,
            tuple((t.kind, t.value) for t in r.tags),
        )
        for r in batch.recommendations
    ]


EXPECTED = [
    (
        "CHN",
        17,
        DEATH_PENALTY,
        ("France", "Germany"),
        ("FRA", "DEU"),
        "Accepted",
        (
            ("action", "5"),
            ("action", "4"),
            ("issue", "Death penalty"),
            ("issue", "Torture"),
            ("response", "Accepted"),
        ),
    ),
    (
        "CHN",
        4,
        "Ratify the ICCPR.",
        ("(Unknown)", "Sweden"),
        ("SWE",),
        "Noted",
        (("action", "5"), ("issue", "International instruments"), ("response", "Noted")),
    ),
    (
        "CHN",
        4,
        DEATH_PENALTY,
        ("Spain",),
        ("ESP",),
        "Noted",
        (("action", "5"), ("issue", "Death penalty"), ("response", "Noted")),
    ),
    (
        "SVN",
        2,
        "Protect the rights of the Roma & Sinti",
        ("Croatia",),
        ("HRV",),
        "Accepted",
        (("action", "3"), ("issue", "Minorities"), ("response", "Accepted")),
    ),
]


def check_small_table(batch, *, first_row: int = 2, sheet: str | None = None) -> None:
    assert batch.errors == []
    assert summary(batch) == EXPECTED
    assert [r.row for r in batch.recommendations] == [
        first_row,
        first_row + 2,
        first_row + 4,
        first_row + 5,
    ]
    assert batch.joint_merged == 4
    assert "4 rows were joint recommendations: merged into 2" in batch.notes[0]
    reviews = {r.review for r in batch.recommendations}
    assert {(v.state_iso3, v.cycle, v.year) for v in reviews} == {
        ("CHN", 2, 2013),
        ("CHN", 1, 2009),
        ("SVN", 1, 2008),
    }
    pledges = [p for p in batch.warnings if "voluntary pledges" in p.message]
    assert len(pledges) == 1 and pledges[0].message.startswith("2 voluntary pledges skipped")
    unknown = [p for p in batch.warnings if "(Unknown)" in p.message]
    assert [p.row for p in unknown] == [first_row + 2]
    assert all(p.sheet == sheet for p in batch.problems)


def test_utf8_csv(tmp_path):
    check_small_table(uprinfo.read(write(tmp_path / "u.csv", [HEADER, *TABLE])))


def test_mac_roman_with_bare_cr(tmp_path):
    path = write(tmp_path / "mac.csv", [HEADER, *TABLE], "mac_roman", "\r")
    assert b"\n" not in path.read_bytes() and "–".encode("mac_roman") in path.read_bytes()
    check_small_table(uprinfo.read(path))


def test_cp1252_with_crlf(tmp_path):
    path = write(tmp_path / "win.csv", [HEADER, *TABLE], "cp1252", "\r\n")
    assert "’".encode("cp1252") in path.read_bytes()
    check_small_table(uprinfo.read(path))


def test_cp1252_with_letters_other_code_pages_change(tmp_path):
    # à and è: cp1250 (the usual wrong guess) reads them as ŕ and č.
    text = "Renforcer l’accès à la justice et protéger les défenseurs des droits ; très important"
    lines = [HEADER, f"France,WEOG,EU,{text},Senegal,Africa,AU,Accepted,4,Justice,4"]
    batch = uprinfo.read(write(tmp_path / "fr.csv", lines, "cp1252", "\r\n"))
    assert [r.text for r in batch.recommendations] == [text]


def test_original_duplicated_header_layout_below_title_rows(tmp_path):
    lines = ["UPR Info database export", "", ORIGINAL_HEADER, *TABLE]
    batch = uprinfo.read(write(tmp_path / "original.csv", lines))
    check_small_table(batch, first_row=4)
    assert {p.column for p in batch.warnings} == {"RS", "Response"}


def test_xlsx_with_title_row(tmp_path):
    path = tmp_path / "export.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "UPR Info database export"
    sheet.append(["UPR Info database export"])
    for line in [HEADER, *TABLE]:
        values = next(csv.reader([line]))
        # Action and Session are numbers in a workbook; empty cells stay empty.
        sheet.append([int(v) if v.isdigit() else (v or None) for v in values])
    book.save(path)
    assert isinstance(openpyxl.load_workbook(path)["UPR Info database export"]["I3"].value, int)
    check_small_table(uprinfo.read(path), first_row=3, sheet="UPR Info database export")


def test_a_given_review_replaces_the_files(tmp_path):
    named = ReviewRecord("SVN", 1, 2, 2008, "A/HRC/8/29")
    lines = [HEADER, TABLE[5]]
    batch = uprinfo.read(write(tmp_path / "one.csv", lines), review=named)
    assert [r.review for r in batch.recommendations] == [named]
    several = uprinfo.read(write(tmp_path / "all.csv", [HEADER, *TABLE]), review=named)
    assert any("several reviews" in p.message for p in several.errors)


def test_split_responses_stay_separate(tmp_path):
    lines = [
        HEADER,
        "Tonga,Asia,,Ratify CEDAW,Australia,WEOG,,Accepted,5,Women's rights,15",
        "Tonga,Asia,,Ratify CEDAW,Maldives,Asia,,Noted,5,Women's rights,15",
        "Tonga,Asia,,Ratify CEDAW ,Slovenia,EEG,EU,Noted,5,Women's rights,15",
    ]
    batch = uprinfo.read(write(tmp_path / "tonga.csv", lines))
    assert [(r.recommending_names, r.response) for r in batch.recommendations] == [
        (["Australia"], "Accepted"),
        (["Maldives", "Slovenia"], "Noted"),
    ]
    assert batch.joint_merged == 2
    (warning,) = batch.warnings
    assert warning.row == 2 and "row 3 (Noted)" in warning.message


def test_missing_columns(tmp_path):
    lines = ["To,Text,From,Issue", "China,Ratify the ICCPR.,Sweden,International instruments"]
    with pytest.raises(SourceFileError) as error:
        uprinfo.read(write(tmp_path / "short.csv", lines))
    message = str(error.value)
    assert "short.csv" in message
    assert "Response" in message and "Session" in message  # expected
    assert "To, Text, From, Issue" in message  # found


def test_no_header_at_all(tmp_path):
    with pytest.raises(SourceFileError, match="no header row"):
        uprinfo.read(write(tmp_path / "notes.csv", ["some notes", "more notes"]))


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(SourceFileError, match="empty"):
        uprinfo.read(path)


def test_header_only(tmp_path):
    batch = uprinfo.read(write(tmp_path / "header.csv", [HEADER]))
    assert batch.recommendations == [] and batch.problems == []


def test_renamed_pdf(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")
    with pytest.raises(SourceFileError, match="PDF"):
        uprinfo.read(path)


def test_password_protected_xlsx(tmp_path):
    # An encrypted Office file is an OLE2 container holding an "EncryptedPackage" stream.
    path = tmp_path / "locked.xlsx"
    header = files.OLE2_MAGIC + bytes(504)
    path.write_bytes(header + "EncryptedPackage".encode("utf-16-le") + bytes(1000))
    assert files.sniff(path).kind == "encrypted"
    with pytest.raises(SourceFileError, match="password"):
        uprinfo.read(path)


def test_damaged_xls(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(files.OLE2_MAGIC + b"\x00" * 600)
    with pytest.raises(SourceFileError, match=r"broken\.xls"):
        uprinfo.read(path)


def test_a_million_character_cell(tmp_path):
    huge = "Ratify " + "x" * 1_000_000
    lines = [HEADER, TABLE[5], f"China,Asia,,{huge},Sweden,WEOG,EU,Noted,5,Other,4"]
    batch = uprinfo.read(write(tmp_path / "huge.csv", lines))
    (error,) = batch.errors
    assert (error.row, error.column) == (3, "Text")
    assert "1,000,007 characters" in error.message
    assert "huge.csv" in str(error)


def test_bad_session_and_unknown_state_under_review(tmp_path):
    lines = [
        HEADER,
        "China,Asia,,Ratify the ICCPR.,Sweden,WEOG,EU,Noted,5,Other,four",
        "Atlantis,Asia,,Ratify the ICCPR.,Sweden,WEOG,EU,Noted,5,Other,4",
        "Atlantis,Asia,,Ratify CAT.,Sweden,WEOG,EU,Noted,5,Other,4",
        TABLE[5],
    ]
    batch = uprinfo.read(write(tmp_path / "bad.csv", lines))
    assert [(p.row, p.column) for p in batch.errors] == [(2, "Session"), (3, "To")]
    assert "'four'" in batch.errors[0].message
    assert "Atlantis" in batch.errors[1].message and "1 more row" in batch.errors[1].message
    assert len(batch.recommendations) == 1


def test_formula_cells_are_never_evaluated(tmp_path):
    path = tmp_path / "formula.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["China", "Asia", "", "=1+1", "Sweden", "WEOG", "", "Noted", 5, "Other", 4])
    sheet.append(["China", "Asia", "", "=1+1", "Spain", "WEOG", "", "Noted", 5, "Other", 4])
    sheet["D3"].data_type = "s"  # the second is the literal text "=1+1"
    book.save(path)
    batch = uprinfo.read(path)
    # The formula has no cached value: the row is reported, nothing is computed.
    assert [(p.row, p.column, p.message) for p in batch.errors] == [(2, "Text", "is empty")]
    assert [r.text for r in batch.recommendations] == ["=1+1"]
    assert all(r.text != "2" for r in batch.recommendations)


def test_progress_callback_can_cancel(tmp_path):
    path = write(tmp_path / "u.csv", [HEADER, *TABLE])

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        uprinfo.read(path, progress=cancel)
