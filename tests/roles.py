"""A coordinator for tests that call guarded services (the rules are not weakened for
tests: they act as a coordinator, as a real team's coordinator would)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from annotator.services.coders import get_or_create_coder
from annotator.store.models import Coder
from annotator.store.project import Project

COORDINATOR = "Olga"


def coordinator_id(project: Project, name: str = COORDINATOR) -> int:
    """The id of a coordinator of ``project`` (added, or made one, if needed)."""
    with project.write() as session:
        coder = get_or_create_coder(session, name, role="coordinator")
        if coder.role != "coordinator":
            session.get(Coder, coder.id).role = "coordinator"  # type: ignore[union-attr]
        return coder.id


def boss(session, name: str = COORDINATOR) -> int:
    """Within an open write session: the id of a coordinator (added if needed)."""
    coder = get_or_create_coder(session, name, role="coordinator")
    coder.role = "coordinator"
    session.flush()
    return coder.id


def lead(session) -> int:
    """The id of the project's first coordinator (else adjudicator): who reads everyone's
    codes in tests of reports, exports and adjudication."""
    from sqlalchemy import select

    for role in ("coordinator", "adjudicator"):
        found = session.scalar(
            select(Coder.id)
            .where(Coder.role == role, Coder.retired_at.is_(None))
            .order_by(Coder.id)
        )
        if found is not None:
            return found
    raise AssertionError("the test project has no coordinator or adjudicator")


def lead_of(project: Project) -> int:
    with project.session() as session:
        return lead(session)


def coder_by_uuid(session, coder_uuid: uuid.UUID) -> Coder | None:
    return session.scalars(select(Coder).where(Coder.uuid == coder_uuid)).first()
