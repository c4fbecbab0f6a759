"""Done means complete: the Qt-free rule naming the required fields left empty, and the
project setting that may allow incomplete work to be marked done."""

from __future__ import annotations

import pytest

from annotator.services.coders import get_or_create_coder
from annotator.services.coding import FieldValue
from annotator.services.coding_session import CodingSession
from annotator.services.completeness import (
    IncompleteDone,
    allows_incomplete_done,
    set_allows_incomplete_done,
)
from annotator.services.permissions import NotPermitted


@pytest.fixture
def people(sample_project):
    with sample_project.write() as session:
        amina = get_or_create_coder(session, "Amina").id
        chief = get_or_create_coder(session, "Chief", role="coordinator").id
    return amina, chief


def first_code(spec, key: str) -> FieldValue:
    return FieldValue(frozenset({spec.field_by_key(key).codes[0].stored_id}))


def test_refusal_names_the_empty_required_fields_by_their_labels(sample_project, people, rid):
    session = CodingSession(sample_project, people[0])
    refusal = session.done_refusal(rid)
    assert isinstance(refusal, IncompleteDone)
    assert refusal.fields == ("Themes", "Published response", "Position")
    assert "Themes, Published response and Position are still empty" in str(refusal)

    spec = session.spec
    session.save_value(rid, spec.field_by_key("themes").stored_id, first_code(spec, "themes"))
    session.save_value(
        rid,
        spec.field_by_key("published_response").stored_id,
        first_code(spec, "published_response"),
    )
    refusal = session.done_refusal(rid)
    assert refusal is not None and refusal.fields == ("Position",)
    assert "Position is still empty. Fill it in" in str(refusal)
    session.save_value(rid, spec.field_by_key("position").stored_id, first_code(spec, "position"))
    assert session.done_refusal(rid) is None


def test_the_setting_allows_incomplete_work_and_only_a_coordinator_changes_it(
    sample_project, people, rid
):
    amina, chief = people
    assert not allows_incomplete_done(sample_project)  # off by default
    with pytest.raises(NotPermitted):
        set_allows_incomplete_done(sample_project, True, amina)
    assert not allows_incomplete_done(sample_project)
    set_allows_incomplete_done(sample_project, True, chief)
    assert allows_incomplete_done(sample_project)
    assert CodingSession(sample_project, amina).done_refusal(rid) is None
    set_allows_incomplete_done(sample_project, False, chief)
    assert CodingSession(sample_project, amina).done_refusal(rid) is not None
