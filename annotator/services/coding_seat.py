"""Who codes in an opened project, as the coding window shows it: plain values in,
plain values out, one transaction each (the window holds no database code)."""

from __future__ import annotations

from dataclasses import dataclass

from annotator.services import coders
from annotator.services.packages import coder_opening
from annotator.services.server_logins import session_coder
from annotator.store.project import Project


@dataclass(frozen=True)
class CodingSeat:
    coder_id: int  # -1: a read-only project that does not know this name
    name: str
    role: str
    retired: bool
    server_login: str | None = None
    # The project has no coordinator and has not been declined: offer the role.
    coordinator_offer: bool = False


def open_seat(project: Project, remembered_name: str) -> CodingSeat:
    """The coder that ``remembered_name`` codes as in ``project``, added if new (a
    package's own coder in a package; a server login's linked coder on a server)."""
    if project.read_only:
        # Nothing can be written, not even this coder's name: look it up only.
        with project.session() as session:
            found = coders.find_coder(session, remembered_name)
            if found is None:
                return CodingSeat(-1, remembered_name, "coder", False)
            return CodingSeat(found.id, found.name, found.role, bool(found.retired))
    seat = session_coder(project, remembered_name) if project.path is None else None
    with project.write() as session:
        login = None
        if seat is not None and seat.login:
            coder = coders.get_coder(session, seat.coder_id)
            assert coder is not None
            login = seat.login
        else:
            coder = coder_opening(project, session, remembered_name)
        return CodingSeat(
            coder.id,
            coder.name,
            coder.role,
            bool(coder.retired),
            login,
            coders.coordinator_offer_open(session),
        )


def seat_now(project: Project, coder_id: int) -> CodingSeat | None:
    """The coder as the project has them now (after a role change); None: gone."""
    with project.session() as session:
        coder = coders.get_coder(session, coder_id)
        if coder is None:
            return None
        return CodingSeat(
            coder.id,
            coder.name,
            coder.role,
            bool(coder.retired),
            coordinator_offer=coders.coordinator_offer_open(session),
        )


def answer_coordinator_offer(project: Project, coder_id: int, accept: bool) -> None:
    """Become the project's coordinator, or decline for good."""
    with project.write() as session:
        if accept:
            coders.accept_coordinator_offer(session, coder_id)
        else:
            coders.decline_coordinator_offer(session, coder_id)
