"""The Qt-free coding session: what a coder may enter, blind coding, and that a change
survives a locked project (a real second SQLite connection holds the write lock)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from annotator.services.coders import get_or_create_coder
from annotator.services.coding import (
    FieldValue,
    InvalidValue,
    Status,
    form_spec,
    load_values,
    save_value,
)
from annotator.services.coding_session import (
    CodingSession,
    Pending,
    StatusChange,
    ValueChange,
)
from annotator.services.permissions import NotPermitted
from tests.project_helpers import required_values


@pytest.fixture
def coders(sample_project):
    with sample_project.write() as session:
        amina = get_or_create_coder(session, "Amina").id
        ben = get_or_create_coder(session, "Ben").id
        chief = get_or_create_coder(session, "Chief", role="adjudicator").id
    return amina, ben, chief


def code(spec, field_key: str, code_key: str) -> int:
    return next(c.id for c in spec.field_by_key(field_key).codes if c.key == code_key)


class Recorder:
    def __init__(self) -> None:
        self.saved: list[object] = []
        self.pending: list[tuple[object, Pending]] = []
        self.failed: list[tuple[object, str]] = []
        self.saved_event = threading.Event()

    def kwargs(self) -> dict:
        return {
            "on_saved": self._saved,
            "on_pending": lambda c, why: self.pending.append((c, why)),
            "on_failed": lambda c, msg: self.failed.append((c, msg)),
        }

    def _saved(self, change) -> None:
        self.saved.append(change)
        self.saved_event.set()


def hold_write_lock(path) -> sqlite3.Connection:
    """Another program writing: a plain sqlite3 connection in BEGIN IMMEDIATE."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    return other


# -- the codebook decides what a value may be ---------------------------------------------


def test_save_value_refuses_a_code_of_another_field(sample_project, coders, rid):
    amina = coders[0]
    with sample_project.session() as session:
        spec = form_spec(session)
    themes = spec.field_by_key("themes").id
    noted = code(spec, "position", "noted")
    with pytest.raises(InvalidValue, match="not codes of"), sample_project.write() as session:
        save_value(session, rid, amina, themes, FieldValue(frozenset({noted})))
    with sample_project.session() as session:
        assert load_values(session, rid, amina) == {}


def test_save_value_refuses_two_codes_in_a_single_choice_field(sample_project, coders, rid):
    amina = coders[0]
    with sample_project.session() as session:
        spec = form_spec(session)
    position = spec.field_by_key("position").id
    two = frozenset({code(spec, "position", "noted"), code(spec, "position", "supported")})
    with pytest.raises(InvalidValue, match="one code only"), sample_project.write() as session:
        save_value(session, rid, amina, position, FieldValue(two))
    action = spec.field_by_key("action").id
    levels = frozenset({code(spec, "action", "1"), code(spec, "action", "2")})
    with pytest.raises(InvalidValue, match="one code only"), sample_project.write() as session:
        save_value(session, rid, amina, action, FieldValue(levels))
    with sample_project.session() as session:
        assert load_values(session, rid, amina) == {}


def test_save_value_refuses_codes_in_a_text_field_and_an_unknown_field(sample_project, coders, rid):
    amina = coders[0]
    with sample_project.session() as session:
        spec = form_spec(session)
    notes = spec.field_by_key("notes").id
    torture = code(spec, "themes", "torture")
    with pytest.raises(InvalidValue, match="takes text"), sample_project.write() as session:
        save_value(session, rid, amina, notes, FieldValue(frozenset({torture})))
    with pytest.raises(InvalidValue, match="not in the codebook"), sample_project.write() as s:
        save_value(s, rid, amina, 9_999, FieldValue(text="x"))


def test_the_session_refuses_a_bad_value_before_keeping_it(sample_project, coders, rid):
    calls = Recorder()
    session = CodingSession(sample_project, coders[0], **calls.kwargs())
    spec = session.form()
    position = spec.field_by_key("position").id
    with pytest.raises(InvalidValue):
        session.save_value(rid, position, FieldValue(frozenset({code(spec, "themes", "torture")})))
    assert not session.has_unsaved()
    assert calls.saved == [] and session.values(rid) == {}
    assert session.save_value(
        rid, position, FieldValue(frozenset({code(spec, "position", "noted")}))
    )
    assert calls.saved == [
        ValueChange(rid, position, FieldValue(frozenset({code(spec, "position", "noted")})))
    ]


# -- blind coding -----------------------------------------------------------------------


def test_a_coder_sees_only_their_own_values(sample_project, coders, rid):
    amina, ben, chief = coders
    amina_session = CodingSession(sample_project, amina)
    ben_session = CodingSession(sample_project, ben)
    spec = amina_session.form()
    themes = spec.field_by_key("themes").id
    amina_session.save_value(rid, themes, FieldValue(frozenset({code(spec, "themes", "torture")})))
    assert ben_session.values(rid) == {}
    with pytest.raises(NotPermitted):
        ben_session.others(rid)
    seen = CodingSession(sample_project, chief).others(rid)
    assert seen["Amina"][themes].codes == {code(spec, "themes", "torture")}


