"""Who a command acts as, as a coder of the project: the command line's guard."""

from __future__ import annotations

import os

from sqlalchemy.orm import Session

from annotator.services.coders import find_coder, get_coder
from annotator.services.identity import CODER_VARIABLE, acting_name
from annotator.store import server_security


def acting_coder_id(session: Session, given: str | None) -> int | None:
    """Who the command acts as (--as, else $ANNOTATOR_CODER, else the remembered name),
    as a coder of this project; None when nobody is named (guarded actions refuse)."""
    linked = server_security.identity(session.connection())
    if linked is not None and linked.coder_id is not None:
        # A server login linked to a coder is that coder; naming anyone else is refused.
        own = get_coder(session, linked.coder_id)
        if given and own is not None and " ".join(given.split()) != own.name:
            raise ValueError(
                f"You are connected as the login {linked.login}, which is the coder "
                f"{own.name}; it cannot act as {' '.join(given.split())}."
            )
        return linked.coder_id
    name = acting_name(given)
    if name is None:
        return None
    coder = find_coder(session, name)
    if coder is None:
        why = (
            "--as"
            if given
            else f"${CODER_VARIABLE}"
            if os.environ.get(CODER_VARIABLE)
            else "the name UPR Coder remembers"
        )
        raise ValueError(
            f"You act as '{name}' ({why}), but this project has no coder of that name; "
            "a coordinator can add you with 'annotator coder add'."
        )
    return coder.id
