"""What several commands share: who they act as, lists of names, help texts."""

from __future__ import annotations

import argparse

# As annotator.store.models.CODER_ROLES (not imported: --help must not load the database).
CODER_ROLES = ("coder", "adjudicator", "coordinator")
SOURCE_HELP = "whose codes: consensus (the adjudicated values), coder:NAME, or all-coders"


def given(args: argparse.Namespace) -> str | None:
    """The name given with --as (before or after the command), if any; the services
    take it from there ($ANNOTATOR_CODER, else the remembered name)."""
    name: str | None = getattr(args, "as_coder", None)
    return name


def names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]