def test_a_retired_coder_is_refused_and_told(sample_project, coders, rid):
    from annotator.services.coders import retire_coder

    amina, _ben, _chief = coders
    with sample_project.write() as s:
        coordinator = get_or_create_coder(s, "Cora", role="coordinator").id
        retire_coder(s, amina, by_coder_id=coordinator)
    calls = Recorder()
    session = CodingSession(sample_project, amina, **calls.kwargs())
    notes = session.form().field_by_key("notes").id
    assert not session.save_value(rid, notes, FieldValue(text="late"))
    assert len(calls.failed) == 1 and not session.has_unsaved()
    assert session.values(rid) == {}


# -- never lose a change ----------------------------------------------------------------


def test_a_save_under_a_held_lock_returns_pending_and_is_saved_when_it_goes(
    sample_project, sample_path, coders, rid
):
    calls = Recorder()
    session = CodingSession(
        sample_project, coders[0], busy_timeout_ms=50, attempts=1, **calls.kwargs()
    )
    spec = session.form()
    themes = spec.field_by_key("themes").id
    torture = FieldValue(frozenset({code(spec, "themes", "torture")}))
    for field_id, value in required_values(spec).items():  # done needs them all
        if field_id != themes:
            assert session.save_value(rid, field_id, value)
    calls.saved.clear()
    other = hold_write_lock(sample_path)
    try:
        assert session.save_value(rid, themes, torture) is False
        assert session.set_status(rid, Status("done")) is False
        assert session.pending == (
            ValueChange(rid, themes, torture),
            StatusChange(rid, Status("done")),
        )
        assert calls.pending and calls.pending[0][1].kind == "busy"
        assert not session.retry()  # still locked: still kept
    finally:
        other.rollback()
        other.close()
    assert session.retry()
    assert session.values(rid)[themes] == torture
    assert session.status(rid).status == "done"
    assert calls.saved == [ValueChange(rid, themes, torture), StatusChange(rid, Status("done"))]


def test_on_a_server_a_save_waits_for_a_lock_a_bounded_time_and_is_kept(postgres):
    from sqlalchemy import select

    from annotator.services.projects import init_project
    from annotator.store.models import Recommendation
    from tests.pg_server import connect

    project = init_project(postgres.new_database(), sample=True)
    try:
        with project.write() as session:
            amina = get_or_create_coder(session, "Amina").id
        calls = Recorder()
        coding = CodingSession(project, amina, busy_timeout_ms=50, attempts=1, **calls.kwargs())
        spec = coding.form()
        with project.session() as session:
            rid = session.scalar(select(Recommendation.id).order_by(Recommendation.id))
        themes = spec.field_by_key("themes").id
        torture = FieldValue(frozenset({code(spec, "themes", "torture")}))
        other = connect(project.url)
        other.execute("LOCK TABLE annotation IN EXCLUSIVE MODE")
        try:
            # Returns (lock_timeout ran out) rather than waiting for the other connection.
            assert coding.save_value(rid, themes, torture) is False
            assert calls.pending and calls.pending[0][1].kind == "busy"
            assert coding.pending == (ValueChange(rid, themes, torture),)
        finally:
            other.rollback()
            other.close()
        assert coding.retry()
        assert coding.values(rid)[themes] == torture
    finally:
        project.close()


def test_changes_are_saved_in_the_order_they_were_made(sample_project, sample_path, coders, rid):
    session = CodingSession(sample_project, coders[0], busy_timeout_ms=50, attempts=1)
    notes = session.form().field_by_key("notes").id
    other = hold_write_lock(sample_path)
    try:
        session.save_value(rid, notes, FieldValue(text="first"))
    finally:
        other.rollback()
        other.close()
    # The lock is gone, but the older change waits: the newer one goes behind it.
    assert session.save_value(rid, notes, FieldValue(text="second"))
    assert session.values(rid)[notes].text == "second"


def test_the_writer_thread_never_makes_the_caller_wait(sample_project, sample_path, coders, rid):
    calls = Recorder()
    session = CodingSession(
        sample_project,
        coders[0],
        busy_timeout_ms=50,
        attempts=1,
        threaded=True,
        retry_seconds=0.05,
        **calls.kwargs(),
    )
    notes = session.form().field_by_key("notes").id
    other = hold_write_lock(sample_path)
    try:
        assert session.save_value(rid, notes, FieldValue(text="kept")) is False
        assert session.has_unsaved()
    finally:
        other.rollback()
        other.close()
    assert calls.saved_event.wait(10)
    assert session.close(timeout=5)
    assert session.values(rid)[notes].text == "kept"
    assert calls.saved == [ValueChange(rid, notes, FieldValue(text="kept"))]


def test_flush_waits_a_bounded_time_and_says_what_is_left(sample_project, sample_path, coders, rid):
    session = CodingSession(sample_project, coders[0], busy_timeout_ms=20, attempts=1)
    notes = session.form().field_by_key("notes").id
    other = hold_write_lock(sample_path)
    try:
        session.save_value(rid, notes, FieldValue(text="waiting"))
        assert session.flush(timeout=0.3) is False  # the caller tells the coder
        assert session.has_unsaved()
    finally:
        other.rollback()
        other.close()
    assert session.close(timeout=5)
    assert session.values(rid)[notes].text == "waiting"
