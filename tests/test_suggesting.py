"""When the form shows theme suggestions, and the trace they leave (issue 16, parts 2-3)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.services import suggesting as sg
from annotator.services.assignments import assign
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import FieldValue
from annotator.services.coding_session import CodingSession
from annotator.services.permissions import NotPermitted
from annotator.store import models


@pytest.fixture
def people(sample_project):
    with sample_project.write() as session:
        amina = get_or_create_coder(session, "Amina").id
        ben = get_or_create_coder(session, "Ben").id
        chief = get_or_create_coder(session, "Chief", role="coordinator").id
    return amina, ben, chief


def rec_ids(project, n: int) -> list[int]:
    with project.session() as session:
        return list(
            session.scalars(select(models.Recommendation.id).order_by(models.Recommendation.id))
        )[:n]


def save_position(session: CodingSession, rid: int) -> None:
    field = session.spec.field_by_key("position")
    session.save_value(rid, field.stored_id, FieldValue(frozenset({field.codes[0].stored_id})))


def test_after_first_save_is_the_default_and_only_a_coordinator_changes_it(
    sample_project, people, rid
):
    amina, _ben, chief = people
    assert sg.mode(sample_project) == "after_first_save"
    shown = sg.suggestions_for(sample_project, amina, rid)
    assert shown.items == () and "once you have saved" in (shown.reason or "")

    save_position(CodingSession(sample_project, amina), rid)
    shown = sg.suggestions_for(sample_project, amina, rid)
    assert shown.reason is None and [s.rank for s in shown.items] == [1, 2, 3, 4, 5]
    assert "UPR Info" in shown.source

    with pytest.raises(NotPermitted):
        sg.set_mode(sample_project, "off", amina)
    sg.set_mode(sample_project, "off", chief)
    assert "off" in (sg.suggestions_for(sample_project, amina, rid).reason or "")
    sg.set_mode(sample_project, "always", chief)
    other = rec_ids(sample_project, 2)[1]
    assert len(sg.suggestions_for(sample_project, amina, other).items) == 5
    with pytest.raises(ValueError, match="not 'sometimes'"):
        sg.set_mode(sample_project, "sometimes", chief)


def test_never_on_overlap_units_unless_the_coordinator_allows_it(sample_project, people):
    amina, ben, chief = people
    sg.set_mode(sample_project, "always", chief)
    shared, own = rec_ids(sample_project, 2)
    with sample_project.write() as session:
        assign(session, amina, [shared, own], by_coder_id=chief)
        assign(session, ben, [shared], by_coder_id=chief)
    shown = sg.suggestions_for(sample_project, amina, shared)
    assert shown.items == () and "double-coded" in (shown.reason or "")
    assert len(sg.suggestions_for(sample_project, amina, own).items) == 5

    with pytest.raises(NotPermitted):
        sg.set_shows_on_overlap(sample_project, True, amina)
    sg.set_shows_on_overlap(sample_project, True, chief)
    assert len(sg.suggestions_for(sample_project, amina, shared).items) == 5


def test_a_unit_another_coder_started_counts_as_overlap(sample_project, people, rid):
    amina, ben, chief = people
    sg.set_mode(sample_project, "always", chief)
    save_position(CodingSession(sample_project, ben), rid)
    assert "double-coded" in (sg.suggestions_for(sample_project, amina, rid).reason or "")


def test_shown_is_recorded_and_accepting_equals_ticking(sample_project, people):
    amina, ben, chief = people
    sg.set_mode(sample_project, "always", chief)
    first, second = rec_ids(sample_project, 2)
    shown = sg.suggestions_for(sample_project, amina, first)
    sg.record_shown(sample_project, amina, first)

    accepting = CodingSession(sample_project, amina)
    pick = shown.items[1]
    assert shown.field_id is not None
    assert accepting.accept(first, shown.field_id, pick.code_id)
    ticking = CodingSession(sample_project, ben)
    ticking.save_value(second, shown.field_id, FieldValue(frozenset({pick.code_id})))

    assert accepting.values(first) == ticking.values(second)  # the same value
    with sample_project.session() as session:
        rows = session.execute(
            select(
                models.Annotation.recommendation_id,
                models.Annotation.code_id,
                models.Annotation.accepted_suggestion,
            ).where(models.Annotation.field_id == shown.field_id)
        ).all()
        statuses = {
            (s.recommendation_id, s.coder_id): s.suggestions_shown
            for s in session.scalars(select(models.CodingStatus))
        }
    assert sorted(rows) == [(first, pick.code_id, True), (second, pick.code_id, False)]
    assert statuses[(first, amina)] is True
    assert statuses[(second, ben)] is False


def test_accepting_a_code_already_ticked_changes_nothing(sample_project, people, rid):
    amina, _ben, chief = people
    sg.set_mode(sample_project, "always", chief)
    shown = sg.suggestions_for(sample_project, amina, rid)
    assert shown.field_id is not None
    session = CodingSession(sample_project, amina)
    code = shown.items[0].code_id
    session.save_value(rid, shown.field_id, FieldValue(frozenset({code})))
    assert session.accept(rid, shown.field_id, code)
    with sample_project.session() as s:
        flags = s.scalars(select(models.Annotation.accepted_suggestion)).all()
    assert flags == [False]  # ticked by hand first: not an accepted suggestion


def test_irr_without_suggestions_leaves_the_influenced_units_out(sample_path):
    from annotator.services import reliability_report as rr
    from annotator.store.project import open_project
    from tests.roles import lead
    from tests.test_cli import annotator
    from tests.test_reliability_report import build_two_coder_project

    project = open_project(sample_path)
    built = build_two_coder_project(project)
    units = built["units"]
    sg.record_shown(project, built["amina"], units[0])
    sg.record_shown(project, built["ben"], units[1])
    with project.session() as session:
        every = rr.report(session, fields=["themes"], by_coder_id=lead(session))
        clean = rr.report(
            session, fields=["themes"], by_coder_id=lead(session), without_suggestions=True
        )
    project.close()
    assert every.field("themes").n_units == 12 and not every.without_suggestions
    assert clean.field("themes").n_units == 10 and clean.left_out == 2
    assert "2 recommendations where a coder had suggestions" in clean.suggestions_reading

    table = annotator(
        "irr", "--as", "Dan", "--db", str(sample_path), "--field", "themes",
        "--without-suggestions",
    )  # fmt: skip
    assert table.returncode == 0, table.stderr
    assert "Themes (multi-choice): 10 recommendations compared" in table.stdout
    assert "Only recommendations coded without theme suggestions: 2" in table.stdout


def test_the_flags_are_exported_per_coder_and_recommendation(sample_project, people, tmp_path):
    import pandas as pd

    from annotator.services.exporting import ExportOptions, export

    amina, ben, chief = people
    sg.set_mode(sample_project, "always", chief)
    first, second = rec_ids(sample_project, 2)
    shown = sg.suggestions_for(sample_project, amina, first)
    assert shown.field_id is not None
    sg.record_shown(sample_project, amina, first)
    CodingSession(sample_project, amina).accept(first, shown.field_id, shown.items[0].code_id)
    save_position(CodingSession(sample_project, ben), second)

    out = tmp_path / "all.xlsx"
    export(sample_project, out, ExportOptions(source="all-coders"), by_coder_id=chief)
    coders = pd.read_excel(out, sheet_name="Codes by coder").set_index(["ID", "Coder"])
    assert coders.loc[(first, "Amina"), "Suggestions shown"] == "Yes"
    assert coders.loc[(first, "Amina"), "Suggestions accepted"] == shown.items[0].label
    assert coders.loc[(second, "Ben"), "Suggestions shown"] == "No"
    assert pd.isna(coders.loc[(second, "Ben"), "Suggestions accepted"])

    mine = tmp_path / "amina.csv"
    export(
        sample_project, mine, ExportOptions(format="csv", source="coder:Amina"), by_coder_id=chief
    )
    rows = pd.read_csv(mine, encoding="utf-8-sig").set_index("ID")
    assert rows.loc[first, "Suggestions shown"] == "Yes"
    assert rows.loc[first, "Suggestions accepted"] == shown.items[0].label
    assert rows.loc[second, "Suggestions shown"] == "No"


def test_info_says_what_the_suggestions_rest_on_and_when_they_show(sample_path):
    from tests.test_cli import annotator

    info = annotator("info", "--db", str(sample_path))
    assert info.returncode == 0, info.stderr
    assert "Theme suggestions for 'themes': from UPR Info labels, 41,066 recommendations" in (
        info.stdout
    )
    assert (
        "Suggestions shown: after the coder's first save on a recommendation; "
        "not on double-coded recommendations." in info.stdout
    )
