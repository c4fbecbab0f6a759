"""Team mode: several coders at once on one PostgreSQL server, nothing lost or doubled."""

from __future__ import annotations

from sqlalchemy import func, select

from annotator.services.projects import init_project
from annotator.store.models import Annotation, AuditEvent, CodingStatus
from annotator.store.project import open_project
from tests.team_load import check_load, run_load


def test_eight_coders_at_once_lose_and_duplicate_nothing(postgres):
    url = postgres.new_database()
    init_project(url, sample=True).close()
    result = run_load(url, coders=8, recommendations=120)
    assert result.errors == ()
    assert check_load(url, result) == []  # every value each coder saved, as saved
    project = open_project(url)
    try:
        with project.session() as session:
            annotations = session.scalar(select(func.count(Annotation.id)))
            done = session.scalar(
                select(func.count()).select_from(CodingStatus).where(CodingStatus.status == "done")
            )
            audited = session.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == "annotate")
            )
    finally:
        project.close()
    assert annotations == result.annotations_written  # none lost, none doubled
    assert done == 8 * 120
    assert audited == 8 * 120 * 4  # themes, published response, position, a note
