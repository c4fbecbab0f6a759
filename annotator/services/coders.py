"""Coders: the people who code, adjudicate and coordinate, and how a coordinator
manages them (add, rename, set a role, retire, restore).

Every change is a coordinator's (``permissions.MANAGE_CODERS``) and is written to the
audit trail. Two rules keep a project governable: the last active coordinator cannot
give up the role or be retired, and a project without a coordinator lets one person
claim the role (the app offers it once to the first person who opens the project).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.limits import MAX_CODER_NAME
from annotator.services import permissions
from annotator.services.permissions import MANAGE_CODERS, NotPermitted
from annotator.store.models import CODER_ROLES, AuditEvent, Coder
from annotator.store.project import Project

MAX_NAME = MAX_CODER_NAME
# Audit actions of the one-time offer to become coordinator of a project without one.
OFFER_ACCEPTED = "become_coordinator"
OFFER_DECLINED = "decline_coordinator"


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValueError("A coder needs a name.")
    if len(cleaned) > MAX_NAME:
        raise ValueError(f"A coder's name can be at most {MAX_NAME} characters long.")
    return cleaned


def check_role(role: str) -> str:
    cleaned = role.strip().casefold()
    if cleaned not in CODER_ROLES:
        raise ValueError(f"'{role}' is not a role; choose one of {', '.join(CODER_ROLES)}.")
    return cleaned


def get_or_create_coder(session: Session, name: str, role: str = "coder") -> Coder:
    """The coder of that name, added (with ``role``) if the project does not have them.

    This is how a person joins a project by opening it with their name; it is not a
    coordinator's action, so callers other than project set-up leave ``role`` alone.
    """
    role = check_role(role)
    cleaned = clean_name(name)
    coder = find_coder(session, cleaned)
    if coder is None:
        coder = Coder(name=cleaned, role=role)
        session.add(coder)
        session.flush()
    return coder


def find_coder(session: Session, name: str) -> Coder | None:
    """The coder of that name, retired or not: exactly as written (spaces collapsed),
    else the one whose name differs only in letter case (the earliest added, should two).

    A name is typed by people (at the start, in ``--as``, in a coding sheet) and two
    coders may not have names that differ only in case, so case is forgiven; the
    comparison is Python's ``casefold`` rather than SQL's ``lower``, which SQLite
    applies to ASCII letters only ("Élise" would not find "élise"), so that the same
    name finds the same coder on SQLite and on PostgreSQL.
    """
    cleaned = " ".join(name.split())
    exact = session.scalars(select(Coder).where(Coder.name == cleaned)).first()
    if exact is not None:
        return exact
    folded = cleaned.casefold()
    for coder in session.scalars(select(Coder).order_by(Coder.id)):
        if coder.name.casefold() == folded:
            return coder
    return None


def get_coder(session: Session, coder_id: int) -> Coder | None:
    return session.get(Coder, coder_id)


def coder_named(session: Session, name: str) -> Coder:
    """By name, or a ValueError naming the project's coders."""
    coder = find_coder(session, name)
    if coder is None:
        known = ", ".join(c.name for c in list_coders(session)) or "none yet"
        raise ValueError(
            f"There is no coder named '{' '.join(name.split())}' in this project. "
            f"Its coders: {known}."
        )
    return coder


def list_coders(session: Session, *, include_retired: bool = False) -> list[Coder]:
    query = select(Coder).order_by(Coder.name)
    if not include_retired:
        query = query.where(Coder.retired_at.is_(None))
    return list(session.scalars(query))


def coordinators(session: Session) -> list[Coder]:
    return [c for c in list_coders(session) if c.role == "coordinator"]


@dataclass(frozen=True)
class CoderRow:
    """A coder as the Manage dialog and `annotator coder list` show them."""

    id: int
    name: str
    role: str
    retired: bool
    coded: int  # recommendations with a status or a code of theirs


def coder_rows(session: Session, *, include_retired: bool = True) -> list[CoderRow]:
    from annotator.store.models import CodingStatus

    coded = dict(
        session.execute(
            select(CodingStatus.coder_id, func.count()).group_by(CodingStatus.coder_id)
        ).all()
    )
    return [
        CoderRow(c.id, c.name, c.role, c.retired, coded.get(c.id, 0))
        for c in list_coders(session, include_retired=include_retired)
    ]


def _audit(
    session: Session, by: Coder | None, action: str, coder: Coder, **change: tuple[object, object]
) -> None:
    before = {k: v[0] for k, v in change.items()}
    after = {k: v[1] for k, v in change.items()}
    session.add(
        AuditEvent(
            at=datetime.now(UTC),
            coder_id=by.id if by is not None else None,
            action=action,
            entity="coder",
            entity_uuid=coder.uuid,
            before=json.dumps({"name": coder.name, **before}),
            after=json.dumps({"name": coder.name, **after}),
        )
    )


def _name_free(session: Session, name: str, keep: Coder | None = None) -> None:
    other = find_coder(session, name)
    if other is not None and other is not keep and other.name.casefold() == name.casefold():
        state = " (retired; restore them instead)" if other.retired else ""
        raise ValueError(f"This project already has a coder named '{other.name}'{state}.")


def add_coder(
    session: Session, name: str, role: str = "coder", *, by_coder_id: int | None
) -> Coder:
    by = permissions.require(session, by_coder_id, MANAGE_CODERS)
    cleaned, role = clean_name(name), check_role(role)
    _name_free(session, cleaned)
    coder = Coder(name=cleaned, role=role)
    session.add(coder)
    session.flush()
    _audit(session, by, "add", coder, role=(None, role))
    session.flush()
    return coder


