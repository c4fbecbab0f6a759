"""Coding in Excel and back: the sheet, the round trip, and every problem refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from annotator.services.assignments import assign
from annotator.services.coding import FieldValue, form_spec, load_status, load_values, save_value
from annotator.services.coding_sheet import (
    META_SHEET,
    CodingSheetRefused,
    import_coding_sheet,
    write_coding_sheet,
)
from annotator.services.completeness import set_allows_incomplete_done
from annotator.services.projects import init_project
from annotator.store.models import Annotation, AuditEvent, Coder
from tests import known_answers
from tests.cli_runner import run_annotator as annotator
from tests.roles import boss

TORTURE = "Themes: Torture and other CID treatment"


@pytest.fixture
def known(tmp_path):
    built = known_answers.build(tmp_path / "known.upr")
    with built.project.write() as session:
        assign(session, built.ben, built.ids_2024[40:52], by_coder_id=boss(session))
    yield built
    built.project.close()


@pytest.fixture
def sheet(known, tmp_path) -> Path:
    out = tmp_path / "ben.xlsx"
    info = write_coding_sheet(known.project, "Ben", out, by_coder_id=known.ben)
    assert info.recommendations == 12 and info.coder == "Ben"
    return out


def _column(ws, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


def _edit(path: Path, edits: list[tuple[int, str, object]], out: Path | None = None) -> Path:
    """Change cells as a coder does in Excel: (row, header, value)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Coding"]
    for row, header, value in edits:
        target = ws.cell(row=row, column=_column(ws, header))
        target.value = value
        if isinstance(value, str) and not value.startswith("=F"):
            target.data_type = "s"  # as Excel keeps typed text: not a formula
    out = out or path
    wb.save(out)
    return out


def _count(project) -> tuple[int, int]:
    with project.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Annotation)),
            session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def test_the_sheet_locks_the_source_and_offers_drop_downs(known, sheet):
    wb = openpyxl.load_workbook(sheet)
    assert wb.sheetnames == ["Coding", "About this sheet", "Lists"]
    assert wb["About this sheet"].sheet_state == "veryHidden"
    assert wb["Lists"].sheet_state == "hidden"
    ws = wb["Coding"]
    headers = [c.value for c in ws[1]]
    assert headers[:7] == [
        "Recommendation ID",
        "Review",
        "Number",
        "Recommendation",
        "Recommending states",
        "Response as published",
        "Status",
    ]
    assert TORTURE in headers and "Position" in headers and "Notes" in headers
    assert ws.max_row == 13
    assert ws["C2"].value == "160.41"
    assert ws.protection.sheet
    assert ws["D2"].protection.locked
    position = _column(ws, "Position")
    assert not ws.cell(row=2, column=position).protection.locked
    assert not ws.cell(row=2, column=_column(ws, TORTURE)).protection.locked
    assert ws.freeze_panes == "E2"
    letters = {get_column_letter(position)}
    ranges = " ".join(str(v.sqref) for v in ws.data_validations.dataValidation)
    assert all(f"{letter}2:{letter}13" in ranges.split() for letter in letters)


