"""What several commands share: who they act as, lists of names, reviews."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the hints: --help must not load the database
    from annotator.store.project import Session

# As annotator.store.models.CODER_ROLES (not imported: --help must not load the database).
CODER_ROLES = ("coder", "adjudicator", "coordinator")
SOURCE_HELP = "whose codes: consensus (the adjudicated values), coder:NAME, or all-coders"


def acting_id(session: Session, args: argparse.Namespace) -> int | None:
    """Who the command acts as (--as, else $ANNOTATOR_CODER, else the remembered name),
    as a coder of this project; None when nobody is named (guarded actions refuse)."""
    from annotator.services.acting import acting_coder_id

    return acting_coder_id(session, getattr(args, "as_coder", None))


def names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def review_ids(session: Session, reviews: list[str] | None) -> list[int] | None:
    from annotator.services.analysis_data import find_review

    if not reviews:
        return None
    return list(dict.fromkeys(find_review(session, text) for text in reviews))
