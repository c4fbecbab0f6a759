"""The UN's own documents as published: Slovenia's Working Group reports and addenda.

tests/data/un_documents/ holds the real documents of cycles 1-3 as the UN publishes
them (PDF) and as extracted to text (see tests/data/README.md). Every one must read with
no error, with the counts the documents themselves give.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from fpdf import FPDF
from sqlalchemy import func, select

from annotator.importers import addendum, detect, documents, responses, wg_report
from annotator.importers.files import SourceFileError
from annotator.importers.records import ImportBatch, ReviewRecord
from annotator.importers.responses import category_of
from annotator.services.importing import ImportOptions, import_files
from annotator.store.models import Recommendation

DATA = Path(__file__).parent / "data"
DOCS = DATA / "un_documents"
REPORTS = {
    1: "cycle1_A_HRC_14_15_working_group_report",
    2: "cycle2_A_HRC_28_15_working_group_report",
    3: "cycle3_A_HRC_43_15_working_group_report",
}
ADDENDA = {
    1: "cycle1_A_HRC_14_15_Add1_views_of_the_state",
    2: "cycle2_A_HRC_28_15_Add1_views_of_the_state",
    3: "cycle3_A_HRC_43_15_Add1_views_of_the_state",
}
# What each report says of itself: symbol, date printed, Council session, recommendations,
# Working Group session and the day of the review.
REPORT_FACTS = {
    1: ("A/HRC/14/15", "2010-03-15", 14, 97, 7, "2010-02-16"),
    2: ("A/HRC/28/15", "2014-12-10", 28, 163, 20, "2014-11-04"),
    3: ("A/HRC/43/15", "2019-12-19", 43, 215, 34, "2019-11-12"),
}
ADDENDUM_FACTS = {
    1: ("A/HRC/14/15/Add.1", "2010-03-23", 14, 97),
    2: ("A/HRC/28/15/Add.1", "2015-03-04", 28, 163),
    3: ("A/HRC/43/15/Add.1", "2020-02-19", 43, 157),
}
MATRICES = {2: "slovenia_cycle2_2014_matrix.csv", 3: "slovenia_cycle3_2019_matrix.csv"}
KINDS = ("pdf", "txt")


def review(cycle: int) -> ReviewRecord:
    return ReviewRecord("SVN", cycle)


# Reading a PDF takes a second or two; each document is read once for all the tests
# that only look at what was read.
@cache
def read_report(cycle: int, kind: str) -> ImportBatch:
    return wg_report.read(DOCS / f"{REPORTS[cycle]}.{kind}", review=review(cycle))


@cache
def read_addendum(cycle: int, kind: str) -> ImportBatch:
    return responses.read(DOCS / f"{ADDENDA[cycle]}.{kind}")


def categories(batch: ImportBatch) -> Counter[str]:
    return Counter(category_of(r.response) or r.response for r in batch.responses)


# ---------------------------------------------------------------------------
# Working Group reports


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("cycle", [1, 2, 3])
def test_report_reads_every_recommendation(cycle: int, kind: str) -> None:
    assert detect.detect_format(DOCS / f"{REPORTS[cycle]}.{kind}") == "wg-report"
    batch = read_report(cycle, kind)
    symbol, date, session, count, wg_session, review_date = REPORT_FACTS[cycle]
    assert batch.errors == [] and batch.warnings == []
    assert len(batch.recommendations) == count
    numbers = [r.number for r in batch.recommendations]
    assert len(set(numbers)) == count
    # Every recommendation names its recommending states, all of them known.
    assert all(r.recommending_iso3 for r in batch.recommendations)
    assert batch.document is not None
    assert batch.document.kind == "report"
    assert batch.document.symbol == symbol
    assert str(batch.document.date) == date
    assert batch.document.council_session == session
    assert batch.document.session == wg_session
    assert str(batch.document.review_date) == review_date
    assert batch.document.state_name == "Slovenia"


@pytest.mark.parametrize("kind", KINDS)
def test_cycle1_report_numbers_items_under_their_paragraph(kind: str) -> None:
    batch = read_report(1, kind)
    numbers = [r.number for r in batch.recommendations]
    assert numbers == [f"111.{n}" for n in range(1, 98)]
    first = batch.recommendations[0]
    assert first.text.startswith("To examine the possibility of joining (Algeria)/sign and ratify")
    assert first.text.endswith("(Algeria, Egypt, Bosnia and Herzegovina, Argentina);")
    assert first.recommending_iso3 == ["DZA", "EGY", "BIH", "ARG"]
    # Paragraphs of the body ("103. Regarding additional questions ...") are not read.
    assert not any("Regarding additional questions" in r.text for r in batch.recommendations)


@pytest.mark.parametrize("kind", KINDS)
def test_cycle3_report_preliminary_positions(kind: str) -> None:
    batch = read_report(3, kind)
    positions = Counter(r.response for r in batch.recommendations)
    assert positions == {wg_report.SUPPORTED_AT_REVIEW: 58, None: 157}
    by_number = {r.number: r for r in batch.recommendations}
    assert by_number["121.58"].response == wg_report.SUPPORTED_AT_REVIEW
    assert by_number["122.1"].response is None
    sections = [t.value for t in by_number["122.1"].tags if t.kind == "wg_section"]
    assert sections[0].startswith("The following recommendations will be examined by Slovenia")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("cycle", [2, 3])
def test_report_texts_are_the_matrix_texts(cycle: int, kind: str) -> None:
    """The OHCHR matrix restates the report; read from the PDF, every text is the same
    but for the spaces the matrix lost and two typos it corrected."""
    with (DATA / MATRICES[cycle]).open(encoding="utf-8") as handle:
        matrix = {row["number"]: row["recommendation"] for row in csv.DictReader(handle)}
    batch = read_report(cycle, kind)

    def squeezed(text: str) -> str:
        return "".join(re.sub(r"[“”\"'’‘]", "'", text).split())

    differ = {
        r.number for r in batch.recommendations if squeezed(r.text) != squeezed(matrix[r.number])
    }
    assert set(matrix) == {r.number for r in batch.recommendations}
    # The report itself says "childre," and "(netherlands)"; the matrix corrected them.
    assert differ == ({"115.104", "115.106"} if cycle == 2 else set())


def test_report_page_furniture_is_not_in_any_text() -> None:
    batch = read_report(2, "pdf")
    for record in batch.recommendations:
        assert "GE." not in record.text and "A/HRC/28/15" not in record.text
    # 115.8 is broken over a page in the PDF; it is whole, states included.
    found = {r.number: r for r in batch.recommendations}["115.8"]
    assert found.text == (
        "Ratify ICRMW (Senegal, Sierra Leone, Venezuela (Bolivarian Republic of), Peru, Uruguay);"
    )
    assert found.recommending_iso3 == ["SEN", "SLE", "VEN", "PER", "URY"]


# ---------------------------------------------------------------------------
# Addenda


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("cycle", [1, 2, 3])
def test_addendum_reads_every_response(cycle: int, kind: str) -> None:
    assert detect.detect_format(DOCS / f"{ADDENDA[cycle]}.{kind}") == "responses"
    batch = read_addendum(cycle, kind)
    symbol, date, session, count = ADDENDUM_FACTS[cycle]
    assert batch.errors == [] and batch.warnings == []
    assert len(batch.responses) == count
    assert len({r.number for r in batch.responses}) == count
    assert batch.document is not None and batch.document.kind == "addendum"
    assert (batch.document.symbol, str(batch.document.date)) == (symbol, date)
    assert batch.document.council_session == session
    assert batch.document.state_name == "Slovenia"
    assert all(r.row is not None and r.page is not None for r in batch.responses)


@pytest.mark.parametrize("kind", KINDS)
def test_cycle3_addendum_categories_match_its_own_totals(kind: str) -> None:
    batch = read_addendum(3, kind)
    # "... the remaining 157 recommendations, of which 124 are now supported and 33 noted"
    assert batch.announced_totals == {"supported": 124, "noted": 33}
    wordings = Counter(r.response for r in batch.responses)
    assert wordings == {
        "Accepted recommendations": 80,
        "Accepted recommendations that Slovenia considers already implemented or in the "
        "process of implementation": 44,
        "Noted recommendations": 33,
    }
    assert batch.announced_totals["supported"] == 80 + 44
    numbers = {r.number for r in batch.responses}
    assert numbers == {f"122.{n}" for n in range(1, 158)}
    found = {r.number: r for r in batch.responses}
    # The traps of this document: "122.17-18", "122.62-⏎66", "122.34- 35", "...-144,122.146"
    for number in ("122.17", "122.18", "122.62", "122.63", "122.66", "122.146", "122.156"):
        assert found[number].response == "Accepted recommendations"
    for number in ("122.34", "122.35", "122.14", "122.15", "122.16"):
        assert found[number].response.startswith("Accepted recommendations that Slovenia")
    # The explanation under a range ("122.14– 15") belongs to both numbers.
    assert found["122.14"].explanation == found["122.15"].explanation
    assert found["122.14"].explanation.startswith("Slovenia considers these recommendations")
    assert "earmarked in the national budget" in found["122.15"].explanation
    assert found["122.2"].explanation.startswith("The ratification of the Convention is not")
    assert found["122.4"].explanation == found["122.2"].explanation
    assert found["122.1"].explanation is None
    assert "A/HRC/43/15" not in "".join(r.explanation or "" for r in batch.responses)


@pytest.mark.parametrize("kind", KINDS)
def test_cycle2_addendum_serial_numbers_and_totals(kind: str) -> None:
    batch = read_addendum(2, kind)
    # "The Government of Slovenia accepts 142 recommendations. ... notes 21"
    assert batch.announced_totals == {"accepted": 142, "noted": 21}
    assert categories(batch)["noted"] == 21
    accepted = sum(n for c, n in categories(batch).items() if c.startswith("accepted"))
    assert accepted == 142
    found = {r.number: r for r in batch.responses}
    assert set(found) == {str(n) for n in range(1, 164)}
    assert found["18"].explanation.startswith("We consider that this recommendation is")
    # "Recs. 6–13 The Government ..." explains all eight; the footnotes are not in it.
    assert found["6"].explanation == found["13"].explanation
    assert found["163"].explanation == "See information on recommendations 6–13."


@pytest.mark.parametrize("kind", KINDS)
def test_cycle1_addendum_one_paragraph_per_number(kind: str) -> None:
    batch = read_addendum(1, kind)
    found = {r.number: r for r in batch.responses}
    assert set(found) == {str(n) for n in range(1, 98)}
    # "5., 6., 7., 8., 9.   The Slovenian Government accepts these recommendations."
    assert {found[n].response for n in "56789"} == {
        "The Slovenian Government accepts these recommendations."
    }
    # "40., 41., 42.,⏎43., 44." and "77., 78., 79., 82.,⏎83., 85., 86., 87." are one answer each.
    assert found["44"].response == found["40"].response
    assert found["87"].response == found["77"].response
    assert found["93"].response == "Slovenia cannot accept the recommendation."
    assert category_of(found["93"].response) == "rejected"
    assert found["93"].explanation.startswith("The rights of the German-speaking community")


# ---------------------------------------------------------------------------
# The traps, one by one, and the problems named with their place


def _addendum_text(body: str) -> str:
    return "A/HRC/99/9/Add.1\nAddendum\nViews on conclusions and/or recommendations\n\n" + body


def test_numbers_as_states_write_them() -> None:
    text = _addendum_text(
        "Accepted recommendations\n"
        "3. The Government accepts the following recommendations 140.35. 140.36, 140.40-\n"
        "42, 140.44- 45, 140.82-85, 87, 140.120, 209.\n"
        "Noted recommendations\n"
        "4. The Government takes note of the following recommendations 140.1-3.\n"
        "140.82-83\n"
        "      These are being implemented.\n"
        "140.2\n"
        "      Not a priority.\n"
    )
    batch = responses.read_text_input(text)
    found = {r.number: r for r in batch.responses}
    accepted = ["140.35", "140.36", "140.40", "140.41", "140.42", "140.44", "140.45"]
    accepted += ["140.82", "140.83", "140.84", "140.85", "140.87", "140.120", "140.209"]
    assert [n for n, r in found.items() if r.response == "Accepted recommendations"] == accepted
    assert [n for n, r in found.items() if r.response == "Noted recommendations"] == [
        "140.1",
        "140.2",
        "140.3",
    ]
    assert found["140.82"].explanation == found["140.83"].explanation
    assert found["140.83"].explanation == "These are being implemented."
    assert found["140.84"].explanation is None
    assert found["140.2"].explanation == "Not a priority."
    assert batch.errors == []


def test_categories_as_sentences_without_headings() -> None:
    text = _addendum_text(
        "1. The Government accepts the following recommendations: 28.1, 28.2.\n"
        "2. The Government takes note of recommendations 28.3 and 28.4.\n"
    )
    batch = responses.read_text_input(text)
    found = {r.number: r.response for r in batch.responses}
    assert found == {
        "28.1": "The Government accepts the following recommendations",
        "28.2": "The Government accepts the following recommendations",
        "28.3": "The Government takes note of recommendations",
        "28.4": "The Government takes note of recommendations",
    }
    assert {category_of(w) for w in found.values()} == {"accepted", "noted"}


def test_a_number_given_two_categories_is_named_with_its_place() -> None:
    text = _addendum_text(
        "Accepted recommendations\n"
        "3. The Government accepts the following recommendations 28.1, 28.2.\n"
        "A/HRC/99/9/Add.1\n"
        "Noted recommendations\n"
        "4. The Government notes recommendations 28.2, 28.3.\n"
    )
    batch = responses.read_text_input(text)
    assert [str(e) for e in batch.errors] == [
        "pasted text, line 9, page 2: 28.2 is given two responses: 'Accepted "
        "recommendations' at line 6, page 1 and 'Noted recommendations' here"
    ]


def test_announced_totals_that_disagree_are_a_warning_naming_both() -> None:
    text = _addendum_text(
        "2. Of the remaining recommendations, 3 are now supported and 1 noted.\n"
        "Accepted recommendations\n"
        "3. The Government accepts the following recommendations 28.1, 28.2.\n"
        "Noted recommendations\n"
        "4. The Government notes recommendations 28.3.\n"
    )
    batch = responses.read_text_input(text)
    assert batch.announced_totals == {"supported": 3, "noted": 1}
    assert [w.message for w in batch.warnings] == [
        "the state announces 3 recommendations supported, but 2 are listed as supported "
        "in the document"
    ]


def test_furniture_and_broken_words_are_removed() -> None:
    document = documents.from_text(
        "A/HRC/99/9\nFirst line of the report ends with under-\n\n"
        "GE.20-02535(E)\n\n2\nA/HRC/99/9\nrepresented groups.1 And more.\n",
        "report.txt",
    )
    texts = [line.text for line in document.lines if line.text.strip()]
    assert texts == [
        "First line of the report ends with under-represented",
        "groups. And more.",
    ]
    assert document.removed == 4
    assert [line.page for line in document.lines if line.text.strip()] == [1, 2]


def test_session_numbers_in_words() -> None:
    assert documents.session_number("Forty-third session") == 43
    assert documents.session_number("Fourteenth session") == 14
    assert documents.session_number("Twenty-eighth session") == 28
    assert documents.session_number("Fiftieth session") == 50
    assert documents.session_number("56th session") == 56
    assert documents.session_number("Agenda item 6") is None


# ---------------------------------------------------------------------------
# Hostile and damaged PDFs: a clear message naming the file, nothing written


def _one_page_pdf(path: Path, text: str = "Report of the Working Group") -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    pdf.output(str(path))
    return path


def test_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "A_HRC_43_15.pdf"
    path.write_bytes(b"\x00\x01\x02binary junk" * 50)
    with pytest.raises(SourceFileError, match=r"A_HRC_43_15\.pdf is a binary file, not a PDF"):
        wg_report.read(path, review=review(3))


def test_encrypted_pdf(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Secret")
    pdf.set_encryption(owner_password="owner", user_password="user")
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))
    for reader in (lambda p: wg_report.read(p, review=review(3)), responses.read):
        with pytest.raises(SourceFileError, match=r"locked\.pdf is protected by a password"):
            reader(path)


def test_scanned_pdf_without_text(tmp_path: Path) -> None:
    from PIL import Image

    picture = tmp_path / "page.png"
    Image.new("RGB", (300, 420), "white").save(picture)
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.image(str(picture), x=0, y=0, w=210)
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(SourceFileError, match=r"scan\.pdf is a scanned PDF: its 2 page\(s\)"):
        responses.read(path)


def test_truncated_pdf(tmp_path: Path) -> None:
    data = (DOCS / f"{REPORTS[3]}.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceFileError, match=r"cut\.pdf is a damaged or incomplete PDF"):
        wg_report.read(path, review=review(3))


def test_pdf_with_too_many_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_PDF_PAGES", 0)
    path = _one_page_pdf(tmp_path / "long.pdf")
    with pytest.raises(SourceFileError, match=r"long\.pdf has 1 pages"):
        documents.read_document(path)


def test_damaged_pdf_imports_nothing(empty_project, tmp_path: Path) -> None:
    from annotator.services.importing import ImportRefused

    data = (DOCS / f"{ADDENDA[3]}.pdf").read_bytes()
    path = tmp_path / "addendum.pdf"
    path.write_bytes(data[:5000])
    with pytest.raises(ImportRefused) as refused:
        import_files(empty_project, [path], ImportOptions(review=review(3)))
    assert "addendum.pdf is a damaged or incomplete PDF" in str(refused.value.plan.errors[0])
    with empty_project.session() as session:
        assert session.scalar(select(func.count()).select_from(Recommendation)) == 0


# ---------------------------------------------------------------------------
# End to end: the report, then the addendum, into a real project


@pytest.mark.parametrize("cycle", [1, 2, 3])
def test_report_then_addendum_gives_every_recommendation_a_response(
    empty_project, cycle: int
) -> None:
    options = ImportOptions(review=review(cycle))
    report = import_files(empty_project, [DOCS / f"{REPORTS[cycle]}.pdf"], options)
    assert report.errors == []
    answers = import_files(empty_project, [DOCS / f"{ADDENDA[cycle]}.pdf"], options)
    assert answers.errors == []
    # Cycle 3's 121.x were supported at the review (the report's own positions).
    assert answers.unanswered == []
    with empty_project.session() as session:
        rows = session.execute(select(Recommendation.number, Recommendation.response)).all()
    count = REPORT_FACTS[cycle][3]
    assert len(rows) == count
    assert all(response for _, response in rows)
    if cycle == 3:
        published = Counter(response for _, response in rows)
        assert sum(published.values()) == 215


def test_addendum_reader_is_used_only_for_whole_addenda() -> None:
    # A short pasted list is no addendum: the list reader reads it.
    document = documents.from_text("Noted: 28.1, 28.2", "pasted text")
    assert not addendum.looks_like_addendum(document)


# ---------------------------------------------------------------------------
# China 2024 (the fixture of tests/known_answers.py) as a report and an addendum in PDF,
# written by tests/data/make_china_2024_pdfs.py


CHINA_REPORT = DATA / "china_cycle4_2024_A_HRC_55_6_report.pdf"
CHINA_ADDENDUM = DATA / "china_cycle4_2024_A_HRC_55_6_Add1.pdf"


def test_china_2024_pdfs_give_the_published_counts(empty_project) -> None:
    from tests.known_answers import _responses_2024

    options = ImportOptions(review=ReviewRecord("CHN", 4))
    assert [detect.detect_format(p) for p in (CHINA_REPORT, CHINA_ADDENDUM)] == [
        "wg-report",
        "responses",
    ]
    report = import_files(empty_project, [CHINA_REPORT], options)
    assert report.errors == [] and report.warnings == []
    (batch,) = report.batches
    assert len(batch.recommendations) == 428
    assert batch.document is not None
    assert (batch.document.symbol, batch.document.session) == ("A/HRC/55/6", 45)
    assert str(batch.document.review_date) == "2024-01-23"
    tenth = batch.recommendations[9]
    assert tenth.text == "Recommendation 160.10 of CHN cycle 4 (France) (Germany);"
    assert tenth.recommending_iso3 == ["FRA", "DEU"]

    answers = import_files(empty_project, [CHINA_ADDENDUM], options)
    assert answers.errors == [] and answers.warnings == []
    assert answers.unanswered == []
    (read,) = answers.batches
    assert read.announced_totals == {
        "accepted": 290,
        "partially accepted": 8,
        "noted": 32,
        "rejected": 98,
    }
    expected = {f"160.{n}": category for n, category in enumerate(_responses_2024(), start=1)}
    assert {r.number: category_of(r.response) for r in read.responses} == expected
    assert Counter(expected.values()) == {
        "accepted and already implemented": 150,
        "accepted and being implemented": 140,
        "partially accepted": 8,
        "noted": 32,
        "rejected": 98,
    }
    found = {r.number: r for r in read.responses}
    assert found["160.331"].explanation == found["160.336"].explanation
    assert found["160.331"].explanation.startswith("These recommendations are based on")
    with empty_project.session() as session:
        stored = session.scalar(
            select(func.count())
            .select_from(Recommendation)
            .where(Recommendation.response.is_not(None))
        )
    assert stored == 428


def test_china_2024_pdfs_are_what_the_script_writes(tmp_path: Path) -> None:
    """The committed PDFs read the same as freshly written ones (the script is the source)."""
    from tests.data import make_china_2024_pdfs as script

    script.write_report(tmp_path / "report.pdf")
    script.write_addendum(tmp_path / "addendum.pdf")
    fresh = responses.read(tmp_path / "addendum.pdf")
    committed = responses.read(CHINA_ADDENDUM)
    assert [(r.number, r.response) for r in fresh.responses] == [
        (r.number, r.response) for r in committed.responses
    ]
    fresh_report = wg_report.read(tmp_path / "report.pdf", review=ReviewRecord("CHN", 4))
    committed_report = wg_report.read(CHINA_REPORT, review=ReviewRecord("CHN", 4))
    assert [r.text for r in fresh_report.recommendations] == [
        r.text for r in committed_report.recommendations
    ]


def test_a_number_the_review_does_not_have_is_named_with_line_and_page(
    empty_project, tmp_path: Path
) -> None:
    options = ImportOptions(review=review(3))
    import_files(empty_project, [DOCS / f"{REPORTS[3]}.pdf"], options)
    text = (DOCS / f"{ADDENDA[3]}.txt").read_text(encoding="utf-8")
    path = tmp_path / "addendum.txt"
    path.write_text(text.replace("122.154, 122.156.", "122.154, 122.156, 122.158."), "utf-8")
    plan = import_files(empty_project, [path], options, dry_run=True)
    assert [str(w) for w in plan.warnings] == [
        "addendum.txt: warning: the state announces 124 recommendations supported, but 125 "
        "are listed as supported in the document",
        "addendum.txt, line 56: warning: recommendation 122.158 is listed on page 2, but the "
        "review has no recommendation with that number; its response was not read",
    ]


@pytest.mark.parametrize("which", ["report", "addendum"])
def test_word_files_of_the_documents(tmp_path: Path, which: str) -> None:
    """The same documents saved as Word (one paragraph a line of the text)."""
    import docx

    stem = REPORTS[3] if which == "report" else ADDENDA[3]
    document = docx.Document()
    for line in (DOCS / f"{stem}.txt").read_text(encoding="utf-8").split("\n"):
        document.add_paragraph(line.replace("\f", ""))
    path = tmp_path / f"{which}.docx"
    document.save(str(path))
    assert detect.detect_format(path) == ("wg-report" if which == "report" else "responses")
    if which == "report":
        batch = wg_report.read(path, review=review(3))
        assert len(batch.recommendations) == 215 and batch.errors == []
        assert batch.document is not None and batch.document.symbol == "A/HRC/43/15"
    else:
        batch = responses.read(path)
        assert len(batch.responses) == 157 and batch.errors == [] and batch.warnings == []


def test_documents_dropped_without_a_review_find_it_themselves(empty_project) -> None:
    """As a coordinator drops the two PDFs on the window: the report names its state and
    session (so the review is made from them), and the addendum names its report."""
    from annotator.store.models import Review

    # Two reviews in the project, so the addendum cannot fall back on "the only one".
    first = import_files(empty_project, [DOCS / f"{REPORTS[2]}.txt"], ImportOptions())
    assert first.errors == []
    report = import_files(empty_project, [DOCS / f"{REPORTS[3]}.pdf"], ImportOptions())
    assert report.errors == []
    answers = import_files(empty_project, [DOCS / f"{ADDENDA[3]}.pdf"], ImportOptions())
    assert answers.errors == []
    with empty_project.session() as session:
        reviews = {
            (r.cycle, r.session, r.year, r.report_symbol, r.responses_symbol)
            for r in session.scalars(select(Review))
        }
        answered = session.scalar(
            select(func.count())
            .select_from(Recommendation)
            .join(Review)
            .where(Review.cycle == 3, Recommendation.response.is_not(None))
        )
    assert (2, 20, 2014, "A/HRC/28/15", None) in reviews
    assert (3, 34, 2019, "A/HRC/43/15", "A/HRC/43/15/Add.1") in reviews
    assert answered == 215