def test_round_trip_saves_through_the_audited_path(known, sheet):
    spec_rows = _edit(
        sheet,
        [
            (2, TORTURE, 1),
            (2, "Status", "done"),  # done means complete: its required fields filled
            (2, "Position", "Supported"),
            (2, "Published response", "Accepted"),
            (3, "Position", "Rejected"),
            (4, "Notes", '=HYPERLINK("http://x")'),
            (5, "Action category", 5),
            (6, "Published response", "noted"),  # a code's key works too
        ],
    )
    before_annotations, before_events = _count(known.project)
    result = import_coding_sheet(known.project, spec_rows, by_coder_id=known.ben)
    assert result.coder == "Ben" and result.recommendations == 12
    assert result.changed_values == 7 and result.changed_statuses == 1
    ids = known.ids_2024[40:52]
    with known.project.session() as session:
        spec = form_spec(session)
        f = {x.key: x for x in spec.fields}
        code = {(x.key, c.key): c.id for x in spec.fields for c in x.codes}
        assert load_values(session, ids[0], known.ben)[f["themes"].id].codes == {
            code[("themes", "torture")]
        }
        assert load_status(session, ids[0], known.ben).status == "done"
        assert load_values(session, ids[1], known.ben)[f["position"].id].codes == {
            code[("position", "rejected")]
        }
        assert load_values(session, ids[2], known.ben)[f["notes"].id].text == (
            '=HYPERLINK("http://x")'
        )
        assert load_values(session, ids[3], known.ben)[f["action"].id].codes == {
            code[("action", "5")]
        }
    after_annotations, after_events = _count(known.project)
    assert after_annotations == before_annotations + 7
    assert after_events == before_events + 8  # seven values and a status, each audited
    # Importing the same sheet again changes nothing.
    again = import_coding_sheet(known.project, spec_rows, by_coder_id=known.ben)
    assert again.changed_values == 0 and again.changed_statuses == 0
    assert _count(known.project) == (after_annotations, after_events)


def test_dry_run_saves_nothing(known, sheet):
    _edit(sheet, [(2, TORTURE, 1)])
    before = _count(known.project)
    result = import_coding_sheet(known.project, sheet, dry_run=True, by_coder_id=known.ben)
    assert result.changed_values == 1
    assert _count(known.project) == before


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        (
            [(3, "Position", "Maybe")],
            "row 3, column {Position} (Position): 'Maybe' is not a code of Position",
        ),
        (
            [(4, "Position", "Supported; Noted")],
            "row 4, column {Position} (Position): Position takes one code",
        ),
        (
            [(5, "Recommendation", "Something else entirely")],
            "row 5, column D (Recommendation): the recommendation's text was edited",
        ),
        (
            [(6, TORTURE, 2)],
            f"row 6, column {{flag}} ({TORTURE}): write 1 (this code applies) or 0",
        ),
        (
            [(7, "Notes", "=F1+1")],
            "row 7, column {Notes} (Notes): a formula; type the value itself",
        ),
        (
            [(8, "Recommendation ID", "00000000-0000-0000-0000-000000000000")],
            "row 8, column A (Recommendation ID): no recommendation of this project",
        ),
        (
            [(2, "Status", "finished")],
            "row 2, column {Status} (Status): 'finished' is not a status",
        ),
        (
            [(4, "Status", "flagged")],
            "row 4, column {Status} (Status): flag a recommendation in the app",
        ),
        (
            [(9, "Number", "999.9")],
            "row 9, column C (Number): the number was edited",
        ),
    ],
    ids=[
        "unknown-code",
        "two-values",
        "edited-text",
        "bad-flag",
        "formula",
        "unknown-id",
        "bad-status",
        "flag",
        "edited-number",
    ],
)
def test_each_problem_is_named_and_nothing_is_saved(known, sheet, edits, message):
    ws = openpyxl.load_workbook(sheet)["Coding"]
    letters = {c.value: get_column_letter(c.column) for c in ws[1]}
    # A good change alongside the bad one: it must not be saved either.
    _edit(sheet, [(2, "Assessment", "Rejection"), *edits])
    before = _count(known.project)
    with pytest.raises(CodingSheetRefused) as refused:
        import_coding_sheet(known.project, sheet, by_coder_id=known.ben)
    text = [str(p) for p in refused.value.problems]
    names = {k: v for k, v in letters.items() if k and ":" not in k}
    expected = message.format(flag=letters[TORTURE], **names)
    assert any(f"ben.xlsx, sheet 'Coding', {expected}" in t for t in text), text
    assert _count(known.project) == before


def test_renamed_or_deleted_columns_are_refused(known, sheet):
    wb = openpyxl.load_workbook(sheet)
    ws = wb["Coding"]
    ws.cell(row=1, column=_column(ws, "Position")).value = "My position"
    wb.save(sheet)
    with pytest.raises(CodingSheetRefused) as refused:
        import_coding_sheet(known.project, sheet, by_coder_id=known.ben)
    assert "the header should be 'Position', not 'My position'" in str(refused.value)