def rename_coder(session: Session, coder_id: int, name: str, *, by_coder_id: int | None) -> Coder:
    by = permissions.require(session, by_coder_id, MANAGE_CODERS)
    coder = _get(session, coder_id)
    cleaned = clean_name(name)
    if cleaned == coder.name:
        return coder
    _name_free(session, cleaned, keep=coder)
    old = coder.name
    coder.name = cleaned
    _audit(session, by, "rename", coder, name=(old, cleaned))
    session.flush()
    return coder


def _get(session: Session, coder_id: int) -> Coder:
    coder = session.get(Coder, coder_id)
    if coder is None:
        raise ValueError("There is no such coder in this project.")
    return coder


def _last_coordinator(session: Session, coder: Coder) -> bool:
    return coder.role == "coordinator" and not coder.retired and len(coordinators(session)) == 1


def set_role(session: Session, coder_id: int, role: str, *, by_coder_id: int | None) -> Coder:
    """Give a coder a role. In a project with no coordinator, a person may make
    themselves coordinator (the way in for projects made before roles existed)."""
    role = check_role(role)
    coder = _get(session, coder_id)
    claiming = (
        role == "coordinator"
        and by_coder_id == coder_id
        and not coder.retired
        and not permissions.has_coordinator(session)
    )
    by = coder if claiming else permissions.require(session, by_coder_id, MANAGE_CODERS)
    if coder.role == role:
        return coder
    if _last_coordinator(session, coder):
        raise NotPermitted(
            f"{coder.name} is the project's last coordinator, so they stay coordinator; "
            "make someone else coordinator first."
        )
    old = coder.role
    coder.role = role
    _audit(session, by, OFFER_ACCEPTED if claiming else "set_role", coder, role=(old, role))
    session.flush()
    return coder


def retire_coder(session: Session, coder_id: int, *, by_coder_id: int | None) -> Coder:
    """The coder can no longer code and is not offered in lists; their work stays."""
    by = permissions.require(session, by_coder_id, MANAGE_CODERS)
    coder = _get(session, coder_id)
    if coder.retired:
        return coder
    if _last_coordinator(session, coder):
        raise NotPermitted(
            f"{coder.name} is the project's last coordinator and cannot be retired; "
            "make someone else coordinator first."
        )
    coder.retired_at = datetime.now(UTC)
    _audit(session, by, "retire", coder, retired=(False, True))
    session.flush()
    return coder


def restore_coder(session: Session, coder_id: int, *, by_coder_id: int | None) -> Coder:
    by = permissions.require(session, by_coder_id, MANAGE_CODERS)
    coder = _get(session, coder_id)
    if not coder.retired:
        return coder
    coder.retired_at = None
    _audit(session, by, "restore", coder, retired=(True, False))
    session.flush()
    return coder


# -- the one-time offer to become coordinator ------------------------------------------------


def coordinator_offer_open(session: Session) -> bool:
    """Whether to offer the person opening the project the coordinator role: only when
    the project has none, and only once (an accepted or declined offer is never made
    again; a declined one is recorded so)."""
    if permissions.has_coordinator(session):
        return False
    answered = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.entity == "coder",
            AuditEvent.action.in_((OFFER_ACCEPTED, OFFER_DECLINED)),
        )
    )
    return not answered


def accept_coordinator_offer(session: Session, coder_id: int) -> Coder:
    if not coordinator_offer_open(session):
        raise NotPermitted("This project already has a coordinator, or the offer was answered.")
    return set_role(session, coder_id, "coordinator", by_coder_id=coder_id)


def decline_coordinator_offer(session: Session, coder_id: int) -> None:
    coder = _get(session, coder_id)
    _audit(session, coder, OFFER_DECLINED, coder, role=(coder.role, coder.role))
    session.flush()


# -- what the Manage dialog asks, each in its own unit of work -------------------------------


@dataclass(frozen=True)
class CodersOverview:
    """The coders, and what the person asking may do with them."""

    rows: list[CoderRow]
    may_manage: bool  # an active coordinator
    may_claim: bool  # the project has no coordinator, so they may become it
    my_role: str | None  # None: the person is not a coder of this project


def coders_overview(project: Project, coder_id: int | None) -> CodersOverview:
    with project.session() as session:
        me = get_coder(session, coder_id) if coder_id is not None else None
        return CodersOverview(
            rows=coder_rows(session),
            may_manage=(
                me is not None
                and not me.retired
                and permissions.may(me.role, permissions.MANAGE_CODERS)
            ),
            may_claim=me is not None and not permissions.has_coordinator(session),
            my_role=me.role if me is not None else None,
        )


@dataclass(frozen=True)
class CoderChange:
    """One change to the coders: ``add`` (name, role), ``rename`` (coder_id, name),
    ``role`` (coder_id, role), ``retire`` or ``restore`` (coder_id)."""

    kind: Literal["add", "rename", "role", "retire", "restore"]
    coder_id: int | None = None
    name: str = ""
    role: str = "coder"


def change_coders(project: Project, change: CoderChange, *, by_coder_id: int | None) -> None:
    """Save one change, committed at once; ValueError or NotPermitted, changing nothing."""
    with project.write() as session:
        if change.kind == "add":
            add_coder(session, change.name, change.role, by_coder_id=by_coder_id)
            return
        if change.coder_id is None:
            raise ValueError("Choose a coder first.")
        if change.kind == "rename":
            rename_coder(session, change.coder_id, change.name, by_coder_id=by_coder_id)
        elif change.kind == "role":
            set_role(session, change.coder_id, change.role, by_coder_id=by_coder_id)
        elif change.kind == "retire":
            retire_coder(session, change.coder_id, by_coder_id=by_coder_id)
        else:
            restore_coder(session, change.coder_id, by_coder_id=by_coder_id)
