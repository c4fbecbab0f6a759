"""The Working Group report reader (annotator.importers.wg_report): .docx, .txt, pasted text."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from annotator.importers import wg_report
from annotator.importers.files import SourceFileError
from annotator.importers.records import ImportBatch, RecommendationRecord, ReviewRecord

REVIEW = ReviewRecord(
    state_iso3="SVN",
    cycle=3,
    session=34,
    year=2019,
    report_symbol="A/HRC/43/15",
)

# Copied from a PDF: wrapped lines, a tab after a number, a number on its own line,
# an intro wrapped over two lines, joint recommendations, bracketed names, non-state
# brackets, and the outro that follows the section.
PASTED = """\
IV. Conclusions and/or recommendations

121. The following recommendations will be examined by Slovenia, which will provide
responses in due time, but no later than the forty-third session of the Human Rights Council:
121.1 Ratify the International Convention for the Protection of All Persons from
Enforced Disappearance (France) (Lithuania);
121.2\tComplete the process of ratification of the International Convention for the
Protection of All Persons from Enforced Disappearance (Ukraine); Increase efforts towards
ratification of the International Convention for the Protection of All Persons from
Enforced Disappearance (Slovakia);
121.3 Ratify and implement the International Labour Organization’s 2014 Protocol to the
Forced Labour Convention, 1930 (No. 29) (United Kingdom of Great Britain and Northern
Ireland);
121.4
Strengthen the role of the Ombudsman in line with the Paris Principles (Venezuela
(Bolivarian Republic of));
121.5 Adopt a new national action plan against trafficking for the period
2015. It should cover all victims (2015-2030) (Portugal, Slovakia);
121.6 Ensure that 1.5 million euros are allocated to the Roma, who number about
1.5 per cent of the population (Iran (Islamic Republic of));
121.7 Ratify the Optional Protocol (OP-CRC-SC) (Costa Rica) (El Salvador) (Iceland);
121.8 Combat discrimination against Roma (Senegal, Sierra Leone, Venezuela (Bolivarian \
Republic of),Peru, Uruguay);
121.9 Take measures for the erased (Narnia);
121.10 Implement the recommendations of the treaty bodies (Netherlands) (Kingdom of the).
122. All conclusions and/or recommendations contained in the present report reflect the
position of the submitting State(s) and/or the State under review. They should not be
construed as endorsed by the Working Group as a whole.

