"""The DataFrames ``annotator.analysis`` works on, read from a project.

Rows are read in chunks and turned into compact columns (categories for the repeated
text), so a project of 200,000 recommendations fits in a few tens of megabytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pandas.api.types import union_categoricals
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from annotator import analysis
from annotator.services import permissions
from annotator.services.coding import FieldSpec, FormSpec, form_spec
from annotator.services.recommendations import review_label
from annotator.services.sources import Source, coder_source, default_source
from annotator.store.models import (
    Annotation,
    Assignment,
    Code,
    Coder,
    CodingStatus,
    Consensus,
    Recommendation,
    RecommendationState,
    Review,
    State,
)
from annotator.store.project import Project

THEME_FIELD = "themes"
VERIFIED_FIELD = "published_response"
CHUNK_ROWS = 50_000


def reviews_frame(session: Session) -> pd.DataFrame:
    """One row a review that has recommendations, by state and cycle."""
    rows = session.execute(
        select(
            Review.id,
            State.name,
            Review.cycle,
            Review.year,
            Review.month,
            Review.report_symbol,
            Review.responses_symbol,
        )
        .join(State, State.id == Review.state_id)
        .where(Review.id.in_(select(Recommendation.review_id).distinct()))
        .order_by(State.name, Review.cycle)
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "review_id",
            "state",
            "cycle",
            "year",
            "month",
            "report_symbol",
            "responses_symbol",
        ],
    )
    frame["review"] = [
        review_label(s, c, None if pd.isna(y) else int(y))
        for s, c, y in zip(frame["state"], frame["cycle"], frame["year"], strict=True)
    ]
    return frame


def _frame(
    session: Session, query: Select, columns: list[str], categories: Sequence[str] = ()
) -> pd.DataFrame:
    """A query's rows as a frame, built chunk by chunk; the ``categories`` columns (coder
    names, statuses, code keys: a few values repeated on every row) are stored once each,
    chunk by chunk, so 600,000 ratings do not hold 600,000 copies of three names."""
    parts: list[pd.DataFrame] = []
    result = session.execute(query.execution_options(yield_per=CHUNK_ROWS))
    for partition in result.partitions():
        part = pd.DataFrame(partition, columns=columns)
        for column in categories:
            part[column] = part[column].astype("category")
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=columns)
    if len(parts) == 1:
        return parts[0]
    frame = pd.concat([p.drop(columns=list(categories)) for p in parts], ignore_index=True)
    for column in categories:
        frame[column] = union_categoricals([p[column] for p in parts], ignore_order=True)
    return frame[columns]


def recommendations_frame(
    session: Session,
    review_ids: Sequence[int] | None = None,
    *,
    include_text: bool = True,
) -> pd.DataFrame:
    """One row a recommendation, in reading order, with its response category."""
    reviews = reviews_frame(session)
    columns: list[Any] = [
        Recommendation.id,
        Recommendation.review_id,
        Recommendation.number,
        Recommendation.sort_key,
        Recommendation.response,
        Recommendation.position,
    ]
    names = ["id", "review_id", "number", "sort_key", "response", "position"]
    if include_text:
        columns.append(Recommendation.text)
        names.append("text")
    query = select(*columns).order_by(
        Recommendation.review_id, Recommendation.sort_key, Recommendation.id
    )
    if review_ids is not None:
        query = query.where(Recommendation.review_id.in_(list(review_ids)))
    frame = _frame(session, query, names)
    categories = {w: analysis.response_category(w) for w in frame["response"].unique()}
    frame["category"] = pd.Categorical(
        frame["response"].map(categories), categories=list(analysis.CATEGORIES)
    )
    frame["response"] = frame["response"].astype("category")
    frame["position"] = frame["position"].astype("category")
    meta = reviews.set_index("review_id")
    for column in ("review", "state", "cycle", "year", "month"):
        frame[column] = frame["review_id"].map(meta[column])
    frame["review"] = frame["review"].astype("category")
    frame["state"] = frame["state"].astype("category")
    frame["year"] = frame["year"].astype("Int64")
    frame["month"] = frame["month"].astype("Int64")
    frame["number"] = frame["number"].fillna("")
    return frame


def recommending_frame(session: Session, review_ids: Sequence[int] | None = None) -> pd.DataFrame:
    """One row a recommending state of a recommendation."""
    query = (
        select(RecommendationState.recommendation_id, State.name, State.regional_group)
        .join(State, State.id == RecommendationState.state_id)
        .order_by(RecommendationState.recommendation_id, RecommendationState.ordinal)
    )
    if review_ids is not None:
        query = query.join(
            Recommendation, Recommendation.id == RecommendationState.recommendation_id
        ).where(Recommendation.review_id.in_(list(review_ids)))
    frame = _frame(session, query, ["id", "state", "regional_group"])
    frame["state"] = frame["state"].astype("category")
    frame["regional_group"] = frame["regional_group"].astype("category")
    return frame


def theme_field(spec: FormSpec, key: str = THEME_FIELD) -> FieldSpec | None:
    """The codebook's themes field: the one keyed ``themes``, else its first multi-choice."""
    for candidate in spec.fields:
        if candidate.key == key:
            return candidate
    return next((f for f in spec.fields if f.kind == "multi"), None)