def test_duplicate_rows_are_refused(known, sheet, tmp_path):
    wb = openpyxl.load_workbook(sheet)
    ws = wb["Coding"]
    for column in range(1, 8):
        ws.cell(row=14, column=column).value = ws.cell(row=2, column=column).value
    wb.save(sheet)
    with pytest.raises(CodingSheetRefused) as refused:
        import_coding_sheet(known.project, sheet, by_coder_id=known.ben)
    assert "row 14, column A (Recommendation ID): the same recommendation as row 2" in str(
        refused.value
    )


def test_a_value_changed_in_the_app_since_is_not_overwritten(known, sheet):
    ids = known.ids_2024[40:52]
    with known.project.write() as session:
        spec = form_spec(session)
        f = spec.field_by_key("position")
        noted = next(c.id for c in f.codes if c.key == "noted")
        save_value(session, ids[1], known.ben, f.id, FieldValue(frozenset({noted})))
    _edit(sheet, [(3, "Position", "Supported")])
    with pytest.raises(CodingSheetRefused, match="Position was changed in the app"):
        import_coding_sheet(known.project, sheet, by_coder_id=known.ben)
    # A change made in the app only is kept when the sheet leaves the field alone.
    _edit(sheet, [(3, "Position", None)])
    result = import_coding_sheet(known.project, sheet, by_coder_id=known.ben)
    assert result.changed_values == 0
    with known.project.session() as session:
        assert load_values(session, ids[1], known.ben)[f.id].codes == {noted}


def test_a_sheet_from_another_project_or_no_sheet_at_all(known, sheet, tmp_path):
    other = init_project(tmp_path / "other.upr")
    try:
        with pytest.raises(CodingSheetRefused, match="written from another project"):
            import_coding_sheet(other, sheet, by_coder_id=known.ben)
    finally:
        other.close()
    plain = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(plain)
    with pytest.raises(CodingSheetRefused, match="not a coding sheet"):
        import_coding_sheet(known.project, plain, by_coder_id=known.ben)
    text = tmp_path / "notes.xlsx"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(ValueError, match="not a coding sheet"):
        import_coding_sheet(known.project, text, by_coder_id=known.ben)


def test_cli_round_trip(known, tmp_path):
    out = tmp_path / "cli.xlsx"
    db = str(known.path)
    made = annotator(
        "export", "--as", "Ben", "--db", db, "--coding-sheet", "--coder", "Ben", str(out)
    )
    assert made.returncode == 0, made.stderr
    assert "Wrote a coding sheet for Ben: 12 recommendations" in made.stdout
    bad = shutil.copyfile(out, tmp_path / "bad.xlsx")
    _edit(bad, [(3, "Position", "Maybe")])
    refused = annotator("import-codes", "--as", "Ben", "--db", db, str(bad))
    assert refused.returncode == 1
    assert "bad.xlsx, sheet 'Coding', row 3" in refused.stdout
    assert "Nothing was saved" in refused.stderr
    _edit(out, [(2, TORTURE, 1)])
    done = annotator("import-codes", "--as", "Ben", "--db", db, str(out))
    assert done.returncode == 0, done.stderr
    assert "Saved 1 changed values on 12 recommendations for Ben." in done.stdout


# ------------------------------------------------------- the hidden description, tampered


def _tamper_meta(path: Path, change) -> None:
    """Edit the very hidden description as someone with a zip tool and patience could."""
    wb = openpyxl.load_workbook(path)
    ws = wb[META_SHEET]
    change(ws)
    wb.save(path)


def _header_edit(edit):
    def change(ws) -> None:
        header = json.loads(ws.cell(row=1, column=2).value)
        ws.cell(row=1, column=2).value = json.dumps(edit(header))

    return change