Annex
Composition of the delegation
The delegation of Slovenia was headed by ...
"""

EXPECTED = {
    "121.1": ["FRA", "LTU"],
    "121.2": ["UKR", "SVK"],
    "121.3": ["GBR"],
    "121.4": ["VEN"],
    "121.5": ["PRT", "SVK"],
    "121.6": ["IRN"],
    "121.7": ["CRI", "SLV", "ISL"],
    "121.8": ["SEN", "SLE", "VEN", "PER", "URY"],
    "121.9": [],
    "121.10": ["NLD"],
}


def by_number(batch: ImportBatch) -> dict[str, RecommendationRecord]:
    return {r.number or "": r for r in batch.recommendations}


def check_expected(batch: ImportBatch) -> None:
    records = by_number(batch)
    assert list(records) == list(EXPECTED)
    for number, iso3 in EXPECTED.items():
        assert records[number].recommending_iso3 == iso3, number
    assert all(r.response is None for r in batch.recommendations)
    assert all(r.review == REVIEW for r in batch.recommendations)
    assert {r.source for r in batch.recommendations} == {"wg-report"}
    assert records["121.2"].text == (
        "Complete the process of ratification of the International Convention for the "
        "Protection of All Persons from Enforced Disappearance (Ukraine); Increase efforts "
        "towards ratification of the International Convention for the Protection of All "
        "Persons from Enforced Disappearance (Slovakia);"
    )
    assert records["121.3"].text.endswith(
        "1930 (No. 29) (United Kingdom of Great Britain and Northern Ireland);"
    )
    assert records["121.4"].text.startswith("Strengthen the role of the Ombudsman")
    assert records["121.4"].recommending_names == ["Venezuela (Bolivarian Republic of)"]
    # Wrapped lines starting with "2015." and "1.5" stay part of the recommendation.
    assert "for the period 2015. It should cover all victims (2015-2030)" in (records["121.5"].text)
    assert "who number about 1.5 per cent of the population" in records["121.6"].text
    assert records["121.7"].recommending_text == "Costa Rica | El Salvador | Iceland"
    assert records["121.10"].recommending_names == ["Netherlands (Kingdom of the)"]
    # The outro is not part of the last recommendation.
    assert "conclusions" not in records["121.10"].text
    assert records["121.10"].text.endswith("(Netherlands) (Kingdom of the).")
    intro = [t.value for t in records["121.1"].tags if t.kind == "wg_section"]
    assert intro == [
        "The following recommendations will be examined by Slovenia, which will provide "
        "responses in due time, but no later than the forty-third session of the Human "
        "Rights Council:"
    ]
    assert batch.errors == []
    [warning] = batch.warnings
    assert "121.9" in str(warning) and "'(Narnia)'" in str(warning)


def test_pasted_text() -> None:
    batch = wg_report.read_text_input(PASTED, review=REVIEW)
    check_expected(batch)
    assert batch.file == "pasted text" and batch.format == "wg-report"
    records = by_number(batch)
    # Rows are the lines where each recommendation starts.
    assert records["121.1"].row == 5
    assert records["121.4"].row == 14
    assert str(batch.warnings[0]).startswith("pasted text, line 23: warning:")


def test_text_file_with_bom_and_mac_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(b"\xef\xbb\xbf" + PASTED.replace("\n", "\r").encode("utf-8"))
    batch = wg_report.read(path, review=REVIEW)
    check_expected(batch)
    assert "Organization’s" in by_number(batch)["121.3"].text


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def test_docx_report(tmp_path: Path) -> None:
    # In the UN's .docx each recommendation is a paragraph; here some are split over
    # paragraphs the way the PDF lines are, and empty paragraphs separate sections.
    paragraphs = PASTED.replace("Slovenia, which will provide\n", "Slovenia, which will provide ")
    paragraphs = paragraphs.replace("\n\n", "\n \n")
    path = write_docx(tmp_path / "A_HRC_43_15.docx", paragraphs.split("\n"))
    batch = wg_report.read(path, review=REVIEW)
    check_expected(batch)
    assert str(batch.warnings[0]).startswith("A_HRC_43_15.docx, paragraph ")


def test_sections_with_positions_in_their_intro() -> None:
    text = """\