def _code_table(spec: FieldSpec) -> pd.DataFrame:
    by_id = {c.id: c for c in spec.codes}
    rows = []
    for order, code in enumerate(spec.codes):
        parent = by_id.get(code.parent_id) if code.parent_id else None
        rows.append((code.id, code.key, code.label, parent.label if parent else code.label, order))
    return pd.DataFrame(rows, columns=["code_id", "key", "theme", "group", "order"])


def codes_frame(
    session: Session,
    field: FieldSpec,
    source: Source,
    review_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """One row a code of ``field`` on a recommendation, from the source; for every
    coder together, a code counts once when any coder chose it."""
    if source.kind == "consensus":
        query = select(Consensus.recommendation_id, Consensus.code_id).where(
            Consensus.field_id == field.id, Consensus.code_id.is_not(None)
        )
        recommendation = Consensus.recommendation_id
    else:
        query = select(Annotation.recommendation_id, Annotation.code_id).where(
            Annotation.field_id == field.id, Annotation.code_id.is_not(None)
        )
        if source.kind == "coder":
            query = query.where(Annotation.coder_id == source.coder_id)
        else:
            query = query.distinct()
        recommendation = Annotation.recommendation_id
    if review_ids is not None:
        query = query.join(Recommendation, Recommendation.id == recommendation).where(
            Recommendation.review_id.in_(list(review_ids))
        )
    found = _frame(session, query, ["id", "code_id"])
    frame = found.merge(_code_table(field), on="code_id", how="inner")
    for column in ("key", "theme", "group"):
        frame[column] = frame[column].astype("category")
    return frame[["id", "key", "theme", "group", "order"]].reset_index(drop=True)


def verified_query(field: FieldSpec, coder_id: int | None = None) -> Select:
    """The verified responses (recommendation id, coder's name, code key), one row a
    coder's value; only ``coder_id``'s when given."""
    query = (
        select(Annotation.recommendation_id, Coder.name, Code.key)
        .join(Coder, Coder.id == Annotation.coder_id)
        .join(Code, Code.id == Annotation.code_id)
        .where(Annotation.field_id == field.stored_id)
    )
    if coder_id is not None:
        query = query.where(Annotation.coder_id == coder_id)
    return query


def verified_frame(
    session: Session,
    field: FieldSpec,
    review_ids: Sequence[int] | None = None,
    coder_id: int | None = None,
) -> pd.DataFrame:
    """One row a coder's verified response: ``id``, ``coder``, ``value`` (the code key);
    only ``coder_id``'s when given."""
    query = verified_query(field, coder_id)
    if review_ids is not None:
        query = query.join(Recommendation, Recommendation.id == Annotation.recommendation_id).where(
            Recommendation.review_id.in_(list(review_ids))
        )
    return _frame(session, query, ["id", "coder", "value"], ("coder", "value"))


def statuses_frame(session: Session, review_ids: Sequence[int] | None = None) -> pd.DataFrame:
    query = select(CodingStatus.recommendation_id, Coder.name, CodingStatus.status).join(
        Coder, Coder.id == CodingStatus.coder_id
    )
    if review_ids is not None:
        query = query.join(
            Recommendation, Recommendation.id == CodingStatus.recommendation_id
        ).where(Recommendation.review_id.in_(list(review_ids)))
    return _frame(session, query, ["id", "coder", "status"], ("coder", "status"))


def assignments_frame(session: Session) -> pd.DataFrame:
    query = select(Assignment.recommendation_id, Coder.name).join(
        Coder, Coder.id == Assignment.coder_id
    )
    return _frame(session, query, ["id", "coder"], ("coder",))


@dataclass
class AnalysisData:
    """Everything the analyses need about a project (or some of its reviews)."""

    reviews: pd.DataFrame
    recommendations: pd.DataFrame
    recommending: pd.DataFrame
    themes: pd.DataFrame
    theme_labels: tuple[str, ...]  # every theme of the codebook, coded or not
    verified: pd.DataFrame | None  # None: the codebook has no verified-response field
    statuses: pd.DataFrame
    assignments: pd.DataFrame
    coders: tuple[str, ...]
    source: Source
    review_ids: tuple[int, ...] | None = None

    def breakdown(self, review_id: int | None = None) -> analysis.ResponseBreakdown:
        return analysis.response_breakdown(self.recommendations, review_id)

    def crosstab(self, level: str = "theme") -> analysis.CrossTab:
        return analysis.theme_crosstab(self.recommendations, self.themes, level=level)  # type: ignore[arg-type]

    def progress(self) -> analysis.CodingProgress:
        return analysis.coding_progress(
            self.statuses,
            len(self.recommendations),
            coders=self.coders,
            assignments=self.assignments,
            ids=self.recommendations["id"],
        )


def load(
    session: Session,
    *,
    source: Source | None = None,
    review_ids: Sequence[int] | None = None,
    include_text: bool = True,
    by_coder_id: int | None = None,
) -> AnalysisData:
    """Read what the analyses need; themes come from ``source`` (default: the consensus
    once there is one, else the only coder, else every coder together).

    ``by_coder_id`` is who asks. Adjudicators and coordinators may analyse anyone's
    codes; a coder works blind, so their analyses count their own codes (and verified
    responses) only."""
    sees_others = permissions.sees_others(session, by_coder_id)
    if source is None and not sees_others and by_coder_id is not None:
        me = session.get(Coder, by_coder_id)
        source = Source("coder", by_coder_id, me.name) if me is not None else None
    chosen = source or default_source(session)
    permissions.check_source(session, chosen, by_coder_id)
    spec = form_spec(session)
    themes_spec = theme_field(spec)
    verified_spec = next((f for f in spec.fields if f.key == VERIFIED_FIELD), None)
    recommendations = recommendations_frame(session, review_ids, include_text=include_text)
    if themes_spec is not None:
        themes = codes_frame(session, themes_spec, chosen, review_ids)
        labels = tuple(c.label for c in themes_spec.codes)
    else:
        themes = pd.DataFrame(columns=["id", "key", "theme", "group", "order"])
        labels = ()
    return AnalysisData(
        reviews=reviews_frame(session),
        recommendations=recommendations,
        recommending=recommending_frame(session, review_ids),
        themes=themes,
        theme_labels=labels,
        verified=(
            verified_frame(session, verified_spec, review_ids, None if sees_others else by_coder_id)
            if verified_spec
            else None
        ),
        statuses=statuses_frame(session, review_ids),
        assignments=assignments_frame(session),
        coders=tuple(session.scalars(select(Coder.name).order_by(Coder.name))),
        source=chosen,
        review_ids=tuple(review_ids) if review_ids is not None else None,
    )


def load_for(project: Project, wanted: str | None, *, by_coder_id: int | None) -> AnalysisData:
    """What the Analysis window shows, in one read: ``wanted`` is whose themes count,
    None for the default, ``coder:NAME``, ``consensus`` or ``all-coders``."""
    with project.session() as session:
        if wanted is None:
            source = default_source(session)
        elif wanted.startswith("coder:"):
            source = coder_source(session, wanted.split(":", 1)[1])
        else:
            source = Source(wanted)  # type: ignore[arg-type]
        return load(session, source=source, by_coder_id=by_coder_id)


def find_review(session: Session, text: str) -> int:
    """A review's id from what a person types: STATE:CYCLE (China:3) or a report symbol."""
    from annotator.services.importing import parse_review

    record, symbol = parse_review(text)
    query = select(Review.id)
    if symbol is not None:
        query = query.where(Review.report_symbol == symbol)
    else:
        assert record is not None
        query = query.join(State, State.id == Review.state_id).where(
            State.iso3 == record.state_iso3, Review.cycle == record.cycle
        )
    found = session.scalar(query)
    if found is None:
        raise ValueError(f"There is no review '{text.strip()}' in this project.")
    return found