def test_a_sheet_whose_hidden_coder_is_swapped_is_refused(known, sheet):
    with known.project.session() as session:
        amina = session.get(Coder, known.amina)
        amina_uuid, amina_name = str(amina.uuid), amina.name
    _edit(sheet, [(2, "Assessment", "Rejection")])
    _tamper_meta(sheet, _header_edit(lambda h: {**h, "coder": amina_uuid}))
    before = _count(known.project)
    with pytest.raises(CodingSheetRefused) as refused:
        import_coding_sheet(known.project, sheet)
    text = "\n".join(str(p) for p in refused.value.problems)
    assert f"sheet '{META_SHEET}', row 1" in text
    assert f"written for Ben, but the coder identity hidden in it is {amina_name}'s" in text
    assert _count(known.project) == before


TAMPERED = {
    "not json": (lambda ws: setattr(ws.cell(row=1, column=2), "value", "{nope"), "not readable"),
    "a list": (_header_edit(lambda h: [h]), "not a UPR Coder coding sheet's"),
    "version text": (_header_edit(lambda h: {**h, "version": "2"}), "version is not a number"),
    "no coder": (
        _header_edit(lambda h: {k: v for k, v in h.items() if k != "coder"}),
        "its coder is missing",
    ),
    "coder not a uuid": (
        _header_edit(lambda h: {**h, "coder": "Ben"}),
        "coder identity is not readable",
    ),
    "coder a number": (_header_edit(lambda h: {**h, "coder": 7}), "its coder is missing"),
    "columns a string": (
        _header_edit(lambda h: {**h, "columns": "all"}),
        "list of columns is missing",
    ),
    "column of three": (
        _header_edit(lambda h: {**h, "columns": [c[:3] for c in h["columns"]]}),
        "list of columns is not readable",
    ),
    "unknown column kind": (
        _header_edit(lambda h: {**h, "columns": [["script", None, None, "x"]]}),
        "list of columns is not readable",
    ),
    "row record a list": (
        lambda ws: setattr(ws.cell(row=2, column=2), "value", "[1, 2]"),
        "row 2: the sheet's hidden record of this recommendation is damaged",
    ),
    "row values not a dict": (
        lambda ws: setattr(ws.cell(row=3, column=2), "value", '{"status": null, "values": 5}'),
        "row 3: the sheet's hidden record of this recommendation is damaged",
    ),
    "row value a number": (
        lambda ws: setattr(
            ws.cell(row=2, column=2), "value", '{"status": null, "values": {"notes": 5}}'
        ),
        "row 2: the sheet's hidden record",
    ),
}


@pytest.mark.parametrize("damage", sorted(TAMPERED))
def test_tampered_hidden_description_is_a_clear_refusal(known, sheet, damage):
    change, message = TAMPERED[damage]
    _edit(sheet, [(2, "Assessment", "Rejection")])
    _tamper_meta(sheet, change)
    before = _count(known.project)
    with pytest.raises(CodingSheetRefused) as refused:
        import_coding_sheet(known.project, sheet)
    text = "\n".join(str(p) for p in refused.value.problems)
    assert f"ben.xlsx, sheet '{META_SHEET}'" in text
    assert message in text, text
    assert _count(known.project) == before


def test_a_row_marked_done_with_required_fields_empty_is_refused(known, sheet):
    _edit(sheet, [(2, TORTURE, 1), (2, "Status", "done"), (3, "Position", "Rejected")])
    before = _count(known.project)
    with pytest.raises(CodingSheetRefused) as refused:
        import_coding_sheet(known.project, sheet, by_coder_id=known.ben)
    assert (
        "ben.xlsx, sheet 'Coding', row 2: Not marked done: Published response and Position "
        "are still empty"
    ) in str(refused.value)
    assert _count(known.project) == before  # row 3's good change is not saved either


def test_the_project_setting_lets_a_sheet_mark_incomplete_work_done(known, sheet):
    with known.project.session() as session:
        coordinator = boss(session)
    set_allows_incomplete_done(known.project, True, coordinator)
    _edit(sheet, [(2, TORTURE, 1), (2, "Status", "done")])
    result = import_coding_sheet(known.project, sheet, by_coder_id=known.ben)
    assert result.changed_statuses == 1
    with known.project.session() as session:
        assert load_status(session, known.ids_2024[40], known.ben).status == "done"
