"""Whose codes an export or an analysis shows: the consensus, one coder, or every coder.

``values_in`` reads the chosen values for a chunk of recommendations in one query per
kind of row, so exports and analyses stream through a project of any size with memory
that does not grow with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.services.coders import find_coder
from annotator.services.coding import FieldValue
from annotator.store.models import Annotation, Coder, CodingStatus, Consensus
from annotator.store.queries import in_chunks

SourceKind = Literal["consensus", "coder", "all-coders"]
SOURCE_HELP = "consensus, coder:NAME or all-coders"
# The key under which the consensus sits where values are keyed by coder.
CONSENSUS_KEY = 0


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    coder_id: int | None = None
    coder_name: str | None = None

    @property
    def spec(self) -> str:
        """As typed on the command line: consensus, coder:NAME, all-coders."""
        return f"coder:{self.coder_name}" if self.kind == "coder" else self.kind

    @property
    def label(self) -> str:
        if self.kind == "consensus":
            return "consensus (the adjudicated values)"
        if self.kind == "coder":
            return f"coder {self.coder_name}"
        return "all coders"


def parse_source(session: Session, text: str) -> Source:
    """``consensus``, ``coder:NAME`` or ``all-coders``; a ValueError in plain words else."""
    value = text.strip()
    lowered = value.casefold()
    if lowered == "consensus":
        return Source("consensus")
    if lowered in ("all-coders", "all coders", "all"):
        return Source("all-coders")
    kind, sep, name = value.partition(":")
    if not sep or kind.strip().casefold() != "coder" or not name.strip():
        raise ValueError(f"'{text}' is not a source of codes; write {SOURCE_HELP}.")
    return coder_source(session, name)


def coder_source(session: Session, name: str) -> Source:
    coder = find_coder(session, name)
    if coder is not None:
        return Source("coder", coder.id, coder.name)
    known = ", ".join(sorted(session.scalars(select(Coder.name)))) or "none yet"
    wanted = " ".join(name.split())
    raise ValueError(f"There is no coder named '{wanted}' in this project. Its coders: {known}.")


def default_source(session: Session) -> Source:
    """What an analysis should count when nobody said: the consensus once there is one,
    else the only coder who has coded, else every coder's codes together."""
    if session.scalar(select(func.count()).select_from(Consensus)):
        return Source("consensus")
    coders = list(
        session.execute(
            select(Coder.id, Coder.name)
            .where(Coder.id.in_(select(Annotation.coder_id).distinct()))
            .order_by(Coder.name)
        )
    )
    if len(coders) == 1:
        ((cid, name),) = coders
        return Source("coder", cid, name)
    return Source("all-coders")


def coder_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Coder.id, Coder.name)).all())


def coders_with_codes(session: Session) -> list[tuple[int, str]]:
    """Coders who have coded or marked anything, by name."""
    active = select(Annotation.coder_id).union(select(CodingStatus.coder_id))
    return [
        (cid, name)
        for cid, name in session.execute(
            select(Coder.id, Coder.name).where(Coder.id.in_(active)).order_by(Coder.name)
        )
    ]


def _from_rows(rows: Iterable[tuple[int | None, str | None]]) -> FieldValue:
    # As adjudication stores a decision: one row a code, or one with the text, or one
    # with neither for a decided "no code".
    items = list(rows)
    codes = frozenset(code for code, _ in items if code is not None)
    texts = [value for code, value in items if code is None and value is not None]
    return FieldValue(codes, texts[0] if texts else None)


def values_in(
    session: Session,
    source: Source,
    ids: Sequence[int],
    field_ids: Sequence[int] | None = None,
) -> dict[int, dict[int, dict[int, FieldValue]]]:
    """Recommendation id -> coder id (``CONSENSUS_KEY`` for the consensus) -> field id ->
    value, for the recommendations ``ids`` (read in chunks). A field is present when the
    source has a value for it (a decided empty consensus included)."""
    rows: dict[tuple[int, int, int], list[tuple[int | None, str | None]]] = {}
    for chunk in in_chunks(ids):
        if source.kind == "consensus":
            agreed = select(
                Consensus.recommendation_id,
                Consensus.field_id,
                Consensus.code_id,
                Consensus.value,
            ).where(Consensus.recommendation_id.in_(chunk))
            if field_ids is not None:
                agreed = agreed.where(Consensus.field_id.in_(list(field_ids)))
            for rid, fid, code_id, value in session.execute(agreed):
                rows.setdefault((rid, CONSENSUS_KEY, fid), []).append((code_id, value))
            continue
        query = select(
            Annotation.recommendation_id,
            Annotation.coder_id,
            Annotation.field_id,
            Annotation.code_id,
            Annotation.value,
        ).where(Annotation.recommendation_id.in_(chunk))
        if source.kind == "coder":
            query = query.where(Annotation.coder_id == source.coder_id)
        if field_ids is not None:
            query = query.where(Annotation.field_id.in_(list(field_ids)))
        for rid, cid, fid, code_id, value in session.execute(query):
            rows.setdefault((rid, cid, fid), []).append((code_id, value))
    result: dict[int, dict[int, dict[int, FieldValue]]] = {}
    for (rid, cid, fid), found in rows.items():
        result.setdefault(rid, {}).setdefault(cid, {})[fid] = _from_rows(found)
    return result


def statuses_in(
    session: Session, ids: Sequence[int], coder_id: int | None = None
) -> dict[tuple[int, int], str]:
    """(recommendation id, coder id) -> status, for ``ids`` (one coder's, or everyone's)."""
    found: dict[tuple[int, int], str] = {}
    for chunk in in_chunks(ids):
        query = select(
            CodingStatus.recommendation_id, CodingStatus.coder_id, CodingStatus.status
        ).where(CodingStatus.recommendation_id.in_(chunk))
        if coder_id is not None:
            query = query.where(CodingStatus.coder_id == coder_id)
        for rid, cid, status in session.execute(query):
            found[(rid, cid)] = status
    return found


@dataclass(frozen=True)
class SuggestionMarks:
    """Where coders had theme suggestions on screen, and the codes they accepted."""

    shown: frozenset[tuple[int, int]]  # (recommendation id, coder id)
    accepted: dict[tuple[int, int], frozenset[int]]  # -> code ids


def suggestion_marks(
    session: Session, ids: Sequence[int], coder_id: int | None = None
) -> SuggestionMarks:
    shown: set[tuple[int, int]] = set()
    accepted: dict[tuple[int, int], set[int]] = {}
    for chunk in in_chunks(ids):
        query = select(CodingStatus.recommendation_id, CodingStatus.coder_id).where(
            CodingStatus.recommendation_id.in_(chunk), CodingStatus.suggestions_shown.is_(True)
        )
        codes = select(Annotation.recommendation_id, Annotation.coder_id, Annotation.code_id).where(
            Annotation.recommendation_id.in_(chunk), Annotation.accepted_suggestion.is_(True)
        )
        if coder_id is not None:
            query = query.where(CodingStatus.coder_id == coder_id)
            codes = codes.where(Annotation.coder_id == coder_id)
        shown.update((rid, cid) for rid, cid in session.execute(query))
        for rid, cid, code in session.execute(codes):
            if code is not None:
                accepted.setdefault((rid, cid), set()).add(code)
    return SuggestionMarks(frozenset(shown), {k: frozenset(v) for k, v in accepted.items()})