89. The recommendations formulated during the interactive dialogue have been examined by
Slovenia and the recommendations listed below enjoy the support of Slovenia:
89.1 Ratify the Convention (France);
89.2 Ratify the Protocol (Chile);
90. The following recommendations will be examined by Slovenia:
90.1 Consider the Convention (Brazil);
The recommendations below did not enjoy the support of Slovenia:
90.2 Abolish it (Mali);
"""
    batch = wg_report.read_text_input(text, review=REVIEW, name="sections")
    records = by_number(batch)
    assert list(records) == ["89.1", "89.2", "90.1", "90.2"]
    # The report's own preliminary positions: supported at the review, left for the
    # addendum ("will be examined": no position yet), noted.
    assert {n: r.response for n, r in records.items()} == {
        "89.1": "supported at the review",
        "89.2": "supported at the review",
        "90.1": None,
        "90.2": "noted",
    }
    sections = {n: [t.value for t in r.tags if t.kind == "wg_section"] for n, r in records.items()}
    assert "enjoy the support of Slovenia:" in sections["89.2"][0]
    assert sections["90.1"] == ["The following recommendations will be examined by Slovenia:"]
    assert sections["90.2"] == ["The recommendations below did not enjoy the support of Slovenia:"]
    assert records["90.1"].text == "Consider the Convention (Brazil);"
    assert batch.problems == []


def test_missing_and_repeated_numbers() -> None:
    text = (
        "150.1 Do A (France);\n150.2 Do B (Chile);\n150.4 Do D (Mali);\n"
        "150.8 Do H (Peru);\n150.2 Do B again (Spain);\n"
    )
    batch = wg_report.read_text_input(text, review=REVIEW, name="gaps")
    assert [str(w) for w in batch.warnings] == [
        "gaps, line 3: warning: 150.3 missing (the numbers go from 150.2 to 150.4)",
        "gaps, line 4: warning: 150.5 to 150.7 missing (the numbers go from 150.4 to 150.8)",
        "gaps, line 5: warning: recommendation 150.2 comes after 150.8",
    ]
    [error] = batch.errors
    assert str(error) == "gaps, line 5: recommendation 150.2 appears twice (first at line 2)"
    assert [r.number for r in batch.recommendations] == ["150.1", "150.2", "150.4", "150.8"]


def test_numbers_are_text() -> None:
    lines = [f"28.{n} Do it (France);" for n in range(1, 11)]
    batch = wg_report.read_text_input("\n".join(lines), review=REVIEW)
    assert [r.number for r in batch.recommendations][-1] == "28.10"
    assert "28.1" in {r.number for r in batch.recommendations}
    assert batch.problems == []


def test_number_without_text_is_an_error() -> None:
    batch = wg_report.read_text_input(
        "150.1 Do A (France);\n150.2\n150.3 Do C (Mali);", review=REVIEW, name="t"
    )
    [error] = batch.errors
    assert str(error) == "t, line 2: recommendation 150.2 has no text"


def test_review_is_required(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="Say which review this is"):
        wg_report.read_text_input(PASTED, review=None)
    path = write_docx(tmp_path / "r.docx", ["150.1 Do A (France);"])
    with pytest.raises(SourceFileError, match=r"r\.docx: .*Say which review this is"):
        wg_report.read(path)


def test_progress_and_cancel() -> None:
    text = "\n".join(f"150.{n} Do it (France);" for n in range(1, 1001))
    seen: list[tuple[int, int]] = []
    batch = wg_report.read_text_input(
        text, review=REVIEW, progress=lambda d, t: seen.append((d, t))
    )
    assert len(batch.recommendations) == 1000
    assert seen[-1] == (1000, 1000) and len(seen) > 2

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        wg_report.read_text_input(text, review=REVIEW, progress=cancel)


# --- hostile input ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\n\t", "\ufeff"])
def test_empty_text(text: str) -> None:
    with pytest.raises(SourceFileError, match="pasted text is empty"):
        wg_report.read_text_input(text, review=REVIEW)


def test_text_without_numbered_paragraphs() -> None:
    text = "The Working Group held its review.\nSlovenia accepted many recommendations (France).\n"
    with pytest.raises(SourceFileError, match="my notes has no numbered recommendations"):
        wg_report.read_text_input(text, review=REVIEW, name="my notes")


def test_docx_of_a_table_only(tmp_path: Path) -> None:
    path = tmp_path / "table.docx"
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.rows[1].cells[0].text = "150.1 Ratify the Convention (France);"
    document.save(str(path))
    with pytest.raises(SourceFileError) as raised:
        wg_report.read(path, review=REVIEW)
    message = str(raised.value)
    assert "table.docx has no numbered recommendations" in message
    assert "holds only a table" in message and "ohchr-matrix" in message


def test_auto_numbered_docx_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "auto.docx"
    document = docx.Document()
    document.add_paragraph("Ratify the Convention (France);", style="List Number")
    document.save(str(path))
    with pytest.raises(SourceFileError, match="automatic numbering"):
        wg_report.read(path, review=REVIEW)


def test_other_files(tmp_path: Path) -> None:
    pdf = tmp_path / "report.docx"
    pdf.write_bytes(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
    with pytest.raises(SourceFileError, match=r"report\.docx is a damaged .*PDF"):
        wg_report.read(pdf, review=REVIEW)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(SourceFileError, match=r"empty\.txt is empty"):
        wg_report.read(empty, review=REVIEW)
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(SourceFileError, match=r"junk\.docx"):
        wg_report.read(junk, review=REVIEW)


def test_huge_recommendation() -> None:
    text = "150.1 Ratify " + "x" * 1_000_000 + " (France);\n150.2 Do B (Chile);"
    batch = wg_report.read_text_input(text, review=REVIEW, name="big")
    [error] = batch.errors
    assert str(error).startswith("big, line 1: recommendation 150.1 holds 1,000,")
    assert [r.number for r in batch.recommendations] == ["150.2"]
