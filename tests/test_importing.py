"""The import service: preview, all or nothing, idempotence, re-import, cancel."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from annotator.services.bulk import write_annotations
from annotator.services.coders import get_or_create_coder
from annotator.services.importing import (
    ImportCancelled,
    ImportOptions,
    ImportRefused,
    describe,
    import_files,
    parse_review,
)
from annotator.store.models import (
    Annotation,
    AuditEvent,
    CodebookField,
    Recommendation,
    SourceTag,
)
from tests.fts_search import search_ids
from tests.project_helpers import table_counts

DATA = Path(__file__).parent / "data"
CHINA_CSV = DATA / "china_cycle3_2018_matrix.csv"


def recommendation_count(project) -> int:
    with project.session() as session:
        return session.scalar(select(func.count(Recommendation.id)))


def test_import_then_again_adds_nothing(empty_project):
    plan = import_files(empty_project, [CHINA_CSV])
    assert plan.count("new") == 346
    assert len(plan.new_reviews) == 1
    assert plan.responses_by_category() == {"Supported": 284, "Noted": 62}
    assert recommendation_count(empty_project) == 346

    again = import_files(empty_project, [CHINA_CSV])
    assert again.count("new") == 0 and again.count("unchanged") == 346
    assert not again.writes_anything
    assert recommendation_count(empty_project) == 346
    with empty_project.session() as session:
        assert (
            session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "import"))
            == 2
        )


def test_dry_run_writes_nothing(empty_project):
    before = table_counts(empty_project)
    plan = import_files(empty_project, [CHINA_CSV], dry_run=True)
    assert plan.count("new") == 346
    assert table_counts(empty_project) == before
    with empty_project.engine.connect() as connection:
        assert search_ids(connection, "torture") == []


def test_a_corrected_file_updates_texts_and_tags_but_not_annotations(empty_project, tmp_path):
    import_files(empty_project, [CHINA_CSV])
    with empty_project.write() as session:
        coder = get_or_create_coder(session, "Amina")
        rec = session.scalars(select(Recommendation).where(Recommendation.number == "28.10")).one()
        field = session.scalars(select(CodebookField).where(CodebookField.key == "notes")).one()
        write_annotations(session, [(rec.id, coder.id, field.id, None, "my note", 1)])
        rec_id = rec.id

    corrected = tmp_path / "china-corrected.csv"
    lines = CHINA_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if ",28.10," in line:
            lines[i] = line.replace("Before the next", "Before the third")
        if ",28.11," in line:
            lines[i] = line.replace("A12 Acceptance of international norms", "A13 Tagged again")
    corrected.write_text("".join(lines), encoding="utf-8")

    preview = import_files(empty_project, [corrected], dry_run=True)
    changed = {c.record.number: c.changes for c in preview.recommendations if c.action == "updated"}
    assert changed == {"28.10": ["text"], "28.11": ["source tags"]}
    assert any("28.10: text changed" in line for line in describe(preview))

    import_files(empty_project, [corrected])
    with empty_project.session() as session:
        text = session.get(Recommendation, rec_id).text
        assert text.startswith("Before the third")
        note = session.scalars(
            select(Annotation.value).where(Annotation.recommendation_id == rec_id)
        ).one()
        assert note == "my note"
        tags = session.scalars(
            select(SourceTag.value).join(Recommendation).where(Recommendation.number == "28.11")
        ).all()
        assert "A13 Tagged again" in tags
    with empty_project.engine.connect() as connection:
        assert rec_id in search_ids(connection, "third")


def test_an_error_in_one_file_writes_nothing_from_any(empty_project, tmp_path):
    broken = tmp_path / "broken.csv"
    text = CHINA_CSV.read_text(encoding="utf-8").replace(",28.5,", ",,", 1)
    broken.write_text(text, encoding="utf-8")
    other = tmp_path / "fine.csv"
    shutil.copyfile(DATA / "slovenia_cycle3_2019_matrix.csv", other)
    before = table_counts(empty_project)
    with pytest.raises(ImportRefused) as refused:
        import_files(empty_project, [other, broken])
    message = str(refused.value)
    assert "broken.csv" in message and "column 'number'" in message
    assert table_counts(empty_project) == before


def test_a_cancelled_import_writes_nothing(empty_project):
    calls = []

    def progress(label, done, total):
        calls.append(label)
        if label == "Saving":
            raise ImportCancelled("stop")

    before = table_counts(empty_project)
    with pytest.raises(ImportCancelled):
        import_files(empty_project, [CHINA_CSV], progress=progress)
    assert "Adding recommendations" in calls
    assert table_counts(empty_project) == before


def test_files_that_cannot_be_read_are_reported_by_name(empty_project, tmp_path):
    pdf = tmp_path / "report.docx"
    pdf.write_bytes(b"%PDF-1.5\n" + b"x" * 100)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(ImportRefused) as refused:
        import_files(empty_project, [pdf, empty])
    lines = [str(p) for p in refused.value.plan.errors]
    assert any("report.docx is a damaged" in line and "PDF" in line for line in lines)
    assert any("empty.xlsx is empty" in line for line in lines)


@pytest.mark.parametrize(
    ("text", "state", "cycle", "symbol"),
    [
        ("China:3", "CHN", 3, None),
        ("Iran (Islamic Republic of):4", "IRN", 4, None),
        ("A/HRC/40/6", None, None, "A/HRC/40/6"),
    ],
)
def test_parse_review(text, state, cycle, symbol):
    review, found_symbol = parse_review(text)
    assert found_symbol == symbol
    if state:
        assert (review.state_iso3, review.cycle) == (state, cycle)


@pytest.mark.parametrize("text", ["China", "Atlantis:3", "China:7", "China:x"])
def test_parse_review_refuses(text):
    with pytest.raises(ValueError):
        parse_review(text)


def test_named_review_overrides_the_file(empty_project):
    review, _ = parse_review("Slovenia:4")
    plan = import_files(empty_project, [CHINA_CSV], ImportOptions(review=review), dry_run=True)
    assert {c.record.review.state_iso3 for c in plan.recommendations} == {"SVN"}


def slovenia_uprinfo_rows(folder: Path) -> Path:
    """UPR Info's 180 rows for Slovenia's 2014 review (session 20), as their own file."""
    with gzip.open(DATA / "uprinfo_export_sessions01-20.csv.gz") as source:
        export = pd.read_csv(source, dtype=str)
    rows = export[(export["To"] == "Slovenia") & (export["Session"] == "20")]
    assert len(rows) == 180
    path = folder / "slovenia_uprinfo.csv"
    rows.to_csv(path, index=False)
    return path


def test_uprinfo_rows_link_onto_the_real_ohchr_matrix_of_the_same_review(empty_project, tmp_path):
    """Slovenia's 2014 review (session 20) is both in the OHCHR matrix and in UPR Info."""
    uprinfo_csv = slovenia_uprinfo_rows(tmp_path)

    import_files(empty_project, [DATA / "slovenia_cycle2_2014_matrix.docx"])
    before = table_counts(empty_project)
    preview = import_files(empty_project, [uprinfo_csv], dry_run=True)
    assert table_counts(empty_project) == before
    assert preview.count("new") == 0  # nothing is duplicated in UPR Info's wording
    linked, ambiguous, unmatched = (preview.count(a) for a in ("linked", "ambiguous", "unmatched"))
    assert linked + ambiguous + unmatched == 168  # 180 rows, joint ones merged
    assert linked >= 160
    report = "\n".join(describe(preview))
    counted = f"{linked} linked, 0 linked before, {ambiguous} ambiguous, {unmatched} unmatched"
    assert counted in report
    # Each row left out is named by file and row so the coordinator can find it.
    left_out = [c for c in preview.recommendations if c.action in {"ambiguous", "unmatched"}]
    for change in left_out:
        assert f"slovenia_uprinfo.csv, row {change.record.row}" in report

    import_files(empty_project, [uprinfo_csv])
    assert recommendation_count(empty_project) == 163
    with empty_project.session() as session:
        tagged = session.scalar(
            select(func.count(func.distinct(SourceTag.recommendation_id))).where(
                SourceTag.source == "uprinfo"
            )
        )
        # A linked matrix recommendation now carries UPR Info's issue tags beside its own.
        both = session.scalar(
            select(func.count(func.distinct(SourceTag.recommendation_id))).where(
                SourceTag.source == "ohchr-matrix",
                SourceTag.recommendation_id.in_(
                    select(SourceTag.recommendation_id).where(SourceTag.source == "uprinfo")
                ),
            )
        )
    assert tagged == both
    assert tagged >= 155  # a few joint UPR Info rows link to the same numbered recommendation
    again = import_files(empty_project, [uprinfo_csv], dry_run=True)
    assert not again.writes_anything
    assert again.count("already linked") == linked
    with empty_project.session() as session:
        texts = dict(session.execute(select(Recommendation.number, Recommendation.text)).all())
    # The matrix's wording stays: a linking source never rewrites another source's text.
    matrix = {
        r.number: r.text
        for r in import_files(
            empty_project, [DATA / "slovenia_cycle2_2014_matrix.docx"], dry_run=True
        )
        .batches[0]
        .recommendations
    }
    assert texts == matrix


