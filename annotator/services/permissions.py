"""Who may do what: the one rule set every front end (app, command line, scripts,
coding sheets) goes through.

Each guarded service function calls ``require(session, acting_coder_id, ACTION)`` first;
a refusal raises ``NotPermitted`` naming the role the action needs. The acting coder is
always said by the caller (an id, never "whoever"): ``None`` is refused, so a script
that forgets to say who it acts as cannot slip past the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.store.models import Coder

if TYPE_CHECKING:
    from annotator.services.sources import Source

COORDINATOR = ("coordinator",)
DECIDERS = ("adjudicator", "coordinator")
EVERYONE = ("coder", "adjudicator", "coordinator")


class NotPermitted(ValueError):
    """The acting coder's role does not allow the action; nothing was changed."""


@dataclass(frozen=True)
class Action:
    verb: str  # completes "Only a coordinator can ..."
    roles: tuple[str, ...]


EDIT_CODEBOOK = Action("edit the codebook", COORDINATOR)
ASSIGN_WORK = Action("assign work", COORDINATOR)
MAKE_PACKAGES = Action("make packages and coding sheets for other coders", COORDINATOR)
MERGE = Action("merge other coders' work into the project", COORDINATOR)
MANAGE_CODERS = Action("manage coders", COORDINATOR)
COPY_PROJECT = Action("copy the whole project", COORDINATOR)
SEE_OTHERS = Action("see other coders' codes", DECIDERS)
MEASURE = Action("measure how far the coders agree", DECIDERS)
DECIDE = Action("decide the final value", DECIDERS)
CODE = Action("code", EVERYONE)

ACTIONS = (
    EDIT_CODEBOOK,
    ASSIGN_WORK,
    MAKE_PACKAGES,
    MERGE,
    MANAGE_CODERS,
    COPY_PROJECT,
    SEE_OTHERS,
    MEASURE,
    DECIDE,
    CODE,
)

ROLE_NAMES = {"coder": "a coder", "adjudicator": "an adjudicator", "coordinator": "a coordinator"}


def may(role: str, action: Action) -> bool:
    """Whether a role allows the action (for front ends that grey out what it does not)."""
    return role in action.roles


def needed(action: Action) -> str:
    return " or ".join(ROLE_NAMES[role] for role in action.roles)


def has_coordinator(session: Session) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Coder)
            .where(Coder.role == "coordinator", Coder.retired_at.is_(None))
        )
    )


def _no_coordinator_hint(session: Session) -> str:
    if has_coordinator(session):
        return ""
    return (
        " This project has no coordinator yet: open it in UPR Coder and accept the offer, or "
        "run 'annotator coder set-role YOUR-NAME coordinator --as YOUR-NAME'."
    )


def require(session: Session, coder_id: int | None, action: Action) -> Coder:
    """The acting coder, if their role allows ``action``; ``NotPermitted`` else."""
    if coder_id is None:
        raise NotPermitted(
            f"Say who you are to {action.verb}: this needs {needed(action)} "
            "(on the command line: --as NAME or $ANNOTATOR_CODER)."
        )
    coder = session.get(Coder, coder_id)
    if coder is None:
        raise NotPermitted(f"There is no such coder in this project, so they cannot {action.verb}.")
    if coder.retired:
        raise NotPermitted(
            f"{coder.name} is retired from this project and can no longer {action.verb}; "
            "a coordinator can bring them back (Coders ▸ Manage, or 'annotator coder restore')."
        )
    if coder.role not in action.roles:
        only = "Only " + needed(action)
        raise NotPermitted(
            f"{only} can {action.verb}; you are {ROLE_NAMES[coder.role]}."
            + _no_coordinator_hint(session)
        )
    return coder


def require_self_or(session: Session, coder_id: int | None, owner_id: int, action: Action) -> Coder:
    """A coder may always act on their own work; on another coder's, ``action`` decides."""
    if coder_id is not None and coder_id == owner_id:
        return require(session, coder_id, CODE)
    return require(session, coder_id, action)


def sees_others(session: Session, coder_id: int | None) -> bool:
    if coder_id is None:
        return False
    coder = session.get(Coder, coder_id)
    return coder is not None and not coder.retired and coder.role in SEE_OTHERS.roles


def check_source(session: Session, source: Source, coder_id: int | None) -> None:
    """Whose codes a coder may export or analyse: their own; the consensus, another
    coder's and every coder's codes are for adjudicators and coordinators."""
    if source.kind == "coder" and source.coder_id is not None:
        require_self_or(session, coder_id, source.coder_id, SEE_OTHERS)
    else:
        require(session, coder_id, SEE_OTHERS)
