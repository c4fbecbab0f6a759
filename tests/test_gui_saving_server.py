"""Saves never block the window on a team server either (issue 15, item 10b): another
connection holds a lock on the table a save writes; the keystroke returns with the change
pending, the window says "Not saved yet", the writer's wait is bounded (lock_timeout, so
it says the project is busy and tries again), and once the lock goes nothing is lost."""

from __future__ import annotations

import psycopg
import pytest

from annotator.services.projects import init_project
from tests.pg_server import connect
from tests.test_gui_coding import code_id, key, settled
from tests.test_gui_saving import still_shown_after_going_away


@pytest.fixture
def sample_project(postgres):
    """The sample on a PostgreSQL server: conftest's ``window`` opens this one."""
    project = init_project(postgres.new_database(), sample=True)
    yield project
    project.close()


def annotations_on_server(url: str, rid: int, code: int) -> int:
    with connect(url) as reader:
        row = reader.execute(
            "SELECT count(*) FROM annotation WHERE recommendation_id = %s AND code_id = %s",
            (rid, code),
        ).fetchone()
    assert row is not None
    return row[0]


def test_a_keystroke_under_another_connections_lock_returns_pending_and_lands_later(
    window, sample_project, qtbot
):
    themes = window.spec.field_by_key("themes")
    torture = code_id(window, "themes", "torture")
    rid = window.current_id
    other = connect(sample_project.url)
    other.execute("LOCK TABLE annotation IN EXCLUSIVE MODE")  # reads pass, writes wait
    try:
        window.table.setFocus()
        key(qtbot, window, "T")  # Torture's key: the keystroke returns at once
        assert other.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        assert window.has_unsaved()
        assert torture in window.form.values()[themes.id].codes
        qtbot.waitUntil(lambda: "Not saved yet" in window.saved_label.text(), timeout=5_000)
        # The writer's wait ran out (lock_timeout) instead of hanging on the lock: it
        # said so, and keeps trying.
        qtbot.waitUntil(lambda: "busy" in window.saved_label.text(), timeout=10_000)
        assert window.has_unsaved()
        assert annotations_on_server(sample_project.url, rid, torture) == 0
        still_shown_after_going_away(window, rid, themes.id, torture)
    finally:
        other.rollback()
        other.close()
    qtbot.waitUntil(lambda: not window.has_unsaved(), timeout=15_000)
    settled(window)
    assert window.saved_label.text().startswith("Saved")
    assert annotations_on_server(sample_project.url, rid, torture) == 1
    assert torture in window.service.values(rid)[themes.id].codes