def test_a_numbered_matrix_after_unnumbered_uprinfo_rows_numbers_them(empty_project, tmp_path):
    uprinfo_csv = slovenia_uprinfo_rows(tmp_path)
    first = import_files(empty_project, [uprinfo_csv])
    assert first.count("new") == 168
    with empty_project.write() as session:
        amina = get_or_create_coder(session, "Amina")
        field_id = session.scalar(select(CodebookField.id).where(CodebookField.key == "notes"))
        rec_id = session.scalar(select(Recommendation.id).order_by(Recommendation.id))
        write_annotations(session, [(rec_id, amina.id, field_id, None, "kept", 1)])

    matrix = import_files(empty_project, [DATA / "slovenia_cycle2_2014_matrix.docx"])
    numbered = [c for c in matrix.recommendations if "number" in c.changes]
    assert len(numbered) >= 150
    assert matrix.count("updated") + matrix.count("new") + matrix.count("ambiguous") == 163
    # Nothing duplicated: the UPR Info rows took the matrix's numbers instead.
    assert recommendation_count(empty_project) == 168 + matrix.count("new")
    with empty_project.session() as session:
        assert session.scalar(select(Annotation.value)) == "kept"
        numbers = session.scalars(select(Recommendation.number)).all()
    assert len([n for n in numbers if n]) == 163 - matrix.count("ambiguous")
