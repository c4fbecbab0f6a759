"""Undoing a decision whose audit event is incomplete is refused in plain words (found by
the type checker: a consensus event without its recommendation or its JSON reached
``json.loads(None)`` and raised a TypeError)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from annotator.services import adjudication as adj
from annotator.store.models import AuditEvent, Consensus, Recommendation
from tests.test_reliability_report import build_two_coder_project


@pytest.mark.parametrize("missing", ["before", "after", "recommendation_id"])
def test_an_incomplete_decision_event_is_not_undone(sample_project, missing):
    ids = build_two_coder_project(sample_project)
    with sample_project.write() as session:
        rid = session.scalar(select(Recommendation.id).where(Recommendation.number == "28.2"))
        event = AuditEvent(
            at=datetime.now(UTC),
            coder_id=ids["cora"],
            action="decide",
            entity="consensus",
            recommendation_id=rid,
            before='{"rows": []}',
            after='{"rows": []}',
        )
        setattr(event, missing, None)
        session.add(event)
        session.flush()
        event_id = event.id
    with (
        sample_project.write() as session,
        pytest.raises(ValueError, match="not a decision that can be undone"),
    ):
        adj.undo_decision(session, event_id, ids["cora"])
    with sample_project.session() as session:
        assert session.scalar(select(func.count()).select_from(Consensus)) == 0
        undo_events = select(func.count()).where(AuditEvent.action == "undo_decision")
        assert session.scalar(undo_events) == 0


@pytest.mark.parametrize(
    "before",
    ['{"rows": []}', "not a record", "[1, 2]"],
    ids=["without its field", "not JSON", "not a record"],
)
def test_a_damaged_decision_event_is_not_undone(sample_project, before):
    ids = build_two_coder_project(sample_project)
    with sample_project.write() as session:
        rid = session.scalar(select(Recommendation.id).where(Recommendation.number == "28.2"))
        event = AuditEvent(
            at=datetime.now(UTC),
            coder_id=ids["cora"],
            action="decide",
            entity="consensus",
            recommendation_id=rid,
            before=before,
            after='{"rows": []}',
        )
        session.add(event)
        session.flush()
        event_id = event.id
    with (
        sample_project.write() as session,
        pytest.raises(ValueError, match="not a decision that can be undone"),
    ):
        adj.undo_decision(session, event_id, ids["cora"])
    with sample_project.session() as session:
        undo_events = select(func.count()).where(AuditEvent.action == "undo_decision")
        assert session.scalar(undo_events) == 0
