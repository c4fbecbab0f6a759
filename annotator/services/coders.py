"""Coders: the people who code, adjudicate and coordinate."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.limits import MAX_CODER_NAME
from annotator.store.models import CODER_ROLES, Coder

MAX_NAME = MAX_CODER_NAME


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValueError("A coder needs a name.")
    if len(cleaned) > MAX_NAME:
        raise ValueError(f"A coder's name can be at most {MAX_NAME} characters long.")
    return cleaned


def get_or_create_coder(session: Session, name: str, role: str = "coder") -> Coder:
    if role not in CODER_ROLES:
        raise ValueError(f"'{role}' is not a role; choose one of {', '.join(CODER_ROLES)}.")
    cleaned = clean_name(name)
    coder = session.scalars(select(Coder).where(Coder.name == cleaned)).first()
    if coder is None:
        coder = Coder(name=cleaned, role=role)
        session.add(coder)
        session.flush()
    return coder


def find_coder(session: Session, name: str) -> Coder | None:
    """The coder of that name, without adding one (for a project that cannot be written)."""
    return session.scalars(select(Coder).where(Coder.name == clean_name(name))).first()


def list_coders(session: Session) -> list[Coder]:
    return list(session.scalars(select(Coder).order_by(Coder.name)))
