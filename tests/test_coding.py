"""The coding service and the queue's SQL filters, on SQLite files and a PostgreSQL server."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from annotator.services import queue
from annotator.services.bulk import write_annotations
from annotator.services.coders import get_or_create_coder
from annotator.services.coding import (
    EMPTY,
    CodingService,
    FieldValue,
    form_spec,
    load_values,
    save_status,
    save_value,
)
from annotator.services.permissions import NotPermitted
from annotator.store.models import Annotation, AuditEvent, CodingStatus, Recommendation
from tests.project_helpers import allow_incomplete_done, codes_named, fill_required_by


@pytest.fixture
def amina(any_sample_project):
    with any_sample_project.write() as session:
        return get_or_create_coder(session, "Amina").id


def first_id(project, number: str) -> int:
    with project.session() as session:
        return session.scalar(select(Recommendation.id).where(Recommendation.number == number))


def test_a_value_is_saved_audited_and_read_back(any_sample_project, amina):
    service = CodingService(any_sample_project, amina)
    spec = service.form()
    rid = first_id(any_sample_project, "28.10")
    themes = spec.field_by_key("themes")
    value = codes_named(spec, [("themes", "torture"), ("themes", "detention")])[themes.id]
    assert service.save(rid, themes.id, value) == EMPTY
    notes = spec.field_by_key("notes")
    service.save(rid, notes.id, FieldValue(text="See the 2019 report"))
    service.save(rid, notes.id, FieldValue(text="See the 2020 report"))

    with any_sample_project.session() as session:  # a new session: what is on disk
        stored = load_values(session, rid, amina)
        rows = session.scalars(select(Annotation).where(Annotation.recommendation_id == rid))
        versions = {row.codebook_version for row in rows}
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "annotate").order_by(AuditEvent.id)
        ).all()
        status = session.get(CodingStatus, (rid, amina))
    assert stored[themes.id] == value
    assert stored[notes.id].text == "See the 2020 report"
    assert versions == {spec.version}
    assert len(events) == 3
    assert json.loads(events[0].after)["codes"] == ["detention", "torture"]
    # Nothing the coder typed is lost: the overwritten note is in the audit trail.
    assert json.loads(events[2].before)["text"] == "See the 2019 report"
    assert status.status == "in_progress"


def test_saving_the_same_value_again_writes_nothing(any_sample_project, amina):
    service = CodingService(any_sample_project, amina)
    spec = service.form()
    rid = first_id(any_sample_project, "28.1")
    themes = spec.field_by_key("themes")
    value = codes_named(spec, [("themes", "torture")])[themes.id]
    service.save(rid, themes.id, value)
    service.save(rid, themes.id, value)
    with any_sample_project.session() as session:
        annotated = select(AuditEvent.id).where(AuditEvent.action == "annotate")
        assert len(session.scalars(annotated).all()) == 1


def test_unticking_removes_only_that_code(any_sample_project, amina):
    service = CodingService(any_sample_project, amina)
    spec = service.form()
    rid = first_id(any_sample_project, "28.1")
    themes = spec.field_by_key("themes")
    both = codes_named(spec, [("themes", "torture"), ("themes", "detention")])[themes.id]
    service.save(rid, themes.id, both)
    with any_sample_project.session() as session:
        kept_uuid = session.scalar(
            select(Annotation.uuid).where(Annotation.code_id == min(both.codes))
        )
    one = FieldValue(frozenset({min(both.codes)}))
    assert service.save(rid, themes.id, one) == both
    with any_sample_project.session() as session:
        rows = session.execute(
            select(Annotation.code_id, Annotation.uuid).where(Annotation.recommendation_id == rid)
        ).all()
    assert rows == [(min(both.codes), kept_uuid)]  # the row that stays keeps its identity


def test_status_flag_needs_a_reason_and_time_is_added(any_sample_project, amina):
    service = CodingService(any_sample_project, amina)
    rid = first_id(any_sample_project, "28.2")
    with pytest.raises(ValueError, match="reason"):
        service.set_status(rid, "flagged", reason="  ")
    assert service.status(rid).status == "not_started"
    service.add_time(rid, 12.0)  # no status yet: browsing alone records nothing
    service.set_status(rid, "flagged", reason="Two recommendations in one")
    service.add_time(rid, 12.5)
    status = service.status(rid)
    assert (status.status, status.reason, status.seconds) == (
        "flagged",
        "Two recommendations in one",
        12.5,
    )
    fill_required_by(service, rid)
    previous = service.set_status(rid, "done")
    assert previous.status == "flagged"
    assert service.status(rid).reason is None


def test_other_coders_values_are_kept_apart(any_sample_project, amina):
    with any_sample_project.write() as session:
        ben = get_or_create_coder(session, "Ben").id
        spec = form_spec(session)
        rid = session.scalar(select(Recommendation.id).where(Recommendation.number == "28.3"))
        themes = spec.field_by_key("themes")
        save_value(
            session, rid, ben, themes.id, codes_named(spec, [("themes", "torture")])[themes.id]
        )
        save_status(session, rid, ben, "done")
    mine = CodingService(any_sample_project, amina)
    assert mine.values(rid) == {}
    assert mine.status(rid).status == "not_started"
    # Blind coding is the service's rule, not the screen's: a coder asking is refused.
    with pytest.raises(NotPermitted, match="Only an adjudicator or a coordinator can see"):
        mine.others(rid)
    with any_sample_project.write() as session:
        cora = get_or_create_coder(session, "Cora", role="adjudicator").id
    assert list(CodingService(any_sample_project, cora).others(rid)) == ["Ben"]


# -- the queue ---------------------------------------------------------------------------


def ids(project, coder_id, **kwargs) -> list[int]:
    with project.session() as session:
        return queue.filtered_ids(session, queue.QueueFilter(**kwargs), coder_id)


def numbers_of(project, id_list) -> list[str]:
    with project.session() as session:
        by_id = dict(
            session.execute(
                select(Recommendation.id, Recommendation.number).where(
                    Recommendation.id.in_(id_list)
                )
            ).all()
        )
    return [by_id[i] for i in id_list]


def test_queue_orders_numbers_as_people_read_them(any_sample_project, amina):
    numbers = numbers_of(any_sample_project, ids(any_sample_project, amina))
    assert numbers.index("28.2") < numbers.index("28.10") < numbers.index("28.100")
    backwards = numbers_of(any_sample_project, ids(any_sample_project, amina, descending=True))
    assert backwards == numbers[::-1]


def test_queue_filters_by_response_state_group_and_search(any_sample_project, amina):
    assert len(ids(any_sample_project, amina, positions=frozenset({"noted"}))) == 62
    assert len(ids(any_sample_project, amina, response="Supported")) == 284
    with any_sample_project.session() as session:
        choices = queue.filter_choices(session)
        texts = dict(session.execute(select(Recommendation.id, Recommendation.text)).all())
    france = next(sid for sid, name in choices.states if name == "France")
    by_france = ids(any_sample_project, amina, state_id=france)
    assert by_france and all("France" in texts[i] for i in by_france)
    weog = ids(any_sample_project, amina, regional_group="Western European and others")
    assert set(by_france) <= set(weog) and len(weog) < 346
    found = ids(any_sample_project, amina, search="death penal")
    assert found and all("death penalt" in texts[i].lower() for i in found)
    expected = {i for i, t in texts.items() if "death penalt" in t.lower()}
    assert set(found) == expected
    assert ids(any_sample_project, amina, search='"; DROP') == []  # typed text is only text


def test_queue_filters_by_my_status_and_by_theme(any_sample_project, amina):
    service = CodingService(any_sample_project, amina)
    spec = service.form()
    themes = spec.field_by_key("themes")
    torture = next(c for c in themes.codes if c.key == "torture")
    first, second = ids(any_sample_project, amina)[:2]
    service.save(first, themes.id, FieldValue(frozenset({torture.id})))
    fill_required_by(service, second)
    service.set_status(second, "done")
    assert ids(any_sample_project, amina, statuses=frozenset({"done"})) == [second]
    assert ids(any_sample_project, amina, statuses=frozenset({"in_progress"})) == [first]
    assert len(ids(any_sample_project, amina, statuses=frozenset({"not_started"}))) == 344
    assert ids(any_sample_project, amina, code_id=torture.id) == [first]
    with any_sample_project.write() as session:
        ben = get_or_create_coder(session, "Ben").id
        write_annotations(session, [(second, ben, themes.id, torture.id, None, 1)])
    assert ids(any_sample_project, amina, code_id=torture.id) == [first]  # mine only
    assert ids(any_sample_project, amina, code_id=torture.id, code_by_anyone=True) == [
        first,
        second,
    ]
    with any_sample_project.session() as session:
        assert queue.progress(session, amina).done == 1
        assert queue.progress(session, amina, [first, second]) == queue.Progress(1, 2)


def test_the_service_refuses_done_with_required_fields_empty(any_sample_project, amina):
    """The rule lives in the service, so a script or another front end cannot skip it."""
    from annotator.services.completeness import IncompleteDone

    service = CodingService(any_sample_project, amina)
    rid = first_id(any_sample_project, "28.2")
    themes = service.form().field_by_key("themes")
    service.save(rid, themes.id, FieldValue(frozenset({themes.codes[0].id})))
    with pytest.raises(IncompleteDone, match="Published response and Position") as refused:
        service.set_status(rid, "done")
    assert refused.value.fields == ("Published response", "Position")
    assert service.status(rid).status == "in_progress"  # nothing kept
    fill_required_by(service, rid)
    service.set_status(rid, "done")
    assert service.status(rid).status == "done"

    other = first_id(any_sample_project, "28.3")
    allow_incomplete_done(any_sample_project)  # the coordinator's switch
    service.set_status(other, "done")
    assert service.status(other).status == "done"


def test_filter_progress_counts_done_from_either_side(any_sample_project, amina):
    """Done under a filter is counted from the coder's done statuses when they are fewer
    than the recommendations kept, else from those recommendations: both give the
    figure a plain count gives."""
    allow_incomplete_done(any_sample_project)  # statuses alone are what is counted here
    with any_sample_project.write() as session:
        ben = get_or_create_coder(session, "Ben").id
        responses = queue.filter_choices(session).responses
        every = queue.filtered_ids(session, queue.QueueFilter(), amina)
    few, many = CodingService(any_sample_project, amina), CodingService(any_sample_project, ben)
    for rid in every[:5]:
        few.set_status(rid, "done")
    for rid in every[: len(every) - 10]:
        many.set_status(rid, "done")
    assert responses
    for response in responses:
        flt = queue.QueueFilter(response=response)
        with any_sample_project.session() as session:
            kept = queue.filtered_ids(session, flt, amina)
            for coder in (amina, ben):
                done = set(
                    session.scalars(
                        select(CodingStatus.recommendation_id).where(
                            CodingStatus.coder_id == coder, CodingStatus.status == "done"
                        )
                    )
                )
                expected = queue.Progress(len(done & set(kept)), len(kept))
                assert queue.filter_progress(session, flt, coder) == expected, (response, coder)
